"""Place-based levers: cluster designation, green lanes, workforce task forces, national champions.

- *designate cluster*: the designated sites' pairs in the chains get the infrastructure
  effect on factor cost (``cluster_infrastructure_effect`` per USD 1bn, capped), permit
  and build times cut (``cluster_permit_cut``, ``cluster_build_cut``), faster ramp-up
  (more labour) and a higher weight when investors choose sites.
- *green lane*: permit years x (1 - permit_cut) for projects announced while it acts.
- *workforce task force*: ramp-up years x (1 - labour_growth); more siting weight.
- *national champion*: the integration penalty kappa x (1 - integration) at the
  champion's sites for the chain's stages (mining and refining integrated in one firm).
"""

from __future__ import annotations

import numpy as np

from buildrace.policies._common import Context


def designate_cluster(lever, ctx: Context, arrays: dict) -> None:
    model = ctx.model
    s = ctx.strength(lever)[:, None]
    mask = ctx.pair_mask(lever.economy, lever.sites, ctx.chain_stage_ids(lever.chains))
    infra = min(3.0, lever.infrastructure_musd / 1000.0) * model.cluster_infrastructure_effect
    cols = np.flatnonzero(mask)
    arrays["cost_mult"][:, cols] *= 1.0 - infra * s
    arrays["permit_mult"][:, cols] *= 1.0 - model.cluster_permit_cut * s
    arrays["build_mult"][:, cols] *= 1.0 - model.cluster_build_cut * s
    arrays["ramp_mult"][:, cols] *= 1.0 - 0.25 * s
    arrays["attract"][:, cols] += model.cluster_attractiveness * s


def green_lane(lever, ctx: Context, arrays: dict) -> None:
    s = ctx.strength(lever)[:, None]
    stages = ctx.stage_ids(lever.stages) if lever.stages else None
    cols = np.flatnonzero(ctx.pair_mask(lever.economy, lever.sites, stages))
    arrays["permit_mult"][:, cols] *= 1.0 - lever.permit_cut * s


def workforce(lever, ctx: Context, arrays: dict) -> None:
    s = ctx.strength(lever)[:, None]
    cols = np.flatnonzero(ctx.pair_mask(lever.economy, lever.sites))
    arrays["ramp_mult"][:, cols] *= 1.0 - lever.labour_growth * s
    arrays["attract"][:, cols] += lever.labour_growth * s


def national_champion(lever, ctx: Context, arrays: dict) -> None:
    s = ctx.strength(lever)[:, None]
    cols = np.flatnonzero(ctx.pair_mask(lever.economy, lever.sites, ctx.chain_stage_ids([lever.chain])))
    arrays["kappa_mult"][:, cols] *= 1.0 - lever.integration * s
