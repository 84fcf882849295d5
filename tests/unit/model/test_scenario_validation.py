"""Scenario validation in layers: pydantic for shape and range, ``check_scenario`` (run by
``compile_scenario``) for identifiers the world must know. Every message names the key."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from buildrace.errors import InputError
from buildrace.model.checks import check_scenario
from buildrace.model.compile import compile_scenario
from buildrace.model.levers import LEVER_MODELS, Tariff
from buildrace.model.scenario import Scenario
from buildrace.testing import toy_world

PACK = "li_ion_battery.pack"


@pytest.fixture(scope="module")
def world():
    return toy_world()


def _scenario(**kw):
    kw.setdefault("end_year", 2030)
    return Scenario(name="check", world="toy_2024", **kw)


def _tariff(**kw):
    return {"lever": "tariff", "importer": "US", "exporter": "CN", "stages": [PACK], "rate": 0.1, "start": 2025, **kw}


def _compile_error(world, **kw) -> str:
    with pytest.raises(InputError) as info:
        compile_scenario(_scenario(**kw), world=world)
    return str(info.value)


def test_a_valid_scenario_compiles(world):
    c = compile_scenario(_scenario(policies=[_tariff()]), world=world)
    assert list(c.index.years) == list(range(2024, 2031))


def test_lever_end_before_start_is_rejected():
    with pytest.raises(ValidationError, match=r"end \(2026\) is before start \(2028\)"):
        Tariff(**{**_tariff(start=2028, end=2026)})


def test_unknown_lever_is_rejected():
    with pytest.raises(ValidationError, match="lever"):
        _scenario(policies=[{"lever": "tarif", "start": 2025}])


def test_unknown_key_is_rejected_on_levers_and_scenarios():
    with pytest.raises(ValidationError, match="colour"):
        _scenario(policies=[_tariff(colour="red")])
    with pytest.raises(ValidationError, match="horizon"):
        _scenario(horizon=2040)


@pytest.mark.parametrize("rate", [-0.1, float("nan"), float("inf")])
def test_bad_tariff_rates_are_rejected(rate):
    with pytest.raises(ValidationError, match="rate"):
        _scenario(policies=[_tariff(rate=rate)])


@pytest.mark.parametrize(
    "lever",
    [
        {"lever": "local_content", "market": "US", "stages": [PACK], "share": 1.5, "start": 2025},
        {"lever": "export_control", "exporter": "CN", "stages": [PACK], "cap": -0.1, "start": 2025},
        {"lever": "stockpile", "economy": "US", "stages": [PACK], "months": float("nan"), "start": 2025},
        {"lever": "sovereign_fund", "economy": "US", "budget_musd_per_year": -1.0, "start": 2025},
        {"lever": "production_credit", "economy": "US", "stages": [PACK], "start": 2025},
        {"lever": "production_credit", "economy": "US", "stages": [PACK], "amount": 1.0, "share_of_cost": 0.1, "start": 2025},
    ],
    ids=["share>1", "negative-cap", "nan-months", "negative-budget", "credit-without-amount", "credit-with-both"],
)
def test_out_of_range_lever_parameters_are_rejected(lever):
    with pytest.raises(ValidationError):
        _scenario(policies=[lever])


def test_every_lever_kind_is_registered():
    from buildrace.policies import REGISTRY

    assert set(REGISTRY) == set(LEVER_MODELS)


def test_lever_starting_after_the_horizon_is_rejected_and_named():
    with pytest.raises(ValidationError, match=r"policies\[0\] \(tariff\) starts in 2035, after the horizon end_year 2030"):
        _scenario(policies=[_tariff(start=2035)])


def test_lever_added_after_construction_is_still_checked_against_the_horizon(world):
    sc = _scenario().with_policies([_tariff(start=2035)])
    with pytest.raises(InputError, match=r"policies\[0\] \(tariff\)\.start: 2035 is after the horizon end_year 2030"):
        check_scenario(sc, world)


def test_lever_long_before_the_base_year_is_rejected(world):
    msg = _compile_error(world, policies=[_tariff(start=1990)])
    assert msg.startswith("policies[0] (tariff).start:")


def test_end_year_must_follow_the_base_year(world):
    assert "end_year 2024 must be after the base year 2024" in _compile_error(world, end_year=2024)


@pytest.mark.parametrize(
    ("policy", "where", "what"),
    [
        (_tariff(stages=["li_ion_battery.foo"]), "policies[0] (tariff).stages[0]", "unknown stage or chain 'li_ion_battery.foo'"),
        (_tariff(importer="XX"), "policies[0] (tariff).importer", "unknown economy 'XX'"),
        (_tariff(exporter="YY"), "policies[0] (tariff).exporter", "unknown economy 'YY'"),
        (
            {"lever": "green_lane", "economy": "US", "sites": ["US:TX"], "start": 2025},
            "policies[0] (green_lane).sites[0]", "unknown site 'US:TX'",
        ),
        (
            {"lever": "green_lane", "economy": "US", "sites": ["CN:JS"], "start": 2025},
            "policies[0] (green_lane).sites[0]", "not in economy 'US'",
        ),
        (
            {"lever": "designate_cluster", "economy": "US", "sites": ["US:MI"], "chains": ["solar"], "start": 2025},
            "policies[0] (designate_cluster).chains[0]", "unknown chain 'solar'",
        ),
        (
            {"lever": "designate_cluster", "economy": "US", "sites": [], "chains": ["li_ion_battery"], "start": 2025},
            "policies[0] (designate_cluster).sites", "at least one site",
        ),
        (
            {"lever": "allied_pooling", "members": ["US", "EU"], "start": 2025},
            "policies[0] (allied_pooling).members[1]", "unknown economy 'EU'",
        ),
        (_tariff(exporter="US"), "policies[0] (tariff)", "importer and exporter are both 'US'"),
    ],
)
def test_unknown_identifiers_are_named_with_their_key(world, policy, where, what):
    msg = _compile_error(world, policies=[_tariff(), policy])
    where = where.replace("policies[0]", "policies[1]")
    assert msg.startswith(where + ":")
    assert what in msg
    assert "valid" in msg or "site" in msg or "importer" in msg


def test_unknown_identifier_message_lists_valid_values(world):
    msg = _compile_error(world, policies=[_tariff(importer="XX")])
    assert "valid: US, CN, ROW" in msg


@pytest.mark.parametrize(
    ("parameters", "key"),
    [
        ({"stages": {"learning_rate": {PACK: float("nan")}}}, f"parameters.stages.learning_rate.{PACK}"),
        ({"stages": {"learning_rate": {PACK: -0.1}}}, f"parameters.stages.learning_rate.{PACK}"),
        ({"stages": {"learning_rte": {PACK: 0.1}}}, "parameters.stages"),
        ({"stages": {"learning_rate": {"li_ion_battery.foo": 0.1}}}, "parameters.stages.learning_rate[0]"),
        ({"model": {"kapa": 0.1}}, "parameters.model.kapa"),
        ({"model": {"kappa": -1.0}}, "parameters.model.kappa"),
        ({"model": {"kappa": float("nan")}}, "parameters.model.kappa"),
    ],
    ids=["nan", "negative", "unknown-parameter", "unknown-stage", "unknown-model-key", "negative-model", "nan-model"],
)
def test_bad_parameter_overrides_are_named(world, parameters, key):
    msg = _compile_error(world, parameters=parameters)
    # the message starts with the key (or its parent section) and names the offending entry
    head, _, last = key.rpartition(".")
    assert msg.startswith(key + ":") or (msg.startswith(head + ":") and repr(last) in msg), msg


def test_draws_must_be_positive(world):
    with pytest.raises(InputError, match="draws must be >= 1"):
        compile_scenario(_scenario(), draws=0, world=world)


def test_economy_parameters_are_checked(world):
    ok = compile_scenario(_scenario(parameters={"economies": {"market_share_planning": {"CN": 0.6}}}), world=world)
    cn = ok.index.economies.index("CN")
    assert ok.share_planning[:, cn].tolist() == [0.6] and ok.share_planning.sum() == 0.6
    msg = _compile_error(world, parameters={"economies": {"market_share_planning": {"XX": 1.0}}})
    assert "parameters.economies.market_share_planning" in msg and "XX" in msg
    msg = _compile_error(world, parameters={"economies": {"market_share_planning": {"CN": 1.5}}})
    assert "parameters.economies.market_share_planning.CN" in msg and "0-1" in msg
    msg = _compile_error(world, parameters={"economies": {"hurdle": {"CN": 0.1}}})
    assert "parameters.economies" in msg and "market_share_planning" in msg


def test_world_share_planning_weight_outside_0_1_is_rejected(world):
    from dataclasses import replace

    from buildrace.model.world import check_world

    economies = world.economies.copy()
    economies["market_share_planning"] = 0.0
    economies.loc["CN", "market_share_planning"] = 2.0
    with pytest.raises(InputError, match=r"economies.csv: market_share_planning 2.0 for CN outside 0-1"):
        check_world(replace(world, economies=economies))
