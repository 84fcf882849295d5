"""``buildrace backtest [--observed FILE] --base-year B [--calibration FILE] [--draws N] [--seed S] [--json] [--out DIR] [--no-report]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from buildrace.cli._render import print_json, table, write_summary_and_report

LABELS = {"capacity_production": "capacity/prod"}
"""Display names of the series classes where the JSON key is not prose."""


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
    rows = bt.summary.items()
    # two narrow tables rather than one wide one: an 80-column terminal would cut headers
    table(
        f"backtest from {args.base_year}: {len(bt.report['series'])} series, {len(bt.report['unmatched'])} rows not "
        f"scored; {fit['method']} on {fit['rows_fitted']} rows from {fit['world']}. Median absolute error of the "
        "median forecast and of the naive forecasts (points for shares), share of points inside the band",
        ["class", "n", "points", "abs error", "no change", "drift", "in 5-95%"],
        [
            [LABELS.get(c, c), v["series"], v["points"], _f(v["abs_error_median"], v["unit"]),
             _f(v["naive_abs_error_median"], v["unit"]), _f(v["drift_abs_error_median"], v["unit"]),
             _pct(v["coverage"])]
            for c, v in rows
        ],
    )
    table(
        "CRPS: median ratio to the naive forecasts (nc: no change; drift: random walk with drift) and the share of "
        "series beating them",
        ["class", "/ nc", "/ drift", "beats nc", "beats drift", "beats both"],
        [
            [LABELS.get(c, c), _r(v["crps_vs_naive_median"]), _r(v["crps_vs_drift_median"]),
             _pct(v["beats_naive_crps"]), _pct(v["beats_drift_crps"]), _pct(v["beats_both_crps"])]
            for c, v in rows
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
