"""A built-in scenario is parsed once and handed out as a copy; a scenario's YAML text is
memoised on its full description. Neither memo may change what a caller gets."""

from __future__ import annotations

from buildrace.io import scenario_file
from buildrace.io.scenario_file import (
    builtin_names,
    load_scenario,
    scenario_from_text,
    scenario_to_yaml,
)


def test_builtin_loads_are_equal_independent_copies():
    for name in builtin_names():
        a, b = load_scenario(name), load_scenario(name)
        fresh = scenario_from_text(scenario_file._builtin_text(name), f"<built-in {name}>")
        assert a == b == fresh and a is not b, name
        assert a.parameters is not b.parameters, name


def test_changing_a_loaded_scenario_leaves_the_next_load_alone():
    a = load_scenario("race")
    vars(a.parameters)["changed"] = True  # a frozen model still has mutable insides
    assert "changed" not in vars(load_scenario("race").parameters)


def test_yaml_text_is_that_of_the_scenario():
    for name in builtin_names():
        sc = load_scenario(name)
        for s in (sc, sc.without_shocks(), sc.model_copy(update={"seed": sc.seed + 1})):
            assert scenario_to_yaml(s) == scenario_file._to_yaml(s), name
    a, b = load_scenario("race"), load_scenario("race").model_copy(update={"threshold": 0.9})
    assert scenario_to_yaml(a) != scenario_to_yaml(b)
