"""Static arrays derived once per run from a compiled scenario (no state, no policy)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from buildrace.model.compile import Compiled


@dataclass(frozen=True)
class Structure:
    """Index arithmetic the kernels share: chain levels, site-chain segments, masks."""

    N: int
    E: int
    S: int
    P: int
    U: int
    T: int
    levels: tuple[np.ndarray, ...]  # stage indices by depth, most downstream first
    offdiag: np.ndarray  # (M, E) 1 where market != economy
    sc_order: np.ndarray  # (P,) pairs sorted by (site, chain)
    sc_starts: np.ndarray  # start of each (site, chain) segment in sc_order
    sc_of_pair: np.ndarray  # (P,) segment of each pair
    pair_count: np.ndarray  # (E, S) pairs per group
    coupling: np.ndarray  # (N, U, U)
    use_elasticity: np.ndarray  # (N, U)


def build_structure(c: Compiled) -> Structure:
    ix = c.index
    E, S, P, U = len(ix.economies), len(ix.stages), len(ix.pair_site), len(ix.uses)
    levels = tuple(np.flatnonzero(ix.depth == d) for d in range(int(ix.depth.max()) + 1))
    sc_key = ix.pair_site * len(ix.chains) + ix.stage_chain[ix.pair_stage]
    order = np.argsort(sc_key, kind="stable")
    sorted_keys = sc_key[order]
    starts = np.flatnonzero(np.r_[True, np.diff(sorted_keys) != 0])
    seg = np.cumsum(np.r_[True, np.diff(sorted_keys) != 0]) - 1
    sc_of_pair = np.empty(P, dtype=int)
    sc_of_pair[order] = seg
    counts = np.bincount(ix.pair_group, minlength=E * S).reshape(E, S)
    per_ev = c.mp("ev_mwh_per_vehicle_year") * c.mp("electrification_coupling") / c.mp("pv_mwh_per_gw_year")
    coupling = np.zeros((c.draws, U, U))
    uses = list(ix.uses)
    ev, pv, st = uses.index("use.ev_sales"), uses.index("use.pv_installations"), uses.index("use.storage_installations")
    coupling[:, ev, pv] = per_ev
    coupling[:, ev, st] = per_ev * c.mp("storage_gwh_per_gw_pv")
    ps = c.use_price_stage
    el = np.where(ps >= 0, c.stage["price_elasticity"][:, np.maximum(ps, 0)], 0.0)
    return Structure(
        N=c.draws, E=E, S=S, P=P, U=U, T=len(ix.years), levels=levels,
        offdiag=1.0 - np.eye(E), sc_order=order, sc_starts=starts, sc_of_pair=sc_of_pair,
        pair_count=counts, coupling=coupling, use_elasticity=el,
    )


def cluster_mass(capacity_pair: np.ndarray, world_capacity0: np.ndarray, pair_stage: np.ndarray, st: Structure) -> np.ndarray:
    """Cluster mass M (N, P): the site's capacity across the chain, each stage as a share of
    the world's base-year capacity of that stage."""
    share = capacity_pair / world_capacity0[pair_stage]
    seg = np.add.reduceat(share[:, st.sc_order], st.sc_starts, axis=1)
    return seg[:, st.sc_of_pair]
