"""A result cache in which identical requests in flight share one computation.

Runs are deterministic, so identical requests share one answer: a finished answer comes
from an LRU, and a request identical to one still computing waits for that computation
instead of starting another ("single flight", as in Go's
``golang.org/x/sync/singleflight``). Computations run in a bounded thread pool, so a
long run never blocks the event loop or the light routes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

CACHE_SIZE = 64
"""Rendered answers kept (the least recently used goes first)."""

Key = tuple[str, str]


class SingleFlightCache:
    """An LRU of rendered answers in which identical in-flight computations are shared.

    Parameters
    ----------
    pool : where computations run; its size bounds the simulations running at once
    size : answers kept

    Notes
    -----
    ``get_or_compute(key, fn)`` returns a future: the cached body, the future of an
    identical computation already running, or a new computation submitted to ``pool``.
    Failed computations are not cached, so a later request retries.
    """

    def __init__(self, pool: ThreadPoolExecutor, size: int = CACHE_SIZE):
        self.size = size
        self.pool = pool
        self._done: OrderedDict[Key, bytes] = OrderedDict()
        self._flying: dict[Key, Future[bytes]] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.shared = 0
        self.computed = 0

    def get_or_compute(self, key: Key, fn: Callable[[], bytes]) -> tuple[Future[bytes], str]:
        """The future answer for ``key`` and how it was found: ``hit``, ``shared`` or ``miss``."""
        with self._lock:
            body = self._done.get(key)
            if body is not None:
                self._done.move_to_end(key)
                self.hits += 1
                done: Future[bytes] = Future()
                done.set_result(body)
                return done, "hit"
            flying = self._flying.get(key)
            if flying is not None and flying.done():
                # finished, but its callback has not run yet (a future's result is visible
                # before its callbacks): settle it here, so that a failure is retried rather
                # than handed out again, and a success counts as the hit it is
                self._settle(key, flying)
                body = self._done.get(key)
                if body is not None:
                    self.hits += 1
                    return flying, "hit"
                flying = None
            if flying is not None:
                self.shared += 1
                return flying, "shared"
            self.computed += 1
            future = self.pool.submit(fn)
            self._flying[key] = future
        future.add_done_callback(lambda f: self._finish(key, f))
        return future, "miss"

    def _finish(self, key: Key, future: Future[bytes]) -> None:
        with self._lock:
            self._settle(key, future)

    def _settle(self, key: Key, future: Future[bytes]) -> None:
        """Move a finished computation out of flight (the caller holds the lock); keep its
        answer unless it failed. Settling twice (here and in the callback) is harmless."""
        if self._flying.get(key) is future:
            del self._flying[key]
        elif key in self._done or self._flying.get(key) is not None:
            return  # already settled, or a newer computation of the key is in flight
        if not future.cancelled() and future.exception() is None:
            self._done[key] = future.result()
            self._done.move_to_end(key)
            while len(self._done) > self.size:
                self._done.popitem(last=False)

    def __len__(self) -> int:
        return len(self._done)


__all__ = ["CACHE_SIZE", "SingleFlightCache"]
