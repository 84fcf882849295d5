"""Calibration and backtest runs from files: pick the base-year world, read and check the
observed history and the limits, then fit or backtest.

These are what ``buildrace calibrate`` and ``buildrace backtest`` call. Each check
raises :class:`~buildrace.errors.InputError` with one line naming the file or option and
the fix, so the command line exits 2 without a traceback:

- a base year with no embedded world (``calibrate`` needs the world's own base year;
  ``backtest`` takes the latest world at or before B);
- an observed file with a series name outside :data:`~buildrace.calibration.history.SERIES`
  (a misspelt series would otherwise be dropped quietly), with the line numbers;
- a ``--fit-until`` after the last observed year, or at or before the world's base year
  (nothing would be left to fit);
- a calibration file whose fit read rows after the backtest's base year.
"""

from __future__ import annotations

from pathlib import Path

from buildrace.calibration.fit import (
    BASE_SCENARIOS,
    AbcSettings,
    CalibrationResult,
    abc_rejection,
    base_scenario,
    fitted_rows,
    read_calibration,
)
from buildrace.calibration.history import SERIES, History, default_observed_path, read_history
from buildrace.errors import InputError
from buildrace.model.scenario import Scenario
from buildrace.model.world import World

DEFAULT_BASE_YEAR = 2018
"""World a calibration starts from when no ``--base-year`` is given."""
MAX_LISTED = 5
"""Line numbers named in one error line."""


def world_scenario(base_year: int, exact: bool) -> tuple[Scenario, World]:
    """The built-in baseline scenario and world of ``base_year``: the world with exactly
    that base year (``exact``), or the latest at or before it."""
    from buildrace.io.scenario_file import load_scenario
    from buildrace.model.world import load_world

    if exact and base_year not in BASE_SCENARIOS:
        raise InputError(
            f"--base-year {base_year}: no embedded world has that base year (embedded: "
            f"{', '.join(str(y) for y in sorted(BASE_SCENARIOS))}); pick one of them"
        )
    try:
        name = base_scenario(base_year)
    except InputError as exc:
        raise InputError(f"--base-year {base_year}: {exc}") from None
    sc = load_scenario(name)
    return sc, load_world(sc.world)


def load_observed(observed: str | Path | None, world: World) -> History:
    """Read the observed history against ``world``; refuse unknown series names."""
    history = read_history(observed if observed is not None else default_observed_path(), world)
    unknown = [u for u in history.unmatched if u.reason.startswith("unknown series")]
    if unknown:
        names = sorted({u.row.split(",", 1)[0].strip() for u in unknown})
        lines = ", ".join(str(u.line) for u in unknown[:MAX_LISTED]) + (" ..." if len(unknown) > MAX_LISTED else "")
        raise InputError(
            f"{history.source}: unknown series {', '.join(repr(n) for n in names)} on line(s) {lines}; "
            f"a series is one of {', '.join(SERIES)}"
        )
    return history


def check_fit_until(history: History, fit_until: int | None, world: World) -> None:
    """Refuse a fit limit after the data or one that leaves nothing after the base year."""
    if fit_until is None:
        return
    last = max((r.year for r in history.rows), default=None)
    if last is None or fit_until > last:
        raise InputError(
            f"--fit-until {fit_until} is after the last observed year {last} in {history.source}; "
            f"give a year up to {last}"
        )
    if not fitted_rows(history.rows, world.base_year, fit_until):
        raise InputError(
            f"--fit-until {fit_until}: no observed row after the base year {world.base_year} of {world.name} "
            f"up to {fit_until}; give a later --fit-until or an earlier --base-year"
        )


def calibrate(
    observed: str | Path | None = None,
    base_year: int | None = None,
    fit_until: int | None = None,
    settings: AbcSettings | None = None,
) -> tuple[CalibrationResult, History, World]:
    """Fit from the world of ``base_year`` (default :data:`DEFAULT_BASE_YEAR`) on the rows
    after it up to ``fit_until`` (default: all rows), with ``settings`` (default
    :class:`~buildrace.calibration.fit.AbcSettings`)."""
    sc, world = world_scenario(DEFAULT_BASE_YEAR if base_year is None else base_year, exact=True)
    history = load_observed(observed, world)
    check_fit_until(history, fit_until, world)
    return abc_rejection(list(history.rows), sc, world, settings or AbcSettings(), fit_until=fit_until), history, world


def backtest(
    observed: str | Path | None,
    base_year: int,
    draws: int = 50,
    seed: int = 0,
    calibration: str | Path | None = None,
):
    """Backtest from ``base_year`` (:func:`buildrace.calibration.backtest.run_backtest`),
    fitting on the rows up to it or taking the accepted sets of a calibration file."""
    from buildrace.calibration.backtest import check_no_leak, run_backtest

    if not isinstance(draws, int) or not 2 <= draws <= 10_000:
        raise InputError(f"--draws must be an integer between 2 and 10,000 (got {draws!r})")
    sc, world = world_scenario(base_year, exact=False)
    history = load_observed(observed, world)
    cal = None
    if calibration is not None:
        cal = read_calibration(calibration)
        check_no_leak(cal, base_year, where=str(calibration))
    return run_backtest(history, base_year, sc, world, draws, seed, calibration=cal)


__all__ = ["DEFAULT_BASE_YEAR", "backtest", "calibrate", "check_fit_until", "load_observed", "world_scenario"]
