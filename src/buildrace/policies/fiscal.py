"""Fiscal levers: production credit (45X-style), investment credit (48C-style), sovereign fund.

- *production credit* lowers the effective unit cost of domestic output in the trade
  kernel and raises the expected margin of domestic projects; the accounts record
  credit x output as subsidies paid.
- *investment credit* cuts the capex a domestic project must earn back, lowering its
  effective hurdle; the accounts record credit x capex of announced projects.
- *sovereign fund* invests in its target sites and chains at its own (lower) hurdle rate,
  within its yearly budget; the accounts track capital deployed, its value and returns.
"""

from __future__ import annotations

import numpy as np

from buildrace.policies._common import Context


def production_credit(lever, ctx: Context, arrays: dict) -> None:
    e = ctx.index.economy(lever.economy)
    stages = ctx.stage_ids(lever.stages)
    s = ctx.strength(lever)[:, None]
    if lever.amount is not None:
        arrays["credit"][:, e, stages] += lever.amount * s
    else:
        arrays["credit_share"][:, e, stages] += lever.share_of_cost * s
    _feoc(lever, e, stages, s, arrays)


def _feoc(lever, e: int, stages: np.ndarray, s: np.ndarray, arrays: dict) -> None:
    """A foreign-entity content limit on a credit (45X/30D): the tightest one applies."""
    if lever.feoc_max_content is not None:
        active = np.flatnonzero(s[:, 0] > 0)
        cur = arrays["credit_feoc"][np.ix_(active, np.array([e]), stages)]
        arrays["credit_feoc"][np.ix_(active, np.array([e]), stages)] = np.minimum(cur, lever.feoc_max_content)


def investment_credit(lever, ctx: Context, arrays: dict) -> None:
    e = ctx.index.economy(lever.economy)
    stages = ctx.stage_ids(lever.stages)
    s = ctx.strength(lever)[:, None]
    arrays["itc"][:, e, stages] = np.minimum(1.0, arrays["itc"][:, e, stages] + lever.share * s)
    _feoc(lever, e, stages, s, arrays)


def sovereign_fund(lever, ctx: Context, arrays: dict) -> None:
    e = ctx.index.economy(lever.economy)
    s = ctx.strength(lever)
    arrays["fund_budget"][:, e] += lever.budget_musd_per_year * 1e6 * s
    stages = ctx.chain_stage_ids(lever.chains) if lever.chains else None
    mask = ctx.pair_mask(lever.economy, lever.sites, stages)
    arrays["fund_target"][np.ix_(s > 0, mask)] = 1.0
    arrays["fund_hurdle"][e] = lever.hurdle_rate
    arrays["fund_equity"][e] = lever.equity_share
