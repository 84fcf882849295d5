"""Scoring on the embedded tables, levers, the HTML map and the ``site`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from buildrace.errors import InfeasibleError, InputError
from buildrace.siting import ScoreWeights, parse_weights, site_clusters
from buildrace.siting.chains import CHAINS
from buildrace.siting.data import distance_matrix, load_tables
from buildrace.siting.score import COMPONENTS, score_chain

pytest.importorskip("highspy", reason="the optimiser needs HiGHS (pip install 'buildrace[siting]')")

RAW = Path(__file__).resolve().parents[3].parent / "shared" / "data"


def test_embedded_tables_cover_every_state():
    t = load_tables()
    assert len(t.states) == 51
    assert set(t.outlines["states"]) == set(t.states.index)
    d = distance_matrix(t)
    assert (d.to_numpy() == d.to_numpy().T).all()
    assert d.loc["US:MI", "US:OH"] < 100 and d.loc["US:CA", "US:MI"] > 1000


@pytest.mark.parametrize("chain", sorted(CHAINS))
def test_scores_are_bounded_and_ranked(chain):
    df = score_chain(chain)
    for col in [
        "composite",
        "score_upstream",
        "score_manufacturing",
        "density",
        "complexity",
        "minerals",
        "power",
        "labour",
    ]:
        assert df[col].between(0, 1).all(), col
    assert list(df["rank"]) == list(range(1, 52))
    assert df["composite"].is_monotonic_decreasing


def test_weights_are_parameters():
    base = score_chain("li_ion_battery")
    only_minerals = score_chain(
        "li_ion_battery", ScoreWeights(**{k: 0.0 for k in COMPONENTS} | {"minerals": 1.0})
    )
    assert (only_minerals["score_upstream"] - only_minerals["minerals"]).abs().max() < 1e-12
    assert not base["composite"].equals(only_minerals["composite"])
    assert parse_weights("rca=0.5").rca == 0.5
    with pytest.raises(InputError):
        parse_weights("bogus=1")


def test_site_clusters_end_to_end_and_levers(tmp_path):
    res = site_clusters("li_ion_battery", k=3, budget_musd=2500, within_miles=100)
    assert res.designation.status.value == "optimal"
    assert 1 <= len({d.site for d in res.designation.designations}) <= 3
    assert res.designation.total_cost_musd <= 2500 + 1e-6
    (lever,) = res.levers
    pol = lever.to_policy()
    assert pol["lever"] == "designate_cluster" and pol["chains"] == ["li_ion_battery"]
    assert set(pol["sites"]) == {d.site for d in res.designation.designations}
    doc = res.to_json()
    for key in (
        "chain",
        "weights",
        "sites",
        "designations",
        "status",
        "objective",
        "binding_constraints",
    ):
        assert key in doc
    json.dumps(doc)
    from buildrace.siting import write_scenario

    path = write_scenario(res.levers, tmp_path / "plan.yaml")
    data = yaml.safe_load(path.read_text())
    assert data["extends"] == "race" and data["policies"][0] == pol


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"chain": "nope"}, InputError),
        ({"chain": "ev", "k": 0}, InputError),
        ({"chain": "ev", "budget_musd": -1}, InputError),
        ({"chain": "ev", "budget_musd": 10}, InfeasibleError),
    ],
)
def test_site_clusters_rejects_bad_requests(kwargs, error):
    with pytest.raises(error):
        site_clusters(**kwargs)


def test_html_map_is_offline_and_marks_clusters(tmp_path):
    from buildrace.siting.map import write_html

    res = site_clusters("ndfeb_magnet")
    html = write_html(res, tmp_path).read_text()
    assert "<svg" in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert "<script" not in html and "<link" not in html
    assert html.count("<figure>") == 1 + len(res.sites[0].components)
    assert len(html) < 400_000


def _cli(argv, capsys):
    from buildrace.cli.main import main

    code = main(["site", *argv])
    return code, capsys.readouterr()


@pytest.mark.parametrize(
    "argv",
    [
        ["--chain", "unobtainium"],
        ["--chain", "ev", "--k", "0"],
        ["--chain", "ev", "--budget", "-1"],
        ["--chain", "ev", "--budget", "1"],
        ["--chain", "ev", "--weights", "rca=abc"],
    ],
)
def test_cli_exits_2_with_one_line(argv, capsys, tmp_path):
    code, out = _cli([*argv, "--out", str(tmp_path)], capsys)
    assert code == 2
    assert out.err.count("\n") == 1 and out.err.startswith("buildrace: error:")
    assert "Traceback" not in out.err


def test_cli_json(capsys, tmp_path):
    code, out = _cli(
        [
            "--chain",
            "solar_pv",
            "--json",
            "--out",
            str(tmp_path),
            "--write-scenario",
            str(tmp_path / "s.yaml"),
        ],
        capsys,
    )
    assert code == 0
    doc = json.loads(out.out)
    assert doc["chain"] == "solar_pv" and doc["designations"]
    assert (tmp_path / "site.html").exists() and (tmp_path / "s.yaml").exists()


@pytest.mark.skipif(not RAW.is_dir(), reason="raw data folder ../shared/data is absent")
def test_derive_script_reproduces_embedded_tables(tmp_path):
    import importlib.util

    script = Path(__file__).resolve().parents[3] / "scripts" / "derive_siting_table.py"
    spec = importlib.util.spec_from_file_location("derive_siting_table", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--data", str(RAW), "--out", str(tmp_path)]) == 0
    import buildrace

    shipped = Path(buildrace.__file__).resolve().parent / "data" / "siting"
    for name in [
        "states.csv",
        "industry_employment.csv",
        "state_distances.csv",
        "mineral_deposits.csv",
        "power_capacity.csv",
        "facilities.csv",
        "us_states_svg.json",
    ]:
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), name
