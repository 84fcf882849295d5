"""Allied pooling and strategic stockpiles.

- *allied pooling*: after ``delay_years`` (coordination), each member's capacity counts
  toward the bloc: members count as local for each other's local-content rules, the
  bloc's self-sufficiency is reported, and members' producers plan capacity for a share
  of the bloc's unmet demand; pooled flows carry ``cost_premium`` on delivered cost.
- *stockpile*: the economy builds a strategic stock of ``months`` of its demand for the
  stages (bought on the market, at a carrying cost) and draws it down in a shortage.
"""

from __future__ import annotations

import numpy as np

from buildrace.policies._common import Context


def allied_pooling(lever, ctx: Context, arrays: dict) -> None:
    delayed = lever.model_copy(update={"start": lever.start + lever.delay_years})
    s = ctx.strength(delayed)
    members = ctx.economy_ids(lever.members)
    active = np.flatnonzero(s > 0)
    arrays["pool_member"][np.ix_(active, members, members)] = 1.0
    arrays["local_members"][np.ix_(active, members, members)] = 1.0
    prem = arrays["pool_premium"]
    for m in members:  # a handful of members: loop over the lever's own list
        others = members[members != m]
        prem[np.ix_(active, [m], others)] = np.maximum(prem[np.ix_(active, [m], others)], lever.cost_premium)


def stockpile(lever, ctx: Context, arrays: dict) -> None:
    e = ctx.index.economy(lever.economy)
    stages = ctx.stage_ids(lever.stages)
    s = ctx.strength(lever)[:, None]
    arrays["stock_months"][:, e, stages] = np.maximum(arrays["stock_months"][:, e, stages], lever.months * s)
