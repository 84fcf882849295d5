"""Write a race's results to a folder, and read them back.

One call, :func:`write_all`, writes everything a run produced:

============================  ==============================================================
``results.nc``                the scenario's results Dataset (NetCDF4 via h5netcdf)
``counterfactual.nc``         the same scenario without its shock (same draws, same seed)
``results.parquet``           the economy- and market-level results as one tidy long table
``summary.json``              the race metrics (:func:`buildrace.api.race_metrics`)
``scenario.yaml``             the scenario exactly as simulated
``report.html``               the self-contained report (:mod:`buildrace.reports`), optional
============================  ==============================================================

Every file is first written to a temporary file in the same folder and then renamed
over its final name with :func:`os.replace`, which is atomic on POSIX and Windows: a
run interrupted half-way leaves the previous file (or none), never a truncated one.
"""

from __future__ import annotations

import json
import math
import os
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from buildrace.dims import DRAW, ECONOMY, MARKET, STAGE, YEAR
from buildrace.errors import InputError

RESULTS_NC = "results.nc"
COUNTERFACTUAL_NC = "counterfactual.nc"
RESULTS_PARQUET = "results.parquet"
SUMMARY_JSON = "summary.json"
SCENARIO_YAML = "scenario.yaml"
REPORT_HTML = "report.html"

TIDY_COLUMNS = ("variable", DRAW, YEAR, ECONOMY, MARKET, STAGE, "value")
"""Columns of ``results.parquet``. A row of a producer-side variable (``capacity``,
``production`` ...) names its ``economy`` and leaves ``market`` empty; a buyer-side
variable (``demand``, ``unmet`` ...) the reverse; a variable without a stage axis
(``public_capital``) leaves ``stage`` empty."""

_JSON_ATTRS = "json_attrs"
"""Attribute listing the attributes stored as JSON text because NetCDF cannot hold them."""


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then rename it to ``path``.

    The temporary file lives in the same folder so that the rename never crosses a
    file system (where it would be a copy, and not atomic). If ``write`` raises, the
    temporary file is removed and ``path`` is left as it was.

    Parameters
    ----------
    path : final location of the file
    write : callable that writes the complete file at the path it is given

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    # A fresh unique name that ``write`` creates itself, so the file gets the usual
    # permissions (umask) rather than the owner-only mode of tempfile.mkstemp.
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        # BaseException too: a KeyboardInterrupt must not leave the temporary behind.
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; see :func:`atomic_write`."""

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())

    return atomic_write(path, write)


def _netcdf_attr(value):
    """A NetCDF-safe attribute value, or None if the value must go as JSON text."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)  # NetCDF has no boolean type
    if isinstance(value, (str, int, float, np.integer, np.floating)):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        arr = np.asarray(value)
        if arr.ndim == 1 and len(arr) and arr.dtype.kind in "iuf":
            return arr
    return None


def _safe_attrs(attrs: dict) -> dict:
    out, as_json = {}, []
    for key, value in attrs.items():
        safe = _netcdf_attr(value)
        if safe is None:
            out[key] = json.dumps(_jsonable(value), ensure_ascii=False)
            as_json.append(key)
        else:
            out[key] = safe
    if as_json:
        out[_JSON_ATTRS] = json.dumps(as_json)
    return out


def netcdf_ready(ds: xr.Dataset) -> xr.Dataset:
    """A shallow copy of ``ds`` whose attributes NetCDF can store.

    Booleans become 0/1; ``None``, dicts and other structures become JSON text, and
    their names are listed in the ``json_attrs`` attribute so that
    :func:`read_results` restores them.
    """
    out = ds.copy(deep=False)
    out.attrs = _safe_attrs(ds.attrs)
    for name in out.variables:
        out[name].attrs = _safe_attrs(ds[name].attrs)
    return out


def _restore_attrs(attrs: dict) -> dict:
    names = json.loads(attrs.pop(_JSON_ATTRS, "[]"))
    for key in names:
        attrs[key] = json.loads(attrs[key])
    return attrs


def _need(module: str, extra: str) -> None:
    try:
        __import__(module)
    except ImportError as exc:
        raise InputError(
            f"results files need {module}: pip install 'buildrace[{extra}]' {module}"
        ) from exc


def _need_netcdf() -> None:
    # h5netcdf >= 1.5 no longer pulls in h5py, its HDF5 backend: ask for both by name.
    _need("h5netcdf", "cli")
    _need("h5py", "cli")


def write_netcdf(ds: xr.Dataset, path: Path) -> Path:
    """Write a results Dataset to NetCDF4 (h5netcdf engine, compressed), atomically."""
    _need_netcdf()
    ready = netcdf_ready(ds)
    # Results are mostly zeros and repeated values: deflate shrinks them several-fold.
    encoding = {v: {"zlib": True, "complevel": 4} for v in ready.data_vars if ready[v].ndim}
    return atomic_write(
        path, lambda tmp: ready.to_netcdf(tmp, engine="h5netcdf", encoding=encoding)
    )


def read_results(path: str | Path) -> xr.Dataset:
    """Read a results file written by :func:`write_all` into memory.

    Parameters
    ----------
    path : ``results.nc`` or ``counterfactual.nc``

    Returns
    -------
    xarray.Dataset
        The Dataset as written, with attributes restored; the file is closed.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"{path}: no such results file; write one with buildrace.api.write_results"
        )
    _need_netcdf()
    # Load and close, so that the file can be replaced (by the next run) while the data is in use.
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        out = ds.load()
    out.attrs = _restore_attrs(dict(out.attrs))
    for name in out.variables:
        out[name].attrs = _restore_attrs(dict(out[name].attrs))
    return out


def tidy(ds: xr.Dataset) -> pd.DataFrame:
    """The economy- and market-level variables of ``ds`` as one long table.

    Variables with per-site, bilateral (market x economy) or final-use detail are left
    out: they live in the NetCDF file. Missing values (NaN) are dropped. Rows follow each
    variable's cells in C order of its dimensions, variable after variable (what
    ``DataArray.to_dataframe`` gives); the columns are built from the arrays and their
    coordinate indices directly, so a 200-draw run is tabled in a fraction of a second
    rather than by factorising tens of millions of labels.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TIDY_COLUMNS`; text columns are categorical (categories sorted).
    """
    label_dims = ("variable", ECONOMY, MARKET, STAGE)
    parts: list[dict[str, np.ndarray]] = []
    labels: dict[str, list[np.ndarray]] = {k: [] for k in label_dims}
    for name, da in ds.data_vars.items():
        dims = set(da.dims)
        where = dims & {ECONOMY, MARKET}
        if (
            len(where) != 1
            or not {DRAW, YEAR} <= dims
            or dims - {DRAW, YEAR, ECONOMY, MARKET, STAGE}
        ):
            continue
        values = np.asarray(da.values, dtype="float64")
        flat = values.reshape(-1)
        missing = np.isnan(flat)
        keep = np.flatnonzero(~missing) if missing.any() else None  # most variables have no gaps

        def cells(column: np.ndarray, k: int, shape=values.shape, keep=keep) -> np.ndarray:
            """``column`` (along axis k) repeated over the variable's cells in C order."""
            axis = [1] * len(shape)
            axis[k] = shape[k]
            full = np.broadcast_to(column.reshape(axis), shape).reshape(-1)
            return full if keep is None else full[keep]

        part: dict[str, np.ndarray] = {"value": flat if keep is None else flat[keep]}
        part["variable"] = np.zeros(len(part["value"]), dtype=np.int16)
        labels["variable"].append(np.array([str(name)], dtype=object))
        for axis, dim_name in enumerate(da.dims):
            dim = str(dim_name)
            coord = np.asarray(da[dim].values)
            if dim in label_dims:
                labels[dim].append(coord.astype(str).astype(object))
                # position in this variable's coordinate, mapped to a category below
                part[dim] = cells(np.arange(len(coord), dtype=np.int16), axis)
            else:
                part[dim] = cells(coord, axis)
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=list(TIDY_COLUMNS))
    categories = {k: np.array(sorted(set(np.concatenate(v)) if v else set()), dtype=object) for k, v in labels.items()}
    columns: dict[str, object] = {}
    seen = {k: 0 for k in label_dims}
    codes: dict[str, list[np.ndarray]] = {k: [] for k in label_dims}
    for part in parts:
        n = len(part["value"])
        for k in label_dims:
            if k not in part:
                codes[k].append(np.full(n, -1, dtype=np.int16))
                continue
            own = labels[k][seen[k]]
            seen[k] += 1
            to_category = np.searchsorted(categories[k], own).astype(np.int16)
            codes[k].append(to_category[part[k]])
    for col in TIDY_COLUMNS:
        if col in label_dims:
            # categories are the labels that occur in the rows, as ``astype("category")`` gives
            code = np.concatenate(codes[col])
            used = np.flatnonzero(np.bincount(code + 1, minlength=len(categories[col]) + 1)[1:])
            remap = np.full(len(categories[col]) + 1, -1, dtype=np.int16)
            remap[used + 1] = np.arange(len(used))
            codes_in_rows = remap[code + 1]
            if len(used) < 127:  # pandas stores codes in the smallest integer type
                codes_in_rows = codes_in_rows.astype(np.int8)
            columns[col] = pd.Categorical.from_codes(codes_in_rows, categories=pd.Index(categories[col][used]).astype(str))
        elif col == DRAW:
            columns[col] = np.concatenate([p[col] for p in parts]).astype("int32")
        elif col == YEAR:
            columns[col] = np.concatenate([p[col] for p in parts]).astype("int16")
        else:
            columns[col] = np.concatenate([p[col] for p in parts]).astype("float64")
    return pd.DataFrame(columns)


def write_parquet(ds: xr.Dataset, path: Path) -> Path:
    """Write :func:`tidy` of ``ds`` to Parquet, atomically; run attributes go in its metadata."""
    _need("pyarrow", "cli")
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(tidy(ds), preserve_index=False)
    meta = {f"buildrace.{k}".encode(): str(v).encode() for k, v in _safe_attrs(ds.attrs).items()}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
    return atomic_write(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def _jsonable(value):
    """``value`` with NumPy scalars as Python numbers and NaN/inf as None (strict JSON)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def write_all(race_result, out_dir: Path) -> dict[str, Path]:
    """Write a race's results, summary and scenario into ``out_dir``.

    The HTML report is written by :func:`buildrace.api.write_results`, which calls this
    first: storage does not depend on the reports (imports point inward).

    Parameters
    ----------
    race_result : :class:`buildrace.api.RaceResult`
    out_dir : folder to write into; created if missing

    Returns
    -------
    dict
        File role (``results``, ``counterfactual``, ``parquet``, ``summary``,
        ``scenario``) -> path written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    res = race_result.results
    paths = {
        "results": write_netcdf(res, out_dir / RESULTS_NC),
        "counterfactual": write_netcdf(race_result.counterfactual, out_dir / COUNTERFACTUAL_NC),
        "parquet": write_parquet(res, out_dir / RESULTS_PARQUET),
        "summary": atomic_write_text(
            out_dir / SUMMARY_JSON,
            json.dumps(
                _jsonable(race_result.summary), indent=2, ensure_ascii=False, allow_nan=False
            )
            + "\n",
        ),
        "scenario": atomic_write_text(
            out_dir / SCENARIO_YAML, str(res.attrs.get("scenario_yaml", ""))
        ),
    }
    return paths


__all__ = [
    "COUNTERFACTUAL_NC",
    "REPORT_HTML",
    "RESULTS_NC",
    "RESULTS_PARQUET",
    "SCENARIO_YAML",
    "SUMMARY_JSON",
    "TIDY_COLUMNS",
    "atomic_write",
    "atomic_write_text",
    "netcdf_ready",
    "read_results",
    "tidy",
    "write_all",
    "write_netcdf",
    "write_parquet",
]
