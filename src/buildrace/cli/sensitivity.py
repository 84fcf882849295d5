"""``buildrace sensitivity SCENARIO --metric M [--method sobol|morris] [--n N] [--seed S] [--json] [--out DIR]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from buildrace.cli._render import print_json, table, write_summary_and_report


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sensitivity",
        help="rank the uncertain parameters by their effect on a metric (Sobol or Morris)",
        description="Global sensitivity of one metric to the scenario's uncertain parameters (its distributions, or the "
        "default priors): Sobol indices (or Morris elementary effects), all sample points simulated in one pass; "
        "write sensitivity.json and sensitivity.html. Metrics: us_substitution_years:CHAIN, cn_redirection_years:CHAIN, "
        "cost_gap:STAGE:YEAR, us_self_sufficiency:CHAIN:YEAR, us_share:STAGE:YEAR, price:STAGE:YEAR.",
    )
    p.add_argument("scenario", help="a built-in name or a scenario YAML file")
    p.add_argument("--metric", required=True, help="e.g. us_substitution_years:li_ion_battery")
    p.add_argument("--method", choices=("sobol", "morris"), default="sobol", help="sobol (default) or morris (cheaper)")
    p.add_argument("--n", type=int, default=32, help="base sample size (sobol) or trajectories (morris); default 32")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default ./buildrace-out/sensitivity-SCENARIO)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--no-report", action="store_true", help="do not write sensitivity.html")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from buildrace import api

    result = api.sensitivity(args.scenario, args.metric, method=args.method, n=args.n, seed=args.seed)
    s = result.summary()
    out = args.out or Path("buildrace-out") / f"sensitivity-{Path(args.scenario).stem}"

    def report(path: Path) -> Path:
        from buildrace.reports.sensitivity import build_sensitivity_report

        return build_sensitivity_report(s, path)

    files = list(write_summary_and_report(out, "sensitivity", s, None if args.no_report else report).values())
    if args.json:
        print_json({**s, "files": [str(f) for f in files]})
        return 0
    cols = [c for c in s["indices"][0] if c != "parameter"] if s["indices"] else []
    table(
        f"{s['method']} sensitivity of {s['metric']} ({s['runs']} simulations) {s['note']}".strip(),
        ["parameter", *cols],
        [[r["parameter"], *[None if r[c] is None else f"{r[c]:.3g}" for c in cols]] for r in s["indices"]],
    )
    print(f"written to {out}/ ({', '.join(sorted(p.name for p in files))})")
    return 0
