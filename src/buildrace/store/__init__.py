"""Crash-safe ensemble store: one Parquet file per finished chunk, queried with DuckDB.

Layout of a store folder::

    STORE/store.json               scenario name, scenario hash, seed, chunk size
    STORE/chunks/chunk-000123.parquet   one file per finished chunk

A chunk file is written to a temporary name in the same folder, fsynced and renamed
(:func:`os.replace`, atomic on POSIX), so a run killed at any moment leaves only whole
chunks; the catalogue is the set of chunk files themselves (each holds its first and last
draw and checksum), so no separate index can disagree with the data after a crash.
The ``draws`` and ``chunks`` views are DuckDB views over those files.
"""

from __future__ import annotations

from buildrace.store.chunks import (
    CHUNKS,
    MAX_DRAWS,
    META,
    chunk_path,
    connect,
    done_chunks,
    flatten,
    open_store,
    scenario_hash,
    write_chunk,
)
from buildrace.store.runner import run_ensemble

__all__ = [
    "CHUNKS", "MAX_DRAWS", "META", "chunk_path", "connect", "done_chunks", "flatten", "open_store",
    "run_ensemble", "scenario_hash", "write_chunk",
]
