"""The ensemble store at scale: draws/s and peak memory of one ``buildrace ensemble`` run.

``python benchmarks/bench_store_scale.py --draws 10000 [--chunk 100] [--scenario FILE] [--json]``

Runs ``buildrace ensemble SCENARIO --draws N --store TMP --chunk C`` as a child process
into a fresh store (removed afterwards) and samples the child's resident memory every
``--every`` seconds with psutil (the child and any processes it starts). The store keeps
one chunk in memory at a time, so its memory should not grow with the draws: the report
gives the peak RSS over the whole run and within each quarter of the chunks written, so
growth within one run shows as rising quarters, and a run at 10x the draws should have
the same peak. It also gives draws/s over the whole run and in the steady state (from the
first chunk file to the last, leaving out start-up and the first pass's kernel loads).

The benchmark suite (``benchmarks/run.py``) measures the store at 100 and 1,000 draws
(10,000 with ``--full``); this script is for the sizes that take too long to run there
(10^5 draws is about an hour at 25-30 draws/s on two cores). Not a test: it never fails
on a time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIO = HERE.parent / "examples" / "uncertain_race.yaml"


def _tree_rss(proc) -> int:
    """Resident bytes of ``proc`` and its descendants (0 for those gone meanwhile)."""
    import psutil

    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def measure(draws: int, chunk: int, scenario: Path, every: float) -> dict:
    """Run the ensemble in a child process; wall time, chunk times and RSS samples."""
    try:
        import psutil
    except ModuleNotFoundError:  # peak only, from the kernel's accounting after the child ends
        psutil = None
    folder = Path(tempfile.mkdtemp(prefix="buildrace-store-scale-"))
    store = folder / "s"
    cmd = [sys.executable, "-m", "buildrace.cli.main", "ensemble", str(scenario), "--draws", str(draws),
           "--store", str(store), "--chunk", str(chunk), "--json"]
    n_chunks = -(-draws // chunk)
    samples: list[tuple[float, int, int]] = []  # (seconds, chunk files written, RSS bytes)
    try:
        t0 = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ps = psutil.Process(child.pid) if psutil else None
        first_chunk_t = last_chunk_t = None
        while child.poll() is None:
            done = len(list((store / "chunks").glob("chunk-*.parquet"))) if (store / "chunks").is_dir() else 0
            now = time.perf_counter() - t0
            if done and first_chunk_t is None:
                first_chunk_t = now
            if done == n_chunks and last_chunk_t is None:
                last_chunk_t = now
            if ps is not None:
                samples.append((now, done, _tree_rss(ps)))
            time.sleep(every)
        seconds = time.perf_counter() - t0
        out, err = child.communicate()
        if child.returncode != 0:
            return {"error": (err.strip().splitlines() or ["failed"])[-1], "returncode": child.returncode}
        counts = json.loads(out.strip().splitlines()[-1])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    last_chunk_t = last_chunk_t or seconds
    row: dict = {"draws": draws, "chunk": chunk, "scenario": str(scenario), "seconds": seconds,
                 "draws_per_s": draws / seconds, "rows_in_store": counts["draws"], "chunks": counts["chunks"],
                 # the kernel's peak of the largest child (psutil's samples can miss a short spike)
                 "peak_rss_mb_kernel": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
    if first_chunk_t is not None and last_chunk_t > first_chunk_t and n_chunks > 1:
        row["steady_draws_per_s"] = (draws - chunk) / (last_chunk_t - first_chunk_t)
    if samples:
        row["peak_rss_mb"] = max(s[2] for s in samples) / 2**20
        # peak RSS within each quarter of the chunks written: flat quarters, bounded memory
        quarters = []
        for q in range(4):
            lo, hi = q * n_chunks / 4, (q + 1) * n_chunks / 4
            inside = [s[2] for s in samples if lo <= s[1] < hi or (q == 3 and s[1] >= n_chunks)]
            quarters.append(max(inside) / 2**20 if inside else None)
        row["peak_rss_mb_by_quarter"] = quarters
        row["samples"] = len(samples)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--draws", type=int, default=10_000, help="draws of the ensemble (default 10,000)")
    ap.add_argument("--chunk", type=int, default=100, help="draws per chunk (the CLI's default, 100)")
    ap.add_argument("--scenario", type=Path, default=SCENARIO, help="scenario file (default: the uncertain race)")
    ap.add_argument("--every", type=float, default=0.5, help="seconds between memory samples")
    ap.add_argument("--json", action="store_true", help="print the row as JSON")
    args = ap.parse_args()
    row = measure(args.draws, args.chunk, args.scenario, args.every)
    if args.json or "error" in row:
        print(json.dumps(row, indent=1))
        sys.exit(1 if "error" in row else 0)
    show = lambda v: "n/a" if v is None else f"{v:.0f} MB"  # noqa: E731
    print(f"buildrace ensemble {args.scenario.name} --draws {args.draws} --chunk {args.chunk} "
          f"(cores: {os.cpu_count()}, load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())})")
    print(f"time {row['seconds']:.1f} s, {row['draws_per_s']:.2f} draws/s"
          + (f" ({row['steady_draws_per_s']:.2f} draws/s from the first chunk to the last)" if "steady_draws_per_s" in row else ""))
    print(f"peak RSS {show(row.get('peak_rss_mb'))} (sampled every {args.every} s), "
          f"{row['peak_rss_mb_kernel']:.0f} MB (kernel, largest child)")
    if "peak_rss_mb_by_quarter" in row:
        print("peak RSS by quarter of the chunks: " + " / ".join(show(v) for v in row["peak_rss_mb_by_quarter"]))
    print(f"store: {row['rows_in_store']} rows in {row['chunks']} chunks")


if __name__ == "__main__":
    main()
