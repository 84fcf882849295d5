"""The one-sentence verdict per chain agrees with the supply figures beside it, on every
scenario of the library: a chain said to be restored after y years has every stage of it,
and every stage upstream, at or above the threshold of the reference from then on; a
chain with "no gap" never falls below it."""

from __future__ import annotations

import numpy as np
import pytest

from buildrace import api, metrics
from buildrace.io.scenario_file import builtin_names


@pytest.mark.parametrize("name", [n for n in builtin_names() if api.load_scenario(n).shocks])
def test_verdict_agrees_with_served_demand(name):
    r = api.race(name)
    s, res, ref = r.summary, r.results, r.reference
    t0, theta = s["shock_year"], s["threshold"]
    importer = next(iter(s["substitution_years"]))
    ratio = metrics.served_ratio(res, ref).sel(market=importer).isel(draw=0)
    up = metrics.upstream(res)
    stages = [str(x) for x in res["stage"].values]
    for chain, v in s["verdict"].items():
        in_chain = [i for i, c in enumerate(res["chain"].values) if str(c) == chain]
        closure = sorted({j for i in in_chain for j in np.flatnonzero(up[i])})
        years = v[f"{importer}_substitution_years"]
        if v["winner"] == "no gap":
            years = 0
        if years is None:
            # not restored: some stage of the closure is below the threshold in some year after t0
            after = ratio.sel(year=slice(t0, None)).isel(stage=closure).values
            assert (after < theta).any(), (name, chain)
            continue
        held = ratio.sel(year=slice(t0 + int(years), None)).isel(stage=closure).values
        bad = np.argwhere(held < theta - 1e-9)
        assert not len(bad), (name, chain, years, [stages[closure[b[1]]] for b in bad[:3]])
