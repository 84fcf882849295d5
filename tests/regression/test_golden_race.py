"""Golden results: the default race's headline numbers do not change unintentionally.

When a change to the model or data moves them on purpose, regenerate the file with
``BUILDRACE_UPDATE_GOLDEN=1 python -m pytest tests/regression`` and say why in the commit.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from buildrace import api

GOLDEN = Path(__file__).with_name("golden_race.json")
YEARS = ("2024", "2030", "2040", "2050")
DERIVED = ("_p05_p50_p95", "_p05_p95", "p_tie", "p_neither")


def headline() -> dict:
    s = api.race("race", draws=1, seed=0).summary
    return {
        "substitution_years": s["substitution_years"],
        "redirection_years": s["redirection_years"],
        "cost_gap": {st: {y: v for y, v in gaps.items() if y in YEARS} for st, gaps in s["cost_gap"].items()},
        # with one draw the ranges and the shares of ties and of "neither" follow from the
        # years and the winner held here; they are tested where draws make them differ
        "verdict": {c: {k: v for k, v in d.items() if not k.endswith(DERIVED)} for c, d in s["verdict"].items()},
    }


def _close(a, b, path="") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys differ"]
        return [m for k in a for m in _close(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, float) and isinstance(b, float):
        # relative 1e-6: the same arithmetic may round differently on another BLAS or CPU
        return [] if math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12) else [f"{path}: {a} != {b}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def test_race_headline_matches_golden():
    now = headline()
    if os.environ.get("BUILDRACE_UPDATE_GOLDEN") or not GOLDEN.exists():
        GOLDEN.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    problems = _close(now, golden)
    assert not problems, "race headline moved (regenerate deliberately if intended):\n" + "\n".join(problems[:20])
