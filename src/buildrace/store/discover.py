"""Scenario discovery over an ensemble store: PRIM boxes and a CART view.

PRIM (Friedman and Fisher 1999, "Bump hunting in high-dimensional data", Statistics and
Computing 9:123-143) peels the box of sampled parameters: at each step it removes the
``alpha`` share of the remaining draws from one side of one parameter, choosing the peel
that best trades the share of draws where the condition holds (density) against the
draws lost, until the box would hold fewer than ``min_mass`` of the draws; pasting then
widens it again where that raises the density. Each step's (coverage, density) pair is one
point of the trade-off curve (Bryant and Lempert 2010, "Thinking inside the box",
Technological Forecasting and Social Change 77:34-49).

PRIM is the EMA Workbench's (:class:`ema_workbench.analysis.prim.Prim`; Kwakkel 2017,
"The Exploratory Modeling Workbench", Environmental Modelling & Software 96:239-250),
behind the thin adapter :func:`prim`, with its default objective (the gain in density
over the mass lost, "lenient1"). ema-workbench 3.x needs Python 3.12; on Python 3.11
pip installs 2.5.3, whose ``Prim`` also takes a ``threshold``: it both counts the cases
(``y >= threshold``) and drops a found box whose density is below it, so the adapter
gives a tiny positive one (every draw where the condition holds counts, and the peeled
box is kept whatever its density, as 3.x always keeps it). CART
(scikit-learn's :class:`~sklearn.tree.DecisionTreeClassifier`) gives the second view.
Both come with the ``discover`` extra.
"""

from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass

import numpy as np

from buildrace.errors import InputError

CASE_THRESHOLD = 1e-9
"""ema-workbench 2.x's ``threshold`` for a 0/1 condition: any value in (0, 1] counts the
cases right; one this small never discards the box found (see the module docstring)."""


@dataclass(frozen=True)
class Box:
    """One PRIM box: bounds per restricted parameter, its coverage and density."""

    bounds: dict[str, tuple[float, float]]
    coverage: float
    density: float
    mass: float


def _ema_prim():
    """ema-workbench's Prim class, imported quietly (its import warns of optional extras)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from ema_workbench.analysis.prim import Prim
    except ModuleNotFoundError:
        raise InputError("discover needs ema-workbench (PRIM): pip install 'buildrace[discover]'") from None
    return Prim


def prim(x: np.ndarray, y: np.ndarray, names: list[str], alpha: float = 0.05,
         min_mass: float = 0.05) -> list[Box]:
    """The boxes along PRIM's peeling and pasting trajectory; the first is the whole space.

    Parameters
    ----------
    x : (draws, parameters) sampled parameter values
    y : (draws,) 1 where the condition holds, else 0
    names : the parameters' names (the columns of ``x``)
    alpha : share of the remaining draws peeled (and pasted) a step
    min_mass : smallest share of the draws a box may hold

    Returns
    -------
    list of :class:`Box`, in the order of the trajectory; ``bounds`` names only the
    parameters a box restricts (its limits inside the sampled range).
    """
    import pandas as pd

    y = np.asarray(y, dtype=float)
    if y.sum() == 0:
        raise InputError("the condition holds in no draw; PRIM has nothing to find")
    whole = Box({}, 1.0, float(y.mean()), 1.0)
    if x.shape[1] == 0 or y.all():  # nothing to peel (and the library asks for both classes)
        return [whole]
    Prim = _ema_prim()
    kwargs = {"peel_alpha": alpha, "paste_alpha": alpha, "mass_min": min_mass}
    if "threshold" in inspect.signature(Prim).parameters:  # ema-workbench 2.x
        kwargs["threshold"] = CASE_THRESHOLD
    frame = pd.DataFrame(np.asarray(x, dtype=float), columns=names)
    with warnings.catch_warnings():  # deprecations inside the library are its own, not the user's
        warnings.simplefilter("ignore")
        found = Prim(frame, (y > 0).astype(float), **kwargs).find_box()
    if found is None:
        return [whole]
    init = frame.agg(["min", "max"]).to_numpy()
    traj = found.peeling_trajectory
    boxes = []
    for i in range(len(traj)):
        lims = found.box_lims[i][names].to_numpy(dtype=float)
        bounds = {n: (float(lims[0, j]), float(lims[1, j])) for j, n in enumerate(names)
                  if lims[0, j] > init[0, j] or lims[1, j] < init[1, j]}
        row = traj.iloc[i]
        boxes.append(Box(bounds, float(row["coverage"]), float(row["density"]), float(row["mass"])))
    return boxes


def cart_rules(x: np.ndarray, y: np.ndarray, names: list[str], depth: int = 3) -> str:
    """A shallow classification tree of the condition, as text rules (scikit-learn)."""
    try:
        from sklearn.tree import DecisionTreeClassifier, export_text
    except ModuleNotFoundError:
        raise InputError("CART needs scikit-learn: pip install 'buildrace[store]'") from None
    tree = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(x, y)
    return str(export_text(tree, feature_names=names))


def load(store: str, condition: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Sampled parameters (columns ``param:*`` that vary) and the SQL condition per draw."""
    import duckdb

    from buildrace.store.chunks import connect

    con = connect(store)
    cols = [r[0] for r in con.execute(
        "select column_name from (describe draws) where column_name like 'param:%'").fetchall()]
    if not cols:
        raise InputError(f"store {store} has no sampled parameters; use a scenario with priors")
    sel = ", ".join('"' + c.replace('"', '""') + '"' for c in cols)
    names = {r[0] for r in con.execute("select column_name from (describe draws)").fetchall()}
    if condition.strip() in names:  # a metric column by name (``us_first:li_ion_battery``): where it is set
        condition = '"' + condition.strip().replace('"', '""') + '" > 0'
    try:
        rows = con.execute(f"select {sel}, coalesce(({condition}), false) from draws order by draw").fetchall()
    except duckdb.Error as exc:
        raise InputError(f"--metric is not a valid SQL condition: {str(exc).splitlines()[0]}") from None
    a = np.array(rows, dtype=float)
    x, y = a[:, :-1], a[:, -1]
    vary = x.std(axis=0) > 0
    return x[:, vary], y, [c for c, v in zip(cols, vary, strict=True) if v]
