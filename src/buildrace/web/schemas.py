"""The HTTP API's requests and answers as pydantic models, and the limits they enforce.

Policies are the scenario files' own lever models (:data:`buildrace.model.levers.Lever`),
so a policy the API accepts is one a scenario file accepts, with the same ranges and the
same messages; ``/openapi.json`` is generated from these models. The limits keep one
request from occupying the simulation pool for long: draws, horizon, policies, players.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from buildrace.model.levers import Lever
from buildrace.web.assumptions import Assumptions

MAX_DRAWS = 200
"""Draws of one race (the 5-95% band needs a few tens)."""
MAX_COMPARE_DRAWS = 50
MAX_EXPLAIN_DRAWS = 20
MAX_PLAYERS = 5
"""Players of an explanation: 2**5 = 32 runs at most."""
MAX_BACKTEST_DRAWS = 20
MAX_POLICIES = 64
"""Policies added, and patterns removed, per request."""
MIN_END_YEAR, MAX_END_YEAR = 2025, 2060
"""The horizon a request may set (the scenarios end in 2050)."""
MAX_SITES = 10
MAX_SEED = 2**32 - 1
LANGUAGES = ("en", "vi")
Language = Literal["en", "vi"]

_FORBID = ConfigDict(extra="forbid", frozen=True)


@cache
def scenario_names() -> tuple[str, ...]:
    """The built-in scenarios (the web API never reads scenario files from disk)."""
    from buildrace.io.scenario_file import builtin_names

    return builtin_names()


@cache
def world_names() -> tuple[str, ...]:
    """The embedded worlds."""
    folder = resources.files("buildrace.data")
    return tuple(sorted(p.name for p in folder.iterdir() if p.name.startswith("world_") and p.is_dir()))


@cache
def chain_names() -> tuple[str, ...]:
    """The chains the siting model knows."""
    from buildrace.siting.chains import CHAINS

    return tuple(sorted(CHAINS))


def _one_of(names: tuple[str, ...], what: str, where: str) -> Any:
    """A string that must be one of ``names``: the message lists them and where to look."""

    def check(value: str) -> str:
        if value not in names:
            raise ValueError(f"unknown {what} {value!r}; choose one of: {', '.join(names)}{where}")
        return value

    return AfterValidator(check)


ScenarioName = Annotated[str, _one_of(scenario_names(), "scenario", " (GET /api/scenarios)"),
                         Field(json_schema_extra={"enum": list(scenario_names())})]
WorldName = Annotated[str, _one_of(world_names(), "world", ""), Field(json_schema_extra={"enum": list(world_names())})]
ChainName = Annotated[str, _one_of(chain_names(), "chain", ""), Field(json_schema_extra={"enum": list(chain_names())})]
Seed = Annotated[int | None, Field(strict=True, ge=0, le=MAX_SEED,
                                   description="root seed of the draws (default: the scenario's own)")]
def _pattern_shape(value: Any) -> Any:
    # one clear message instead of one per member of the union
    if not isinstance(value, (str, dict)):
        raise ValueError('give a lever name or an object such as {"lever": "tariff", "importer": "US"}')
    return value


RemovePattern = Annotated[
    str | dict[str, Any],
    BeforeValidator(_pattern_shape),
    Field(description='a lever name, or an object such as {"lever": "tariff", "importer": "US"}: every field'
                      " must match (a list field of the policy matches when it contains the value)"),
]


class ScenarioSpec(BaseModel):
    """A built-in scenario, less the policies that match ``remove``, plus ``policies``."""

    model_config = _FORBID

    scenario: ScenarioName = Field("race", description="a built-in scenario (GET /api/scenarios)")
    policies: list[Lever] = Field(default_factory=list, max_length=MAX_POLICIES,
                                  description="levers added to the scenario (GET /api/levers)")
    remove: list[RemovePattern] = Field(default_factory=list, max_length=MAX_POLICIES,
                                        description="patterns of the scenario's own levers to take out first")
    end_year: int | None = Field(None, strict=True, ge=MIN_END_YEAR, le=MAX_END_YEAR,
                                 description="the horizon (default: the scenario's, 2050)")
    assumptions: Assumptions = Field(default_factory=Assumptions,
                                     description="uncertain parameters as multipliers (1: the world's own), applied to"
                                                 " the scenario and its reference path alike")


class RaceRequest(ScenarioSpec):
    """A race: the scenario beside its reference path."""

    draws: int = Field(1, strict=True, ge=1, le=MAX_DRAWS,
                       description="scenario draws; with several, the charts carry the 5-95% band")
    seed: Seed = None


class ReportRequest(RaceRequest):
    """A race as the self-contained HTML report of ``buildrace run --report``."""

    lang: Language = Field("en", description="the report's language")


class CompareRequest(BaseModel):
    """Two scenarios on one reference path, or a scenario against its reference (no ``b``)."""

    model_config = _FORBID

    a: ScenarioSpec = Field(default_factory=ScenarioSpec)
    b: ScenarioSpec | None = Field(None, description="the second scenario (default: A's reference path)")
    draws: int = Field(1, strict=True, ge=1, le=MAX_COMPARE_DRAWS)
    seed: Seed = None


class ExplainRequest(ScenarioSpec):
    """Each difference from the reference path's share of the race metrics (Shapley values)."""

    draws: int = Field(1, strict=True, ge=1, le=MAX_EXPLAIN_DRAWS)
    seed: Seed = None
    max_players: int = Field(3, strict=True, ge=1, le=MAX_PLAYERS,
                             description="levers are grouped above this many players (2**players runs)")


class SiteQuery(BaseModel):
    """``GET /api/site``: where to designate clusters for a chain."""

    model_config = _FORBID

    chain: ChainName = Field(description="the chain to site")
    k: int = Field(5, ge=1, le=MAX_SITES, description="designations to choose")
    lang: Language = "en"


class WorldQuery(BaseModel):
    """An embedded world."""

    model_config = _FORBID

    world: WorldName = "world_2024"


class BacktestQuery(BaseModel):
    """``GET /api/backtest``: calibrate up to ``base_year``, forecast, score against history."""

    model_config = _FORBID

    base_year: int = Field(2018, ge=2016, le=2022, description="last observed year the fit may see")
    draws: int = Field(4, ge=2, le=MAX_BACKTEST_DRAWS, description="forecast draws (accepted parameter sets)")
    seed: int = Field(0, ge=0, le=MAX_SEED)


class NoQuery(BaseModel):
    """A route that takes no query parameters."""

    model_config = _FORBID


# --- answers ---------------------------------------------------------------------------

Json = Any
Number = float | None


class ScenarioInfo(BaseModel):
    name: str
    description: str
    world: str
    end_year: int
    shocks: int
    policies: list[dict[str, Json]]
    description_vi: str = Field("", description="the description in Vietnamese (as written when not translated)")
    controls: dict[str, Json] = Field(description="the dashboard controls' values that reproduce the scenario")


class ScenariosAnswer(BaseModel):
    default: str
    scenarios: list[ScenarioInfo]


class LeversAnswer(BaseModel):
    levers: list[dict[str, Json]]
    controls: list[dict[str, Json]]
    sides: list[str] = Field(description="the groups of the controls, in order")
    assumptions: list[dict[str, Json]] = Field(description="the uncertain parameters the page can set (ScenarioSpec.assumptions)")


class StringsAnswer(BaseModel):
    languages: list[str]
    en: dict[str, Json]
    vi: dict[str, Json]


class StageInfo(BaseModel):
    stage: str
    chain: str
    name: str
    name_vi: str
    unit: str
    price_unit: str
    inputs: list[str]


class StagesAnswer(BaseModel):
    world: str
    stages: list[StageInfo]


class EconomyInfo(BaseModel):
    economy: str
    name: str
    name_vi: str
    sites: list[str]


class EconomiesAnswer(BaseModel):
    world: str
    economies: list[EconomyInfo]


class Series(BaseModel):
    years: list[int]
    economies: list[str]
    bands: bool
    stages: dict[str, dict[str, dict[str, list[Number]]]]


class RaceAnswer(BaseModel):
    request: dict[str, Json]
    policies_removed: int
    policies_added: int
    importer: str
    exporter: str
    summary: dict[str, Json] = Field(description="the race metrics, as buildrace.api.race(...).summary")
    series: Series
    stage_info: dict[str, dict[str, Json]]
    economy_info: dict[str, dict[str, str]]


class CompareRow(BaseModel):
    metric: str
    key: str
    a: Json
    b: Json
    difference: Number


class CompareAnswer(BaseModel):
    a: str
    b: str
    seed: dict[str, int]
    draws: int
    difference: str
    reference: str | None
    rows: list[CompareRow]


class Player(BaseModel):
    player: str
    policies: list[int]
    contributions: dict[str, Number]
    adverse_because: dict[str, str]


class ExplainAnswer(BaseModel):
    scenario: str
    reference: str
    importer: str
    exporter: str
    shock_year: int
    end_year: int
    draws: int
    seed: int
    method: str
    grouping: str
    runs: int
    never_counts_as: str
    metrics: list[str]
    no_policy: dict[str, Number]
    reference_values: dict[str, Number]
    full: dict[str, Number]
    difference: dict[str, Number]
    players: list[Player]


class Designation(BaseModel):
    site: str
    name: str
    roles: list[str]
    cost_musd: float


class SiteRank(BaseModel):
    rank: int
    site: str
    name: str
    composite: float
    upstream: float
    manufacturing: float


class SiteAnswer(BaseModel):
    chain: str
    k: int
    status: str
    objective: Number
    total_cost_musd: Number
    budget_musd: Number
    within_miles: Number
    designations: list[Designation]
    sites: list[SiteRank]
    levers: list[dict[str, Json]]
    map_svg: str


class BacktestAnswer(BaseModel):
    base_year: int
    draws: int
    seed: int
    fit: dict[str, Json]
    classes: dict[str, dict[str, Json]] = Field(description="per class of series: errors, naive errors, coverage")
    series: int = Field(description="series scored")
    unmatched: int = Field(description="observed rows not scored")


__all__ = [
    "LANGUAGES",
    "MAX_BACKTEST_DRAWS",
    "MAX_COMPARE_DRAWS",
    "MAX_DRAWS",
    "MAX_END_YEAR",
    "MAX_EXPLAIN_DRAWS",
    "MAX_PLAYERS",
    "MAX_POLICIES",
    "BacktestQuery",
    "CompareRequest",
    "ExplainRequest",
    "RaceRequest",
    "ScenarioSpec",
    "SiteQuery",
    "WorldQuery",
    "chain_names",
    "scenario_names",
    "world_names",
]
