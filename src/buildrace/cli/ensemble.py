"""``buildrace ensemble SCENARIO --draws N --store PATH``: chunked, resumable ensembles."""

from __future__ import annotations

import sys
import time


def register(subparsers) -> None:
    p = subparsers.add_parser("ensemble", help="run many draws into a crash-safe store (resumes after a kill)")
    p.add_argument("scenario")
    p.add_argument("--draws", type=int, required=True)
    p.add_argument("--store", required=True, help="store folder (created if absent)")
    p.add_argument("--chunk", type=int, default=100, help="draws per chunk file")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_run)


def _run(args) -> int:
    from buildrace.store import run_ensemble

    t0 = time.monotonic()

    def tick(done: int, total: int) -> None:
        rate = done / max(time.monotonic() - t0, 1e-9)
        left = (total - done) / rate if rate > 0 else float("nan")
        print(f"\r{done}/{total} draws  {rate:.1f} draws/s  {left:.0f} s left", end="", file=sys.stderr)

    run_ensemble(args.scenario, args.draws, args.store, chunk=args.chunk, seed=args.seed, progress=tick)
    print(file=sys.stderr)
    print(args.store)
    return 0
