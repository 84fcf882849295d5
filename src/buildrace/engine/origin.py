"""Traced content (rules of origin): whose value a good carries.

For every economy e and stage s, the value-added origin vector ``O[e, s, o]`` is the
share of the unit value of e's output at s that originates in economy o: e's own value
added (unit cost less the inputs it buys) plus, for each input u, its value share times
the origin mix of the suppliers e bought u from:

``O[e, s, :] = (1 - sum_u v[e, s, u]) * 1[o = e] + sum_u v[e, s, u] * sum_k src[e <- k, u] * O[k, u, :]``

with ``v[e, s, u] = a[s, u] * P[e, u] / C[e, s]`` (input value shares at the prices e
pays) and ``src`` the supplier mix of e's purchases. Stages are solved from the mines
down, so each stage's inputs are traced before it (the chain has no cycles). This is the
value-added trade accounting of Johnson & Noguera (2012, *J. Int. Econ.* 86(2)) and of
the OECD TiVA tables, per stage instead of per industry.

A rule with a content threshold ``x`` (the foreign entity's share of value above which a
good counts as the foreign entity's) admits from a supplier whose average foreign
content is ``c`` a share of its output between two bounds (:func:`compliant_share`):
with perfect segregation it puts all its non-foreign inputs into the goods it ships
under the rule, ``min(1, (1 - c) / (1 - x))``; with none, only its product lines under the
threshold comply. Simplification: content is certified on last year's sourcing, and the
mix of the two bounds (``origin_segregation``) is an assumption.
"""

from __future__ import annotations

import numpy as np

from buildrace.engine import backend
from buildrace.engine.groups import safe_divide


def value_added_origin(flows, served, price, unit_cost, intensity, levels) -> np.ndarray:
    """Origin shares ``O`` (N, E, S, E) of each economy's output at each stage.

    Parameters
    ----------
    flows : (N, M, E, S) deliveries from supplier e to market m
    served : (N, M, S) what each market received
    price : (N, M, S) prices buyers pay
    unit_cost : (N, E, S) producers' unit costs
    intensity : (S, S) or (N, S, S) input per unit of consumer (row) of input (column)
    levels : stage indices by depth, most downstream first
    """
    if (k := backend.kernels()) is not None:  # the compiled twin (engine/compiled.py)
        return k.value_added_origin(flows, served, price, unit_cost, intensity, levels)
    N, M, E, S = flows.shape
    src = safe_divide(flows, served[:, :, None, :])  # (N, M=e, K, U) supplier mix of e's purchases
    at = np.swapaxes(intensity, -1, -2)  # (.., U, S)
    inter = price[..., :, None] * (at if at.ndim == 3 else at[None])[:, None]  # (N, E, U, S) value of u per unit of s
    v = safe_divide(inter, unit_cost[:, :, None, :])  # (N, E, U, S)
    total = v.sum(axis=2, keepdims=True)
    v = np.where(total > 1.0, v / np.where(total > 0, total, 1.0), v)  # inputs never exceed the unit value
    own = np.maximum(1.0 - v.sum(axis=2), 0.0)  # (N, E, S)
    eye = np.eye(E)
    origin = np.zeros((N, E, S, E))
    for lvl in reversed(levels):  # upstream levels first (a handful), not stages
        # origin mix of each input as bought by e: sum_k src[e <- k, u] * O[k, u, :]
        bought = np.einsum("neku,nkuo->neuo", src, origin)  # (N, E, U, E)
        mix = np.einsum("neus,neuo->neso", v[..., lvl], bought)  # (N, E, Sl, E)
        origin[:, :, lvl, :] = own[:, :, lvl, None] * eye[None, :, None, :] + mix
    return origin


def compliant_share(content, max_content, segregation=1.0, spread=0.1) -> np.ndarray:
    """Share of a supplier's output that can meet a content threshold.

    Two bounds, mixed by ``segregation``: with perfect segregation the supplier puts its
    non-foreign inputs into the goods it ships under the rule, each at the threshold,
    ``min(1, (1 - c) / (1 - x))``; without it every product line carries about the
    average content, spread uniformly over ``c +- spread / 2``, so the share of lines at
    or under the threshold is ``clip((x - c) / spread + 1/2, 0, 1)``.

    Parameters
    ----------
    content : (..., E, S) the supplier's average foreign-entity share of value
    max_content : broadcastable threshold (1 = no rule)
    segregation, spread : broadcastable, see ``origin_segregation`` and ``origin_spread``
    """
    if backend.kernels() is not None:  # the compiled twin (engine/compiled_year.py)
        from buildrace.engine.compiled_year import compliant_share as compiled

        return compiled(content, max_content, segregation, spread)
    x = np.asarray(max_content)
    room = 1.0 - x
    perfect = np.clip(np.where(room > 0, safe_divide(1.0 - content, np.where(room > 0, room, 1.0), 1.0), 1.0), 0.0, 1.0)
    lines = np.clip((x - content) / spread + 0.5, 0.0, 1.0)
    share = segregation * perfect + (1.0 - segregation) * lines
    return np.where(room > 0, share, 1.0)


__all__ = ["compliant_share", "value_added_origin"]
