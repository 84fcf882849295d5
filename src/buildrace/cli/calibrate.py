"""``buildrace calibrate [--observed FILE] [--base-year W] [--fit-until B] [--candidates M] [--seed S] [--out FILE] [--json]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from buildrace.cli._render import print_json, table


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "calibrate",
        help="fit the uncertain parameters to observed history (ABC rejection)",
        description="Fit the uncertain parameters to an observed-history CSV by approximate Bayesian computation "
        "(rejection, all candidates simulated in one vectorised pass) and optionally write a calibration file. "
        "The fit simulates from the world of --base-year and scores the rows after that year up to --fit-until; "
        "later rows are never read.",
    )
    p.add_argument("--observed", type=Path, default=None, help="observed-history CSV (default: the embedded history)")
    p.add_argument("--base-year", type=int, default=None,
                   help="base year of the embedded world to simulate from (default 2018)")
    p.add_argument("--fit-until", type=int, default=None,
                   help="last year whose rows the fit may read (default: all rows); a backtest from B takes a file "
                   "fitted with --fit-until B")
    p.add_argument("--candidates", type=int, default=400, help="candidate parameter sets drawn from the priors (default 400)")
    p.add_argument("--acceptance", type=float, default=0.1, help="share of candidates kept (default 0.1)")
    p.add_argument("--refine", action="store_true", help="one refinement round around the accepted sets")
    p.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    p.add_argument("--out", type=Path, default=None, help="write the calibration YAML here")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from buildrace.calibration.fit import AbcSettings, write_calibration
    from buildrace.calibration.runs import calibrate

    settings = AbcSettings(candidates=args.candidates, acceptance=args.acceptance, refine=args.refine, seed=args.seed)
    result, history, world = calibrate(args.observed, base_year=args.base_year, fit_until=args.fit_until, settings=settings)
    summary = {**result.summary(), "unmatched": [u.to_dict() for u in history.unmatched]}
    if args.out is not None:
        summary["file"] = str(write_calibration(result, args.out, world, observed=history.source))
    if args.json:
        print_json(summary)
        return 0
    table(
        f"calibration from {world.name} on {summary['rows_fitted']} rows {world.base_year + 1}-{summary['base_year']} "
        f"({summary['accepted']} of "
        f"{summary['candidates']} accepted; score {summary['score_accepted_median']:.3g} vs prior {summary['score_prior_median']:.3g})",
        ["parameter", "median", "p05", "p95"],
        [[q["name"], f"{q['median']:.3g}", f"{q['p05']:.3g}", f"{q['p95']:.3g}"] for q in summary["parameters"]],
    )
    if history.unmatched:
        print(f"{len(history.unmatched)} row(s) not matched (see --json): first at line {history.unmatched[0].line}: {history.unmatched[0].reason}")
    if "file" in summary:
        print(f"written to {summary['file']}")
    return 0
