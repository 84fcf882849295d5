"""``buildrace run``: by default an ensemble over the default priors, whose verdict is a
set of probabilities; ``--draws 1`` is the central path; a file's own ``priors:`` wins.

The default number of draws is patched down to a few, to keep the suite fast: what is
tested is that the default is an ensemble with priors, not its size.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from buildrace import api, metrics
from buildrace.cli import run as run_cli
from buildrace.cli.main import main
from buildrace.errors import InputError
from buildrace.io.results_store import COUNTERFACTUAL_NC, RESULTS_NC, read_results
from buildrace.simulation import with_priors_unless_set

CHAINS = {"li_ion_battery", "solar_pv", "ndfeb_magnet", "ev"}


def _run_json(capsys, *argv) -> dict:
    assert main(["run", *argv, "--json", "--no-report"]) == 0
    return json.loads(capsys.readouterr().out)


def _spread(ds, name: str = "capacity") -> float:
    """Largest difference between draws of one variable (0: every draw is the same)."""
    values = ds[name].values
    return float(np.max(values.max(axis=0) - values.min(axis=0)))


def test_default_is_an_ensemble_over_the_default_priors(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(run_cli, "DEFAULT_DRAWS", 3)
    s = _run_json(capsys, "--out", str(tmp_path))
    assert s["draws"] == 3 and s["priors"] == "default" and s["seed"] == 0
    # the priors reach the scenario and its reference path: their draws differ
    assert _spread(read_results(tmp_path / RESULTS_NC)) > 0
    assert _spread(read_results(tmp_path / COUNTERFACTUAL_NC)) > 0
    assert set(s["verdict"]) == CHAINS
    for v in s["verdict"].values():
        for key in ("winner", "p_US_first", "p_CN_first", "p_tie", "p_neither", "US_substitution_years",
                    "CN_redirection_years", "US_substitution_years_p05_p95", "CN_redirection_years_p05_p95"):
            assert key in v
        assert v["p_US_first"] + v["p_CN_first"] + v["p_tie"] + v["p_neither"] == pytest.approx(1.0)
        assert len(v["US_substitution_years_p05_p95"]) == 2
    # the same command twice gives the same numbers (the seed is fixed)
    again = _run_json(capsys, "--out", str(tmp_path / "again"))
    assert again["verdict"] == s["verdict"]


def test_draws_1_is_the_central_path(capsys, tmp_path):
    s = _run_json(capsys, "--draws", "1", "--out", str(tmp_path))
    assert s["draws"] == 1 and s["priors"] == "none"
    central = api.race("race", draws=1).summary
    s.pop("files")
    assert s == json.loads(json.dumps(central))


def test_a_file_that_switches_priors_off_stays_deterministic(capsys, tmp_path):
    f = tmp_path / "central.yaml"
    f.write_text("name: central\nextends: race\nparameters:\n  priors: none\n", encoding="utf-8")
    s = _run_json(capsys, str(f), "--draws", "2", "--out", str(tmp_path / "out"))
    assert s["draws"] == 2 and s["priors"] == "none"
    assert _spread(read_results(tmp_path / "out" / RESULTS_NC)) == 0
    for v in s["verdict"].values():
        assert {v["p_US_first"], v["p_CN_first"], v["p_neither"]} <= {0.0, 1.0}


def test_the_table_states_probabilities(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(run_cli, "DEFAULT_DRAWS", 2)
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["run", "--no-report", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "medians of 2 draws, priors default" in out
    assert "P(nei-" in out and "share of 2 draws" in out and "P: probability" in out


def test_bad_draws_is_one_line(capsys, tmp_path):
    assert main(["run", "--draws", "0", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "draws must be" in err and "Traceback" not in err


def test_priors_unless_set():
    race = api.load_scenario("race")
    assert with_priors_unless_set(race, "default").parameters.priors == "default"
    assert race.parameters.priors == "none"  # a copy: the loaded scenario is untouched
    uncertain = race.model_copy(update={"parameters": race.parameters.model_copy(update={"priors": "none"})})
    assert with_priors_unless_set(uncertain, "default").parameters.priors == "none"
    with pytest.raises(InputError, match="priors must be one of"):
        with_priors_unless_set(race, "wide")


def test_verdict_probabilities_and_ranges():
    inf = np.inf
    # importer, exporter closing years of one chain over eight draws
    s = np.array([[1.0], [2.0], [inf], [inf], [4.0], [5.0], [3.0], [inf]])
    r = np.array([[2.0], [1.0], [inf], [inf], [inf], [5.0], [9.0], [6.0]])
    v = metrics.verdict_values(s, r, ["c"], "US", "CN")["c"]
    assert v["p_US_first"] == 3 / 8 and v["p_CN_first"] == 2 / 8
    assert v["p_tie"] == 1 / 8 and v["p_neither"] == 2 / 8
    assert v["winner"] == "US"
    lo, hi = v["US_substitution_years_p05_p95"]
    assert lo == pytest.approx(1.35)  # sorted 1, 2, 3, 4, 5, never x3: position 0.05 * 7 = 0.35
    assert hi is None  # the 95% bound falls among the draws that never close
    assert metrics.verdict_values(s[:1], r[:1], ["c"], "US", "CN")["c"]["US_substitution_years_p05_p95"] == [1.0, 1.0]


def test_a_central_scenario_is_measured_against_the_central_reference(capsys, tmp_path):
    # the scenario's file sets priors: none; the reference (baseline) sets nothing and
    # must follow it rather than take the default priors of a many-draw run
    f = tmp_path / "central.yaml"
    f.write_text("name: central\nextends: race\nparameters:\n  priors: none\n", encoding="utf-8")
    _run_json(capsys, str(f), "--draws", "2", "--out", str(tmp_path / "out"))
    assert _spread(read_results(tmp_path / "out" / "counterfactual.nc")) == 0


def test_a_missing_compiled_engine_is_said_once_on_stderr(capsys, monkeypatch, tmp_path):
    from buildrace.engine import backend

    monkeypatch.setattr(backend, "_compiled", None)
    monkeypatch.setattr(backend, "_unavailable", "No module named 'numba'")
    monkeypatch.setattr(backend, "_pins", type(backend._pins)())
    assert main(["run", "--draws", "1", "--no-report", "--json", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "NumPy reference path" in captured.err and "No module named 'numba'" in captured.err
    json.loads(captured.out)  # the JSON on stdout is untouched
