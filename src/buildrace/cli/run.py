"""``buildrace run [SCENARIO] [--draws N] [--seed S] [--out DIR] [--json] [--lang en|vi]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from buildrace.cli._render import Progress, print_json, table


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "run",
        help="run a scenario (default: the built-in 'race') beside its reference path",
        description="Run a scenario and its reference path (default: the world's baseline, the "
        "policies in force and no shock); print the race summary and write results (NetCDF, "
        "Parquet), summary.json and report.html.",
    )
    p.add_argument("scenario", nargs="?", default="race", help="built-in scenario name or a scenario YAML file (default: race)")
    p.add_argument("--draws", type=int, default=1, help="number of scenario draws (default 1)")
    p.add_argument("--seed", type=int, default=None, help="root seed (default: the scenario's)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default ./buildrace-out/<scenario>)")
    p.add_argument("--reference", default=None,
                   help="reference path the race is measured against: a built-in scenario or a file "
                   "(default: the scenario's 'reference:' key, else the world's baseline)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--no-report", action="store_true", help="do not write report.html")
    p.add_argument("--lang", choices=("en", "vi"), default="en", help="language of the report")
    p.add_argument("--workers", type=int, default=1, help="local processes for large ensembles (same results as serial)")
    p.add_argument("--executor", choices=("serial", "processes", "dask"), default=None,
                   help="where chunks of draws run (default: serial, or processes with --workers > 1)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from buildrace import api

    sc = api.load_scenario(args.scenario)
    with Progress(enabled=not args.json, description=f"simulating {sc.name}") as bar:
        executor = args.executor or ("processes" if args.workers > 1 else "serial")
        result = api.race(sc, draws=args.draws, seed=args.seed, progress=bar, executor=executor, workers=args.workers,
                          reference=args.reference)
    out = args.out or Path("buildrace-out") / sc.name
    files = api.write_results(result, out, report=not args.no_report, lang=args.lang)
    summary = dict(result.summary)
    summary["files"] = {k: str(v) for k, v in files.items()}
    if args.json:
        print_json(summary)
        return 0
    _render(summary)
    print(f"results written to {out}/ ({', '.join(sorted(p.name for p in files.values()))})")
    return 0


def _fmt(v, digits=1):
    return "-" if v is None else (f"{v:.{digits}f}" if isinstance(v, float) else str(v))


def _render(s: dict) -> None:
    imp = next(iter(s["substitution_years"]))
    exp = next(iter(s["redirection_years"]))
    years = list(next(iter(s["cost_gap"].values())).keys())
    base, end = str(s["base_year"]), str(s["end_year"])
    rows = []
    relapsed = s.get("relapses", {}).get("substitution", {}).get(imp, {})
    for stage, sub in s["substitution_years"][imp].items():
        gap = s["cost_gap"][stage]
        share = s["shares"].get(imp, {}).get(stage, {})
        unmet = s["unmet_share"].get(imp, {}).get(stage)
        rows.append([
            stage.split(".", 1)[1] if "." in stage else stage,
            _fmt(sub, 0) + (f" r{relapsed[stage]['years_short']:.0f}" if stage in relapsed else ""),
            _fmt(s["redirection_years"].get(exp, {}).get(stage), 0),
            " ".join(_fmt(gap[y], 2) for y in years),
            f"{100 * (share.get(base) or 0):.1f} > {100 * (share.get(end) or 0):.1f}",
            "0" if not unmet else f"{100 * unmet:.1f}",
        ])
    shock = f"shock {s['shock_year']}" if s.get("shock_year") is not None else "no shock"
    table(
        f"{s['scenario']} against {s.get('reference')}: {shock}, threshold {s['threshold']:.0%},"
        f" {s['draws']} draw(s), seed {s['seed']}",
        ["stage", f"{imp}\nsubst.\nyrs", f"{exp}\nredir.\nyrs", f"cost {imp}/{exp}\n" + " ".join(years), f"{imp} share %\n{base}>{end}", f"{imp}\nunmet\n%"],
        rows,
    )
    if relapsed:
        print("  rN: the stage recovered, then fell back below the threshold for N years (recovery counted from the last return)")
    if not s["verdict"]:
        print(s.get("note", "no verdict"))
        return
    vrows = []
    for chain, v in s["verdict"].items():
        vrows.append([chain, v["winner"], _fmt(v.get(f"{imp}_substitution_years"), 0), _fmt(v.get(f"{exp}_redirection_years"), 0),
                      f"{v.get(f'p_{imp}_first', 0):.0%}", f"{v.get(f'p_{exp}_first', 0):.0%}"])
    table("Verdict (a stage closes when it and every stage upstream of it stay restored; - = not by the horizon)",
          ["chain", "first", f"{imp}\nyrs", f"{exp}\nyrs", f"P({imp}\nfirst)", f"P({exp}\nfirst)"], vrows)
