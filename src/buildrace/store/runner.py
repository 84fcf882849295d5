"""Run an ensemble into a store, chunk by chunk: serially, on local processes or on Dask.

A chunk is draws ``first .. first + n - 1`` of the seed's stream, simulated in one
vectorised pass (:func:`buildrace.api.race` with ``first_draw``, without its median
summary) and summarised per draw (:func:`buildrace.ensemble.draw_table.race_columns`). A draw's row depends on
(scenario, seed, draw) only, so the chunk size, the executor, and a resumption after a
crash cannot change its bits. Finished chunks are written by the calling process only,
one file each and atomically (:func:`buildrace.store.write_chunk`), in whatever order
they finish; a chunk already in the store is never computed again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from itertools import islice
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from buildrace.errors import InputError

SCHEDULER_TIMEOUT_S = 10
"""Seconds to wait for a Dask scheduler to answer before giving up with a message."""
MAX_CHUNK = 1_000_000
"""The most draws a chunk may hold: what one pass of :func:`buildrace.simulation.simulate`
accepts (its ``MAX_DRAWS``; a test holds the two equal). Memory grows with the chunk
(the uncertain race: about 0.8 GB peak at 100 draws, 1.2 GB at 250), so the default of 100
is the sensible size."""
DRAW_STREAM = "seed-stream-v2"
"""How draws get their random numbers (recorded in the store: draw d is the d-th stream
of the seed). Stores written with an earlier scheme are refused rather than mixed."""


def chunk_table(scenario, seed: int, first: int, n: int) -> dict[str, np.ndarray]:
    """The rows of one chunk: race metrics and sampled parameters of draws first .. first+n-1.

    Returned as columns (name -> (n,) array, ``draw`` first), the form
    :func:`buildrace.store.write_chunk` writes without a pandas frame in between. A
    top-level function of picklable arguments, so process pools and Dask can run it.
    """
    from buildrace.ensemble.draw_table import race_columns
    from buildrace.ensemble.samplers import sample_leaves
    from buildrace.model.priors import with_priors
    from buildrace.model.world import load_world
    from buildrace.simulation import race

    # the rows are read from the draws themselves: the median summary would be thrown away
    r = race(scenario, draws=n, seed=seed, first_draw=first, summarise=False)
    table = race_columns(r.results, r.reference, r.scenario, r.policy_world if scenario.shocks else None)
    del r  # the three runs' outputs go before the parameters are drawn: one chunk's peak
    # the parameters as the engine sampled them: the same streams as compile_scenario
    params = with_priors(scenario.parameters, load_world(scenario.world))
    for path, vals in sample_leaves(params, seed, first, n).items():
        table["param:" + ".".join(path)] = vals
    return table


def _pending(draws: int, chunk: int, done: set[int]) -> Iterator[tuple[int, int, int]]:
    """(chunk number, first draw, draws) of the chunks not yet in the store, one at a time
    (ten million one-draw chunks are not held as a list)."""
    for k in range(-(-draws // chunk)):
        if k not in done:
            first = k * chunk
            yield k, first, min(chunk, draws - first)


def _done_draws(draws: int, chunk: int, done: set[int]) -> int:
    """Draws of the first ``draws`` already in the store (chunks beyond them do not count)."""
    return sum(min(chunk, draws - k * chunk) for k in done if k * chunk < draws)


def _serial(scenario, seed, todo) -> Iterator[tuple[int, int, dict[str, np.ndarray]]]:
    for k, first, n in todo:
        yield k, first, chunk_table(scenario, seed, first, n)


def _processes(scenario, seed, todo, workers: int) -> Iterator[tuple[int, int, dict[str, np.ndarray]]]:
    # at most two chunks a worker in flight: memory stays bounded whatever the draws
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        queue = iter(todo)
        flying: dict = {}
        while True:
            for k, first, n in islice(queue, max(0, 2 * workers - len(flying))):
                flying[pool.submit(chunk_table, scenario, seed, first, n)] = (k, first)
            if not flying:
                return
            finished, _ = wait(flying, return_when=FIRST_COMPLETED)
            for fut in finished:
                k, first = flying.pop(fut)
                yield k, first, fut.result()


def _dask_client(workers: int, scheduler: str | None):
    try:
        from dask.distributed import Client, LocalCluster
    except ModuleNotFoundError:
        raise InputError("--workers and --scheduler need the dask extra: pip install 'buildrace[dask]'") from None
    if scheduler is None:
        return Client(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None))
    try:
        return Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
    except Exception as exc:  # refused or silent, a bad address, or a server there that is not a scheduler
        # (whose reply distributed may read as a frame length of exabytes: a MemoryError)
        why = (f"within {SCHEDULER_TIMEOUT_S} s" if isinstance(exc, (OSError, TimeoutError, ValueError))
               else "as a Dask scheduler: something else listens there")
        raise InputError(
            f"the Dask scheduler {scheduler} did not answer {why} ({type(exc).__name__}); "
            "check the address (tcp://HOST:PORT) and that `dask scheduler` runs there"
        ) from None


def _dask(scenario, seed, todo, client, own_cluster: bool) -> Iterator[tuple[int, int, dict[str, np.ndarray]]]:
    from dask.distributed import as_completed

    try:
        queue = iter(todo)
        flying: dict = {}
        finished = as_completed()

        def top_up() -> None:
            # two chunks a worker thread in flight, counted again as chunks finish (a
            # cluster may grow or shrink): the tasks held and the results waiting to be
            # written stay bounded whatever the draws, as on a local process pool
            room = 2 * max(1, sum(client.nthreads().values()))
            for k, first, n in islice(queue, max(0, room - len(flying))):
                fut = client.submit(chunk_table, scenario, seed, first, n, pure=False)
                flying[fut] = (k, first)
                finished.add(fut)

        top_up()
        for fut in finished:
            k, first = flying.pop(fut)
            yield k, first, fut.result()
            fut.release()  # the chunk is on disk: free its result on the cluster
            top_up()
    finally:
        cluster = getattr(client, "cluster", None) if own_cluster else None
        client.close()
        if cluster is not None:
            cluster.close()


def run_ensemble(
    scenario: str,
    draws: int,
    store: str | Path,
    chunk: int = 100,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
) -> Path:
    """Run ``draws`` draws of ``scenario`` in chunks into ``store``, skipping finished chunks.

    Parameters
    ----------
    scenario : a built-in scenario name or a scenario file
    draws : number of draws (1 .. :data:`buildrace.store.MAX_DRAWS`)
    store : the store folder (created if absent)
    chunk : draws per chunk file (each is one vectorised pass; 1 .. :data:`MAX_CHUNK`)
    seed : root seed; draw ``d`` is the ``d``-th stream of it
    progress : ``progress(done, total)`` in draws, as chunks finish
    workers : local processes; above 1, chunks run on a local Dask cluster
    scheduler : address of an existing Dask scheduler (``tcp://HOST:PORT``) to run on

    Returns
    -------
    The store's path.
    """
    from buildrace.io.scenario_file import load_scenario
    from buildrace.store.chunks import (
        MAX_DRAWS,
        done_chunks,
        open_store,
        scenario_hash,
        write_chunk,
    )

    for name, value, low in (("--draws", draws, 1), ("--chunk", chunk, 1), ("--workers", workers, 1), ("--seed", seed, 0)):
        if not isinstance(value, int) or value < low:
            raise InputError(f"{name} {value!r} is out of range: give an integer >= {low}")
    if draws > MAX_DRAWS:
        raise InputError(f"--draws {draws:,} is out of range: the ceiling is {MAX_DRAWS:,}; split the ensemble over several stores")
    if chunk > MAX_CHUNK:  # refused here, not by the first pass after the store is written
        raise InputError(f"--chunk {chunk:,} is out of range: one vectorised pass takes at most {MAX_CHUNK:,} draws")
    if scheduler is not None and workers > 1:
        raise InputError("give --workers (a local cluster) or --scheduler (an existing one), not both")
    sc = load_scenario(scenario)
    h = scenario_hash(sc)
    if Path(store).exists() and not Path(store).is_dir():
        raise InputError(f"store {store} is a file; give a folder path (it is created if absent)")
    # the cluster answers before the store is touched: a wrong address leaves no trace
    use_dask = scheduler is not None or (workers > 1 and not _no_dask())
    client = _dask_client(workers, scheduler) if use_dask else None
    try:
        path = open_store(Path(store), {"scenario": sc.name, "scenario_hash": h, "seed": seed, "chunk": chunk,
                                        "draw_stream": DRAW_STREAM})
    except BaseException:
        if client is not None:
            client.close()
        raise
    done = done_chunks(path)
    todo = _pending(draws, chunk, done)
    done_draws = _done_draws(draws, chunk, done)
    if progress:
        progress(done_draws, draws)
    if client is not None:
        results = _dask(sc, seed, todo, client, own_cluster=scheduler is None)
    elif workers > 1:
        results = _processes(sc, seed, todo, workers)
    else:
        results = _serial(sc, seed, todo)
    for k, first, table in results:
        write_chunk(path, k, table, first, h)
        done_draws += len(table["draw"])
        if progress:
            progress(done_draws, draws)
    return path


def _no_dask() -> bool:
    import importlib.util

    return importlib.util.find_spec("distributed") is None
