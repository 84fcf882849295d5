"""China's provinces (and US states) on the components the embedded world supports.

The regional data behind the US scores (County Business Patterns, USGS deposits, EIA
plants) have no Chinese counterpart in the project's data. What the embedded base-year
world does have, for every site of both economies, is capacity by stage. So, for a
side-by-side comparison, each site gets the same three capacity components:

- ``mining``: the site's share of world capacity in the chain's mining stages (a proxy
  for deposits being worked);
- ``upstream``: its share of world capacity in the chain's refining and processing stages;
- ``manufacturing``: its share of world capacity in the chain's component and assembly stages;

each averaged over the stages of its group, and a composite (their mean). These measure
incumbency (the cluster mass of MODEL.md), not latent advantage; the US scores of
:mod:`buildrace.siting.score` measure the latter, which is why the two are reported apart.
"""

from __future__ import annotations

import pandas as pd

from buildrace.errors import InputError
from buildrace.model.world import World, load_world

COMPONENTS = ("mining", "upstream", "manufacturing")


def _group(stage: str) -> str:
    name = stage.split(".", 1)[1]
    if name.startswith("mine_"):
        return "mining"
    if name.startswith(("refine_", "process_", "separation_", "metal_")) or name == "polysilicon":
        return "upstream"
    return "manufacturing"


def capacity_components(chain: str, economies: tuple[str, ...] = ("CN", "US"), world: World | None = None) -> pd.DataFrame:
    """Sites of ``economies`` with the capacity components of ``chain`` (shares, 0-1).

    Returns a DataFrame indexed by site with columns ``economy``, the components of
    :data:`COMPONENTS` (NaN where the chain has no stage of that group) and ``composite``,
    ranked by composite, best first.
    """
    world = world or load_world()
    if chain not in world.chains:
        raise InputError(f"unknown chain {chain!r}; use one of: {', '.join(world.chains)}")
    stages = list(world.stages_of(chain))
    cap = world.capacity[world.capacity["stage"].isin(stages)]
    world_total = cap.groupby("stage")["capacity"].sum()
    sites = world.sites[world.sites["economy"].isin(economies)]
    shares = (
        cap[cap["site"].isin(sites.index)]
        .assign(share=lambda d: d["capacity"] / d["stage"].map(world_total))
        .pivot_table(index="site", columns="stage", values="share", aggfunc="sum")
        .reindex(index=sites.index, columns=stages)
        .fillna(0.0)
    )
    out = pd.DataFrame({"economy": sites["economy"]})
    for comp in COMPONENTS:
        cols = [s for s in stages if _group(s) == comp and world_total.get(s, 0) > 0]
        out[comp] = shares[cols].mean(axis=1) if cols else float("nan")
    out["composite"] = out[list(COMPONENTS)].mean(axis=1, skipna=True)
    return out.sort_values("composite", ascending=False)


__all__ = ["COMPONENTS", "capacity_components"]
