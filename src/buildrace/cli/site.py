"""``buildrace site``: recommend US cluster designations for a chain.

Parse, call :func:`buildrace.siting.site_clusters`, render (a ranked table or one
JSON object, the HTML map, optionally a scenario file).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


class _ChainOption(argparse.Action):
    """``--chain NAME``, whose help lists the chains only when help is shown: the list
    lives in the siting package, which imports pandas and pydantic (about a second),
    too much for every ``buildrace`` command to pay at start-up."""

    @property  # type: ignore[override]
    def help(self) -> str:
        from buildrace.siting.chains import CHAINS

        return f"one of: {', '.join(sorted(CHAINS))}"

    @help.setter
    def help(self, value) -> None:  # argparse assigns it; the property computes it
        pass

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        setattr(namespace, self.dest, values)


def register(subparsers) -> None:
    """Add the ``site`` sub-command."""
    p = subparsers.add_parser(
        "site",
        help="recommend US sites to designate as industrial clusters for a chain",
        description="Score US states for a chain, choose cluster designations with a MILP, "
        "and write a map (site.html).",
    )
    p.add_argument("--chain", required=True, action=_ChainOption)
    p.add_argument("--k", type=int, default=5, help="most sites to designate (default 5)")
    p.add_argument(
        "--budget",
        type=float,
        default=3000.0,
        help="infrastructure budget, million USD (default 3000)",
    )
    p.add_argument(
        "--within", type=float, default=100.0, help="co-location distance, miles (default 100)"
    )
    p.add_argument("--weights", default=None, help="component weights, e.g. rca=0.3,minerals=0.2")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder for site.html (default ./buildrace-out/site-CHAIN)",
    )
    p.add_argument(
        "--write-scenario",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the designations as a scenario YAML",
    )
    p.add_argument(
        "--verify-random",
        type=int,
        default=0,
        metavar="N",
        help="simulate N random designations of the same budget and rank the chosen one",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of verification (default 0)")
    p.add_argument("--no-simulate", action="store_true", help="skip running the designations through the engine")
    p.add_argument("--top", type=int, default=15, help="rows of the terminal table (default 15)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``buildrace site``; return the exit code."""
    from buildrace.siting import parse_weights, site_clusters, write_scenario
    from buildrace.siting.map import write_html

    result = site_clusters(
        args.chain,
        k=args.k,
        budget_musd=args.budget,
        within_miles=args.within,
        weights=parse_weights(args.weights),
        verify_random=args.verify_random,
        seed=args.seed,
        simulate=not args.no_simulate,
    )
    out_dir = args.out or Path("buildrace-out") / f"site-{args.chain}"
    html_path = write_html(result, out_dir)
    scenario_path = (
        write_scenario(result.levers, args.write_scenario) if args.write_scenario else None
    )
    if args.json:
        doc = result.to_json()
        doc["html"] = str(html_path)
        if scenario_path:
            doc["scenario_file"] = str(scenario_path)
        json.dump(doc, sys.stdout)
        sys.stdout.write("\n")
        return 0
    _print_table(result, args.top)
    print(f"map: {html_path}")
    if scenario_path:
        print(f"scenario: {scenario_path}")
    return 0


def _print_table(result, top: int) -> None:
    chosen = {d.site: d for d in result.designation.designations}
    head = [
        "rank",
        "site",
        "composite",
        "upstream",
        "mfg",
        "rca_m",
        "density",
        "cmplx",
        "minerals",
        "power",
        "facil_m",
        "labour",
        "designated",
    ]
    rows = []
    for s in result.sites[:top]:
        c = s.components
        d = chosen.get(s.site)
        rows.append(
            [
                str(s.rank),
                s.site,
                f"{s.composite:.3f}",
                f"{s.score_upstream:.3f}",
                f"{s.score_manufacturing:.3f}",
                f"{c['rca_manufacturing']:.2f}",
                f"{c['density']:.2f}",
                f"{c['complexity']:.2f}",
                f"{c['minerals']:.2f}",
                f"{c['power']:.2f}",
                f"{c['facilities_manufacturing']:.2f}",
                f"{c['labour']:.2f}",
                "+".join(r.value for r in d.roles) if d else "",
            ]
        )
    d = result.designation
    lines = [
        f"status {d.status.value}; objective {d.objective:.3f}; "
        f"cost {d.total_cost_musd:,.0f} / {result.budget_musd:,.0f} MUSD; solve {d.solve_seconds:.2f} s",
        "binding: " + (", ".join(d.binding_constraints) or "none"),
    ]
    if result.effect is not None:
        e = result.effect
        def yrs(v):
            return "not by the horizon" if v is None else f"{v:.0f} yrs"
        lines.append(
            f"simulated ({e['scenario']}, {e['year']}): US substitution {yrs(e['without']['us_substitution_years'])}"
            f" -> {yrs(e['with']['us_substitution_years'])} with the designations"
        )
        for stage, gap in e["with"]["cost_gap"].items():
            lines.append(
                f"  {stage}: US/CN cost {e['without']['cost_gap'][stage]:.2f} -> {gap:.2f};"
                f" US capacity {e['without']['us_capacity'][stage]:,.4g} -> {e['with']['us_capacity'][stage]:,.4g}"
            )
    if result.comparison is not None:
        cmp = result.comparison
        for eco in ("CN", "US"):
            best = ", ".join(f"{r['site']} {100 * r['composite']:.1f}%" for r in cmp[eco][:5])
            lines.append(f"incumbency ({eco}, share of world chain capacity): {best}")
    if result.verification is not None:
        v = result.verification
        lines.append(f"verification: chosen plan ranks {v.rank} of {v.n_plans} ({v.metric})")
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
        print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
        for r in rows:
            print("  ".join(x.ljust(w) for x, w in zip(r, widths, strict=True)))
        for line in lines:
            print(line)
        return
    table = Table(title=f"Cluster siting: {result.chain}")
    for h in head:
        table.add_column(
            h, justify="left" if h in ("site", "designated") else "right", no_wrap=True
        )
    for r in rows:
        table.add_row(*r, style="bold" if r[-1] else None)
    console = Console()
    if not console.is_terminal:
        # Piped output gets rich's 80 columns by default, too narrow for the table.
        console = Console(width=150)
    console.print(table)
    for line in lines:
        console.print(line, highlight=False)
