"""Shapley contributions of policies (``api.explain``) and scenario comparison (``api.compare``)."""

from __future__ import annotations

import re

import pytest

from buildrace import api
from buildrace.attribution import players, shapley
from buildrace.comparison import metric_rows
from buildrace.model.levers import GreenLane, Tariff
from buildrace.model.scenario import Scenario
from buildrace.testing import toy_world

WORLD = toy_world()
SHOCK = {"lever": "decoupling", "importer": "US", "exporter": "CN", "stages": ["li_ion_battery"], "start": 2026}
POLICIES = [
    {"lever": "production_credit", "economy": "US", "stages": ["li_ion_battery.cell_lfp"], "share_of_cost": 0.2, "start": 2025},
    {"lever": "green_lane", "economy": "US", "permit_cut": 0.5, "start": 2025},
    {"lever": "tariff", "importer": "US", "exporter": "ROW", "stages": ["li_ion_battery.pack"], "rate": 0.3, "start": 2025},
]


def _scenario(name: str, policies) -> Scenario:
    return Scenario(name=name, world="toy_2024", end_year=2036).with_policies(policies)


def test_shapley_of_a_symmetric_game_splits_evenly():
    n = 3
    values = {s: {"v": float(bin(s).count("1") ** 2)} for s in range(1 << n)}
    phi = shapley(values, n)
    assert [p["v"] for p in phi] == pytest.approx([3.0, 3.0, 3.0])


def test_shapley_of_an_additive_game_is_each_players_own_value():
    own = [1.0, -2.0, 0.5, 4.0]
    values = {s: {"v": sum(v for i, v in enumerate(own) if s >> i & 1)} for s in range(1 << len(own))}
    assert [p["v"] for p in shapley(values, len(own))] == pytest.approx(own)


def test_contributions_add_up_exactly_to_the_difference_from_the_reference():
    bare = _scenario("bare", [])
    ex = api.explain(_scenario("explain", [SHOCK, *POLICIES]), world=WORLD, reference=bare)
    assert ex.grouping == "policy"
    assert len(ex.players) == 4  # the shock and the three policies the reference lacks
    assert ex.summary["runs"] == 16
    assert ex.summary["reference"] == "bare"
    # the empty coalition is the reference itself: no gap to close
    assert all(ex.empty[m] == 0.0 for m in ex.empty if m.startswith("substitution_years/"))
    for m in ex.full:
        total = ex.empty[m] + sum(c[m] for c in ex.contributions)
        assert total == pytest.approx(ex.full[m], abs=1e-9), m
        assert ex.summary["difference"][m] == pytest.approx(ex.full[m] - ex.empty[m], abs=1e-9)
    # every adverse contribution carries its reason
    for p in ex.summary["players"]:
        for m, v in p["contributions"].items():
            from buildrace.attribution import adverse

            assert (m in p["adverse_because"]) == adverse(m, v)


def test_a_reference_lever_the_scenario_drops_is_a_player():
    ref = _scenario("with-credit", POLICIES[:1])
    ex = api.explain(_scenario("no-credit", [SHOCK]), world=WORLD, reference=ref)
    assert [p.startswith("drop ") for p in ex.players] == [False, True]
    assert {m.split("/")[0] for m in ex.full} == {"substitution_years", "cost_gap", "self_sufficiency"}
    # never-reached substitution counts as the horizon, so every value is finite
    assert all(0.0 <= ex.full[m] <= 2036 - 2026 for m in ex.full if m.startswith("substitution_years/"))


def test_many_policies_are_grouped_by_lever_and_economy():
    levers = [(i, GreenLane(lever="green_lane", economy="US", start=2025 + i)) for i in range(6)]
    levers += [(6 + i, Tariff(lever="tariff", importer="US", exporter="CN", stages=["li_ion_battery"], rate=0.1, start=2025))
               for i in range(6)]
    grouping, labels, members = players(levers, max_players=10)
    assert grouping == "lever and economy"
    assert labels == ["green_lane (US) x6", "tariff (US) x6"]
    assert members == [list(range(6)), list(range(6, 12))]


def test_explain_needs_a_shock():
    from buildrace.errors import InputError

    with pytest.raises(InputError, match="no shock"):
        api.explain(_scenario("calm", POLICIES), world=WORLD)


def test_compare_lists_every_metric_of_both_with_b_minus_a():
    a = _scenario("a", [SHOCK])
    b = _scenario("b", [SHOCK, *POLICIES])
    cmp = api.compare(a, b, world=WORLD)
    assert cmp.summary["a"] == "a" and cmp.summary["b"] == "b"
    metrics = {r["metric"] for r in cmp.rows}
    assert {"substitution_years", "redirection_years", "cost_gap", "unmet_demand", "shares", "verdict"} <= metrics
    for r in cmp.rows:
        if isinstance(r["a"], float) and isinstance(r["b"], float):
            assert r["difference"] == pytest.approx(r["b"] - r["a"], abs=1e-6)
        else:
            assert r["difference"] is None


def test_metric_rows_line_up_summaries_with_different_parties():
    a = {"substitution_years": {"US": {"s": 3.0}}}
    b = {"substitution_years": {"US": {"s": None}, "JP": {"s": 2.0}}}
    rows = metric_rows(a, b)
    assert rows == [
        {"metric": "substitution_years", "key": "US/s", "a": 3.0, "b": None, "difference": None},
        {"metric": "substitution_years", "key": "JP/s", "a": None, "b": 2.0, "difference": None},
    ]


def test_pages_are_self_contained(tmp_path):
    pytest.importorskip("matplotlib")
    from buildrace.reports.compare import build_compare_report
    from buildrace.reports.explain import build_explain_report

    cmp = api.compare(_scenario("a", [SHOCK]), _scenario("b", [SHOCK, *POLICIES]), world=WORLD)
    ex = api.explain(_scenario("b", [SHOCK, *POLICIES[:2]]), world=WORLD, reference=_scenario("bare", []))
    for page in (build_compare_report(cmp, tmp_path / "compare.html"), build_explain_report(ex, tmp_path / "explain.html")):
        text = page.read_text(encoding="utf-8")
        assert "<svg" in text
        assert not re.search(r"(src|href)=\"(https?:)?//", text), "the page fetches something"
        assert "<script" not in text
