"""``buildrace explain SCENARIO [--draws N] [--seed S] [--max-players K] [--out DIR] [--json] [--no-report]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from buildrace.cli._render import print_json, table, write_summary_and_report


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "explain",
        help="each policy's contribution to a scenario's race metrics (Shapley values)",
        description="Run every combination of a scenario's non-shock policies (the shock stays in) and "
        "attribute the race metrics to the policies by exact Shapley values; write explain.json and "
        "explain.html (waterfall charts).",
    )
    p.add_argument("scenario", help="built-in scenario name or a scenario YAML file (needs a shock)")
    p.add_argument("--draws", type=int, default=1, help="number of scenario draws per run (default 1)")
    p.add_argument("--seed", type=int, default=None, help="root seed (default: the scenario's)")
    p.add_argument("--max-players", type=int, default=10,
                   help="most players (2**K coalitions are run); more policies are grouped by lever and economy (default 10)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default ./buildrace-out/explain-<scenario>)")
    p.add_argument("--reference", default=None,
                   help="reference path (default: the scenario's 'reference:' key, else the world's baseline)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--no-report", action="store_true", help="do not write explain.html")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from buildrace import api

    ex = api.explain(args.scenario, draws=args.draws, seed=args.seed, max_players=args.max_players, reference=args.reference)
    s = ex.summary
    out = args.out or Path("buildrace-out") / f"explain-{s['scenario']}"
    def report(path):
        from buildrace.reports.explain import build_explain_report

        return build_explain_report(ex, path)

    files = write_summary_and_report(out, "explain", s, None if args.no_report else report)
    if args.json:
        print_json({**s, "files": {k: str(v) for k, v in files.items()}})
        return 0
    metrics = s["metrics"]
    rows = [[f"reference ({s['reference']})"] + [f"{s['no_policy'][m]:.3g}" for m in metrics]]
    rows += [[p["player"]] + [f"{p['contributions'][m]:+.3g}" for m in metrics] for p in s["players"]]
    rows += [["scenario"] + [f"{s['full'][m]:.3g}" for m in metrics]]
    for kind in dict.fromkeys(m.split("/", 1)[0] for m in metrics):
        idx = [i for i, m in enumerate(metrics) if m.startswith(kind + "/")]
        table(
            f"{s['scenario']}: contributions to {kind} (players: {s['grouping']}; {s['runs']} runs"
            + (f"; never = {s['never_counts_as']}" if kind == "substitution_years" else "") + ")",
            ["player"] + [metrics[i].split("/", 1)[1] for i in idx],
            [[r[0]] + [r[1 + i] for i in idx] for r in rows],
        )
    for p in s["players"]:
        for m, why in (p.get("adverse_because") or {}).items():
            print(f"  {p['player']} works against {s['importer']} on {m} ({p['contributions'][m]:+.3g}): {why}")
    print(f"written to {out}/ ({', '.join(sorted(p.name for p in files.values()))})")
    return 0
