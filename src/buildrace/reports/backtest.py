"""``backtest.html``: each observed series after the base year, its forecast band and the
observed points, with the scores; self-contained (inline SVG, no network).

Plotting needs the ``viz`` extra (matplotlib), imported when a page is built.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

from buildrace.reports.compare import page, require_matplotlib, svg
from buildrace.reports.formatting import format_percent, format_significant

PANELS_PER_ROW = 4
BAND_COLOUR, MEDIAN_COLOUR, OBSERVED_COLOUR = "#9ecae1", "#1f5fa8", "#c8501e"


def bands_figure(report: dict):
    """Small multiples: per series the 5-95% band, the median and the observed points."""
    Figure = require_matplotlib()
    series = report["series"]
    rows = max(1, math.ceil(len(series) / PANELS_PER_ROW))
    fig = Figure(figsize=(3.2 * PANELS_PER_ROW, 2.4 * rows))
    axes = fig.subplots(rows, PANELS_PER_ROW, squeeze=False).ravel()
    for ax, s in zip(axes, series, strict=False):
        years = s["years"]
        lo = [float("nan") if v is None else v for v in s["forecast_p05"]]
        hi = [float("nan") if v is None else v for v in s["forecast_p95"]]
        mid = [float("nan") if v is None else v for v in s["forecast_p50"]]
        ax.fill_between(years, lo, hi, color=BAND_COLOUR, alpha=0.7, linewidth=0, label="forecast 5-95%")
        ax.plot(years, mid, color=MEDIAN_COLOUR, linewidth=1.4, marker=".", label="forecast median")
        ax.plot(years, s["observed"], linestyle="none", marker="o", color=OBSERVED_COLOUR, markersize=4, label="observed")
        ax.set_title(f"{s['series']} {s['stage']} {s['economy']}", fontsize=7)
        ax.set_ylim(bottom=0)
        ax.tick_params(labelsize=6)
        ax.grid(alpha=0.3)
    for ax in axes[len(series):]:
        ax.set_visible(False)
    if series:
        axes[0].legend(fontsize=6, frameon=False)
    fig.tight_layout()
    return fig


def _num(v, unit: str = "") -> str:
    return "—" if v is None else format_significant(v) + unit


def _unit(v: dict) -> str:
    return " pts" if v.get("unit") == "points" else "%"


def _fans(report: dict, summary: dict) -> str:
    """One fan chart per series class, headed by that class's scores."""
    out = []
    for cls, v in summary.items():
        subset = [s for s in report["series"] if s.get("class") == cls]
        if not subset:
            continue
        out.append(
            f"<h3>{html.escape(cls.replace('_', ', '))}</h3><p>{v['series']} series, {v['points']} points: median "
            f"absolute error {_num(v.get('abs_error_median'))}{_unit(v)} (no change "
            f"{_num(v.get('naive_abs_error_median'))}{_unit(v)}, drift {_num(v.get('drift_abs_error_median'))}{_unit(v)}); "
            f"{format_percent(v['coverage'])} of points inside the band; CRPS {_num(v.get('crps_vs_naive_median'))} of the "
            f"no-change forecast's and {_num(v.get('crps_vs_drift_median'))} of the drift's (medians over series), "
            f"beating both on {_pct(v.get('beats_both_crps'))} of series.</p>"
            f"<figure>{svg(bands_figure({'series': subset}))}</figure>"
        )
    return "".join(out)


def _pct(v) -> str:
    return "—" if v is None else format_percent(v)


def render_backtest(report: dict, summary: dict) -> str:
    """The backtest page as HTML text."""
    b = report["base_year"]
    head = (
        "<tr><th>class</th><th>series</th><th>points</th><th>median abs error</th><th>no change</th><th>drift</th>"
        "<th>coverage 5-95%</th><th>CRPS / no change</th><th>CRPS / drift</th><th>CRPS beats both</th></tr>"
    )
    cls_rows = "".join(
        f"<tr><td>{html.escape(c.replace('_', ', '))}</td><td>{v['series']}</td><td>{v['points']}</td>"
        f"<td>{_num(v.get('abs_error_median'))}{_unit(v)}</td>"
        f"<td>{_num(v.get('naive_abs_error_median'))}{_unit(v)}</td><td>{_num(v.get('drift_abs_error_median'))}{_unit(v)}</td>"
        f"<td>{format_percent(v['coverage'])}</td><td>{_num(v.get('crps_vs_naive_median'))}</td>"
        f"<td>{_num(v.get('crps_vs_drift_median'))}</td><td>{_pct(v.get('beats_both_crps'))}</td></tr>"
        for c, v in summary.items()
    )
    s_head = (
        "<tr><th>series</th><th>stage</th><th>economy</th><th>years</th><th>error</th><th>naive error</th>"
        "<th>coverage</th><th>CRPS</th><th>naive CRPS</th><th>drift CRPS</th></tr>"
    )
    s_rows = "".join(
        f"<tr><td>{html.escape(s['series'])}</td><td>{html.escape(s['stage'])}</td><td>{html.escape(s['economy'])}</td>"
        f"<td>{s['years'][0]}-{s['years'][-1]}</td><td>{_num(s['error'])}</td><td>{_num(s['naive_error'])}</td>"
        f"<td>{format_percent(s['coverage'])}</td><td>{_num(s.get('crps'))}</td><td>{_num(s.get('naive_crps'))}</td>"
        f"<td>{_num(s.get('drift_crps'))}</td></tr>"
        for s in report["series"]
    )
    u_rows = "".join(
        f"<tr><td>{u['line']}</td><td>{html.escape(u['reason'])}</td><td>{html.escape(u['row'])}</td></tr>" for u in report["unmatched"]
    )
    body = (
        f"<h1>Backtest from {b}</h1>"
        f"<p>Calibrated on the observed rows after the world's base year up to {b} only (approximate Bayesian "
        f"computation by rejection; with no such row, a sample of the priors the rows up to {b} inform), then "
        f"forecast with the accepted parameter sets. Error: absolute percentage error of the median forecast "
        f"(shares: absolute error in percentage points), median over the class's points. Two naive forecasts: no "
        f"change (the last value observed at or before {b}) and a random walk with drift fitted to the observations "
        f"up to {b} (Way et al. 2022; only series observed at least three times). Coverage is the share of observed "
        f"points inside the 5-95% band. CRPS is the continuous ranked probability score of the whole forecast "
        f"ensemble (Gneiting &amp; Raftery 2007), which rewards a band that is both right and narrow; the ratios "
        f"are medians over series (below 1: the forecast beats the naive one).</p>"
        f"<h2>Summary by series class</h2><table>{head}{cls_rows}</table>"
        f"<h2>Series</h2><p>Shaded: forecast 5-95%; line: median; dots: observed.</p>{_fans(report, summary)}"
        f"<table>{s_head}{s_rows}</table>"
        f"<h2>Rows not scored ({len(report['unmatched'])})</h2><table><tr><th>line</th><th>reason</th><th>row</th></tr>{u_rows}</table>"
    )
    return page(f"buildrace: backtest from {b}", body)


def build_backtest_report(report: dict, summary: dict, path: str | Path) -> Path:
    """Write ``backtest.html`` (atomically) and return its path."""
    from buildrace.io.results_store import atomic_write_text

    return atomic_write_text(Path(path), render_backtest(report, summary))


__all__ = ["bands_figure", "build_backtest_report", "render_backtest"]
