"""Draw parameter sets from the distributions of a scenario, reproducibly.

Draw i always uses its own stream, ``default_rng(SeedSequence(seed, spawn_key=(i,)))``,
and samples the scenario's distributions in a fixed order (sorted by their path), so a
draw's parameters do not depend on how the ensemble is chunked or distributed: same
scenario and seed, same bits, serial or on a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from buildrace.model.distributions import point
from buildrace.model.parameters import ParameterOverrides


@dataclass(frozen=True)
class Leaf:
    path: tuple[str, ...]
    value: object  # float or a distribution


def leaves(params: ParameterOverrides) -> list[Leaf]:
    """Every overridden value with its path, in canonical (sorted) order."""
    out = [Leaf(("model", k), v) for k, v in params.model.items()]
    for p, targets in params.stages.items():
        out += [Leaf(("stages", p, t), v) for t, v in targets.items()]
    for p, econs in params.economy_stages.items():
        for e, targets in econs.items():
            out += [Leaf(("economy_stages", p, e, t), v) for t, v in targets.items()]
    for p, targets in params.economies.items():
        out += [Leaf(("economies", p, e), v) for e, v in targets.items()]
    for p, targets in params.final_uses.items():
        out += [Leaf(("final_uses", p, u), v) for u, v in targets.items()]
    return sorted(out, key=lambda leaf: leaf.path)


def uncertain(params: ParameterOverrides) -> list[Leaf]:
    return [leaf for leaf in leaves(params) if not isinstance(leaf.value, (int, float))]


def sample_leaves(params: ParameterOverrides, seed: int, offset: int, n: int) -> dict[tuple[str, ...], np.ndarray]:
    """Values (n,) of every leaf for draws offset .. offset + n - 1."""
    all_leaves = leaves(params)
    out = {leaf.path: np.full(n, point(leaf.value)) for leaf in all_leaves}
    random = [leaf for leaf in all_leaves if not isinstance(leaf.value, (int, float))]
    if not random:
        return out
    for j in range(n):  # one stream per draw (setup, not the engine's hot path)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(offset + j,)))
        for leaf in random:
            out[leaf.path][j] = leaf.value.sample(rng, 1)[0]  # type: ignore[attr-defined]
    return out


__all__ = ["Leaf", "leaves", "sample_leaves", "uncertain"]
