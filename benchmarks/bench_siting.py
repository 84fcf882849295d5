"""Benchmark of cluster siting: scoring every state and the designation MILP.

Not a test: prints a table of timings (median of repeats) and never fails on a time.
Run ``python benchmarks/bench_siting.py`` (full) or ``--smoke`` (one repeat, two chains).

The MILP is timed on all 51 states for one chain and for all four chains at once
(the same formulation with a chain axis), beside the LP relaxation as a peer: the
ratio says what integrality costs.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from buildrace.siting import CostModel, designation_problem
from buildrace.siting.chains import CHAINS
from buildrace.siting.optimise import (
    DesignationProblem,
    DesignationRequest,
    build_model,
    solve_designation,
)
from buildrace.siting.score import score_chain


def _time(fn, repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def _all_chains_problem(chains) -> DesignationProblem:
    parts = [designation_problem(score_chain(c), c, CostModel()) for c in chains]
    return DesignationProblem(
        sites=parts[0].sites,
        chains=tuple(chains),
        benefit=np.concatenate([p.benefit for p in parts], axis=1),
        cost_musd=np.concatenate([p.cost_musd for p in parts], axis=1),
        distance_miles=parts[0].distance_miles,
    )


def _lp_relaxation(problem: DesignationProblem, request: DesignationRequest) -> None:
    import highspy

    model = build_model(problem, request)
    n = model.n_cols
    model.highs.changeColsIntegrality(
        n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kContinuous)
    )
    model.highs.run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one repeat, two chains")
    args = parser.parse_args(argv)
    repeats = 1 if args.smoke else 5
    chains = sorted(CHAINS)[:2] if args.smoke else sorted(CHAINS)
    request = DesignationRequest(k=5, budget_musd=3000, within_miles=100)
    rows = []
    score_chain(chains[0])  # load the embedded tables once, outside the timings
    for c in chains:
        rows.append((f"score {c}", _time(lambda c=c: score_chain(c), repeats)))
        p = designation_problem(score_chain(c), c, CostModel())
        milp = _time(lambda p=p: solve_designation(p, request), repeats)
        lp = _time(lambda p=p: _lp_relaxation(p, request), repeats)
        rows.append((f"MILP {c} (51 sites)", milp))
        rows.append((f"LP relaxation {c}", lp))
    multi = _all_chains_problem(chains)
    req_multi = DesignationRequest(
        k=5 * len(chains), budget_musd=3000 * len(chains), within_miles=100
    )
    rows.append(
        (
            f"MILP {len(chains)} chains x 51 sites",
            _time(lambda: solve_designation(multi, req_multi), repeats),
        )
    )
    rows.append(
        (
            f"LP relaxation {len(chains)} chains",
            _time(lambda: _lp_relaxation(multi, req_multi), repeats),
        )
    )
    width = max(len(r[0]) for r in rows)
    print(f"{'case':{width}s}  {'median s':>10s}")
    for name, sec in rows:
        print(f"{name:{width}s}  {sec:10.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
