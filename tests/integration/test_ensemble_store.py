"""Kill a real ensemble run (SIGKILL) at random moments; the resumed store equals a serial run."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

pytest.importorskip("duckdb")

from buildrace.store import connect, run_ensemble  # noqa: E402

CMD = [sys.executable, "-m", "buildrace.cli.main", "ensemble", "baseline", "--draws", "4", "--chunk", "1",
       "--seed", "11", "--store"]


def _rows(store):
    return connect(store).execute("select * exclude (draw), draw from draws order by draw").fetchall()


def test_sigkill_then_resume_matches_serial(tmp_path):
    store = tmp_path / "killed"
    rng = random.Random(5)
    for _ in range(3):
        proc = subprocess.Popen([*CMD, str(store)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(2.0, 5.0))  # a random moment, not a timing assertion
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if (store / "store.json").exists() and any((store / "chunks").glob("chunk-*.parquet")):
            connect(store).execute("select count(*) from draws").fetchone()  # readable throughout
    assert subprocess.run([*CMD, str(store)], capture_output=True).returncode == 0
    ref = tmp_path / "serial"
    run_ensemble("baseline", 4, ref, chunk=4, seed=11)  # another chunk size: same bits per draw
    a, b = _rows(store), _rows(ref)
    assert len(a) == 4
    assert a == b
