"""``buildrace discover STORE --metric SQL``: where in parameter space does a condition hold."""

from __future__ import annotations

from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("discover", help="PRIM boxes and CART rules where a condition holds")
    p.add_argument("store")
    p.add_argument("--metric", required=True,
                   help='SQL condition on the draws view, e.g. \'"substitution_years:US:ev.assembly" < 10\', '
                        'or a 0/1 metric column by name, e.g. us_first:li_ion_battery')
    p.add_argument("--alpha", type=float, default=0.05, help="share of the remaining draws PRIM peels a step")
    p.add_argument("--out", type=Path, default=None, help="output folder (default ./buildrace-out/discover-STORE)")
    p.add_argument("--no-report", action="store_true", help="do not write discover.html")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from buildrace.cli._render import print_json, write_summary_and_report
    from buildrace.errors import InputError
    from buildrace.store.discover import cart_rules, load, prim

    if not 0.0 < args.alpha < 0.5:
        raise InputError(f"--alpha {args.alpha} is out of range: give a share between 0 and 0.5 (default 0.05)")
    x, y, names = load(args.store, args.metric)
    boxes = prim(x, y, names, alpha=args.alpha)
    summary = {"store": str(args.store), "metric": args.metric, "alpha": args.alpha, "draws": int(len(y)),
               "cases": int(y.sum()), "boxes": [b.__dict__ for b in boxes], "cart": cart_rules(x, y, names)}
    out = args.out or Path("buildrace-out") / f"discover-{Path(args.store).name}"

    def report(path: Path) -> Path:
        from buildrace.reports.discover import build_discover_report

        return build_discover_report(summary, path)

    files = list(write_summary_and_report(out, "discover", summary, None if args.no_report else report).values())
    if args.json:
        print_json({**summary, "files": [str(f) for f in files]})
        return 0
    print("step coverage density mass  bounds")
    for i, b in enumerate(boxes):
        print(f"{i:4d} {b.coverage:8.3f} {b.density:7.3f} {b.mass:5.3f}  {b.bounds}")
    print("\nCART:\n" + summary["cart"])
    print(f"written to {out}/ ({', '.join(sorted(p.name for p in files))})")
    return 0
