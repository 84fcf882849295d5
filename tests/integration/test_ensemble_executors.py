"""An ensemble store gets the same bits whichever way its chunks run.

Serial with two chunk sizes, a local process pool and a local Dask cluster write the same
rows; a draw run alone (``first_draw``) has the bits it has inside a chunk; a chunk's
rows carry the same values as the one-draw race summary.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("duckdb")

from buildrace import api  # noqa: E402
from buildrace.ensemble.draw_table import race_table  # noqa: E402
from buildrace.errors import InputError  # noqa: E402
from buildrace.store import connect, flatten, open_store, run_ensemble, runner, write_chunk  # noqa: E402

SCENARIO = "examples/uncertain_race.yaml"  # priors on: every draw differs


def _rows(store):
    return connect(store).execute("select * from draws order by draw").df()


@pytest.fixture(scope="module")
def serial_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("serial") / "s"
    run_ensemble(SCENARIO, 4, path, chunk=4, seed=5)
    return path


@pytest.fixture(scope="module")
def serial(serial_store):
    return _rows(serial_store)


def test_chunk_size_and_resumption_keep_the_bits(serial, tmp_path):
    path = tmp_path / "small"
    run_ensemble(SCENARIO, 2, path, chunk=1, seed=5)
    run_ensemble(SCENARIO, 4, path, chunk=1, seed=5)  # resumes: chunks 2 and 3 only
    got = _rows(path)
    assert got.equals(serial[got.columns])


def test_process_pool_and_dask_cluster_keep_the_bits(serial, tmp_path):
    pytest.importorskip("distributed")
    pool = tmp_path / "pool"
    path = open_store(pool, {"scenario": "x", "scenario_hash": "h", "seed": 5, "chunk": 2})
    sc = api.load_scenario(SCENARIO)
    for k, first, table in runner._processes(sc, 5, [(0, 0, 2), (1, 2, 2)], workers=2):
        write_chunk(path, k, table, first, "h")
    cluster = tmp_path / "dask"
    run_ensemble(SCENARIO, 4, cluster, chunk=2, seed=5, workers=2)
    for got in (_rows(pool), _rows(cluster)):
        assert got.equals(serial[got.columns])


def test_a_draw_alone_has_its_chunk_bits():
    both = api.simulate(SCENARIO, draws=3, seed=2)
    alone = api.simulate(SCENARIO, draws=1, seed=2, first_draw=2)
    assert alone.draw.values.tolist() == [2]
    for v in ("production", "price", "capacity"):
        assert np.array_equal(both[v].sel(draw=[2]).values, alone[v].values)


def test_rows_match_the_one_draw_summary():
    r = api.race("race", draws=1, seed=3)
    table = race_table(r.results, r.reference, r.scenario, r.policy_world)
    row: dict = {}
    flatten("", r.summary, row)
    common = [k for k in row if k in table.columns]
    assert len(common) > 500
    for k in common:
        got, want = float(table[k].iloc[0]), row[k]
        if want is None:  # never within the horizon
            assert not math.isfinite(got), k
        else:
            assert math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-6), k
    assert set(table["us_first:ev"]) <= {0.0, 1.0}


def test_a_scheduler_that_does_not_answer_leaves_no_store(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(runner, "SCHEDULER_TIMEOUT_S", 1)
    path = tmp_path / "never"
    with pytest.raises(InputError, match="did not answer"):
        run_ensemble("baseline", 2, path, scheduler="tcp://127.0.0.1:9")
    assert not path.exists()
    with pytest.raises(InputError, match="not both"):
        run_ensemble("baseline", 2, path, scheduler="tcp://127.0.0.1:9", workers=2)


def test_the_cli_says_in_one_line_that_the_scheduler_did_not_answer(tmp_path, monkeypatch, capsys):
    pytest.importorskip("distributed")
    from buildrace.cli.main import main

    monkeypatch.setattr(runner, "SCHEDULER_TIMEOUT_S", 1)
    path = tmp_path / "never"
    assert main(["ensemble", "baseline", "--draws", "2", "--store", str(path), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "did not answer within 1 s" in err[0] and "tcp://127.0.0.1:9" in err[0], err
    assert not path.exists()


def test_a_server_that_is_not_a_scheduler_is_one_line_too(tmp_path, monkeypatch, capsys):
    pytest.importorskip("distributed")
    import socket
    import threading

    from buildrace.cli.main import main

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def garbage() -> None:  # answers every connection with bytes that are no Dask handshake
        server.settimeout(10)
        try:
            while True:
                conn, _ = server.accept()
                conn.sendall(b"\xff" * 64)
                conn.close()
        except OSError:
            pass

    threading.Thread(target=garbage, daemon=True).start()
    monkeypatch.setattr(runner, "SCHEDULER_TIMEOUT_S", 1)
    path = tmp_path / "never"
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    try:
        assert main(["ensemble", "baseline", "--draws", "2", "--store", str(path), "--scheduler", address]) == 2
    finally:
        server.close()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "did not answer" in err[0] and address in err[0], err
    assert not path.exists()


def test_discover_takes_a_metric_column_by_name(serial_store, serial):
    from buildrace.store.discover import load

    x, y, names = load(str(serial_store), "us_first:li_ion_battery")
    assert x.shape[0] == 4 and names and all(n.startswith("param:") for n in names)
    assert y.tolist() == serial["us_first:li_ion_battery"].tolist()


def test_api_query_returns_a_frame_or_a_relation(serial_store, serial):
    frame = api.query(serial_store, 'select draw, "us_first:ev" from draws order by draw')
    assert frame["draw"].tolist() == [0, 1, 2, 3]
    assert frame["us_first:ev"].tolist() == serial["us_first:ev"].tolist()
    assert api.query(serial_store, "select count(*) n from chunks", frame=False).fetchall() == [(1,)]
    with pytest.raises(InputError, match="SQL error"):
        api.query(serial_store, "select nope from draws")


def test_discover_writes_its_page_with_the_tradeoff_curve(serial_store, tmp_path):
    pytest.importorskip("matplotlib")
    import json
    import subprocess
    import sys

    out = tmp_path / "disc"
    proc = subprocess.run([sys.executable, "-m", "buildrace.cli.main", "discover", str(serial_store), "--metric",
                           '"substitution_years:US:li_ion_battery.cell_lfp" is not null', "--out", str(out), "--json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["draws"] == 4 and summary["boxes"][0]["coverage"] == 1.0
    page = (out / "discover.html").read_text(encoding="utf-8")
    assert "<svg" in page and "coverage" in page and "CART rules" in page
