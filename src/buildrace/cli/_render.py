"""Shared rendering helpers for the CLI: JSON out, tables with rich when installed."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path


def print_json(obj) -> None:
    try:
        sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # `buildrace ... --json | head`
        sys.stderr.close()


def table(title: str, columns: list[str], rows: list[list], whole_names: bool = False) -> None:
    """Print ``rows`` under ``columns``; ``whole_names`` keeps the first column's names unbroken
    and drops the edge padding (for a compact table whose names must read whole)."""
    try:
        from rich.console import Console
        from rich.table import Table
    except ModuleNotFoundError:
        print(title)
        print("  ".join(columns))
        for r in rows:
            print("  ".join("" if v is None else str(v) for v in r))
        return
    t = Table(title=title, show_lines=False, pad_edge=not whole_names)
    width = max((len(str(r[0])) for r in rows if r), default=0) if whole_names else 0
    for i, c in enumerate(columns):
        # numbers never wrap (a wrapped number reads as two); prose columns may
        prose = any(w in c for w in ("description", "what it does", "parameters", "inputs", "sites"))
        if i == 0 and whole_names:
            t.add_column(c, justify="left", no_wrap=True, min_width=width)
        elif i == 0:
            t.add_column(c, justify="left")
        else:
            t.add_column(c, justify="left" if prose else "right", no_wrap=not prose)
    for r in rows:
        t.add_row(*["—" if v is None else str(v) for v in r])
    Console().print(t)


class Progress:
    """A progress bar (rich) for long runs; silent when not a terminal or with --json."""

    def __init__(self, enabled: bool, description: str, unit: str | None = None):
        self.enabled = enabled and sys.stderr.isatty()
        self.description = description
        self.unit = unit  # with a unit: "done/total unit", "rate unit/s" and time left
        self._bar = None
        self._task = None

    def __enter__(self):
        if self.enabled:
            try:
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    TextColumn,
                    TimeRemainingColumn,
                )
                from rich.progress import Progress as RichProgress

                columns = () if self.unit is None else (
                    TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn(self.unit), TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                )
                self._bar = RichProgress(*columns, transient=True)
                self._bar.__enter__()
                self._task = self._bar.add_task(self.description, total=1, rate="")
                self._started = time.monotonic()
                self._first: int | None = None
            except ModuleNotFoundError:
                self.enabled = False
        return self

    def __call__(self, done: int, total: int) -> None:
        if self._bar is not None:
            if self._first is None:  # work resumed from a store is not counted in the rate
                self._first, self._started = done, time.monotonic()
            elapsed = time.monotonic() - self._started
            rate = f"{(done - self._first) / elapsed:,.1f} {self.unit}/s" if self.unit and elapsed > 0 and done > self._first else ""
            self._bar.update(self._task, completed=done, total=total, rate=rate)

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.__exit__(*exc)
        return False


def write_summary_and_report(
    out: Path, name: str, summary: dict, build_report: Callable[[Path], Path] | None
) -> dict[str, Path]:
    """Write ``<name>.json`` (atomically) and, unless ``build_report`` is None, ``<name>.html``."""
    from buildrace.io.results_store import atomic_write_text

    out.mkdir(parents=True, exist_ok=True)
    files = {"summary": atomic_write_text(out / f"{name}.json", json.dumps(summary, indent=2, allow_nan=False) + "\n")}
    if build_report is not None:
        files["report"] = build_report(out / f"{name}.html")
    return files
