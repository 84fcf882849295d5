"""Each policy's contribution to the race metrics, by exact Shapley values.

The players are the differences between the scenario and its reference path (the
common yardstick, by default the world's ``baseline``): the levers the scenario adds,
the shock among them, and any lever of the reference it drops. The value of a coalition
S is a race metric of the reference with the differences in S applied, measured against
the reference itself; the empty coalition is the reference (zero substitution years),
the grand coalition the scenario. The Shapley value of player i (Shapley 1953,
doi:10.1515/9781400881970-018) is

``phi_i = sum over S not containing i of |S|! (n - |S| - 1)! / n! * (v(S + i) - v(S))``

and the values add up exactly: ``v(empty) + sum_i phi_i = v(all players)``, so the
contributions sum to the scenario's difference from the reference. Exact values
need all 2**n coalitions, so when a scenario has more than ``max_players`` policies they
are grouped, first by lever kind and economy, then by lever kind alone.
"""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import xarray as xr

from buildrace import metrics
from buildrace.dims import DRAW, ECONOMY, MARKET, STAGE, YEAR

GROUPINGS = ("policy", "lever and economy", "lever")
"""How players are formed, from the finest to the coarsest."""


def _economy_of(lever) -> str:
    for field in ("economy", "importer", "market", "exporter"):
        if hasattr(lever, field):
            return str(getattr(lever, field))
    members = getattr(lever, "members", None)
    return "+".join(members) if members else "?"


def _policy_label(i: int, lever) -> str:
    targets = getattr(lever, "stages", None) or getattr(lever, "chains", None) or [getattr(lever, "chain", "")]
    shown = ", ".join(str(t) for t in targets[:2] if t) + (", ..." if len(targets) > 2 else "")
    who = f"{lever.importer}<-{lever.exporter}" if hasattr(lever, "importer") else _economy_of(lever)
    return f"#{i} {lever.lever} {who}" + (f" [{shown}]" if shown else "") + f" {lever.start}"


def players(policies, max_players: int) -> tuple[str, list[str], list[list[int]]]:
    """Group the non-shock ``policies`` (with their positions) into at most ``max_players``.

    Parameters
    ----------
    policies : sequence of ``(position, lever)`` pairs, the scenario's non-shock levers
    max_players : the most players for which every coalition is run

    Returns
    -------
    grouping : one of :data:`GROUPINGS`
    labels : one label per player
    members : for each player, the positions of its policies in the scenario
    """
    policies = list(policies)
    if len(policies) <= max_players:
        return "policy", [_policy_label(i, p) for i, p in policies], [[i] for i, _ in policies]
    for grouping, key in (
        ("lever and economy", lambda p: f"{p.lever} ({_economy_of(p)})"),
        ("lever", lambda p: p.lever),
    ):
        groups: dict[str, list[int]] = {}
        for i, p in policies:
            groups.setdefault(key(p), []).append(i)
        if len(groups) <= max_players:
            labels = [f"{k} x{len(v)}" if len(v) > 1 else k for k, v in groups.items()]
            return grouping, labels, list(groups.values())
    raise ValueError(
        f"{len(policies)} policies in {len(groups)} lever kinds: more than max_players={max_players}"
    )


def shapley(values: dict[int, dict[str, float]], n: int) -> list[dict[str, float]]:
    """Exact Shapley values from the value of every coalition.

    Parameters
    ----------
    values : coalition bitmask (bit i set = player i in) -> metric -> value; all 2**n
    n : number of players

    Returns
    -------
    list, one dict per player: metric -> contribution
    """
    keys = list(values[0])
    weights = [factorial(k) * factorial(n - k - 1) / factorial(n) for k in range(n)]
    out = []
    for i in range(n):
        bit = 1 << i
        phi = dict.fromkeys(keys, 0.0)
        others = [j for j in range(n) if j != i]
        for k in range(n):
            for combo in combinations(others, k):
                s = sum(1 << j for j in combo)
                with_i, without = values[s | bit], values[s]
                for m in keys:
                    phi[m] += weights[k] * (with_i[m] - without[m])
        out.append(phi)
    return out


def final_stage(res: xr.Dataset, chain: str) -> str:
    """The most downstream stage of ``chain`` (stages are listed upstream to downstream)."""
    stages = [str(s) for s, c in zip(res[STAGE].values, res["chain"].values, strict=True) if str(c) == chain]
    return stages[-1]


def differences(scenario_policies, reference_policies) -> tuple[list[tuple[int, object]], list[tuple[int, object]]]:
    """The levers the scenario adds to its reference and those it drops, with positions
    (in the scenario's and in the reference's list)."""
    ref = list(reference_policies)
    added = [(i, p) for i, p in enumerate(scenario_policies) if p not in ref]
    kept = list(scenario_policies)
    dropped = [(j, p) for j, p in enumerate(ref) if p not in kept]
    return added, dropped


ADVERSE_REASONS = {
    "decoupling": "the shock itself: cutting imports leaves demand unserved until domestic and allied capacity is built",
    "import_ban": "the ban removes a supplier before others can replace it",
    "tariff": "a tariff on an input raises the cost of the stages downstream that use it, and lowers the price rivals must beat",
    "export_control": "the control cuts the inputs that reach the importer's producers, so the stages downstream lose output",
    "production_credit": "the credit raises world supply at the stage and so lowers the price that unsubsidised makers, and the stages upstream, are paid",
    "investment_credit": "credited capacity at one stage draws demand for its inputs ahead of the capacity upstream that must serve it",
    "sovereign_fund": "public projects take the orders that private projects would have won, and crowd them out",
    "designate_cluster": "the cluster pulls investment into its chain's sites and away from other stages and sites",
    "green_lane": "faster projects at some stages raise input demand before the stages upstream, outside the lane, can follow",
    "workforce": "faster ramp-ups raise input demand before the stages upstream can follow",
    "national_champion": "an integrated champion buys its inputs at home, which can be dearer than imports",
    "allied_pooling": "pooled allies plan for each other's gaps, so each builds less for itself",
    "stockpile": "building the stock buys the scarce supply that current production needs",
    "local_content": "reserved demand is served by dearer local makers, which raises the cost of what uses it",
    "rules_of_origin": "traced content shuts out allied goods with foreign content until they re-source their inputs",
}
"""Why a lever can move a metric against the side it is meant to help (shown next to
adverse contributions in the explain report)."""


def adverse(metric: str, value: float) -> bool:
    """True if a contribution works against the importer: later substitution, lower
    self-sufficiency, a wider cost gap."""
    kind = metric.split("/", 1)[0]
    if kind in ("substitution_years", "cost_gap"):
        return value > 1e-9
    return value < -1e-9


def race_values(res: xr.Dataset, cf: xr.Dataset, importer: str, exporter: str, t0: int | None = None, theta: float | None = None) -> dict[str, float]:
    """The metrics explained, as finite numbers (medians over draws).

    - ``substitution_years/CHAIN``: years until the importer's chain closes (its stages
      and their upstream inputs stay restored) against ``cf``, the reference path;
      "never" counts as the years left to the horizon (``end_year - shock_year``), so
      that contributions can be added;
    - ``cost_gap/CHAIN``: importer/exporter unit cost at the chain's final stage, last year;
    - ``self_sufficiency/CHAIN``: importer's output / demand at the chain's final stage,
      last year.
    """
    t0 = int(res.attrs["shock_year"]) if t0 is None else int(t0)
    theta = float(res.attrs.get("threshold", 0.95)) if theta is None else float(theta)
    last = int(res[YEAR].values[-1])
    horizon = float(last - t0)
    sub = metrics.substitution_years(res, cf, t0, theta).sel({MARKET: importer})
    closing = metrics.chain_closing_years(sub, res)
    gap = metrics.cost_gap(res, importer, exporter).sel({YEAR: last})
    ss = metrics.self_sufficiency(res).sel({YEAR: last, ECONOMY: importer})
    out: dict[str, float] = {}
    chains = [str(c) for c in dict.fromkeys(res["chain"].values)]
    for ch in chains:
        years = np.minimum(closing.sel(chain=ch).values, horizon)
        out[f"substitution_years/{ch}"] = float(np.median(years))
    for ch in chains:
        s = final_stage(res, ch)
        out[f"cost_gap/{ch}"] = _finite_median(gap.sel({STAGE: s}))
    for ch in chains:
        s = final_stage(res, ch)
        out[f"self_sufficiency/{ch}"] = _finite_median(ss.sel({STAGE: s}))
    return out


def _finite_median(da: xr.DataArray) -> float:
    """Median over draws; 0 where undefined (no demand, no producer) so sums stay exact."""
    v = float(da.median(DRAW)) if DRAW in da.dims else float(da)
    return v if np.isfinite(v) else 0.0


__all__ = ["ADVERSE_REASONS", "GROUPINGS", "adverse", "differences", "final_stage", "players", "race_values", "shapley"]
