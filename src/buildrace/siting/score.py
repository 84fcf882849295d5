"""Score every US state for each chain: components, role scores and a weighted composite.

Each component is a number in [0, 1] computed from the embedded tables; the raw
figure behind it is kept alongside. Components (``COMPONENTS``):

``rca``
    Location quotient (Balassa 1965, doi:10.1111/j.1467-9957.1965.tb00050.x) of the
    role's related industries (see :mod:`buildrace.siting.chains`), mapped to
    ``LQ / (1 + LQ)`` so that LQ = 1 (the national share) scores 0.5.
``density``
    Mean relatedness density of the chain's related industries (Hidalgo et al. 2007,
    doi:10.1126/science.1144581): how much of the industry they are related to the
    state already has.
``complexity``
    Economic complexity index of the state (Hidalgo & Hausmann 2009,
    doi:10.1073/pnas.0900943106) on the state x NAICS matrix, rescaled to [0, 1].
``minerals``
    Deposits of the chain's commodities in the state or in states within
    ``reach_miles``; per commodity ``log(1 + n) / log(1 + max n)``, averaged.
``power``
    Half generation capacity ``sqrt(GW / max GW)``, half low-carbon share of capacity
    (nuclear, hydro, wind, solar, geothermal): electricity for energy-hungry stages.
``facilities``
    Existing and announced facilities of the role's stages, weighted by status
    (``STATUS_WEIGHTS``), as ``1 - exp(-w)``: the first plant counts most.
``labour``
    Manufacturing employment (NAICS 31-33), ``sqrt(jobs / max jobs)``.

``rca`` and ``facilities`` differ by role (upstream, manufacturing); the others are
shared. A role score is ``sum_k w_k c_k / sum_k w_k``; the composite is the mean of
the two role scores.
"""

from __future__ import annotations

from fnmatch import fnmatch

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from buildrace import dims
from buildrace.errors import InputError
from buildrace.siting import advantage
from buildrace.siting.chains import ChainProfile, Role, get_chain
from buildrace.siting.data import SitingTables, distance_matrix, employment_matrix, load_tables

COMPONENTS = ("rca", "density", "complexity", "minerals", "power", "facilities", "labour")
ROLE_COMPONENTS = ("rca", "facilities")

STATUS_WEIGHTS = {
    "operating": 1.0,
    "ramping": 0.9,
    "construction": 0.75,
    "planned": 0.5,
    "delayed": 0.3,
    "suspended": 0.2,
    "cancelled": 0.0,
}
"""How much an existing or announced facility counts, by status: a cancelled project
counts for nothing, a plant that runs counts fully."""

LOW_CARBON_FUELS = ("nuclear", "hydro", "wind", "solar", "geothermal")
SINGLE_STATE_DATASETS = ("usgs_mrds_california", "ardf")
MANUFACTURING_NAICS = range(311, 340)


class ScoreWeights(BaseModel):
    """Weights of the components in a role score; they need not sum to one.

    The defaults put most weight on what is already there (industry and facilities),
    then on relatedness and minerals, and least on the slower-moving state-wide
    endowments (complexity, power, labour).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    rca: float = Field(default=0.20, ge=0)
    density: float = Field(default=0.15, ge=0)
    complexity: float = Field(default=0.10, ge=0)
    minerals: float = Field(default=0.15, ge=0)
    power: float = Field(default=0.10, ge=0)
    facilities: float = Field(default=0.20, ge=0)
    labour: float = Field(default=0.10, ge=0)

    @model_validator(mode="after")
    def _not_all_zero(self) -> ScoreWeights:
        if sum(self.as_dict().values()) <= 0:
            raise ValueError("at least one weight must be positive")
        return self

    def as_dict(self) -> dict[str, float]:
        """Weights by component name, in ``COMPONENTS`` order."""
        return {k: float(getattr(self, k)) for k in COMPONENTS}


def parse_weights(text: str | None) -> ScoreWeights:
    """Parse ``"rca=0.3,minerals=0.2"`` (unnamed components keep their defaults)."""
    if not text:
        return ScoreWeights()
    values: dict[str, float] = {}
    for part in text.split(","):
        key, sep, val = part.partition("=")
        key = key.strip()
        if not sep or key not in COMPONENTS:
            raise InputError(
                f"bad weight {part!r}; write NAME=VALUE with NAME one of {', '.join(COMPONENTS)}"
            )
        try:
            values[key] = float(val)
        except ValueError:
            raise InputError(f"weight {key}={val!r} is not a number") from None
        if values[key] < 0:
            raise InputError(f"weight {key}={val} is negative; weights must be >= 0")
    try:
        return ScoreWeights(**values)
    except ValueError as exc:
        raise InputError(f"bad weights {text!r}: set at least one weight above zero") from exc


def industry_components(tables: SitingTables, chain: ChainProfile) -> pd.DataFrame:
    """LQ per role, relatedness density and complexity of every state for one chain."""
    emp = employment_matrix(tables)
    rca = advantage.rca(emp)
    m = advantage.presence(rca)
    dens = advantage.relatedness_density(m)
    eci, _ = advantage.complexity(m)
    eci = eci.fillna(eci.min())
    out = pd.DataFrame(index=emp.index)
    for role in Role:
        out[f"lq_{role}"] = advantage.group_location_quotient(emp, chain.naics(role))
    out["density"] = dens[list(chain.all_naics)].mean(axis=1)
    out["eci"] = eci
    out["complexity"] = (eci - eci.min()) / (eci.max() - eci.min())
    out["manufacturing_jobs"] = emp[[c for c in emp.columns if c in MANUFACTURING_NAICS]].sum(
        axis=1
    )
    return out


def mineral_components(
    tables: SitingTables, chain: ChainProfile, reach_miles: float
) -> pd.DataFrame:
    """Deposits of the chain's commodities within reach, and their score."""
    sites = tables.states.index
    dep = tables.minerals[~tables.minerals["dataset"].isin(SINGLE_STATE_DATASETS)]
    counts = (
        dep[dep["commodity"].isin(chain.commodities)]
        .pivot_table(index="site", columns="commodity", values="deposits", aggfunc="sum")
        .reindex(index=sites, columns=list(chain.commodities))
        .fillna(0.0)
    )
    near = (distance_matrix(tables).to_numpy() <= reach_miles).astype(float)
    in_reach = near @ counts.to_numpy()
    top = in_reach.max(axis=0)
    per = np.divide(np.log1p(in_reach), np.log1p(top), out=np.zeros_like(in_reach), where=top > 0)
    return pd.DataFrame(
        {"deposits_in_reach": in_reach.sum(axis=1), "minerals": per.mean(axis=1)}, index=sites
    )


def power_components(tables: SitingTables) -> pd.DataFrame:
    """Generation capacity (GW), low-carbon share and the power score."""
    p = tables.power.pivot_table(index="site", columns="fuel", values="capacity_mw", aggfunc="sum")
    p = p.reindex(tables.states.index).fillna(0.0)
    gw = p.sum(axis=1) / 1000.0
    clean = p[[f for f in LOW_CARBON_FUELS if f in p.columns]].sum(axis=1) / 1000.0
    share = (clean / gw.where(gw > 0)).fillna(0.0)
    score = 0.5 * np.sqrt(gw / gw.max()) + 0.5 * share
    return pd.DataFrame({"capacity_gw": gw, "low_carbon_share": share, "power": score})


def facility_components(tables: SitingTables, chain: ChainProfile) -> pd.DataFrame:
    """Status-weighted count of facilities per role and their scores."""
    f = tables.facilities
    key = f["chain"] + "." + f["stage"]
    weight = f["status_class"].map(STATUS_WEIGHTS).fillna(0.5)
    out = pd.DataFrame(index=tables.states.index)
    for role in Role:
        pats = chain.stages(role)
        hit = key.map(lambda k, pats=pats: any(fnmatch(k, p) for p in pats))
        # A plant listed with several stages of one role counts once for that role.
        sub = pd.DataFrame({"site": f["site"], "name": f["name"], "w": weight})[hit]
        w = sub.drop_duplicates(["site", "name"]).groupby("site")["w"].sum()
        w = w.reindex(out.index).fillna(0.0)
        out[f"facilities_weighted_{role}"] = w
        out[f"facilities_{role}"] = 1.0 - np.exp(-w)
    return out


def score_chain(
    chain: str,
    weights: ScoreWeights | None = None,
    reach_miles: float = 100.0,
    tables: SitingTables | None = None,
) -> pd.DataFrame:
    """Components, role scores and composite of every state for one chain.

    Parameters
    ----------
    chain
        Chain identifier.
    weights
        Component weights (defaults: :class:`ScoreWeights`).
    reach_miles
        Deposits in states within this distance count for the minerals component.
    tables
        Embedded tables (loaded when omitted).

    Returns
    -------
    pandas.DataFrame
        Indexed by site, sorted by ``composite`` (best first), with columns: each
        component (role components as ``rca_upstream``, ``rca_manufacturing`` ...),
        the raw figures behind them, ``score_upstream``, ``score_manufacturing``,
        ``composite`` and ``rank``.
    """
    profile = get_chain(chain)
    if reach_miles < 0:
        raise InputError(f"reach of {reach_miles} miles is negative; use 0 or more")
    t = tables or load_tables()
    w = (weights or ScoreWeights()).as_dict()
    df = pd.concat(
        [
            t.states[["name"]],
            industry_components(t, profile),
            mineral_components(t, profile, reach_miles),
            power_components(t),
            facility_components(t, profile),
        ],
        axis=1,
    )
    for role in Role:
        df[f"rca_{role}"] = df[f"lq_{role}"] / (1.0 + df[f"lq_{role}"])
    df["labour"] = np.sqrt(df["manufacturing_jobs"] / df["manufacturing_jobs"].max())
    total = sum(w.values())
    for role in Role:
        parts = [w[k] * df[f"{k}_{role}" if k in ROLE_COMPONENTS else k] for k in COMPONENTS]
        df[f"score_{role}"] = sum(parts) / total
    df["composite"] = (df["score_upstream"] + df["score_manufacturing"]) / 2.0
    df = df.sort_values(["composite", "name"], ascending=[False, True])
    df["rank"] = np.arange(1, len(df) + 1)
    df.index.name = dims.SITE
    return df


__all__ = [
    "COMPONENTS",
    "ROLE_COMPONENTS",
    "STATUS_WEIGHTS",
    "ScoreWeights",
    "parse_weights",
    "score_chain",
]
