"""The designation MILP on tiny hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest

from buildrace.errors import InfeasibleError, InputError
from buildrace.siting.chains import Role
from buildrace.siting.optimise import (
    DesignationProblem,
    DesignationRequest,
    DesignationStatus,
    solve_designation,
)

pytest.importorskip("highspy", reason="the optimiser needs HiGHS (pip install 'buildrace[siting]')")


def _problem(benefit, cost=100.0, far=500.0):
    b = np.asarray(benefit, float)[:, None, :]
    n = b.shape[0]
    d = np.full((n, n), far)
    np.fill_diagonal(d, 0.0)
    return DesignationProblem(
        sites=tuple(f"US:S{i}" for i in range(n)),
        chains=("li_ion_battery",),
        benefit=b,
        cost_musd=np.full_like(b, cost),
        distance_miles=d,
    )


def test_picks_the_obviously_best_site():
    p = _problem([[0.1, 0.1], [0.9, 0.9], [0.2, 0.3]])
    res = solve_designation(p, DesignationRequest(k=1, budget_musd=200, within_miles=50))
    assert res.status is DesignationStatus.OPTIMAL
    assert [d.site for d in res.designations] == ["US:S1"]
    assert set(res.designations[0].roles) == {Role.UPSTREAM, Role.MANUFACTURING}
    assert res.objective == pytest.approx(1.8)
    assert "count" in res.binding_constraints and "budget" in res.binding_constraints


def test_colocation_is_respected():
    # Best upstream (S0) and best manufacturing (S2) are 500 miles apart; only S1 is
    # near S2. With room for two single-role designations, the plan must pair S1 (up)
    # with S2 (mfg), not S0 with S2.
    p = _problem([[0.95, 0.0], [0.5, 0.0], [0.0, 0.9]])
    d = p.distance_miles.copy()
    d[1, 2] = d[2, 1] = 40.0
    p = DesignationProblem(p.sites, p.chains, p.benefit, p.cost_musd, d)
    res = solve_designation(p, DesignationRequest(k=2, budget_musd=200, within_miles=50))
    roles = {(x.site, r) for x in res.designations for r in x.roles}
    assert roles == {("US:S1", Role.UPSTREAM), ("US:S2", Role.MANUFACTURING)}
    near = p.distance_miles <= 50
    ups = [p.sites.index(s) for s, r in roles if r is Role.UPSTREAM]
    for s, r in roles:
        if r is Role.MANUFACTURING:
            assert any(near[p.sites.index(s), u] for u in ups)
    # Looser co-location lets the best upstream site in.
    res2 = solve_designation(p, DesignationRequest(k=2, budget_musd=200, within_miles=1000))
    assert ("US:S0", Role.UPSTREAM) in {(x.site, r) for x in res2.designations for r in x.roles}


@pytest.mark.parametrize(
    ("request_kwargs", "error", "hint"),
    [
        ({"k": 0}, InputError, "--k"),
        ({"budget_musd": -1.0}, InputError, "--budget"),
        ({"within_miles": -5.0}, InputError, "--within"),
        ({"budget_musd": 150.0}, InfeasibleError, "raise --budget to at least 200"),
    ],
)
def test_bad_requests_raise_clear_errors(request_kwargs, error, hint):
    p = _problem([[0.5, 0.5], [0.4, 0.4]])
    kwargs = {"k": 2, "budget_musd": 1000.0, "within_miles": 50.0, **request_kwargs}
    with pytest.raises(error, match=hint.replace("-", r"\-")):
        solve_designation(p, DesignationRequest(**kwargs))


def test_budget_buys_more_designations():
    p = _problem([[0.5, 0.6], [0.4, 0.7], [0.3, 0.2]], far=10.0)
    small = solve_designation(p, DesignationRequest(k=3, budget_musd=200, within_miles=50))
    large = solve_designation(p, DesignationRequest(k=3, budget_musd=600, within_miles=50))
    assert large.objective > small.objective
    assert large.total_cost_musd <= 600 + 1e-9
