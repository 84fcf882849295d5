"""Side-by-side race metrics of two scenarios, with their differences (B - A).

A race summary (:func:`buildrace.api.race_metrics`) is a nest of dicts; :func:`metric_rows`
flattens it into one row per metric and key, so that two summaries line up even when
they name different parties (a scenario whose shock targets the US and its allies
reports substitution years for each of them).
"""

from __future__ import annotations

from collections.abc import Iterator

COMPARED = ("substitution_years", "redirection_years", "cost_gap", "unmet_demand", "shares", "verdict")
"""Summary entries compared, in the order rows are listed."""


def _leaves(obj, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], object]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, path + (str(k),))
    elif obj is None or isinstance(obj, (int, float, str)) and not isinstance(obj, bool):
        yield path, obj


def flatten(summary: dict) -> dict[tuple[str, ...], object]:
    """``(metric, key, ...) -> value`` for every numeric (or None = never) leaf and verdict winner."""
    out: dict[tuple[str, ...], object] = {}
    for metric in COMPARED:
        for path, value in _leaves(summary.get(metric, {}), (metric,)):
            out[path] = value
    return out


def metric_rows(a: dict, b: dict) -> list[dict]:
    """One row per metric and key present in either summary.

    Each row has ``metric`` (e.g. ``substitution_years``), ``key`` (the rest of the path,
    joined with ``/``: ``US/li_ion_battery.pack``), ``a``, ``b`` and ``difference`` =
    b - a where both are numbers; None where either is None (not reached by the horizon),
    missing, or not a number (a verdict's winner).
    """
    fa, fb = flatten(a), flatten(b)
    rows = []
    for path in dict.fromkeys(list(fa) + list(fb)):
        va, vb = fa.get(path), fb.get(path)
        numeric = isinstance(va, (int, float)) and isinstance(vb, (int, float))
        diff = round(float(vb) - float(va), 6) if numeric else None  # type: ignore[arg-type]
        rows.append({"metric": path[0], "key": "/".join(path[1:]), "a": va, "b": vb, "difference": diff})
    return rows


__all__ = ["COMPARED", "flatten", "metric_rows"]
