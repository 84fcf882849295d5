"""Executors: where the chunks of an ensemble run. Serial by default.

Every chunk is a pure function of (scenario, world, seed, first draw, draws, explicit
parameter values): draws get their own random streams and the engine's arithmetic for a
draw does not depend on the other draws of its chunk, so serial, process-parallel and
Dask runs give the same bits. Process pools use the ``spawn`` start method, chosen
here for these pools only (no global multiprocessing setting is changed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np

from buildrace.errors import InputError
from buildrace.model.compile import Compiled
from buildrace.model.scenario import Scenario
from buildrace.model.world import World

EXECUTORS = ("serial", "processes", "dask")


@dataclass(frozen=True)
class ChunkTask:
    """One vectorised pass: draws ``offset .. offset + draws - 1``."""

    scenario: Scenario
    world: World | None
    seed: int
    offset: int
    draws: int
    parameter_values: dict
    keep: frozenset[str]
    compiled: Compiled | None = None  # the chunk already compiled (serial runs reuse it)
    into: Callable | None = None  # serial runs: where the run writes its outputs (see engine.run.run)


@dataclass(frozen=True)
class ChunkResult:
    outputs: dict[str, np.ndarray]
    fit_error: float
    intensity_scale: np.ndarray


def run_chunk(task: ChunkTask, progress: Callable[[int, int], None] | None = None) -> ChunkResult:
    """Compile and run one chunk (a top-level function, so process pools can pickle it)."""
    from buildrace.engine.run import run
    from buildrace.model.compile import compile_scenario

    c = task.compiled or compile_scenario(
        task.scenario, draws=task.draws, world=task.world, seed=task.seed,
        draw_offset=task.offset, parameter_values=task.parameter_values,
    )
    out, ctx = run(c, keep=task.keep, progress=progress, into=task.into)
    return ChunkResult(outputs=out, fit_error=ctx.cal.fit_error, intensity_scale=ctx.cal.intensity_scale)


def run_chunks(
    tasks: Sequence[ChunkTask],
    executor: str = "serial",
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    client=None,
) -> list[ChunkResult]:
    """Run chunks in order; ``progress(draws_done)`` is called as chunks finish."""
    if executor not in EXECUTORS:
        raise InputError(f"executor {executor!r} is unknown; use one of {', '.join(EXECUTORS)}")
    if executor == "serial" or (executor == "processes" and workers <= 1) or len(tasks) == 1 and executor != "dask":
        results = []
        done = 0
        for task in tasks:
            tick = None
            if progress is not None:

                def tick(t: int, total: int, d: int = done, n: int = task.draws, report=progress) -> None:
                    report(d + n * t // total)

            results.append(run_chunk(task, tick))
            done += task.draws
        return results
    if executor == "processes":
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(run_chunk, t) for t in tasks]
            results, done = [], 0
            for task, fut in zip(tasks, futures, strict=True):
                results.append(fut.result())
                done += task.draws
                if progress:
                    progress(done)
            return results
    try:
        from dask.distributed import Client
    except ModuleNotFoundError:
        raise InputError("the dask executor needs the dask extra: pip install 'buildrace[dask]'") from None
    own = client is None
    client = client or Client(processes=True, n_workers=max(1, workers), threads_per_worker=1)
    try:
        futures = client.map(run_chunk, list(tasks), pure=False)
        results = client.gather(futures)
    finally:
        if own:
            client.close()
    if progress:
        progress(sum(t.draws for t in tasks))
    return list(results)


__all__ = ["EXECUTORS", "ChunkResult", "ChunkTask", "run_chunk", "run_chunks"]
