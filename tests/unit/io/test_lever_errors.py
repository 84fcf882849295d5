"""A scenario file that sets a lever wrongly gets ``file:line: key: message`` with valid values."""

from __future__ import annotations

import pytest

from buildrace.errors import InputError
from buildrace.io.scenario_file import read_scenario, scenario_from_text

HEAD = "name: s\nworld: world_2024\nend_year: 2040\npolicies:\n"


def _lever(**fields) -> str:
    lines = [f"  - lever: {fields.pop('lever', 'tariff')}"]  # line 5
    for k, v in fields.items():
        lines.append(f"    {k}: {v}")
    return HEAD + "\n".join(lines) + "\n"


TARIFF = {"importer": "US", "exporter": "CN", "stages": "[li_ion_battery.pack]", "rate": "0.25", "start": "2026"}


def _error(text: str) -> str:
    with pytest.raises(InputError) as info:
        scenario_from_text(text, "s.yaml")
    return str(info.value)


CASES = [
    # (fields, line, key, fragments of the message)
    ({"lever": "tarrif", "start": 2026}, 5, "policies.0", ["unknown lever", "valid levers:", "tariff", "export_control"]),
    ({**TARIFF, "importer": "USA"}, 6, "policies.0.tariff.importer", ["unknown economy 'USA'", "valid:", "US", "CN"]),
    ({**TARIFF, "exporter": "XX"}, 7, "policies.0.tariff.exporter", ["unknown economy 'XX'", "valid:", "ALL"]),
    ({**TARIFF, "stages": "[li_ion_battery.pack, li_ion_battery.cells]"}, 8, "policies.0.tariff.stages.1",
     ["unknown stage or chain 'li_ion_battery.cells'", "valid:", "li_ion_battery"]),
    ({"lever": "designate_cluster", "economy": "US", "sites": '["US:MI", "US:ZZ"]', "chains": "[li_ion_battery]", "start": 2026},
     7, "policies.0.designate_cluster.sites.1", ["unknown site 'US:ZZ'", "valid:", "US:MI"]),
    ({"lever": "national_champion", "economy": "US", "chain": "batteries", "start": 2026}, 7,
     "policies.0.national_champion.chain", ["unknown chain 'batteries'", "valid:", "li_ion_battery"]),
    ({**TARIFF, "end": 2025}, 11, "policies.0.tariff.end", ["end (2025) is before start (2026)", "set end >= start"]),
    ({**TARIFF, "rate": 12}, 9, "policies.0.tariff.rate", ["less than or equal to 10", "valid: 0.0 to 10.0"]),
    ({**TARIFF, "rate": -0.5}, 9, "policies.0.tariff.rate", ["greater than or equal to 0", "valid: 0.0 to 10.0"]),
    ({"lever": "green_lane", "economy": "US", "permit_cut": 1.5, "start": 2026}, 7, "policies.0.green_lane.permit_cut",
     ["less than or equal to 1", "valid: 0.0 to 1.0"]),
    ({"lever": "allied_pooling", "members": "[US, JP]", "delay_years": 40, "start": 2026}, 7,
     "policies.0.allied_pooling.delay_years", ["less than or equal to 30", "valid: 0 to 30"]),
    ({**TARIFF, "rates": 0.3}, 11, "policies.0.tariff.rates", ["unknown key", "valid keys:", "rate"]),
]


@pytest.mark.parametrize(("fields", "line", "key", "fragments"), CASES,
                         ids=["unknown-lever", "unknown-importer", "unknown-exporter", "unknown-stage", "unknown-site",
                              "unknown-chain", "end-before-start", "rate-above-range", "rate-below-range",
                              "share-above-range", "delay-above-range", "misspelt-key"])
def test_bad_lever_input_names_file_line_key_and_valid_values(fields, line, key, fragments):
    msg = _error(_lever(**fields))
    assert msg.startswith(f"s.yaml:{line}: {key}: "), msg
    for fragment in fragments:
        assert fragment in msg, msg


def test_a_bad_target_in_an_inherited_policy_names_the_parent(tmp_path):
    (tmp_path / "parent.yaml").write_text(_lever(**{**TARIFF, "importer": "USA"}).replace("name: s", "name: p"), encoding="utf-8")
    child = tmp_path / "child.yaml"
    child.write_text("name: c\nextends: parent.yaml\npolicies:\n  - {lever: green_lane, economy: US, start: 2026}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_scenario(child)
    assert str(info.value).startswith(f"{child} (inherited via extends): policies.0.tariff.importer: unknown economy 'USA'")


def test_a_bad_target_in_the_childs_own_policy_names_its_line(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text("name: c\nextends: race\npolicies:\n  - {lever: green_lane, economy: US, start: 2026, sites: [US:XX]}\n",
                     encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_scenario(child)
    # the key counts the child's own policies (the inherited ones live in race.yaml)
    assert str(info.value).startswith(f"{child}:4: policies.0.green_lane.sites.0: unknown site 'US:XX'"), str(info.value)


def read_scenario_policies(name: str):
    from buildrace.io.scenario_file import load_scenario

    return load_scenario(name).policies


def test_a_toy_world_scenario_is_checked_when_compiled():
    # the toy world is not embedded: names are checked by compile_scenario, not by the reader
    sc = scenario_from_text(HEAD.replace("world_2024", "toy_2024") + "  - {lever: green_lane, economy: US, start: 2026}\n")
    assert sc.world == "toy_2024"
