"""Scenario files: errors say file:line: key: message, and ``extends`` merges as documented."""

from __future__ import annotations

import re

import pytest

from buildrace.errors import InputError
from buildrace.io.scenario_file import load_scenario, read_scenario, scenario_from_text

HEAD = "name: s\nworld: toy_2024\nend_year: 2030\npolicies:\n"
TARIFF = (
    "  - lever: tariff\n"  # line 5
    "    importer: US\n"
    "    exporter: CN\n"
    "    stages: [li_ion_battery.pack]\n"
    "    rate: {rate}\n"  # line 9
    "    start: {start}\n"  # line 10
)


def _error(text: str, source: str = "s.yaml") -> str:
    with pytest.raises(InputError) as info:
        scenario_from_text(text, source)
    return str(info.value)


def _tariff(rate="0.1", start="2025", extra=""):
    return HEAD + TARIFF.format(rate=rate, start=start) + extra


def test_a_valid_file_reads():
    sc = scenario_from_text(_tariff(), "s.yaml")
    assert sc.policies[0].rate == pytest.approx(0.1)
    assert sc.end_year == 2030


@pytest.mark.parametrize(
    ("text", "line", "key", "what"),
    [
        (_tariff(start="2028", extra="    end: 2026\n"), 11, "policies.0.tariff.end", "end (2026) is before start (2028)"),
        (_tariff(rate="-0.1"), 9, "policies.0.tariff.rate", "greater than or equal to 0"),
        (_tariff(rate=".nan"), 9, "policies.0.tariff.rate", ""),
        (_tariff(extra="    colour: red\n"), 11, "policies.0.tariff.colour", "unknown key"),
        (HEAD + "  - lever: tarif\n    start: 2025\n", 5, "policies.0", "unknown lever; valid levers: allied_pooling"),
        (HEAD + "  - start: 2025\n", 5, "policies.0", "needs a 'lever:' key"),
        ("name: s\nhorizon: 2040\n", 2, "horizon", "unknown key"),
        ("name: s\nend_year: 1990\n", 2, "end_year", "greater than or equal to 2000"),
        (_tariff(start="2035"), 5, "policies", "policies[0] (tariff) starts in 2035, after the horizon end_year 2030"),
    ],
    ids=["end-before-start", "negative-rate", "nan-rate", "unknown-key", "unknown-lever", "no-lever",
         "unknown-top-key", "end-year-range", "after-horizon"],
)
def test_errors_name_file_line_and_key(text, line, key, what):
    msg = _error(text)
    assert msg.startswith(f"s.yaml:{line}: {key}: "), msg
    assert what in msg


def test_malformed_yaml_names_the_line():
    msg = _error("name: s\npolicies:\n  - lever: tariff\n   importer: US\n")
    assert re.match(r"s\.yaml:\d+: malformed YAML", msg)


def test_a_file_must_be_a_mapping():
    assert _error("- a\n- b\n").startswith("s.yaml:1:")


def test_read_scenario_reports_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such scenario file"):
        read_scenario(tmp_path / "missing.yaml")


def test_read_scenario_names_the_path_and_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(_tariff(rate="-1"), encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_scenario(path)
    assert str(info.value).startswith(f"{path}:9: policies.0.tariff.rate:")


def test_extends_appends_policies_and_reports_errors_at_the_child_line(tmp_path):
    parent = tmp_path / "parent.yaml"
    parent.write_text(_tariff(), encoding="utf-8")
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\nname: c\npolicies:\n" + TARIFF.format(rate="0.2", start="2026"), encoding="utf-8")
    sc = read_scenario(child)
    assert sc.name == "c" and [p.rate for p in sc.policies] == [0.1, 0.2]
    child.write_text("extends: parent.yaml\nname: c\npolicies:\n" + TARIFF.format(rate="-2", start="2026"), encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_scenario(child)
    # the key counts the child's own policies: the one it lists is policies.0
    assert str(info.value).startswith(f"{child}:8: policies.0.tariff.rate:")


def test_unknown_scenario_name():
    with pytest.raises(InputError, match="unknown scenario 'nope'"):
        load_scenario("nope")


def test_builtin_scenarios_load():
    assert load_scenario("baseline").policies
    assert load_scenario("race").shocks


def test_unknown_identifier_in_a_file_names_the_line(tmp_path):
    from buildrace import api
    from buildrace.testing import toy_world

    path = tmp_path / "ids.yaml"
    path.write_text(_tariff().replace("li_ion_battery.pack", "li_ion_battery.foo"), encoding="utf-8")
    with pytest.raises(InputError) as info:
        api.simulate(str(path), world=toy_world())
    assert str(info.value).startswith(f"{path}:8:")


@pytest.mark.parametrize(
    ("block", "line", "fragment"),
    [
        ("  model:\n    demand_volatility: -0.2\n", 5, "parameters.model.demand_volatility: Input should be greater than or equal to 0; valid: 0.0 to 1.0"),
        ("  stages:\n    learning_rate:\n      li_ion_battery.cell_lfp: -0.1\n", 6, "parameters.stages.learning_rate.li_ion_battery.cell_lfp: must be a number >= 0"),
    ],
)
def test_out_of_range_parameters_name_the_line_and_the_valid_range(tmp_path, block, line, fragment):
    path = tmp_path / "params.yaml"
    path.write_text(f"name: p\nextends: race\nparameters:\n{block}", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_scenario(path)
    assert str(info.value).startswith(f"{path}:{line}: {fragment}")


def test_parse_cache_returns_fresh_data_for_the_same_text():
    from buildrace.io.scenario_file import _parse

    text = "name: cached\npolicies:\n  - lever: tariff\n    importer: US\n    exporter: CN\n    rate: 0.1\n"
    first, node = _parse(text, "a.yaml")
    first["policies"].append({"lever": "mutated"})
    second, node2 = _parse(text, "b.yaml")
    assert len(second["policies"]) == 1 and node2 is node  # parsed once, data copied per caller


@pytest.mark.parametrize("depth", [40, 900, 20_000])
@pytest.mark.parametrize("style", ["flow_list", "flow_map"])
def test_a_file_nested_thousands_of_levels_deep_gets_one_line(depth, style):
    open_, close = ("[", "]") if style == "flow_list" else ("{a: ", "}")
    text = "name: deep\npolicies: " + open_ * depth + "1" + close * depth + "\n"
    message = _error(text, "deep.yaml")
    assert message.startswith("deep.yaml:2: ")
    assert "nest" in message and "\n" not in message


def test_every_library_scenario_is_within_the_nesting_limit():
    from pathlib import Path

    from buildrace.io.scenario_file import builtin_names

    for name in builtin_names():
        load_scenario(name)
    for example in sorted(Path(__file__).parents[3].joinpath("examples").glob("*.yaml")):
        read_scenario(example)
