"""``buildrace discover STORE --metric SQL``: where in parameter space does a condition hold."""

from __future__ import annotations

import json


def register(subparsers) -> None:
    p = subparsers.add_parser("discover", help="PRIM boxes and CART rules where a condition holds")
    p.add_argument("store")
    p.add_argument("--metric", required=True,
                   help='SQL condition on the draws view, e.g. \'"substitution_years:US:ev.assembly" < 10\', '
                        'or a 0/1 metric column by name, e.g. us_first:li_ion_battery')
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from buildrace.store.discover import cart_rules, load, prim

    x, y, names = load(args.store, args.metric)
    boxes = prim(x, y, names, alpha=args.alpha)
    if args.json:
        print(json.dumps([b.__dict__ for b in boxes]))
        return 0
    print("step coverage density mass  bounds")
    for i, b in enumerate(boxes):
        print(f"{i:4d} {b.coverage:8.3f} {b.density:7.3f} {b.mass:5.3f}  {b.bounds}")
    print("\nCART:\n" + cart_rules(x, y, names))
    return 0
