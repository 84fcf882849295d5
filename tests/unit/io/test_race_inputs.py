"""Bad input to the race's new keys gets one line with file:line:key and how to fix it."""

from __future__ import annotations

import pytest

from buildrace.errors import InputError
from buildrace.io.scenario_file import read_scenario


def _write(tmp_path, body: str):
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nextends: race\n" + body, encoding="utf-8")
    return path


def test_an_unknown_reference_names_the_file_line_and_key(tmp_path):
    with pytest.raises(InputError, match=r"s\.yaml:3: reference: 'nowhere' is neither a built-in"):
        read_scenario(_write(tmp_path, "reference: nowhere\n"))


def test_a_reference_file_is_read_from_the_scenarios_folder(tmp_path):
    (tmp_path / "ref.yaml").write_text("name: ref\nextends: baseline\n", encoding="utf-8")
    sc = read_scenario(_write(tmp_path, "reference: ref.yaml\n"))
    assert sc.reference == str((tmp_path / "ref.yaml").resolve())


@pytest.mark.parametrize(
    "policy, fragment",
    [
        ("{lever: rules_of_origin, importer: US, stages: [ndfeb_magnet], foreign_entities: [XX], start: 2026}",
         r"s\.yaml:4: policies\.0\.rules_of_origin\.foreign_entities\.0: unknown economy 'XX'"),
        ("{lever: rules_of_origin, importer: US, stages: [nowhere], start: 2026}", r"s\.yaml:4: .*stages"),
        ("{lever: rules_of_origin, importer: US, stages: [ndfeb_magnet], max_content: 1.5, start: 2026}",
         r"s\.yaml:4: policies\.0\.rules_of_origin\.max_content: .*valid: 0\.0 to 1\.0"),
        ("{lever: production_credit, economy: US, stages: [solar_pv], amount: 1, feoc_max_content: -0.1, start: 2026}",
         r"s\.yaml:4: policies\.0\.production_credit\.feoc_max_content"),
    ],
)
def test_bad_rules_of_origin_name_the_file_line_and_key(tmp_path, policy, fragment):
    with pytest.raises(InputError, match=fragment):
        read_scenario(_write(tmp_path, "policies:\n  - " + policy + "\n"))
