"""Trade levers: tariff, import ban, decoupling shock, export control, local content.

Each acts on the delivered cost or on the permitted flows of the capacity-weighted logit
trade kernel (:mod:`buildrace.engine.trade`):

- *tariff*: ``delivered = C * (1 + tariff) + transport`` for flows importer <- exporter;
- *import ban* and *decoupling*: the flow's weight is multiplied by 0 (cut);
- *export control*: the flow's weight is multiplied by ``cap`` (a quota relative to the
  flow that would otherwise occur; 0 = ban);
- *local content*: a share of the market's demand is first allocated among local
  (domestic or allied) producers only.
"""

from __future__ import annotations

import numpy as np

from buildrace.policies._common import Context


def tariff(lever, ctx: Context, arrays: dict) -> None:
    m = ctx.index.economy(lever.importer)
    exporters = ctx.economy_ids([lever.exporter], exclude=m)
    stages = ctx.stage_ids(lever.stages)
    s = ctx.strength(lever)
    arrays["tariff"][np.ix_(np.arange(len(s)), np.array([m]), exporters, stages)] += (lever.rate * s)[:, None, None, None]


def _cut(lever, ctx: Context, arrays: dict, factor: float) -> None:
    m = ctx.index.economy(lever.importer)
    exporters = ctx.economy_ids([lever.exporter], exclude=m)
    stages = ctx.stage_ids(lever.stages)
    active = ctx.strength(lever) > 0
    tf = arrays["trade_factor"]
    sub = tf[np.ix_(np.flatnonzero(active), np.array([m]), exporters, stages)]
    tf[np.ix_(np.flatnonzero(active), np.array([m]), exporters, stages)] = sub * factor


def import_ban(lever, ctx: Context, arrays: dict) -> None:
    _cut(lever, ctx, arrays, 0.0)


def decoupling(lever, ctx: Context, arrays: dict) -> None:
    _cut(lever, ctx, arrays, 0.0)


def export_control(lever, ctx: Context, arrays: dict) -> None:
    e = ctx.index.economy(lever.exporter)
    targets = ctx.economy_ids(lever.targets, exclude=e)
    stages = ctx.stage_ids(lever.stages)
    s = ctx.strength(lever)
    # phase scales how binding the control is: factor = 1 - s * (1 - cap)
    factor = 1.0 - s * (1.0 - lever.cap)
    tf = arrays["trade_factor"]
    tf[np.ix_(np.arange(len(s)), targets, np.array([e]), stages)] *= factor[:, None, None, None]


def local_content(lever, ctx: Context, arrays: dict) -> None:
    m = ctx.index.economy(lever.market)
    stages = ctx.stage_ids(lever.stages)
    s = ctx.strength(lever)
    cur = arrays["local_share"][:, m, stages]
    arrays["local_share"][:, m, stages] = np.maximum(cur, lever.share * s[:, None])
    members = ctx.economy_ids(lever.local) if lever.local else np.array([m])
    arrays["local_members"][np.ix_(np.flatnonzero(s > 0), np.array([m]), members)] = 1.0
