"""``buildrace backtest [--observed FILE] --base-year B [--calibration FILE] [--draws N] [--seed S] [--json] [--out DIR] [--no-report]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from buildrace.cli._render import print_json, table, write_summary_and_report


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "backtest",
        help="calibrate up to a base year, forecast the later years, score against history",
        description="Calibrate on the observed rows after the world's base year up to B only (or take a calibration "
        "file fitted with --fit-until B), forecast every later observed year with the accepted parameter sets and "
        "score each series: error, coverage of the 5-95% band and CRPS, against two naive forecasts (no change; "
        "random walk with drift fitted up to B); write backtest.json and backtest.html.",
    )
    p.add_argument("--observed", type=Path, default=None, help="observed-history CSV (default: the embedded history)")
    p.add_argument("--base-year", type=int, required=True, help="last year the fit may see (e.g. 2018)")
    p.add_argument("--calibration", type=Path, default=None,
                   help="forecast from this calibration file's accepted sets instead of fitting "
                   "(refused if it was fitted on rows after B)")
    p.add_argument("--draws", type=int, default=50, help="forecast draws = accepted parameter sets (default 50)")
    p.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default ./buildrace-out/backtest-B)")
    p.add_argument("--json", action="store_true", help="print the backtest JSON instead of tables")
    p.add_argument("--no-report", action="store_true", help="do not write backtest.html")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from buildrace.calibration.runs import backtest

    bt = backtest(args.observed, args.base_year, draws=args.draws, seed=args.seed, calibration=args.calibration)
    out = args.out or Path("buildrace-out") / f"backtest-{args.base_year}"

    def report(path: Path) -> Path:
        from buildrace.reports.backtest import build_backtest_report

        return build_backtest_report(bt.report, bt.summary, path)

    files = list(write_summary_and_report(out, "backtest", bt.report, None if args.no_report else report).values())
    if args.json:
        print_json(bt.report)
        return 0
    fit = bt.report["fit"]
    table(
        f"backtest from {args.base_year}: {len(bt.report['series'])} series, {len(bt.report['unmatched'])} rows not "
        f"scored; {fit['method']} on {fit['rows_fitted']} rows from {fit['world']}",
        ["class", "series", "points", "median abs error", "error", "naive error", "drift error", "coverage 5-95%",
         "CRPS / naive", "CRPS / drift", "CRPS beats both"],
        [
            [c, v["series"], v["points"], _f(v["abs_error_median"], v["unit"]), _f(v["error_median"], v["unit"]),
             _f(v["naive_error_median"], v["unit"]), _f(v["drift_error_median"], v["unit"]), _pct(v["coverage"]),
             _r(v["crps_vs_naive_median"]), _r(v["crps_vs_drift_median"]), _pct(v["beats_both_crps"])]
            for c, v in bt.summary.items()
        ],
    )
    print(f"written to {out}/ ({', '.join(sorted(p.name for p in files))})")
    return 0


def _f(v, unit: str) -> str | None:
    return None if v is None else f"{v:.3g} {'pts' if unit == 'points' else '%'}"


def _pct(v) -> str | None:
    return None if v is None else f"{100 * v:.0f}%"


def _r(v) -> str | None:
    return None if v is None else f"{v:.2f}"
