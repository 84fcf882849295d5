"""Benchmark of the engine: one full run and an ensemble, as ratios measured side by side.

Not a test: prints a table and never fails on a time. ``--smoke`` runs tiny sizes once.

Reported, all in one process on the same machine (the full suite, with peers and the
roofline per draw-year, is ``benchmarks/run.py``):

- median wall time of one full run (every chain, every site, base year to 2050) and of
  ``--draws N`` (default 1000), and the per-draw cost ratio between them (how well the
  draw axis vectorises);
- the trade kernel against a peer: the same allocation written as a plain loop over
  markets and suppliers (the way a spreadsheet or a scalar model computes it);
- the ensemble's throughput against the machine's memory bandwidth (a large NumPy copy
  timed in the same run): bytes of engine state touched per second / bandwidth.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from buildrace import api
from buildrace.engine import backend
from buildrace.engine.trade import allocate
from buildrace.io.scenario_file import load_scenario


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def loop_allocate(demand, headroom, preference, rounds=10):
    """Peer: the spill allocation as explicit loops (one draw)."""
    M, E, S = preference.shape
    flows = np.zeros((M, E, S))
    rem = demand.copy()
    head = headroom.copy()
    w0 = preference * head[None]
    for s in range(S):
        for _ in range(rounds):
            free = [e for e in range(E) if head[e, s] > 1e-12]
            load = np.zeros(E)
            alloc = np.zeros((M, E))
            for m in range(M):
                tot = sum(w0[m, e, s] for e in free)
                for e in free:
                    if tot > 0:
                        alloc[m, e] = rem[m, s] * w0[m, e, s] / tot
                        load[e] += alloc[m, e]
            for e in range(E):
                if load[e] > head[e, s]:
                    alloc[:, e] *= head[e, s] / load[e]
            flows[:, :, s] += alloc
            rem[:, s] = np.maximum(rem[:, s] - alloc.sum(axis=1), 0)
            head[:, s] = np.maximum(head[:, s] - alloc.sum(axis=0), 0)
            if rem[:, s].max() <= 1e-12:
                break
    return flows


def memory_bandwidth(n_bytes: int = 400_000_000) -> float:
    a = np.ones(n_bytes // 8)
    b = np.empty_like(a)
    t = timed(lambda: np.copyto(b, a), 3)
    return 2 * a.nbytes / t  # read + write


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat (CI)")
    ap.add_argument("--draws", type=int, default=1000)
    args = ap.parse_args()
    repeats = 1 if args.smoke else 5
    engine = backend.name()
    draws = 8 if args.smoke else args.draws
    sc = load_scenario("race")
    api.simulate(sc)  # warm caches (world tables, compiled kernels)
    one = timed(lambda: api.simulate(sc), repeats)
    os.environ[backend.ENV] = "numpy"  # the reference path, for the ratio
    api.simulate(sc)
    one_ref = timed(lambda: api.simulate(sc), repeats)
    os.environ[backend.ENV] = engine
    many = timed(lambda: api.simulate(sc, draws=draws), 1 if args.smoke else 3)
    pooled = timed(lambda: api.simulate(sc, draws=draws, executor="processes", workers=2), 1)
    rng = np.random.default_rng(0)
    M = E = 8
    S = 26
    d = rng.uniform(1, 10, (M, S))
    h = rng.uniform(1, 20, (E, S))
    p = rng.uniform(0.1, 1, (M, E, S))
    vec = timed(lambda: allocate(d[None], h[None], p[None]), repeats * 20)  # compiled when numba is selected
    peer = timed(lambda: loop_allocate(d, h, p), max(1, repeats))
    assert np.allclose(loop_allocate(d, h, p), allocate(d[None], h[None], p[None])[0][0])
    bw = memory_bandwidth(40_000_000 if args.smoke else 400_000_000)
    # bytes of the main per-year arrays the engine reads and writes, per draw-year
    from buildrace.engine.run import prepare
    from buildrace.model.compile import compile_scenario

    ctx = prepare(compile_scenario(sc))
    st = ctx.st
    per_draw_year = 8 * (st.E * st.E * st.S * 12 + st.P * 40 + st.E * st.S * 60)
    years = st.T
    achieved = per_draw_year * years * draws / many
    rows = [
        (f"one run, race, base year-2050, {engine} engine (s)", f"{one:.3f}"),
        ("one run, reference NumPy engine / this engine", f"{one_ref / one:.2f}x"),
        (f"{draws} draws in one call (s)", f"{many:.3f}"),
        (f"{draws} draws, 2 worker processes (s)", f"{pooled:.3f}"),
        ("per-draw cost, ensemble / single run", f"{many / draws / one:.4f}"),
        ("trade kernel: loop peer / vectorised", f"{peer / vec:.1f}x"),
        ("memory bandwidth, copy (GB/s)", f"{bw / 1e9:.1f}"),
        ("ensemble state traffic / bandwidth", f"{achieved / bw:.3f}"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  value")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":  # the process pool re-imports this module under spawn
    main()
