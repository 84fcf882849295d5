"""The ensemble store: atomic chunks, resume, refusal of a second scenario, SQL views."""

from __future__ import annotations

import pytest

pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")

from buildrace.errors import InputError  # noqa: E402
from buildrace.store import MAX_DRAWS, connect, done_chunks, flatten, run_ensemble  # noqa: E402


def test_flatten_keeps_numbers_and_tolerates_new_keys():
    out: dict = {}
    flatten("", {"a": {"b": 1, "c": None, "d": "text"}, "e": True, "new": {"x": 2.5}}, out)
    assert out == {"a:b": 1.0, "a:c": None, "e": 1.0, "new:x": 2.5}


def test_bad_draws_and_store_is_a_file(tmp_path):
    with pytest.raises(InputError, match="out of range"):
        run_ensemble("baseline", 0, tmp_path / "s")
    with pytest.raises(InputError, match="out of range"):
        run_ensemble("baseline", MAX_DRAWS + 1, tmp_path / "s")
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(InputError, match="is a file"):
        run_ensemble("baseline", 1, f)


def test_resume_skips_chunks_and_refuses_other_scenario(tmp_path):
    s = tmp_path / "s"
    run_ensemble("baseline", 2, s, chunk=1, seed=3)
    first = (s / "chunks" / "chunk-000000.parquet").read_bytes()
    run_ensemble("baseline", 3, s, chunk=1, seed=3)  # grows: chunks 0 and 1 untouched
    assert (s / "chunks" / "chunk-000000.parquet").read_bytes() == first
    assert done_chunks(s) == {0, 1, 2}
    con = connect(s)
    assert con.execute("select count(*), count(distinct draw) from draws").fetchone() == (3, 3)
    assert con.execute("select sum(rows), min(first_draw), max(last_draw) from chunks").fetchone() == (3, 0, 2)
    with pytest.raises(InputError, match="holds scenario"):
        run_ensemble("china_redirect", 1, s, chunk=1, seed=3)


def test_a_store_that_cannot_be_written_is_refused_untouched(tmp_path, monkeypatch):
    import os

    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(InputError, match="cannot be created"):
        run_ensemble("baseline", 1, f / "s")  # a parent that is a file
    assert f.read_text() == "x"
    s = tmp_path / "s"
    s.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if str(p) == str(s) else real(p, mode, **kw))
    with pytest.raises(InputError, match="not writable"):
        run_ensemble("baseline", 1, s)
    assert list(s.iterdir()) == []


def test_a_chunk_above_one_pass_is_refused_before_the_store(tmp_path):
    from buildrace.simulation import MAX_DRAWS as ONE_PASS
    from buildrace.store.runner import MAX_CHUNK

    assert MAX_CHUNK == ONE_PASS
    with pytest.raises(InputError, match="--chunk"):
        run_ensemble("baseline", 10, tmp_path / "s", chunk=MAX_CHUNK + 1)
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("argv, says", [
    (["ensemble", "baseline", "--draws", "0", "--store", "{tmp}/new"], "--draws 0 is out of range"),
    (["ensemble", "baseline", "--draws", "10000001", "--store", "{tmp}/new"], "the ceiling is 10,000,000"),
    (["ensemble", "baseline", "--draws", "1", "--store", "{tmp}/file"], "is a file"),
    (["ensemble", "baseline", "--draws", "1", "--store", "{tmp}/file/s"], "cannot be created"),
    (["ensemble", "baseline", "--draws", "1", "--chunk", "1", "--seed", "3", "--store", "{tmp}/store"], "holds scenario"),
    (["query", "{tmp}/store", "select nope from draws"], "SQL error"),
    (["query", "{tmp}/file", "select 1"], "not an ensemble store"),
    (["discover", "{tmp}/store", "--metric", "nope > 1", "--out", "{tmp}/d"], "not a valid SQL condition"),
    (["discover", "{tmp}/store", "--metric", "x", "--alpha", "0.7", "--out", "{tmp}/d"], "--alpha 0.7 is out of range"),
])
def test_bad_input_is_one_line_exit_2_and_the_store_untouched(argv, says, tmp_path_factory, capsys):
    from buildrace.cli.main import main

    tmp = tmp_path_factory.getbasetemp() / "bad-input"
    if not (tmp / "store").exists():
        tmp.mkdir(exist_ok=True)
        (tmp / "file").write_text("x")
        run_ensemble("examples/uncertain_race.yaml", 1, tmp / "store", chunk=1, seed=3)  # priors on: discover has parameters
    before = {p: p.read_bytes() for p in sorted(tmp.rglob("*")) if p.is_file()}
    capsys.readouterr()
    assert main([a.format(tmp=tmp) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0], err
    assert {p: p.read_bytes() for p in sorted(tmp.rglob("*")) if p.is_file()} == before
    assert not (tmp / "new").exists() and not (tmp / "d").exists()


def test_ensemble_json_counts_the_rows_and_chunks_written(tmp_path, capsys):
    import json

    from buildrace.cli.main import main

    store = tmp_path / "s"
    assert main(["ensemble", "baseline", "--draws", "3", "--chunk", "2", "--store", str(store), "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out == {"store": str(store), "draws": 3, "chunks": 2}
    assert connect(store).execute("select count(*) from draws").fetchone() == (3,)


def test_pending_chunks_come_one_at_a_time_and_done_draws_count_the_range_asked():
    from buildrace.store.runner import _done_draws, _pending

    todo = _pending(MAX_DRAWS, 1, set())
    assert next(todo) == (0, 0, 1)  # a generator: ten million chunks are not a list in memory
    assert list(_pending(10, 4, {1})) == [(0, 0, 4), (2, 8, 2)]
    assert _done_draws(10, 4, {1, 2, 7}) == 6  # chunk 7 lies beyond the draws asked


def test_the_draws_view_binds_one_schema_unless_the_files_differ(tmp_path):
    """Chunks of one store share their columns (a hash in each file): the view reads the
    first file's schema rather than every file's (union_by_name held ~2 MB a file). A
    file with other columns, or without the hash, still reads: by name, nulls filled."""
    import numpy as np

    from buildrace.store.chunks import META, connect, open_store, write_chunk

    store = open_store(tmp_path / "s", {"scenario_hash": "h", "seed": 0, "chunk": 2, "draw_stream": "v"})
    assert (store / META).is_file()
    for k in range(3):
        write_chunk(store, k, {"draw": np.arange(2 * k, 2 * k + 2), "x": np.array([1.0, np.nan])}, 2 * k, "h")
    con = connect(store)
    assert con.execute("select count(distinct columns_hash) from chunks").fetchone() == (1,)
    sql = con.execute("select sql from duckdb_views() where view_name = 'draws'").fetchone()[0]
    assert "union_by_name = false" in sql
    assert con.execute("select count(*), count(x) from draws").fetchone() == (6, 3)
    write_chunk(store, 3, {"draw": np.arange(6, 8), "x": np.ones(2), "y": np.ones(2)}, 6, "h")
    con = connect(store)
    sql = con.execute("select sql from duckdb_views() where view_name = 'draws'").fetchone()[0]
    assert "union_by_name = true" in sql
    assert con.execute("select count(*), count(y) from draws").fetchone() == (8, 2)
