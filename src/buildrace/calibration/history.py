"""Observed history: read, validate and map each row to the model output it compares to.

The file format is that of ``shared/design/MODEL.md`` ("Observed history"): a CSV with
columns ``series,stage,economy,year,value,unit`` (and an optional ``source``). Every row
is checked against a :class:`~buildrace.model.world.World`; a row that names an unknown
series, stage or economy, whose unit does not match the stage's, or whose value is not a
non-negative number, goes to ``unmatched`` with its line number and the reason. Nothing
is guessed.

Mapping to the model (:func:`model_values`), for a results Dataset with a draw axis:

- ``price``: the market price (USD per stage unit) times the stage's ``price_factor``, in
  the economy's market, or for ``WORLD`` the demand-weighted mean over markets;
- ``cost``: the unit cost times ``price_factor``, of the economy, or for ``WORLD`` the
  production-weighted mean over economies;
- ``capacity``, ``production``: of the economy, or the world sum;
- ``share_capacity``, ``share_production``: 100 x economy / world (percent);
- ``demand``: ``final_demand`` for a final use (``use.*``), ``demand`` for a stage; of the
  economy's market or the world sum;
- the aggregate ``li_ion_battery.cell`` is ``cell_lfp`` + ``cell_nmc811`` (quantities
  summed; prices and costs weighted as above over both stages).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from buildrace.dims import DRAW, ECONOMY, MARKET, STAGE, USE, YEAR
from buildrace.errors import InputError
from buildrace.model.world import FINAL_USES, World

SERIES = ("price", "cost", "capacity", "production", "share_capacity", "share_production", "demand")
"""The series an observed row may name."""
SHARE_SERIES = ("share_capacity", "share_production")
AGGREGATES = {"li_ion_battery.cell": ("li_ion_battery.cell_lfp", "li_ion_battery.cell_nmc811")}
"""Aggregate stages and the stages they sum."""
USE_UNITS = {
    "use.ev_sales": "vehicles",
    "use.pv_installations": "GW",
    "use.storage_installations": "GWh",
    "use.wind_installations": "GW",
}
"""Units of the final uses (``shared/design/MODEL.md``, "Canonical identifiers")."""
WORLD = "WORLD"
COLUMNS = ("series", "stage", "economy", "year", "value", "unit")
SHARE_UNITS = ("percent", "%")
MAX_FILE_BYTES = 20_000_000


@dataclass(frozen=True)
class ObservedRow:
    """One validated observation (``line`` is the 1-based line in the file)."""

    line: int
    series: str
    stage: str
    economy: str
    year: int
    value: float
    unit: str
    source: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """(series, stage, economy): the observed series this row belongs to."""
        return (self.series, self.stage, self.economy)


@dataclass(frozen=True)
class Unmatched:
    """A row that is not compared to the model, with the reason."""

    line: int
    reason: str
    row: str

    def to_dict(self) -> dict:
        return {"line": self.line, "reason": self.reason, "row": self.row}


@dataclass(frozen=True)
class History:
    """Validated rows of an observed-history file."""

    source: str
    rows: tuple[ObservedRow, ...]
    unmatched: tuple[Unmatched, ...]

    def until(self, year: int) -> tuple[ObservedRow, ...]:
        """Rows with ``row.year <= year``."""
        return tuple(r for r in self.rows if r.year <= year)


def default_observed_path() -> Path:
    """The embedded observed history (``buildrace/data/history/observed.csv``)."""
    from importlib import resources

    return Path(str(resources.files("buildrace.data").joinpath("history", "observed.csv")))


def _units(stage: str, world: World) -> tuple[str, str] | None:
    """(quantity unit, price unit) of a stage or aggregate; None if unknown."""
    parts = AGGREGATES.get(stage, (stage,))
    if not all(p in world.stages.index for p in parts):
        return None
    rows = world.stages.loc[list(parts)]
    return str(rows["unit"].iloc[0]), str(rows["price_unit"].iloc[0])


def _same_unit(given: str, expected: str) -> bool:
    g = given.strip().replace(" per year", "").removesuffix("/yr").removesuffix("/year").strip()
    return g.casefold() == expected.strip().casefold()


def check_row(fields: dict[str, str], world: World) -> ObservedRow | str:
    """Validate one row's fields; return the row or the reason it is unmatched."""
    series, stage, economy = (fields.get(k, "").strip() for k in ("series", "stage", "economy"))
    unit = fields.get("unit", "").strip()
    if series not in SERIES:
        return f"unknown series {series!r} (expected one of {', '.join(SERIES)})"
    try:
        year = int(fields.get("year", "").strip())
    except ValueError:
        return f"year {fields.get('year', '')!r} is not an integer"
    raw = fields.get("value", "").strip()
    try:
        value = float(raw)
    except ValueError:
        return f"value {raw!r} is not a number"
    if not math.isfinite(value):
        return f"value {raw!r} is not a finite number"
    if value < 0:
        return f"value {value:g} is negative"
    if economy != WORLD and economy not in world.economy_codes:
        return f"unknown economy {economy!r} (expected WORLD or one of {', '.join(world.economy_codes)})"
    if stage.startswith("use."):
        if stage not in FINAL_USES:
            return f"unknown final use {stage!r} (expected one of {', '.join(FINAL_USES)})"
        if series != "demand":
            return f"series {series!r} does not apply to a final use (only demand does)"
        expected = USE_UNITS[stage]
    else:
        units = _units(stage, world)
        if units is None:
            return f"unknown stage {stage!r} in {world.name} (expected a stage id, an aggregate ({', '.join(AGGREGATES)}) or a final use)"
        if series in ("price", "cost"):
            expected = units[1]
        elif series in SHARE_SERIES:
            if economy == WORLD:
                return f"{series} of WORLD is 100 by definition; give an economy"
            expected = "percent"
        else:
            expected = units[0]
    if series in SHARE_SERIES:
        if unit.casefold() not in SHARE_UNITS:
            return f"unit {unit!r} does not match: {series} is in percent"
        if value > 100:
            return f"value {value:g} is a share above 100 percent"
    elif not _same_unit(unit, expected):
        return f"unit {unit!r} does not match {stage}'s {'price unit' if series in ('price', 'cost') else 'unit'} {expected!r}"
    return ObservedRow(
        line=0, series=series, stage=stage, economy=economy, year=year, value=value, unit=unit,
        source=fields.get("source", "") or "",
    )


def read_history(path: str | Path, world: World) -> History:
    """Read and validate an observed-history CSV against ``world``.

    Parameters
    ----------
    path : the CSV file (columns ``series,stage,economy,year,value,unit[,source]``)
    world : the world whose stages, units and economies rows must name

    Returns
    -------
    History with the valid rows and, for every other row, its line number and reason.
    A second row for the same (series, stage, economy, year) is unmatched as a duplicate.

    Raises
    ------
    InputError
        if the file is missing, too large, or lacks one of the required columns.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: observed-history file not found")
    if p.stat().st_size > MAX_FILE_BYTES:
        raise InputError(f"{p}: file larger than {MAX_FILE_BYTES:,} bytes")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return history_from_text(text, world, str(p))


def history_from_text(text: str, world: World, source: str = "<observed>") -> History:
    """As :func:`read_history`, from CSV text."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError(f"{source}:1: empty file; expected the header {','.join(COLUMNS)}") from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(
            f"{source}:1: missing column(s) {', '.join(missing)}; the header must name {','.join(COLUMNS)}[,source]"
        )
    rows: list[ObservedRow] = []
    unmatched: list[Unmatched] = []
    seen: dict[tuple, int] = {}
    for fields in reader:
        line = reader.line_num
        if not fields or all(not f.strip() for f in fields):
            continue
        raw = ",".join(fields)
        if len(fields) != len(header):
            unmatched.append(Unmatched(line, f"{len(fields)} fields, expected {len(header)}", raw))
            continue
        checked = check_row(dict(zip(header, fields, strict=True)), world)
        if isinstance(checked, str):
            unmatched.append(Unmatched(line, checked, raw))
            continue
        key = (*checked.key, checked.year)
        if key in seen:
            unmatched.append(Unmatched(line, f"duplicate of line {seen[key]}", raw))
            continue
        seen[key] = line
        rows.append(ObservedRow(line, *[getattr(checked, f) for f in ("series", "stage", "economy", "year", "value", "unit", "source")]))
    return History(source=source, rows=tuple(rows), unmatched=tuple(unmatched))


def _stages(stage: str) -> list[str]:
    return list(AGGREGATES.get(stage, (stage,)))


def _factor(stage: str, world: World) -> float:
    return float(world.stages.loc[_stages(stage)[0], "price_factor"])


def series_path(ds: xr.Dataset, series: str, stage: str, economy: str, world: World) -> xr.DataArray:
    """The model's (draw, year) path of an observed series, in the observed unit."""
    if series == "demand" and stage.startswith("use."):
        fd = ds["final_demand"].sel({USE: stage})
        return fd.sum(MARKET) if economy == WORLD else fd.sel({MARKET: economy})
    stages = _stages(stage)
    if series == "price":
        p, w = ds["price"].sel({STAGE: stages}), ds["demand"].sel({STAGE: stages})
        if economy != WORLD:
            p, w = p.sel({MARKET: [economy]}), w.sel({MARKET: [economy]})
        return _weighted(p, w, (MARKET, STAGE)) * _factor(stage, world)
    if series == "cost":
        c, w = ds["unit_cost"].sel({STAGE: stages}), ds["production"].sel({STAGE: stages})
        if economy != WORLD:
            c, w = c.sel({ECONOMY: [economy]}), w.sel({ECONOMY: [economy]})
        return _weighted(c, w, (ECONOMY, STAGE)) * _factor(stage, world)
    if series == "demand":
        d = ds["demand"].sel({STAGE: stages}).sum(STAGE)
        return d.sum(MARKET) if economy == WORLD else d.sel({MARKET: economy})
    var = {"capacity": "capacity", "production": "production", "share_capacity": "capacity", "share_production": "production"}[series]
    q = ds[var].sel({STAGE: stages}).sum(STAGE)
    if series in SHARE_SERIES:
        total = q.sum(ECONOMY)
        return 100.0 * (q.sel({ECONOMY: economy}) / total.where(total > 0)).fillna(0.0)
    return q.sum(ECONOMY) if economy == WORLD else q.sel({ECONOMY: economy})


def _weighted(x: xr.DataArray, w: xr.DataArray, dims: tuple[str, str]) -> xr.DataArray:
    """Weighted mean over ``dims``; the plain mean where all weights are zero."""
    x = x.where(np.isfinite(x))
    wsum = w.where(x.notnull(), 0.0).sum(dims)
    num = (x * w).sum(dims)
    return xr.where(wsum > 0, num / wsum.where(wsum > 0), x.mean(dims))


def model_values(ds: xr.Dataset, rows: tuple[ObservedRow, ...] | list[ObservedRow], world: World) -> np.ndarray:
    """Model values (draw, row) for rows whose year is simulated in ``ds`` (NaN otherwise)."""
    years = ds[YEAR].values
    out = np.full((ds.sizes[DRAW], len(rows)), np.nan)
    paths: dict[tuple[str, str, str], np.ndarray] = {}
    pos = {int(y): i for i, y in enumerate(years)}
    for j, r in enumerate(rows):
        if r.year not in pos:
            continue
        if r.key not in paths:
            paths[r.key] = series_path(ds, *r.key, world).transpose(DRAW, YEAR).values
        out[:, j] = paths[r.key][:, pos[r.year]]
    return out


__all__ = [
    "AGGREGATES",
    "SERIES",
    "SHARE_SERIES",
    "History",
    "ObservedRow",
    "Unmatched",
    "check_row",
    "default_observed_path",
    "history_from_text",
    "model_values",
    "read_history",
    "series_path",
]
