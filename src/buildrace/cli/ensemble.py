"""``buildrace ensemble SCENARIO --draws N --store PATH``: chunked, resumable ensembles."""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser("ensemble", help="run many draws into a crash-safe store (resumes after a kill)")
    p.add_argument("scenario")
    p.add_argument("--draws", type=int, required=True, help="number of draws (up to 10,000,000)")
    p.add_argument("--store", required=True, help="store folder (created if absent; rerun the same command to resume)")
    p.add_argument("--chunk", type=int, default=100, help="draws per chunk file (one vectorised pass each; up to 1,000,000)")
    p.add_argument("--seed", type=int, default=0, help="root seed: draw d is the d-th stream of it")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=1, help="local worker processes (a local Dask cluster above 1)")
    where.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--json", action="store_true", help="print the store's path and counts as JSON")
    p.set_defaults(func=_run)


def _run(args) -> int:
    import json

    from buildrace.cli._render import Progress
    from buildrace.store import connect, run_ensemble

    with Progress(not args.json, f"ensemble {args.scenario}", unit="draws") as bar:
        path = run_ensemble(args.scenario, args.draws, args.store, chunk=args.chunk, seed=args.seed, progress=bar,
                            workers=args.workers, scheduler=args.scheduler)
    if args.json:
        # from the catalogue (each file's own row count): no pass over every draw's columns
        rows, chunks = connect(path).execute("select coalesce(sum(rows), 0), count(*) from chunks").fetchone()
        print(json.dumps({"store": str(path), "draws": rows, "chunks": chunks}))
    else:
        print(path)
    return 0
