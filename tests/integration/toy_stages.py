"""Stage names and a helper shared by the toy-world integration tests.

Kept out of ``conftest.py`` so tests import it by a name no other folder's conftest can
shadow when the whole suite is collected at once.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

MINE, REFINE, CELL, PACK = (
    "li_ion_battery.mine_lithium",
    "li_ion_battery.refine_lithium",
    "li_ion_battery.cell_lfp",
    "li_ion_battery.pack",
)
STAGES = (MINE, REFINE, CELL, PACK)


def utilisation_cap(world, ds: xr.Dataset) -> np.ndarray:
    """(site, stage) output cap per unit of capacity: the stage's utilisation_max, or the
    base-year utilisation where the data show more."""
    u = world.stage_parameters["utilisation_max"].reindex(ds.stage.values).to_numpy(float)
    cap = np.broadcast_to(u, (ds.sizes["site"], ds.sizes["stage"])).copy()
    k0 = world.capacity.set_index(["site", "stage"])
    for (site, stage), row in k0.iterrows():
        if row["capacity"] > 0:
            i, j = list(ds.site.values).index(site), list(ds.stage.values).index(stage)
            cap[i, j] = max(cap[i, j], row["production"] / row["capacity"])
    return cap
