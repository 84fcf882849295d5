"""buildrace: simulate and plan industrial policy in strategic supply chains.

The public verbs live in :mod:`buildrace.api` and are re-exported here::

    import buildrace
    race = buildrace.race("race", draws=100, seed=1)
"""

from __future__ import annotations

__version__ = "0.1.0"

from buildrace.api import (
    RaceResult,
    backtest,
    build_report,
    calibrate,
    compare,
    explain,
    load_scenario,
    race,
    race_metrics,
    scenarios,
    sensitivity,
    simulate,
    site_clusters,
    write_results,
)
from buildrace.errors import BuildraceError, InfeasibleError, InputError
from buildrace.model.scenario import Scenario

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
    "race",
    "race_metrics",
    "scenarios",
    "sensitivity",
    "simulate",
    "site_clusters",
    "write_results",
]
