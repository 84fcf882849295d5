"""Load the embedded siting tables (``buildrace/data/siting``) via importlib.resources.

The tables are derived from public raw data by ``scripts/derive_siting_table.py``;
their provenance is in ``buildrace/data/siting/PROVENANCE.md``. Nothing here reaches
the network, so siting works offline on a fresh install.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from buildrace import dims

_FOLDER = ("data", "siting")


@dataclass(frozen=True)
class SitingTables:
    """The embedded tables, as read (see PROVENANCE.md for each one's meaning).

    Attributes
    ----------
    states
        One row per state (index ``site``): FIPS, abbreviation, name, centroid, map point,
        total employment.
    industry
        Long table ``site, naics, employment, establishments`` (CBP 2021).
    distances
        Unordered state pairs with nearest-county and centroid miles and adjacency.
    minerals
        ``site, commodity, dataset, deposits``.
    power
        ``site, fuel, capacity_mw, plants``.
    facilities
        ``site, chain, stage, status_class, year, name``.
    outlines
        Map outlines: ``viewBox`` and ``states`` (site -> SVG path string).
    """

    states: pd.DataFrame
    industry: pd.DataFrame
    distances: pd.DataFrame
    minerals: pd.DataFrame
    power: pd.DataFrame
    facilities: pd.DataFrame
    outlines: dict


def _read_csv(name: str, **kwargs) -> pd.DataFrame:
    with resources.files("buildrace").joinpath(*_FOLDER, name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, **kwargs)


@cache
def load_tables() -> SitingTables:
    """Read every embedded siting table once per process."""
    states = _read_csv("states.csv", dtype={"fips": str}).set_index("site")
    states.index.name = dims.SITE
    outlines = json.loads(
        resources.files("buildrace").joinpath(*_FOLDER, "us_states_svg.json").read_text("utf-8")
    )
    return SitingTables(
        states=states,
        industry=_read_csv("industry_employment.csv"),
        distances=_read_csv("state_distances.csv"),
        minerals=_read_csv("mineral_deposits.csv"),
        power=_read_csv("power_capacity.csv"),
        facilities=_read_csv("facilities.csv"),
        outlines=outlines,
    )


def employment_matrix(tables: SitingTables | None = None) -> pd.DataFrame:
    """State x 3-digit NAICS employment (rows: sites, columns: NAICS codes; 0 where absent)."""
    t = tables or load_tables()
    m = t.industry.pivot_table(index="site", columns="naics", values="employment", aggfunc="sum")
    m = m.reindex(t.states.index).fillna(0.0)
    m.index.name = dims.SITE
    return m


def distance_matrix(tables: SitingTables | None = None) -> pd.DataFrame:
    """Symmetric site x site distance in miles.

    The nearest-county distance (NBER county centroids, listed up to 100 miles) is
    used where known, because it measures how close the two states' industry can
    be; otherwise the centroid-to-centroid great-circle distance, which is longer
    and so never makes a pair look closer than it is. The diagonal is zero.
    """
    t = tables or load_tables()
    sites = list(t.states.index)
    pos = {s: i for i, s in enumerate(sites)}
    d = t.distances
    miles = d["nearest_county_miles"].fillna(d["centroid_miles"]).to_numpy(float)
    a = d["site_a"].map(pos).to_numpy()
    b = d["site_b"].map(pos).to_numpy()
    out = np.zeros((len(sites), len(sites)))
    out[a, b] = miles
    out[b, a] = miles
    return pd.DataFrame(out, index=pd.Index(sites, name=dims.SITE), columns=sites)


__all__ = ["SitingTables", "distance_matrix", "employment_matrix", "load_tables"]
