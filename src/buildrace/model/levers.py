"""Policy lever specifications: what a scenario file may say, checked for shape and range.

Each lever is a frozen pydantic model named by its ``lever`` field. Targets are checked
against the world by :func:`buildrace.model.checks.check_scenario`; the effect of each
lever on the simulation is compiled in :mod:`buildrace.policies` (one module per family)
and documented in ``docs/levers.md``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Year = Annotated[int, Field(ge=1990, le=2200)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
MillionUSD = Annotated[float, Field(ge=0.0, le=1.0e7)]
"""An amount in USD million: at most USD 10 trillion (a bound so budgets stay finite in sums)."""
USDPerUnit = Annotated[float, Field(ge=0.0, le=1.0e12)]
"""A per-unit amount in USD (the largest stage unit, a GWh of cells, costs about 1e8)."""


class _Lever(BaseModel):
    """Fields common to every lever: when it acts and how it phases in or down."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: Year = Field(description="first year the lever acts")
    end: Year | None = Field(None, description="last year the lever acts (default: the horizon)")
    phase: dict[int, Share] = Field(
        default_factory=dict,
        description="phase-in/phase-down: year -> multiplier of the lever's strength, held until the next listed year",
    )
    note: str = Field("", description="free text: the policy this stands for, its source")

    @model_validator(mode="after")
    def _end_after_start(self):
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start}); set end >= start")
        return self


class Tariff(_Lever):
    """Ad valorem tariff on imports of ``stages`` into ``importer`` from ``exporter``."""

    lever: Literal["tariff"]
    importer: str
    exporter: str = Field(description="an economy, or ALL for every other economy")
    stages: list[str] = Field(description="stage ids or chain names")
    rate: Annotated[float, Field(ge=0.0, le=10.0)] = Field(description="ad valorem, 0.25 = 25%")


class _TracedBan(_Lever):
    """A ban that can trace content: with ``rules_of_origin``, goods from third countries
    whose content from the banned exporter exceeds ``max_content`` are banned too."""

    rules_of_origin: bool = Field(
        False, description="trace content: third-country goods over max_content of the exporter's content count as the exporter's",
    )
    max_content: Share = Field(
        0.25, description="with rules_of_origin: the exporter's share of a good's value above which it counts as the exporter's",
    )


class ImportBan(_TracedBan):
    """Imports of ``stages`` into ``importer`` from ``exporter`` are cut."""

    lever: Literal["import_ban"]
    importer: str
    exporter: str
    stages: list[str]


class Decoupling(_TracedBan):
    """The race starts: ``importer`` stops buying ``stages`` from ``exporter`` (a shock)."""

    lever: Literal["decoupling"]
    importer: str = "US"
    exporter: str = "CN"
    stages: list[str] = Field(default_factory=lambda: ["li_ion_battery", "solar_pv", "ndfeb_magnet", "ev"])
    shock: bool = True


class ExportControl(_Lever):
    """``exporter`` licenses exports of ``stages`` to ``targets`` up to ``cap`` of its
    base-year share of each target's demand (a quantity; 0 = ban)."""

    lever: Literal["export_control"]
    exporter: str
    stages: list[str]
    targets: list[str] = Field(default_factory=lambda: ["ALL"])
    cap: Share = Field(0.0, description="licensed quantity: share of the exporter's base-year share of the target's demand (0 = ban)")
    shock: bool = False


class RulesOfOrigin(_Lever):
    """``importer`` traces the content of its imports of ``stages``: a good whose value
    from ``foreign_entities`` exceeds ``max_content`` counts as theirs (``treat_as: origin``)
    or pays ``treat_as`` as a tariff rate."""

    lever: Literal["rules_of_origin"]
    importer: str
    stages: list[str]
    foreign_entities: list[str] = Field(default_factory=lambda: ["CN"], description="economies whose content counts")
    max_content: Share = Field(0.25, description="foreign-entity share of a good's value above which the rule applies")
    treat_as: Literal["origin"] | Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        "origin", description="origin: the ban and tariff on the foreign entity apply; or an ad valorem tariff rate",
    )


class ProductionCredit(_Lever):
    """Per-unit credit for domestic output (e.g. 45X): lowers the producer's effective cost."""

    lever: Literal["production_credit"]
    economy: str
    stages: list[str]
    amount: USDPerUnit | None = Field(None, description="USD per stage unit")
    share_of_cost: Share | None = Field(None, description="credit as a share of unit cost")
    feoc_max_content: Share | None = Field(
        None, description="paid only on output whose content from CN is at most this share of value (45X/30D foreign-entity rules)",
    )

    @model_validator(mode="after")
    def _one_amount(self):
        if (self.amount is None) == (self.share_of_cost is None):
            raise ValueError("give exactly one of amount (USD per unit) or share_of_cost")
        return self


class InvestmentCredit(_Lever):
    """Share of capex credited to domestic projects (e.g. 48C): lowers the hurdle."""

    lever: Literal["investment_credit"]
    economy: str
    stages: list[str]
    share: Share
    budget_musd: MillionUSD | None = None
    feoc_max_content: Share | None = Field(
        None, description="credits only the share of new capacity whose output can meet this CN-content limit",
    )


class LocalContent(_Lever):
    """A share of ``market``'s demand for ``stages`` is reserved for local sites."""

    lever: Literal["local_content"]
    market: str
    stages: list[str]
    share: Share
    local: list[str] = Field(default_factory=list, description="economies that count as local (default: the market)")


class DesignateCluster(_Lever):
    """Designate ``sites`` as a cluster for ``chains``: agglomeration boost, faster
    permits and builds, more labour, more attractive to investors."""

    lever: Literal["designate_cluster"]
    economy: str
    sites: list[str]
    chains: list[str]
    infrastructure_musd: MillionUSD = 500.0


class GreenLane(_Lever):
    """Permit time cut by ``permit_cut`` for the targeted sites and stages."""

    lever: Literal["green_lane"]
    economy: str
    sites: list[str] = Field(default_factory=list, description="default: every site of the economy")
    stages: list[str] = Field(default_factory=list, description="default: every stage")
    permit_cut: Share = 0.5


class WorkforceTaskForce(_Lever):
    """Labour supply grows at the sites: faster ramp-up, more labour headroom."""

    lever: Literal["workforce"]
    economy: str
    sites: list[str] = Field(default_factory=list)
    labour_growth: Share = 0.3


class NationalChampion(_Lever):
    """A national champion integrates mining and refining of ``chain``: lower kappa."""

    lever: Literal["national_champion"]
    economy: str
    chain: str
    sites: list[str] = Field(default_factory=list)
    integration: Share = Field(0.6, description="share of the vertical-integration penalty removed")


class SovereignFund(_Lever):
    """Public capital funds projects in target sites/chains at a lower hurdle rate."""

    lever: Literal["sovereign_fund"]
    economy: str
    budget_musd_per_year: MillionUSD
    sites: list[str] = Field(default_factory=list)
    chains: list[str] = Field(default_factory=list)
    hurdle_rate: Annotated[float, Field(ge=0.0, le=0.5)] = 0.03
    equity_share: Share = 0.5


class AlliedPooling(_Lever):
    """Members' capacity counts toward the bloc after a coordination delay, at a premium."""

    lever: Literal["allied_pooling"]
    members: list[str]
    delay_years: Annotated[int, Field(ge=0, le=30)] = 2
    cost_premium: Annotated[float, Field(ge=0.0, le=1.0)] = 0.05


class Stockpile(_Lever):
    """Strategic stockpile of ``months`` of demand, built up from ``start``, at a carrying cost."""

    lever: Literal["stockpile"]
    economy: str
    stages: list[str]
    months: Annotated[float, Field(ge=0.0, le=36.0)]


Lever = Annotated[
    Tariff
    | ImportBan
    | Decoupling
    | ExportControl
    | RulesOfOrigin
    | ProductionCredit
    | InvestmentCredit
    | LocalContent
    | DesignateCluster
    | GreenLane
    | WorkforceTaskForce
    | NationalChampion
    | SovereignFund
    | AlliedPooling
    | Stockpile,
    Field(discriminator="lever"),
]

LEVER_MODELS: dict[str, type[_Lever]] = {
    m.model_fields["lever"].annotation.__args__[0]: m  # type: ignore[union-attr]
    for m in (
        Tariff, ImportBan, Decoupling, ExportControl, RulesOfOrigin, ProductionCredit, InvestmentCredit,
        LocalContent, DesignateCluster, GreenLane, WorkforceTaskForce, NationalChampion,
        SovereignFund, AlliedPooling, Stockpile,
    )
}


def describe_levers() -> list[dict]:
    """Every lever kind with its parameters (type, default, range, description) and the
    required ones, from the models' JSON schemas: what ``buildrace levers`` lists."""
    out = []
    for name, model in sorted(LEVER_MODELS.items()):
        schema = model.model_json_schema()
        params = {}
        for field, spec in schema.get("properties", {}).items():
            if field == "lever":
                continue
            info = {k: spec[k] for k in ("type", "default", "minimum", "maximum", "description") if k in spec}
            if "anyOf" in spec:
                info["type"] = " or ".join(a.get("type", "?") for a in spec["anyOf"])
            params[field] = info
        out.append({
            "lever": name,
            "description": (model.__doc__ or "").strip().split("\n")[0].replace("``", ""),
            "parameters": params,
            "required": [r for r in schema.get("required", []) if r != "lever"],
        })
    return out


def is_shock(lever: _Lever) -> bool:
    """True if the race metrics treat this lever as the shock (removed in the counterfactual)."""
    return bool(getattr(lever, "shock", False))


__all__ = [
    "LEVER_MODELS",
    "AlliedPooling",
    "Decoupling",
    "DesignateCluster",
    "ExportControl",
    "GreenLane",
    "ImportBan",
    "InvestmentCredit",
    "Lever",
    "LocalContent",
    "NationalChampion",
    "ProductionCredit",
    "RulesOfOrigin",
    "SovereignFund",
    "Stockpile",
    "Tariff",
    "WorkforceTaskForce",
    "describe_levers",
    "is_shock",
]
