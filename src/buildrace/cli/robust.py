"""``buildrace robust A B C --draws N --metric SQL``: rank scenarios by regret."""

from __future__ import annotations

import json
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("robust", help="rank policy scenarios by regret across the same draws")
    p.add_argument("scenarios", nargs="+")
    p.add_argument("--draws", type=int, required=True)
    p.add_argument("--metric", required=True, help="SQL expression on the draws view (lower is better)")
    p.add_argument("--maximize", action="store_true", help="higher metric is better")
    p.add_argument("--store-dir", default="robust_stores", help="one resumable store per scenario here")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from buildrace.store import run_ensemble
    from buildrace.store.robust import metric_per_draw, regret_table

    values = {}
    for i, name in enumerate(args.scenarios):
        store = Path(args.store_dir) / f"{i:02d}-{Path(name).stem}"
        run_ensemble(name, args.draws, store, seed=args.seed)
        values[name] = metric_per_draw(store, args.metric)
    rows = regret_table(values, maximize=args.maximize)
    if args.json:
        print(json.dumps(rows))
    else:
        print("rank scenario max_regret median_regret draws")
        for k, r in enumerate(rows, 1):
            print(f"{k} {r['scenario']} {r['max_regret']:.4g} {r['median_regret']:.4g} {r['draws']}")
    return 0
