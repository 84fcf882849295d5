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
