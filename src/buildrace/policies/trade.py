"""Trade levers: tariff, import ban, decoupling shock, export control, local content.

Each acts on the delivered cost or on the permitted flows of the capacity-weighted logit
trade kernel (:mod:`buildrace.engine.trade`):

- *tariff*: ``delivered = C * (1 + tariff) + transport`` for flows importer <- exporter;
- *import ban* and *decoupling*: the flow's weight is multiplied by 0 (cut);
- *export control*: a licensed quantity per destination: the flow is capped at ``cap``
  times the exporter's base-year share of the destination's demand, this year (0 = ban);
- *rules of origin*: the importer traces the content of goods (a value-added origin
  matrix per stage, from last year's flows): the part of a supplier's output that cannot
  meet the content threshold takes the foreign entity's ban or tariff (see
  :func:`buildrace.engine.origin.compliant_share`);
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


def _trace(importer: str, foreign: list[str], stages: np.ndarray, max_content: float, rate, active: np.ndarray, ctx: Context, arrays: dict) -> None:
    m = ctx.index.economy(importer)
    years = np.flatnonzero(active)
    cur = arrays["roo_max"][np.ix_(years, np.array([m]), stages)]
    arrays["roo_max"][np.ix_(years, np.array([m]), stages)] = np.minimum(cur, max_content)
    arrays["roo_foreign"][np.ix_(years, np.array([m]), ctx.economy_ids(foreign, exclude=m))] = 1.0
    if rate != "origin":
        arrays["roo_rate"][np.ix_(years, np.array([m]), stages)] = float(rate)


def import_ban(lever, ctx: Context, arrays: dict) -> None:
    _cut(lever, ctx, arrays, 0.0)
    if lever.rules_of_origin:
        _trace(lever.importer, [lever.exporter], ctx.stage_ids(lever.stages), lever.max_content, "origin", ctx.strength(lever) > 0, ctx, arrays)


def decoupling(lever, ctx: Context, arrays: dict) -> None:
    import_ban(lever, ctx, arrays)


def rules_of_origin(lever, ctx: Context, arrays: dict) -> None:
    _trace(lever.importer, lever.foreign_entities, ctx.stage_ids(lever.stages), lever.max_content, lever.treat_as, ctx.strength(lever) > 0, ctx, arrays)


def export_control(lever, ctx: Context, arrays: dict) -> None:
    e = ctx.index.economy(lever.exporter)
    targets = ctx.economy_ids(lever.targets, exclude=e)
    stages = ctx.stage_ids(lever.stages)
    s = ctx.strength(lever)
    active = np.flatnonzero(s > 0)
    if lever.cap == 0.0:  # a ban: the flow is cut outright
        tf = arrays["trade_factor"]
        tf[np.ix_(active, targets, np.array([e]), stages)] = 0.0
        return
    # phase scales how binding the licence is: licensed share = 1 - s * (1 - cap)
    level = (1.0 - s * (1.0 - lever.cap))[active]
    lic = arrays["licence"]
    sub = lic[np.ix_(active, targets, np.array([e]), stages)]
    lic[np.ix_(active, targets, np.array([e]), stages)] = np.minimum(sub, level[:, None, None, None])


def local_content(lever, ctx: Context, arrays: dict) -> None:
    m = ctx.index.economy(lever.market)
    stages = ctx.stage_ids(lever.stages)
    s = ctx.strength(lever)
    cur = arrays["local_share"][:, m, stages]
    arrays["local_share"][:, m, stages] = np.maximum(cur, lever.share * s[:, None])
    members = ctx.economy_ids(lever.local) if lever.local else np.array([m])
    arrays["local_members"][np.ix_(np.flatnonzero(s > 0), np.array([m]), members)] = 1.0
