"""``buildrace compare A B [--draws N] [--seed S] [--out DIR] [--json] [--no-report]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from buildrace.cli._render import print_json, table, write_summary_and_report


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "compare",
        help="compare two scenarios' race metrics (B - A)",
        description="Run two scenarios, each beside its own counterfactual, and list every race metric "
        "of both with the difference B - A; write compare.json and compare.html.",
    )
    p.add_argument("a", help="scenario A: a built-in name or a scenario YAML file")
    p.add_argument("b", help="scenario B: a built-in name or a scenario YAML file")
    p.add_argument("--draws", type=int, default=1, help="number of scenario draws (default 1)")
    p.add_argument("--seed", type=int, default=None, help="root seed for both (default: each scenario's)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default ./buildrace-out/compare-A-B)")
    p.add_argument("--reference", default=None,
                   help="reference path (default: the scenario's 'reference:' key, else the world's baseline)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--no-report", action="store_true", help="do not write compare.html")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from buildrace import api

    comparison = api.compare(args.a, args.b, draws=args.draws, seed=args.seed, reference=args.reference)
    s = comparison.summary
    out = args.out or Path("buildrace-out") / f"compare-{s['a']}-{s['b']}"
    def report(path):
        from buildrace.reports.compare import build_compare_report

        return build_compare_report(comparison, path)

    files = write_summary_and_report(out, "compare", s, None if args.no_report else report)
    if args.json:
        print_json({**s, "files": {k: str(v) for k, v in files.items()}})
        return 0
    _render(s)
    print(f"written to {out}/ ({', '.join(sorted(p.name for p in files.values()))})")
    return 0


def _fmt(v) -> str | None:
    if v is None:
        return None
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _render(s: dict) -> None:
    a, b = s["a"], s["b"]
    cols = ["", f"A: {a}", f"B: {b}", "B - A"]
    verdict = [r for r in s["rows"] if r["metric"] == "verdict" and r["key"].split("/")[-1].endswith(("winner", "_years"))]
    table(f"{a} vs {b}: verdict per chain (— = never by the horizon)", cols,
          [[r["key"], _fmt(r["a"]), _fmt(r["b"]), _fmt(r["difference"])] for r in verdict])
    differ = [
        r for r in s["rows"]
        if r["metric"] in ("substitution_years", "redirection_years") and r["a"] != r["b"]
    ]
    table("stages whose substitution or redirection years differ", ["metric/key"] + cols[1:],
          [[f"{r['metric']}/{r['key']}", _fmt(r["a"]), _fmt(r["b"]), _fmt(r["difference"])] for r in differ])
