"""Closed loop: chosen designations simulated against random ones (needs buildrace.api)."""

from __future__ import annotations

import pytest

from buildrace.siting.verify import random_plans

pytest.importorskip("highspy", reason="the optimiser needs HiGHS (pip install 'buildrace[siting]')")


def _problem_request():
    from buildrace.siting import CostModel, designation_problem
    from buildrace.siting.optimise import DesignationRequest
    from buildrace.siting.score import score_chain

    p = designation_problem(score_chain("li_ion_battery"), "li_ion_battery", CostModel())
    return p, DesignationRequest(k=3, budget_musd=2000, within_miles=100)


def test_random_plans_respect_budget_and_k():
    p, req = _problem_request()
    plans = random_plans(p, req, n=20, seed=1)
    assert len(plans) == 20
    for (lever,) in plans:
        assert lever.infrastructure_musd <= req.budget_musd + 1e-9
        assert 1 <= len(lever.sites) <= req.k
    assert random_plans(p, req, n=5, seed=1) == plans[:5]


def test_verify_designations_ranks_the_chosen_plan():
    pytest.importorskip(
        "buildrace.api",
        reason="the simulator API (buildrace.api: load_scenario, simulate) is not in this tree yet",
    )
    from buildrace.siting import site_clusters

    res = site_clusters("li_ion_battery", k=3, budget_musd=2000, verify_random=3, seed=0)
    v = res.verification
    assert v is not None and v.n_plans == 4 and 1 <= v.rank <= 4
    assert len(v.random) == 3
