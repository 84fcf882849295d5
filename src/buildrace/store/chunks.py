"""The store's files: layout, atomic chunk writes, and the DuckDB views over them."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from buildrace.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

MAX_DRAWS = 10_000_000
"""Documented ceiling on ``--draws`` (ten million): beyond it use several stores."""

META = "store.json"
CHUNKS = "chunks"


def flatten(prefix: str, value: object, out: dict[str, float | None]) -> None:
    """Flatten nested race metrics into ``a:b:c`` numeric columns (other leaves are skipped).

    Added keys in :func:`buildrace.api.race_metrics` simply become added columns.
    """
    if isinstance(value, dict):
        for k, v in value.items():
            flatten(f"{prefix}:{k}" if prefix else str(k), v, out)
    elif isinstance(value, bool):
        out[prefix] = float(value)
    elif isinstance(value, (int, float)) or value is None:
        out[prefix] = None if value is None else float(value)


def scenario_hash(scenario: object) -> str:
    """SHA-256 of the scenario's repr (a frozen description of what is simulated)."""
    return hashlib.sha256(repr(scenario).encode()).hexdigest()[:16]


def open_store(path: Path, meta: dict) -> Path:
    """Create or reopen a store; refuse one holding another scenario or seed."""
    if path.exists() and not path.is_dir():
        raise InputError(f"store {path} is a file; give a folder path (it is created if absent)")
    # checked before anything is created, so a refused store is left as it was
    if path.is_dir() and not os.access(path, os.W_OK):
        raise InputError(f"store {path} is not writable; choose a folder you can write to")
    try:
        (path / CHUNKS).mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a parent that is a file, read-only or not allowed
        raise InputError(f"store {path} cannot be created ({exc.strerror}); choose a folder you can write to") from None
    mfile = path / META
    if mfile.exists():
        old = json.loads(mfile.read_text())
        for key in ("scenario_hash", "seed", "chunk", "draw_stream"):
            if old.get(key) != meta.get(key):
                raise InputError(
                    f"store {path} holds scenario {old.get('scenario')!r} with {key}={old.get(key)!r}, "
                    f"not {meta.get(key)!r}; use another --store folder"
                )
    else:
        tmp = mfile.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(meta, indent=1))
            os.replace(tmp, mfile)
        except OSError as exc:
            raise InputError(f"store {path} is not writable ({exc.strerror}); choose a folder you can write to") from None
    return path


def chunk_path(path: Path, k: int) -> Path:
    return path / CHUNKS / f"chunk-{k:06d}.parquet"


def write_chunk(path: Path, k: int, rows: pd.DataFrame | Mapping[str, np.ndarray], first: int, scen_hash: str) -> None:
    """Write one chunk atomically: temp file, fsync, rename, fsync the folder.

    ``rows`` is a frame or its columns (name -> (n,) array, as
    :func:`buildrace.store.runner.chunk_table` gives them); both write the same bytes.
    Values that are not finite (a stage that never recovers within the horizon) are
    stored as SQL NULL, as the summary's JSON has them as null. The checksum is the
    SHA-256 of the columns' names and values, in the file's column order.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = rows if isinstance(rows, Mapping) else {c: rows[c].to_numpy() for c in rows.columns}
    cols = ["draw", *sorted(c for c in columns if c != "draw")]
    n = len(columns["draw"])
    arrays, digest = {}, hashlib.sha256()
    for c in cols:
        values = np.asarray(columns[c])
        if values.dtype.kind == "f":
            arrays[c] = pa.array(values, mask=~np.isfinite(values))
        else:
            arrays[c] = pa.array(values)
        digest.update(c.encode() + b"\0" + np.ascontiguousarray(values).tobytes())
    table = pa.table(arrays)
    meta = {"first_draw": str(first), "last_draw": str(first + n - 1),
            "rows": str(n), "checksum": digest.hexdigest(),
            "scenario_hash": scen_hash, "columns": columns_hash(cols)}
    table = table.replace_schema_metadata({f"buildrace.{k2}": v for k2, v in meta.items()})
    final = chunk_path(path, k)
    tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def columns_hash(names: list[str]) -> str:
    """SHA-256 of a chunk's column names in file order: equal hashes, one schema."""
    return hashlib.sha256("\0".join(names).encode()).hexdigest()[:16]


def done_chunks(path: Path) -> set[int]:
    """Chunks whose file is complete (temporary files of a killed run are ignored)."""
    return {int(p.stem.split("-")[1]) for p in (path / CHUNKS).glob("chunk-*.parquet")}


def connect(path: str | Path):
    """A DuckDB connection with the ``draws`` and ``chunks`` views over the store."""
    import duckdb

    p = Path(path)
    if not (p / META).is_file():
        raise InputError(f"{p} is not an ensemble store (no {META}); run `buildrace ensemble` first")
    con = duckdb.connect()
    glob = str(p / CHUNKS / "chunk-*.parquet").replace("'", "''")
    if not done_chunks(p):
        raise InputError(f"store {p} has no finished chunk yet")
    # the catalogue from the files' own key-value metadata, read by DuckDB in one pass
    # (not a Python loop over thousands of footers); a table, so that it is one snapshot
    # even while a run adds chunks
    con.execute(f"""
        CREATE TABLE chunks AS
        SELECT parse_filename(file_name) AS file,
               CAST(max(v) FILTER (WHERE k = 'buildrace.first_draw') AS BIGINT) AS first_draw,
               CAST(max(v) FILTER (WHERE k = 'buildrace.last_draw') AS BIGINT) AS last_draw,
               CAST(max(v) FILTER (WHERE k = 'buildrace.rows') AS BIGINT) AS rows,
               max(v) FILTER (WHERE k = 'buildrace.checksum') AS checksum,
               max(v) FILTER (WHERE k = 'buildrace.scenario_hash') AS scenario_hash,
               max(v) FILTER (WHERE k = 'buildrace.columns') AS columns_hash
        FROM (SELECT file_name, decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('{glob}')
              WHERE starts_with(decode(key), 'buildrace.'))
        GROUP BY file_name ORDER BY file
    """)
    # Every chunk of one store has the same columns (recorded as a hash in each file), so
    # the view binds the first file's schema once. ``union_by_name`` binds every file's
    # schema and, with DuckDB's Parquet metadata cache, held about 2 MB a file (2.5 GB at
    # 1,000 files); it is kept only for stores whose files differ or predate the hash.
    row = con.execute(
        "SELECT count(DISTINCT columns_hash), count(*) FILTER (WHERE columns_hash IS NULL) FROM chunks").fetchone()
    hashes, unknown = row if row is not None else (0, 0)
    union = "true" if hashes != 1 or unknown else "false"
    con.execute(f"CREATE VIEW draws AS SELECT * FROM read_parquet('{glob}', union_by_name={union})")
    return con
