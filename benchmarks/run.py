"""The benchmark suite: engine latency and throughput, roofline, peers, end to end.

``python benchmarks/run.py [--quick | --full] [--json] [--out benchmarks/RESULTS.md]``

Measured side by side in one run, on this machine, and written to ``RESULTS.md``
(machine, command, date, tables); ``--json`` also prints one object. Not a test: it
never fails on a time.

- single-run latency of the full ``race`` run (every chain and site, base year to
  2050), compiled (numba) and reference (NumPy) engine, min/median/max; ``api.simulate``
  and ``api.race`` end to end (loading and compiling the scenario included);
- ensemble throughput at N = 1, 100, 1,000 draws (10,000 with ``--full``; ``--quick``
  stops at 100) in draws/s, draw-years/s and cell-updates/s (draw x economy pair x stage
  x year), each N in its own process for its peak resident memory;
- the roofline: bytes of engine state and outputs one year step reads and writes per
  draw, times the draw-years per second, against the memory bandwidth of a copy kernel
  timed in the same run;
- peers: the reduced case of ``benchmarks/peers`` (battery cells and packs, US and CN)
  on buildrace's kernels, as a Mesa 3 agent model and as a PySD model, checked to agree
  and timed per draw (peers are skipped, with the reason, when not installed:
  ``pip install -e ".[benchmark]"``);
- ``import buildrace``, ``buildrace run --no-report`` end to end, the siting MILP and
  the web route's server time for the default run;
- the ensemble store: time and peak memory at 100 and 1,000 draws (10,000 with
  ``--full``; ``--quick`` 20 and 40; 10^5 with ``benchmarks/bench_store_scale.py``, too long
  for the suite), with the resident memory after the first and the last chunk, and its throughput serially, on 1 and on 2 local
  Dask workers (200 draws in chunks of 50; ``--full`` 400, ``--quick`` 4 in chunks of 2)
  with the scaling efficiency (2-worker / (2 x 1-worker) throughput) and the ratio to serial.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CHUNK = 250  # draws per vectorised pass (api.CHUNK_DRAWS)
KEEP = frozenset({"production", "unit_cost", "capacity", "served", "demand"})


def stats(times: list[float]) -> dict[str, float]:
    return {"min": min(times), "median": statistics.median(times), "max": max(times), "n": len(times)}


def timed(fn: Callable[[], object], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def set_engine(name: str) -> None:
    os.environ["BUILDRACE_ENGINE"] = name


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1])
        mem = f"{kb / 2**20:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    import numba

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return {
        "cpu": cpu, "cores": str(os.cpu_count()), "memory": mem, "load average at start": load,
        "python": platform.python_version(), "numpy": np.__version__, "numba": numba.__version__,
        "os": platform.platform(),
    }


# ----------------------------------------------------------------------------- measures


def import_time(repeats: int) -> dict:
    code = "import time; t = time.perf_counter(); import buildrace; print(time.perf_counter() - t)"
    api_code = "import time; t = time.perf_counter(); import buildrace.api; print(time.perf_counter() - t)"
    run = lambda c: float(subprocess.run([sys.executable, "-c", c], capture_output=True, text=True, check=True).stdout)  # noqa: E731
    return {"import buildrace": stats([run(code) for _ in range(repeats)]),
            "import buildrace.api": stats([run(api_code) for _ in range(repeats)])}


def single_run(repeats: int, api_repeats: int) -> dict:
    from buildrace import api
    from buildrace.engine.run import run
    from buildrace.io.scenario_file import load_scenario
    from buildrace.model.compile import compile_scenario

    sc = load_scenario("race")
    c = compile_scenario(sc)
    out: dict[str, dict] = {}
    for engine in ("numba", "numpy"):
        set_engine(engine)
        run(c)  # warm: loads the compiled kernels from the cache (compiles them the first time)
        run(c)
        out[f"engine run ({engine})"] = stats(timed(lambda: run(c), repeats))
        api.simulate("race")
        api.race("race")
        out[f"api.simulate('race') ({engine})"] = stats(timed(lambda: api.simulate("race"), api_repeats))
        out[f"api.race('race') ({engine})"] = stats(timed(lambda: api.race("race"), api_repeats))
    set_engine("numba")
    return out


ENSEMBLE_SCENARIO = Path(__file__).resolve().parents[1] / "examples" / "uncertain_race.yaml"
"""The race with the default priors on: every draw has its own parameters, as in a real
ensemble (the built-in ``race`` has its priors off, so its draws would all be one)."""


def ensemble_worker(draws: int, engine: str) -> dict:
    """(In its own process.) Run ``draws`` draws of the uncertain race in chunks; time and peak memory."""
    set_engine(engine)
    from buildrace.ensemble.executors import ChunkTask, run_chunks
    from buildrace.io.scenario_file import load_scenario

    sc = load_scenario(str(ENSEMBLE_SCENARIO))
    tasks = [ChunkTask(scenario=sc, world=None, seed=sc.seed,
                       offset=lo, draws=min(CHUNK, draws - lo), parameter_values={}, keep=KEEP)
             for lo in range(0, draws, CHUNK)]
    run_chunks(tasks[:1] if draws <= CHUNK else [tasks[0]])  # warm (kernels, world tables) at the chunk's size
    from buildrace.engine import calibration_cache

    calibration_cache.clear()  # the timed pass fits its base year like a fresh ensemble, not from the warm-up's memo
    t = time.perf_counter()
    parts = run_chunks(tasks)
    seconds = time.perf_counter() - t
    shape = parts[0].outputs["production"].shape  # (N, T, E, S)
    return {"draws": draws, "engine": engine, "seconds": seconds, "years": shape[1], "economies": shape[2],
            "stages": shape[3], "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def ensemble(sizes: list[int], numpy_up_to: int) -> dict:
    rows = {}
    for n in sizes:
        for engine in ("numba", "numpy"):
            if engine == "numpy" and n > numpy_up_to:
                continue
            proc = subprocess.run([sys.executable, str(Path(__file__)), "--_ensemble", str(n), engine],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                rows[f"{n} {engine}"] = {"draws": n, "engine": engine, "error": proc.stderr.strip().splitlines()[-1:]}
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            years, pairs = r["years"], r["economies"] ** 2 * r["stages"]
            r["draws_per_s"] = n / r["seconds"]
            r["draw_years_per_s"] = n * years / r["seconds"]
            r["cell_updates_per_s"] = n * years * pairs / r["seconds"]
            rows[f"{n} {engine}"] = r
    return rows


def copy_bandwidth(n_bytes: int) -> float:
    a = np.ones(n_bytes // 8)
    b = np.empty_like(a)
    np.copyto(b, a)
    t = min(timed(lambda: np.copyto(b, a), 5))
    return 2 * a.nbytes / t  # bytes read + written per second


def step_bytes(draws: int = 8) -> float:
    """Bytes one year step reads (state) and writes (new state and outputs), per draw."""
    from dataclasses import fields

    from buildrace.engine.run import initial_state, prepare, step
    from buildrace.io.scenario_file import load_scenario
    from buildrace.model.compile import compile_scenario

    ctx = prepare(compile_scenario(load_scenario("race"), draws=draws))
    state = initial_state(ctx)
    new, out = step(state, 0, ctx)
    state_bytes = sum(getattr(state, f.name).nbytes for f in fields(state) if f.name != "arrivals")
    # the pipeline buffer is touched in one year's block per step (plus the scattered arrivals)
    arrivals = state.arrivals
    state_bytes += arrivals.nbytes // arrivals.shape[0] * 3  # (years, draws, pairs)
    out_bytes = sum(v.nbytes for v in out.values())
    return (2 * state_bytes + out_bytes) / draws


def peers(mesa_draws: int, pysd_draws: int, batch: int) -> dict:
    sys.path.insert(0, str(HERE))
    from peers.reduced import agreement, case_from_world, run_buildrace

    res: dict = {}
    case = case_from_world()
    ref = run_buildrace(case)
    central = {k: v[0] for k, v in ref.items()}
    res["buildrace one draw (s)"] = stats(timed(lambda: run_buildrace(case), 7))
    many = case.with_draws(batch)
    res["buildrace batch"] = batch
    batch_times = timed(lambda: run_buildrace(many), 3)
    res[f"buildrace {batch} draws (s)"] = stats(batch_times)
    per_draw = statistics.median(batch_times) / batch
    res["buildrace per draw, batched (s)"] = per_draw
    ref_many = run_buildrace(case.with_draws(max(mesa_draws, pysd_draws)))
    check = case.with_draws(max(mesa_draws, pysd_draws))
    try:
        from peers.mesa_model import run_mesa
    except ImportError as exc:
        res["mesa"] = f"skipped: {exc.name} is not installed (pip install -e '.[benchmark]')"
    else:
        worst = agreement(central, run_mesa(case))
        t = []
        for d in range(mesa_draws):
            t0 = time.perf_counter()
            r = run_mesa(check, d)
            t.append(time.perf_counter() - t0)
            worst = max(worst, agreement({k: v[d] for k, v in ref_many.items()}, r))
        res["mesa per draw (s)"] = stats(t)
        res["mesa agreement"] = worst
        res["mesa_ratio"] = statistics.median(t) / per_draw
        res["mesa_ratio_single"] = statistics.median(t) / res["buildrace one draw (s)"]["median"]
    try:
        import pysd  # noqa: F401
        from peers.pysd_model import load_pysd, run_pysd
    except ImportError as exc:
        res["pysd"] = f"skipped: {exc.name} is not installed (pip install -e '.[benchmark]')"
    else:
        folder = Path(tempfile.mkdtemp(prefix="buildrace-pysd-"))
        try:
            t0 = time.perf_counter()
            model = load_pysd(case, folder)
            res["pysd translate and load (s)"] = time.perf_counter() - t0
            worst = agreement(central, run_pysd(model, case))
            t = []
            for d in range(pysd_draws):
                t0 = time.perf_counter()
                r = run_pysd(model, check, d)
                t.append(time.perf_counter() - t0)
                worst = max(worst, agreement({k: v[d] for k, v in ref_many.items()}, r))
            res["pysd per draw (s)"] = stats(t)
            res["pysd agreement"] = worst
            res["pysd_ratio"] = statistics.median(t) / per_draw
            res["pysd_ratio_single"] = statistics.median(t) / res["buildrace one draw (s)"]["median"]
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return res


def cli_run(repeats: int, extra: tuple[str, ...] = ()) -> dict:
    """``buildrace run --no-report`` end to end in a fresh process, after one warm-up that
    fills the kernel cache; ``extra``: more arguments (``--draws 1``: the central path)."""
    exe = shutil.which("buildrace", path=str(Path(sys.executable).parent)) or "buildrace"
    folder = Path(tempfile.mkdtemp(prefix="buildrace-cli-"))
    cmd = [exe, "run", "--no-report", "--json", *extra, "--out", str(folder)]
    try:
        subprocess.run(cmd, capture_output=True, check=True)  # warm the kernel cache
        return stats(timed(lambda: subprocess.run(cmd, capture_output=True, check=True), repeats))
    except (OSError, subprocess.CalledProcessError) as exc:
        return {"error": str(exc)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def siting_and_web(repeats: int) -> dict:
    res: dict = {}
    try:
        from buildrace import api

        api.site_clusters("li_ion_battery", k=5, simulate=False)
        res["siting MILP, li_ion_battery k=5 (s)"] = stats(
            timed(lambda: api.site_clusters("li_ion_battery", k=5, simulate=False), repeats))
    except Exception as exc:  # an optional extra or a moving API: report, do not fail
        res["siting"] = f"skipped: {type(exc).__name__}: {exc}"
    try:
        from buildrace.web import runs, schemas

        req = schemas.RaceRequest(scenario="race")
        runs.race(req)  # the route's work for the default request, without the HTTP layer or cache
        res["web POST /api/race, default (s)"] = stats(timed(lambda: runs.race(req), repeats))
    except Exception as exc:
        res["web"] = f"skipped: {type(exc).__name__}: {exc}"
    return res


def _rss_now_mb() -> float | None:
    """This process's resident memory now (psutil), None without psutil."""
    try:
        import psutil
    except ModuleNotFoundError:
        return None
    return psutil.Process().memory_info().rss / 2**20


def store_worker(draws: int, chunk: int) -> dict:
    """(In its own process.) ``run_ensemble`` into a fresh store; time and peak memory.

    Besides the process's peak, the resident memory right after the first chunk is written
    and after the last: memory that grew with the chunks written would show as a gap.
    """
    from buildrace.store import run_ensemble

    marks: dict[str, float | None] = {}

    def progress(done: int, total: int) -> None:
        if done and "first_chunk_rss_mb" not in marks:
            marks["first_chunk_rss_mb"] = _rss_now_mb()
        if done == total:
            marks["last_chunk_rss_mb"] = _rss_now_mb()

    folder = Path(tempfile.mkdtemp(prefix="buildrace-store-"))
    try:
        t = time.perf_counter()
        run_ensemble(str(ENSEMBLE_SCENARIO), draws, folder / "s", chunk=chunk, seed=0, progress=progress)
        seconds = time.perf_counter() - t
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **marks}


def store_memory(sizes: list[int], chunk: int) -> dict:
    """``buildrace ensemble`` into a fresh store, one process per size: time and peak RSS.

    The store keeps one chunk in memory at a time, so its peak memory should not grow
    with the draws (unlike an ensemble returned whole by ``api.simulate``).
    """
    rows = {}
    for n in sizes:
        proc = subprocess.run([sys.executable, str(Path(__file__)), "--_store", str(n), str(chunk)],
                              capture_output=True, text=True)
        if proc.returncode != 0:  # the store extra missing: report, do not fail
            rows[n] = {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        rows[n] = {**r, "draws_per_s": n / r["seconds"], "chunk": chunk}
    return rows


WARM_DRAW = 10**6
"""A draw outside every measured range: warming on it leaves no memo the timed pass could reuse."""


def scaling_worker(draws: int, chunk: int, dask_workers: int) -> dict:
    """(In its own process.) ``run_ensemble`` serially (``dask_workers`` 0) or on a local Dask
    cluster of ``dask_workers`` processes; the time of the draws alone.

    Every process that runs chunks is warmed first on one draw outside the range (kernels
    loaded from the cache, the world's tables read), so the rows compare steady-state
    throughput; the cluster's start and warm-up are reported apart (``start_s``). ``cpu_s`` is
    the CPU time of the processes that ran the chunks during the timed pass: on a loaded
    machine it tells contention (same CPU, longer wall time) from added work.
    """
    from buildrace.io.scenario_file import load_scenario
    from buildrace.store import run_ensemble
    from buildrace.store.runner import chunk_table

    sc = load_scenario(str(ENSEMBLE_SCENARIO))
    folder = Path(tempfile.mkdtemp(prefix="buildrace-scaling-"))
    cluster = client = None
    out: dict = {"draws": draws, "chunk": chunk, "workers": dask_workers}
    try:
        t = time.perf_counter()
        if dask_workers:
            from dask.distributed import Client, LocalCluster

            cluster = LocalCluster(n_workers=dask_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
            client.run(lambda: chunk_table(sc, 0, WARM_DRAW, 1) is None)  # on every worker
        else:
            chunk_table(sc, 0, WARM_DRAW, 1)
        out["start_s"] = time.perf_counter() - t

        def cpu() -> float:
            return sum(client.run(time.process_time).values()) if client else time.process_time()

        c, t = cpu(), time.perf_counter()
        run_ensemble(str(ENSEMBLE_SCENARIO), draws, folder / "s", chunk=chunk, seed=0,
                     scheduler=cluster.scheduler_address if cluster else None)
        out["seconds"] = time.perf_counter() - t
        out["cpu_s"] = cpu() - c
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        shutil.rmtree(folder, ignore_errors=True)
    return out


def dask_scaling(draws: int, chunk: int) -> dict:
    """Store throughput serially, on 1 and on 2 local Dask workers (one process each run).

    Scaling efficiency is the 2-worker throughput over twice the 1-worker throughput (1.0:
    perfect); ``vs_serial`` is the 2-worker throughput over the serial one. Chunks are kept
    under 64 draws, so the compiled draw loops stay on one thread and a worker is one core.
    """
    rows: dict = {}
    for name, w in (("serial", 0), ("dask 1 worker", 1), ("dask 2 workers", 2)):
        proc = subprocess.run([sys.executable, str(Path(__file__)), "--_store_scaling", str(draws), str(chunk), str(w)],
                              capture_output=True, text=True)
        if proc.returncode != 0:  # the dask or store extra missing: report, do not fail
            rows[name] = {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        rows[name] = {**r, "draws_per_s": draws / r["seconds"]}
    tp = {k: v.get("draws_per_s") for k, v in rows.items()}
    out: dict = {"rows": rows, "efficiency": None, "vs_serial": None, "one_worker_vs_serial": None}
    if tp["dask 2 workers"] and tp["dask 1 worker"]:
        out["efficiency"] = tp["dask 2 workers"] / (2 * tp["dask 1 worker"])
    if tp["dask 2 workers"] and tp["serial"]:
        out["vs_serial"] = tp["dask 2 workers"] / tp["serial"]
    if tp["dask 1 worker"] and tp["serial"]:
        out["one_worker_vs_serial"] = tp["dask 1 worker"] / tp["serial"]
    return out


def web_load(seconds: float) -> dict:
    """benchmarks/load.py in its own process: 20 clients over loopback for ``seconds``."""
    cmd = [sys.executable, str(Path(__file__).with_name("load.py")), "--seconds", str(seconds), "--json"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 300)
    except subprocess.TimeoutExpired:
        return {"error": "load.py did not finish"}
    if proc.returncode != 0:  # the web extra missing, or the server did not start: report, do not fail
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout)


# ------------------------------------------------------------------------------ report


def fmt_s(s: dict) -> str:
    def one(x: float) -> str:
        return f"{x * 1e3:.1f} ms" if x < 1 else f"{x:.2f} s"
    return f"{one(s['min'])} / {one(s['median'])} / {one(s['max'])}"


def write_markdown(r: dict, path: Path) -> None:
    L = ["# Benchmark results", "",
         f"Written by `{r['command']}` on {r['date']} ({r['mode']} mode). Not a test: numbers depend on the",
         "machine and its load; ratios measured in the same run are the comparable figures.", "",
         "## Machine", "", "| | |", "|---|---|"]
    L += [f"| {k} | {v} |" for k, v in r["machine"].items()]
    L += ["", "## Targets (issue: compiled engine core)", "", "| target | goal | measured | met |", "|---|---|---|---|"]
    L += [f"| {t['what']} | {t['goal']} | {t['measured']} | {t['met']} |" for t in r["targets"]]
    L += ["", "## Single-run latency (min / median / max)", "", "| measure | time | numpy / numba (median) |", "|---|---|---|"]
    sr = r["single_run"]
    for k, v in sr.items():
        ratio = ""
        if "(numba)" in k:
            ref = sr.get(k.replace("(numba)", "(numpy)"))
            ratio = f"{ref['median'] / v['median']:.2f}x" if ref else ""
        L.append(f"| {k} | {fmt_s(v)} | {ratio} |")
    L += ["", "## Ensemble throughput (examples/uncertain_race.yaml: `race` with the default priors on, chunks of 250 draws, one process each)", "",
          "| draws | engine | time | draws/s | draw-years/s | cell-updates/s | peak RSS |", "|---|---|---|---|---|---|---|"]
    for row in r["ensemble"].values():
        if "error" in row:
            L.append(f"| {row['draws']} | {row['engine']} | failed: {row['error']} | | | | |")
            continue
        L.append(f"| {row['draws']} | {row['engine']} | {row['seconds']:.2f} s | {row['draws_per_s']:.1f} | "
                 f"{row['draw_years_per_s']:.0f} | {row['cell_updates_per_s']:.3g} | {row['peak_rss_mb']:.0f} MB |")
    L += ["", "Cell updates count draw x economy pair (market, supplier) x stage x year.", "",
          "## Roofline", "", "| measure | value |", "|---|---|"]
    rf = r["roofline"]
    L += [f"| {k} | {v:.3g} |" if isinstance(v, float) else f"| {k} | {v} |" for k, v in rf.items()]
    L += ["", "## Peers: the reduced case (cells and packs, US and CN)", "", "| measure | value |", "|---|---|"]
    for k, v in r["peers"].items():
        if isinstance(v, dict):
            v = fmt_s(v)
        elif isinstance(v, float):
            v = f"{v:.3g}"
        L.append(f"| {k} | {v} |")
    L += ["", "Ratios: peer time per draw / buildrace time per draw (batched; `_single`: one draw alone).",
          "Agreement: largest difference relative to each output's scale (production, capacity, unit cost).", "",
          "## End to end", "", "| measure | min / median / max |", "|---|---|"]
    for k, v in r["imports"].items():
        L.append(f"| {k} | {fmt_s(v)} |")
    L.append(f"| `buildrace run --no-report --draws 1` (central path, warm cache) | "
             f"{fmt_s(r['cli']) if 'median' in r['cli'] else r['cli']} |")
    if "cli_default" in r:
        L.append(f"| `buildrace run --no-report` (default: 200 draws with the default priors, warm cache) | "
                 f"{fmt_s(r['cli_default']) if 'median' in r['cli_default'] else r['cli_default']} |")
    for k, v in r["siting_web"].items():
        L.append(f"| {k} | {fmt_s(v) if isinstance(v, dict) else v} |")
    store = r.get("store", {})
    if store:
        L += ["", "## Ensemble store (`buildrace ensemble`, the uncertain race, one process per size)", "",
              "| draws | chunk | time | draws/s | peak RSS | RSS after the first chunk | RSS after the last |",
              "|---|---|---|---|---|---|---|"]
        mb = lambda v: "n/a" if v is None else f"{v:.0f} MB"  # noqa: E731
        for n, row in store.items():
            if "error" in row:
                L.append(f"| {n} | | failed: {row['error']} | | | | |")
            else:
                L.append(f"| {n} | {row['chunk']} | {row['seconds']:.1f} s | {row['draws_per_s']:.1f} | {row['peak_rss_mb']:.0f} MB | "
                         f"{mb(row.get('first_chunk_rss_mb'))} | {mb(row.get('last_chunk_rss_mb'))} |")
        L += ["", "Each draw is three runs (the scenario, its reference path, its own no-shock world) and a row of race "
              "metrics; one chunk is in memory at a time, so the peak should not grow with the draws, nor the resident "
              "memory from the first chunk written to the last. 10^5 draws take too long for the suite: "
              "`python benchmarks/bench_store_scale.py --draws 100000` measures one run at that size."]
    scaling = r.get("store_scaling", {})
    if scaling:
        rows = scaling["rows"]
        some = next((v for v in rows.values() if "error" not in v), {"draws": "", "chunk": ""})
        L += ["", f"### Local Dask scaling ({some['draws']} draws in chunks of {some['chunk']}, one process per run)", "",
              "| run | start + warm-up | time | CPU time | draws/s |", "|---|---|---|---|---|"]
        for name, row in rows.items():
            if "error" in row:
                L.append(f"| {name} | failed: {row['error']} | | | |")
            else:
                L.append(f"| {name} | {row['start_s']:.1f} s | {row['seconds']:.1f} s | {row['cpu_s']:.1f} s | "
                         f"{row['draws_per_s']:.2f} |")
        show = lambda v: "n/a" if v is None else f"{v:.2f}"  # noqa: E731
        L += ["", f"Scaling efficiency (2-worker / (2 x 1-worker) draws/s): {show(scaling['efficiency'])}; "
              f"2 workers / serial: {show(scaling['vs_serial'])}; 1 worker / serial: {show(scaling['one_worker_vs_serial'])}. "
              "Every process is warmed on one draw outside the range before the timed pass; a worker is one core "
              "(chunks under 64 draws keep the draw loops on one thread), so the figure is bounded by the machine's "
              "free cores (see the load average above)."]
    load = r.get("web_load", {})
    if load:
        L += ["", "## Web load (`benchmarks/load.py`: POST /api/race over loopback, closed-loop clients)", ""]
        if "error" in load:
            L.append(f"skipped: {load['error']}")
        else:
            L += [f"{load['clients']} clients for {load['seconds']} s, {load['server_workers']} server workers; "
                  f"first request (warm-up) {load['warmup_first_request_s']} s.", "",
                  "| requests | count | errors | per s | p50 | p99 |", "|---|---|---|---|---|---|"]
            for k in ("all", "default request", "varied levers", "X-Cache hit", "X-Cache shared", "X-Cache miss"):
                v = load.get(k)
                if v and v["requests"]:
                    L.append(f"| {k} | {v['requests']} | {v['errors']} | {v['throughput_per_s']} | "
                             f"{v['p50_ms']} ms | {v['p99_ms']} ms |")
    L += ["", "## Notes", ""] + [f"- {n}" for n in r["notes"]] + [""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(L), encoding="utf-8")


def targets(r: dict) -> list[dict]:
    out = []

    def add(what, goal_s, measured_s, unit="s", higher=False):
        met = measured_s >= goal_s if higher else measured_s <= goal_s
        shown = f"{measured_s:.3g} {unit}"
        off = "" if met else (f" ({goal_s / measured_s:.1f}x short)" if higher else f" ({measured_s / goal_s:.1f}x over)")
        out.append({"what": what, "goal": f"{'>=' if higher else '<='} {goal_s:g} {unit}", "measured": shown,
                    "met": ("yes" if met else "no") + off})

    sr = r["single_run"]
    add("one full run, median after warm-up", 0.010, sr["engine run (numba)"]["median"])
    add("api.simulate('race') end to end", 0.020, sr["api.simulate('race') (numba)"]["median"])
    add("api.race('race') end to end", 0.040, sr["api.race('race') (numba)"]["median"])
    big = max((row for row in r["ensemble"].values() if row["engine"] == "numba" and "error" not in row),
              key=lambda row: row["draws"])
    add(f"ensemble throughput ({big['draws']} draws)", 1000, big["draws_per_s"], "draws/s", higher=True)
    add("import buildrace", 0.3, r["imports"]["import buildrace"]["median"])
    if "median" in r["cli"]:
        add("buildrace run --no-report --draws 1 (warm)", 1.0, r["cli"]["median"])
    if isinstance(r["roofline"].get("fraction of copy bandwidth"), float):
        add("roofline fraction", 0.3, r["roofline"]["fraction of copy bandwidth"], "", higher=True)
    for peer, goal in (("mesa", 100), ("pysd", 20)):
        if f"{peer}_ratio" in r["peers"]:
            add(f"{peer} time per draw / buildrace", goal, r["peers"][f"{peer}_ratio"], "x", higher=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes and few repeats (CI: keeps the suite from rotting)")
    ap.add_argument("--full", action="store_true", help="add 10,000 draws and more repeats")
    ap.add_argument("--json", action="store_true", help="print one JSON object with the headline figures")
    ap.add_argument("--out", type=Path, default=HERE / "RESULTS.md", help="where to write the Markdown results")
    ap.add_argument("--_ensemble", nargs=2, metavar=("DRAWS", "ENGINE"), help=argparse.SUPPRESS)
    ap.add_argument("--_store", nargs=2, type=int, metavar=("DRAWS", "CHUNK"), help=argparse.SUPPRESS)
    ap.add_argument("--_store_scaling", nargs=3, type=int, metavar=("DRAWS", "CHUNK", "WORKERS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._store:
        print(json.dumps(store_worker(*args._store)))
        return
    if args._store_scaling:
        print(json.dumps(scaling_worker(*args._store_scaling)))
        return
    if args._ensemble:
        print(json.dumps(ensemble_worker(int(args._ensemble[0]), args._ensemble[1])))
        return
    mode = "quick" if args.quick else "full" if args.full else "default"
    sizes = [1, 100] if args.quick else [1, 100, 1000, 10000] if args.full else [1, 100, 1000]
    reps = {"quick": 3, "default": 15, "full": 30}[mode]
    r: dict = {"command": "python benchmarks/run.py" + {"quick": " --quick", "full": " --full", "default": ""}[mode],
               "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "mode": mode, "machine": machine()}
    log = (lambda msg: print(msg, file=sys.stderr)) if args.json else print
    log("imports ...")
    r["imports"] = import_time(3 if args.quick else 7)
    log("single runs ...")
    r["single_run"] = single_run(reps, 3 if args.quick else 7)
    log("ensembles ...")
    r["ensemble"] = ensemble(sizes, numpy_up_to=1000)
    log("roofline ...")
    bw = copy_bandwidth(80_000_000 if args.quick else 400_000_000)
    rf: dict = {"copy-kernel bandwidth (GB/s, read + write)": round(bw / 1e9, 2)}
    try:
        per_dy = step_bytes()
        best = max((row for row in r["ensemble"].values() if row["engine"] == "numba" and "error" not in row),
                   key=lambda row: row["draws"])
        achieved = per_dy * best["draw_years_per_s"]
        rf["bytes per draw-year (state read + written, outputs written)"] = f"{per_dy / 1e3:.1f} kB"
        rf[f"achieved traffic at {best['draws']} draws (GB/s)"] = round(achieved / 1e9, 3)
        rf["fraction of copy bandwidth"] = achieved / bw
    except Exception as exc:  # the year step's signature is the engine's to change
        rf["step bytes"] = f"not measured: {type(exc).__name__}: {exc}"
    r["roofline"] = rf
    log("peers ...")
    r["peers"] = peers(mesa_draws=3 if args.quick else 20, pysd_draws=3 if args.quick else 20,
                       batch=100 if args.quick else 1000)
    log("end to end ...")
    r["cli"] = cli_run(1 if args.quick else 3, ("--draws", "1"))  # the central path: what the 1 s target means
    if not args.quick:
        r["cli_default"] = cli_run(1)
    r["siting_web"] = siting_and_web(1 if args.quick else 3)
    log("ensemble store ...")
    r["store"] = store_memory({"quick": [20, 40], "default": [100, 1000], "full": [100, 1000, 10000]}[mode],
                              chunk=10 if args.quick else 100)
    log("ensemble store on local Dask workers ...")
    r["store_scaling"] = dask_scaling(*{"quick": (4, 2), "default": (200, 50), "full": (400, 50)}[mode])
    log("web load ...")
    r["web_load"] = web_load(3.0 if args.quick else 30.0)
    r["targets"] = targets(r)
    r["notes"] = [
        "The compiled engine (numba) covers the base-year fit and pipeline, unit costs and learning, economy "
        "costs, credits, demand and available capacity, the chemistry mix, the offers and price index, the "
        "trade allocation with local content and bilateral caps, the market clearing, the prices after "
        "clearing, the split over sites, stocks and accounts, the investment plan, the site projects, the "
        "pipeline and the value-added origin trace, fused into five calls a year and one small one; the "
        "base-year price anchor, rules of origin where in force, the fund's books and the state update still "
        "run as NumPy expressions in engine/run.py. At one draw most of what is left is numba's argument "
        "checks on those calls and the Python around them; at hundreds of draws, the exponentials and powers "
        "the phases compute one at a time.",
        "The compiled draw loops run on a thread pool from 64 draws a chunk (BUILDRACE_THREADS caps it); a "
        "draw's results do not depend on its chunk or the thread count.",
        "The machine is shared: timings move with its load (see the load average above); the ratios measured "
        "in the same run are the figures to compare.",
        "Bytes per draw-year count the state arrays read and written and the outputs written by one step; "
        "temporaries are not counted, so the fraction is a lower bound of the traffic.",
    ]
    write_markdown(r, args.out)
    log(f"wrote {args.out}")
    if args.json:
        ens = r["ensemble"]
        summary = {
            "single_run_s": r["single_run"]["engine run (numba)"]["median"],
            "numpy_ratio": r["single_run"]["engine run (numpy)"]["median"] / r["single_run"]["engine run (numba)"]["median"],
            "draws_per_s": {row["draws"]: row["draws_per_s"] for row in ens.values() if row["engine"] == "numba" and "error" not in row},
            "peak_rss_mb": {row["draws"]: row["peak_rss_mb"] for row in ens.values() if row["engine"] == "numba" and "error" not in row},
            "roofline_fraction": rf.get("fraction of copy bandwidth"),
            "mesa_ratio": r["peers"].get("mesa_ratio"),
            "pysd_ratio": r["peers"].get("pysd_ratio"),
            "import_s": r["imports"]["import buildrace"]["median"],
            "store_peak_rss_mb": {n: row.get("peak_rss_mb") for n, row in r["store"].items()},
            "dask_scaling_efficiency": r["store_scaling"]["efficiency"],
            "dask_vs_serial": r["store_scaling"]["vs_serial"],
        }
        print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
