"""The hindcast table of docs/calibration.md and the floor of tests/model_checks/test_hindcast_floor.py.

``python scripts/hindcast_table.py [--draws 200] [--seed 0]``

Runs ``buildrace backtest --base-year B --draws 200 --seed 0`` for B = 2016, 2018 and 2020
(the embedded history; B = 2016 starts from ``world_2010``, the others from ``world_2018``)
and prints, for each, the markdown table of docs/calibration.md ("Figures") and then the
``TODAY`` floor of the hindcast test, both from the same runs. Nothing is written: paste
the tables into the docs and the floor into the test together.
"""

from __future__ import annotations

import argparse

BASE_YEARS = (2016, 2018, 2020)
CLASS_NAMES = {
    "prices": "prices",
    "installations": "installations",
    "capacity_production": "capacity and production",
    "shares": "shares",
}


def _pct(v, share: bool) -> str:
    if v is None:
        return "-"
    return f"{v:.3g} pts" if share else f"{v:.3g}%"


def _ratio(v) -> str:
    return "-" if v is None else f"{v:.2f}"


def table(report: dict) -> list[str]:
    """Markdown rows of one backtest's class table (the docs' column order)."""
    b, fit = report["base_year"], report["fit"]
    fit_s = f"{fit['method']}, {fit.get('rows_fitted', 0)} rows"
    rows = [f"| B = {b} | fit | series | points | abs error | no change | drift | coverage | CRPS / no change "
            "| CRPS / drift | CRPS beats both |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for key, name in CLASS_NAMES.items():
        c = report["classes"].get(key)
        if not c:
            continue
        share = key == "shares"
        n = c["series"]
        beats = "-" if c.get("beats_both_crps") is None else f"{round(c['beats_both_crps'] * n)} of {n}"
        rows.append(
            f"| {name} | {fit_s} | {c['series']} | {c['points']} | {_pct(c['abs_error_median'], share)} "
            f"| {_pct(c.get('naive_abs_error_median'), share)} "
            f"| {_pct(c.get('drift_abs_error_median') if c.get('drift_series') else None, share)} "
            f"| {c['coverage']:.0%} | {_ratio(c.get('crps_vs_naive_median'))} | {_ratio(c.get('crps_vs_drift_median'))} "
            f"| {beats} |"
        )
    return rows


def floor(report: dict) -> list[str]:
    """The floor test's entry for one backtest: class -> (error, coverage, CRPS / no change)."""
    lines = [f"    {report['base_year']}: {{"]
    for key in CLASS_NAMES:
        c = report["classes"].get(key)
        if c:
            lines.append(f'        "{key}": ({c["abs_error_median"]:.2f}, {c["coverage"]:.3f}, '
                         f'{c["crps_vs_naive_median"]:.3f}),')
    lines.append("    },")
    return lines


def main() -> None:
    from buildrace import api

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    reports = [api.backtest(None, b, draws=args.draws, seed=args.seed).report for b in BASE_YEARS]
    for r in reports:
        print("\n".join(table(r)), end="\n\n")
    print("TODAY = {")
    for r in reports:
        print("\n".join(floor(r)))
    print("}")


if __name__ == "__main__":
    main()
