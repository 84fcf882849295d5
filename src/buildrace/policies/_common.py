"""Helpers shared by the lever compilers: when a lever acts, and what it targets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from buildrace.model.index import Index, expand_stage_names
from buildrace.model.parameters import ModelParameters
from buildrace.model.world import World


@dataclass(frozen=True)
class Context:
    """What a lever compiler needs to resolve its targets."""

    world: World
    index: Index
    model: ModelParameters

    def strength(self, lever) -> np.ndarray:
        """(T,) multiplier: 0 outside [start, end], the phase schedule inside."""
        years = self.index.years
        end = lever.end if lever.end is not None else int(years[-1])
        s = ((years >= lever.start) & (years <= end)).astype(float)
        if lever.phase:
            level = np.ones_like(s)
            for y in sorted(lever.phase):
                level[years >= y] = lever.phase[y]
            s *= level
        return s

    def stage_ids(self, names, where: str = "stages") -> np.ndarray:
        return np.array([self.index.stage(s) for s in expand_stage_names(self.world, list(names), where)], dtype=int)

    def chain_stage_ids(self, chains) -> np.ndarray:
        return self.stage_ids(chains, "chains")

    def economy_ids(self, codes, exclude: int | None = None) -> np.ndarray:
        if any(c in ("ALL", "all") for c in codes):
            ids = np.arange(len(self.index.economies))
        else:
            ids = np.array([self.index.economy(c) for c in codes], dtype=int)
        return ids[ids != exclude] if exclude is not None else ids

    def pair_mask(self, economy: str, sites=(), stages=None) -> np.ndarray:
        """(P,) bool: pairs of ``economy`` at ``sites`` (all if empty) and ``stages``."""
        ix = self.index
        mask = ix.pair_economy == ix.economy(economy)
        if sites:
            site_ids = [ix.sites.index(s) for s in sites]
            mask &= np.isin(ix.pair_site, site_ids)
        if stages is not None:
            mask &= np.isin(ix.pair_stage, stages)
        return mask
