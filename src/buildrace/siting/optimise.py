"""Choose cluster designations with a mixed-integer programme (HiGHS).

Formulation (sites s, chains c, roles r in {upstream, manufacturing}):

.. code-block:: text

    maximise    sum_{s,c,r} b[s,c,r] x[s,c,r]
    subject to  x[s,c,r] <= y[s,c]                          (link: a role needs a designation)
                y[s,c]   <= sum_r x[s,c,r]                  (a designation plays some role)
                sum_{s,c} y[s,c] <= K                       (count)
                sum_{s,c,r} cost[s,c,r] x[s,c,r] <= B       (budget, million USD)
                x[m,c,mfg] <= sum_{u: d(u,m) <= D} x[u,c,up]  for every m, c   (co-location)
                x[u,c,up]  <= sum_{m: d(u,m) <= D} x[m,c,mfg] for every u, c   (co-location)
                sum_s x[s,c,mfg] >= 1                       for every c        (coverage)
                x, y binary

``b`` is the role score of :mod:`buildrace.siting.score` (expected benefit in score
points); ``cost`` the infrastructure a role needs at a site; ``d`` the distance of
:func:`buildrace.siting.data.distance_matrix` (0 for a site and itself, so one site
playing both roles is co-located by construction). The model is built in small
pieces (``define_*``), solved with HiGHS (Huangfu & Hall 2018,
doi:10.1007/s12532-017-0130-5) and written back to a frozen
:class:`DesignationResult`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from buildrace.errors import InfeasibleError, InputError
from buildrace.siting.chains import Role

ROLES = (Role.UPSTREAM, Role.MANUFACTURING)
_TOL = 1e-6


class DesignationStatus(StrEnum):
    """Outcome of the designation solve."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    TIME_LIMIT = "time_limit"
    ERROR = "error"


class DesignationRequest(BaseModel):
    """What the planner is asked for.

    Attributes
    ----------
    k
        Most (site, chain) designations.
    budget_musd
        Infrastructure budget, million USD.
    within_miles
        Co-location distance between upstream and manufacturing sites of a chain.
    time_limit_s
        HiGHS time limit; the solve is deterministic within it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    k: int = 5
    budget_musd: float = 3000.0
    within_miles: float = 100.0
    time_limit_s: float = Field(default=60.0, gt=0)


class Designation(BaseModel):
    """One designated site for one chain, and the roles it plays."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    site: str
    chain: str
    roles: tuple[Role, ...]
    cost_musd: float
    benefit: float


class DesignationResult(BaseModel):
    """Written-back solution of the designation MILP."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: DesignationStatus
    objective: float
    designations: tuple[Designation, ...]
    total_cost_musd: float
    binding_constraints: tuple[str, ...]
    solve_seconds: float


@dataclass(frozen=True)
class DesignationProblem:
    """Numbers the MILP is built from (arrays indexed [site, chain, role]).

    Attributes
    ----------
    sites, chains
        Labels of the first two axes.
    benefit, cost_musd
        Shape (n_sites, n_chains, 2), role order ``ROLES``.
    distance_miles
        Shape (n_sites, n_sites), symmetric, zero diagonal.
    """

    sites: tuple[str, ...]
    chains: tuple[str, ...]
    benefit: np.ndarray
    cost_musd: np.ndarray
    distance_miles: np.ndarray


@dataclass
class _Model:
    """A HiGHS model under construction, with the names of its rows."""

    highs: Any
    x: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    y: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    row_names: list[str] = field(default_factory=list)
    n_cols: int = 0
    _pending: list[tuple[float, float, np.ndarray, np.ndarray]] = field(default_factory=list)

    def add_row(self, name: str, lower: float, upper: float, idx, vals) -> None:
        """Queue a row; :meth:`flush` passes all queued rows to HiGHS in one call."""
        self._pending.append((lower, upper, np.asarray(idx, np.int32), np.asarray(vals, float)))
        self.row_names.append(name)

    def flush(self) -> None:
        if not self._pending:
            return
        lo, hi, idx, vals = zip(*self._pending, strict=True)
        starts = np.cumsum([0, *(len(i) for i in idx[:-1])]).astype(np.int32)
        flat_idx = np.concatenate(idx).astype(np.int32)
        self.highs.addRows(
            len(lo),
            np.array(lo, float),
            np.array(hi, float),
            len(flat_idx),
            starts,
            flat_idx,
            np.concatenate(vals),
        )
        self._pending.clear()


@contextlib.contextmanager
def _quiet_stdout():
    # HiGHS prints a banner from C++ on the first Highs(); it would corrupt --json output.
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _new_highs(time_limit_s: float):
    try:
        import highspy
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise InputError(
            "the siting optimiser needs HiGHS: pip install 'buildrace[siting]'"
        ) from exc
    with _quiet_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    return h


def check_request(problem: DesignationProblem, request: DesignationRequest) -> None:
    """Reject malformed or hopeless requests before building the model.

    Raises
    ------
    InputError
        K < 1, a negative budget or distance, non-finite numbers.
    InfeasibleError
        K below the number of chains, or a budget below the cheapest co-located
        upstream + manufacturing pair of every chain.
    """
    if request.k < 1:
        raise InputError(f"--k is {request.k}; designate at least 1 site (use --k 1 or more)")
    if not np.isfinite(request.budget_musd) or request.budget_musd < 0:
        raise InputError(
            f"--budget is {request.budget_musd}; give a budget of 0 or more (million USD)"
        )
    if not np.isfinite(request.within_miles) or request.within_miles < 0:
        raise InputError(f"--within is {request.within_miles}; give a distance of 0 or more miles")
    if not problem.sites or not problem.chains:
        raise InputError("no sites or no chains to choose from")
    if request.k < len(problem.chains):
        raise InfeasibleError(
            f"--k {request.k} cannot cover {len(problem.chains)} chains; raise --k to {len(problem.chains)}"
        )
    near = problem.distance_miles <= request.within_miles + _TOL
    need = 0.0
    for c, _chain in enumerate(problem.chains):
        up = problem.cost_musd[:, c, 0]
        mfg = problem.cost_musd[:, c, 1]
        pair = np.where(near, up[:, None] + mfg[None, :], np.inf)
        need += float(pair.min())
    if request.budget_musd + _TOL < need:
        raise InfeasibleError(
            f"budget {request.budget_musd:,.0f} MUSD is below the cheapest co-located "
            f"upstream + manufacturing designation ({need:,.0f} MUSD); raise --budget to at least {np.ceil(need):,.0f}"
        )


def define_designation_variables(model: _Model, problem: DesignationProblem) -> None:
    """Binary role variables x[s,c,r] (objective: benefit) and site variables y[s,c]."""
    n_s, n_c = len(problem.sites), len(problem.chains)
    h = model.highs
    n_x, n_y = n_s * n_c * 2, n_s * n_c
    obj = np.concatenate([problem.benefit.reshape(-1), np.zeros(n_y)])
    n = n_x + n_y
    h.addCols(
        n,
        obj,
        np.zeros(n),
        np.ones(n),
        0,
        np.zeros(0, np.int32),
        np.zeros(0, np.int32),
        np.zeros(0),
    )
    import highspy

    h.changeColsIntegrality(
        n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger)
    )
    model.x = np.arange(n_x).reshape(n_s, n_c, 2)
    model.y = n_x + np.arange(n_y).reshape(n_s, n_c)
    model.n_cols = n


def define_link_constraints(model: _Model, problem: DesignationProblem) -> None:
    """A role needs its site designated; a designated site plays at least one role."""
    for s, site in enumerate(problem.sites):
        for c, chain in enumerate(problem.chains):
            y = model.y[s, c]
            for r, role in enumerate(ROLES):
                model.add_row(
                    f"link[{site},{chain},{role}]", -np.inf, 0.0, [model.x[s, c, r], y], [1, -1]
                )
            model.add_row(f"used[{site},{chain}]", -np.inf, 0.0, [y, *model.x[s, c]], [1, -1, -1])


def define_count_constraint(model: _Model, problem: DesignationProblem, k: int) -> None:
    """At most K (site, chain) designations."""
    idx = model.y.reshape(-1)
    model.add_row("count", -np.inf, float(k), idx, np.ones(len(idx)))


def define_budget_constraint(
    model: _Model, problem: DesignationProblem, budget_musd: float
) -> None:
    """Infrastructure of the chosen roles within the budget."""
    model.add_row(
        "budget", -np.inf, float(budget_musd), model.x.reshape(-1), problem.cost_musd.reshape(-1)
    )


def define_colocation_constraints(
    model: _Model, problem: DesignationProblem, within_miles: float
) -> None:
    """Every manufacturing site has an upstream site within reach, and vice versa."""
    near = problem.distance_miles <= within_miles + _TOL
    for c, chain in enumerate(problem.chains):
        for s, site in enumerate(problem.sites):
            nb = np.flatnonzero(near[s])
            for r, other in ((1, 0), (0, 1)):
                idx = [model.x[s, c, r], *model.x[nb, c, other]]
                vals = [1.0, *(-np.ones(len(nb)))]
                model.add_row(f"colocate[{site},{chain},{ROLES[r]}]", -np.inf, 0.0, idx, vals)


def define_coverage_constraints(model: _Model, problem: DesignationProblem) -> None:
    """Each requested chain gets at least one manufacturing designation."""
    for c, chain in enumerate(problem.chains):
        idx = model.x[:, c, 1]
        model.add_row(f"cover[{chain}]", 1.0, np.inf, idx, np.ones(len(idx)))


def build_model(problem: DesignationProblem, request: DesignationRequest) -> _Model:
    """Assemble the full MILP (after :func:`check_request`)."""
    import highspy

    model = _Model(highs=_new_highs(request.time_limit_s))
    define_designation_variables(model, problem)
    define_link_constraints(model, problem)
    define_count_constraint(model, problem, request.k)
    define_budget_constraint(model, problem, request.budget_musd)
    define_colocation_constraints(model, problem, request.within_miles)
    define_coverage_constraints(model, problem)
    model.flush()
    model.highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    return model


def _binding(
    row_names: list[str], row_value: np.ndarray, request: DesignationRequest, min_unused_cost: float
) -> tuple[str, ...]:
    """Rows that hold the solution back.

    ``count`` when K designations are used; ``budget`` when what is left is less than
    the cheapest role not chosen (for a MILP, "no more can be bought" is what binding
    means in practice); ``colocate[...]`` rows at zero slack, i.e. a chosen role with
    exactly one partner in reach (the caller keeps only chosen roles).
    """
    out = []
    for name, val in zip(row_names, row_value, strict=True):
        if name == "count" and val >= request.k - _TOL:
            out.append(name)
        elif name == "budget" and request.budget_musd - val < min_unused_cost - _TOL:
            out.append(name)
        elif name.startswith("colocate[") and abs(val) < _TOL:
            out.append(name)
    return tuple(out)


def solve_designation(
    problem: DesignationProblem, request: DesignationRequest
) -> DesignationResult:
    """Check, build, solve and write back the designation MILP.

    Raises
    ------
    InputError, InfeasibleError
        See :func:`check_request`; InfeasibleError also when HiGHS proves the model
        infeasible (the message says which knob to loosen).
    """
    import highspy

    check_request(problem, request)
    t0 = time.perf_counter()
    model = build_model(problem, request)
    h = model.highs
    h.run()
    seconds = time.perf_counter() - t0
    status = h.getModelStatus()
    ms = highspy.HighsModelStatus
    if status == ms.kInfeasible:
        raise InfeasibleError(
            f"no designation satisfies K={request.k}, budget={request.budget_musd:,.0f} MUSD and "
            f"co-location within {request.within_miles:g} miles; raise --within, --budget or --k"
        )
    sol = h.getSolution()
    if status == ms.kOptimal:
        st = DesignationStatus.OPTIMAL
    elif status == ms.kTimeLimit and sol.value_valid:
        st = DesignationStatus.TIME_LIMIT
    else:
        return DesignationResult(
            status=DesignationStatus.ERROR,
            objective=float("nan"),
            designations=(),
            total_cost_musd=0.0,
            binding_constraints=(),
            solve_seconds=seconds,
        )
    col = np.asarray(sol.col_value)
    xv = np.rint(col[model.x]).astype(bool)
    rows = np.asarray(sol.row_value)
    unused = problem.cost_musd[~xv]
    min_unused = float(unused.min()) if unused.size else 0.0
    designations = []
    for s, c in zip(*np.nonzero(xv.any(axis=2)), strict=True):
        roles = tuple(ROLES[r] for r in range(2) if xv[s, c, r])
        designations.append(
            Designation(
                site=problem.sites[s],
                chain=problem.chains[c],
                roles=roles,
                cost_musd=float(problem.cost_musd[s, c][xv[s, c]].sum()),
                benefit=float(problem.benefit[s, c][xv[s, c]].sum()),
            )
        )
    designations.sort(key=lambda d: (d.chain, -d.benefit, d.site))
    binding = _binding(model.row_names, rows, request, min_unused)
    # Only co-location rows of chosen roles matter to a reader.
    chosen = {f"colocate[{d.site},{d.chain},{r}]" for d in designations for r in d.roles}
    binding = tuple(b for b in binding if not b.startswith("colocate[") or b in chosen)
    return DesignationResult(
        status=st,
        objective=float(h.getInfo().objective_function_value),
        designations=tuple(designations),
        total_cost_musd=float((problem.cost_musd * xv).sum()),
        binding_constraints=binding,
        solve_seconds=seconds,
    )


__all__ = [
    "Designation",
    "DesignationProblem",
    "DesignationRequest",
    "DesignationResult",
    "DesignationStatus",
    "ROLES",
    "build_model",
    "check_request",
    "define_budget_constraint",
    "define_colocation_constraints",
    "define_count_constraint",
    "define_coverage_constraints",
    "define_designation_variables",
    "define_link_constraints",
    "solve_designation",
]
