"""benchmarks/load.py runs end to end (a second, two clients) and reports no error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("uvicorn")

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "load.py"


def test_load_script_reports_throughput_and_latency():
    out = subprocess.run([sys.executable, str(SCRIPT), "--seconds", "1", "--clients", "2", "--json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["clients"] == 2 and report["all"]["requests"] >= 1
    assert report["all"]["errors"] == 0 and report["all"]["p50_ms"] > 0
    assert {"default request", "varied levers", "X-Cache hit", "X-Cache miss"} <= set(report)
