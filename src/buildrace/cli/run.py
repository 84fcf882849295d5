"""``buildrace run [SCENARIO] [--draws N] [--seed S] [--out DIR] [--json] [--lang en|vi]``.

By default the run is an ensemble: :data:`DEFAULT_DRAWS` draws with the project's
default priors (``docs/parameters.md``) on the scenario and its reference path, unless
the scenario file sets ``parameters.priors`` itself, so the verdict is stated as the
probabilities it has. ``--draws 1`` is the central path (priors off unless the file
switches them on). The seed is the scenario's (0 for the built-ins), so the default
command gives the same numbers every time.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from buildrace.cli._render import Progress, print_json, table

DEFAULT_DRAWS = 200
"""Draws ``buildrace run`` simulates without ``--draws``. With 200 draws a probability
has a standard error of at most 3.5 points (sqrt(0.25 / 200)), enough to tell a 30%
chance from a 50% one, and the run stays within seconds to tens of seconds."""

PRIORS_WITH_DRAWS = "default"
"""The prior set a run of more than one draw switches on where the scenario file names
none (:func:`buildrace.simulation.with_priors_unless_set`)."""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "run",
        help="run a scenario (default: the built-in 'race') beside its reference path",
        description="Run a scenario and its reference path (default: the world's baseline, the "
        "policies in force and no shock); print the race summary and write results (NetCDF, "
        "Parquet), summary.json and report.html.",
    )
    p.add_argument("scenario", nargs="?", default="race", help="built-in scenario name or a scenario YAML file (default: race)")
    p.add_argument("--draws", type=int, default=None,
                   help=f"number of draws (default {DEFAULT_DRAWS}, with the default priors on the scenario and its "
                   "reference unless the file sets parameters.priors; 1: the central path)")
    p.add_argument("--seed", type=int, default=None, help="root seed (default: the scenario's, 0 for the built-ins)")
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
    _warn_if_not_compiled()
    draws = DEFAULT_DRAWS if args.draws is None else args.draws
    # one draw is the central path; more draws are an ensemble over the default priors
    priors = PRIORS_WITH_DRAWS if isinstance(draws, int) and draws > 1 else None
    with Progress(enabled=not args.json, description=f"simulating {sc.name}") as bar:
        executor = args.executor or ("processes" if args.workers > 1 else "serial")
        result = api.race(sc, draws=draws, seed=args.seed, progress=bar, executor=executor, workers=args.workers,
                          reference=args.reference, priors=priors)
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
    n = s["draws"]
    runs = f"medians of {n} draws, priors {s.get('priors')}" if n > 1 else f"1 draw (central path, priors {s.get('priors')})"
    table(
        f"{s['scenario']} against {s.get('reference')}: {shock}, threshold {s['threshold']:.0%}, {runs}, seed {s['seed']}",
        ["stage", f"{imp}\nsubst.\nyrs", f"{exp}\nredir.\nyrs", f"cost {imp}/{exp}\n" + " ".join(years), f"{imp} share %\n{base}>{end}", f"{imp}\nunmet\n%"],
        rows,
    )
    if relapsed:
        print("  rN: the stage recovered, then fell back below the threshold for N years (recovery counted from the last return)")
    if not s["verdict"]:
        print(s.get("note", "no verdict"))
        return
    _render_verdict(s, imp, exp)


def _warn_if_not_compiled() -> None:
    """Say so on stderr when the compiled engine was asked for (the default) but could not
    load: the results are the same, the run several times slower."""
    import sys

    from buildrace.engine import backend

    reason = backend.unavailable_reason()
    if reason and backend.requested() == "numba":
        print(f"buildrace: note: running on the NumPy reference path (same results, slower): the compiled "
              f"engine could not load ({reason}); `pip install numba` or set {backend.ENV}=numpy to silence this",
              file=sys.stderr)


def _years(v: dict, key: str, draws: int) -> str:
    """Median years, and with draws the 5-95% range (- = not by the horizon)."""
    med = _fmt(v.get(key), 0)
    rng = v.get(f"{key}_p05_p95")
    if draws == 1 or not rng:
        return med
    return f"{med}\n{_fmt(rng[0], 0)}..{_fmt(rng[1], 0)}"


def _render_verdict(s: dict, imp: str, exp: str) -> None:
    n = s["draws"]
    ties = any(v.get("p_tie") for v in s["verdict"].values())
    rows = []
    for chain, v in s["verdict"].items():
        row = [chain, v["winner"], f"{v.get(f'p_{imp}_first', 0):.0%}", f"{v.get(f'p_{exp}_first', 0):.0%}"]
        row += [f"{v['p_tie']:.0%}"] if ties else []
        row += [f"{v.get('p_neither', 0):.0%}", _years(v, f"{imp}_substitution_years", n), _years(v, f"{exp}_redirection_years", n)]
        rows.append(row)
    yrs = "yrs" if n == 1 else "yrs,\n5-95%"
    where = f"share of {n} draws" if n > 1 else "1 draw: 100% or 0%"
    # short headers: the table fits an 80-column terminal with every chain's name whole
    table(f"Verdict, {where} (P: probability; a chain closes when it and every stage upstream of it stay restored; "
          f"- = not by {s['end_year']})",
          ["chain", "more\noften\nfirst", f"P({imp}\nfirst)", f"P({exp}\nfirst)", *(["P(same\nyear)"] if ties else []),
           "P(nei-\nther)", f"{imp}\nsubst.\n{yrs}", f"{exp}\nredir.\n{yrs}"], rows, whole_names=True)
