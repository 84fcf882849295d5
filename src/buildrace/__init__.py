"""buildrace: simulate and plan industrial policy in strategic supply chains.

The public verbs live in :mod:`buildrace.api` and are re-exported here::

    import buildrace
    race = buildrace.race("race", draws=100, seed=1)

They are imported on first use (PEP 562 module ``__getattr__``): ``import buildrace``
stays cheap for the command line and for tools that only need the version, while
NumPy, pandas, xarray and pydantic load when a verb is first called.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from buildrace._version import __version__
from buildrace.errors import BuildraceError, InfeasibleError, InputError

if TYPE_CHECKING:  # the names as type checkers and IDEs see them
    from buildrace.api import (
        RaceResult,
        backtest,
        build_report,
        calibrate,
        compare,
        explain,
        load_scenario,
        query,
        race,
        race_metrics,
        scenarios,
        sensitivity,
        simulate,
        site_clusters,
        write_results,
    )
    from buildrace.model.scenario import Scenario

_LAZY = {
    **dict.fromkeys(
        ("RaceResult", "backtest", "build_report", "calibrate", "compare", "explain", "load_scenario", "query", "race",
         "race_metrics", "scenarios", "sensitivity", "simulate", "site_clusters", "write_results"),
        "buildrace.api",
    ),
    "Scenario": "buildrace.model.scenario",
}

__all__ = [
    "BuildraceError",
    "InfeasibleError",
    "InputError",
    "RaceResult",
    "Scenario",
    "__version__",
    "backtest",
    "build_report",
    "calibrate",
    "compare",
    "explain",
    "load_scenario",
    "query",
    "race",
    "race_metrics",
    "scenarios",
    "sensitivity",
    "simulate",
    "site_clusters",
    "write_results",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first access and cache the name here."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'buildrace' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
