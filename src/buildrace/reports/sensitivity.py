"""``sensitivity.html``: the ranked sensitivity indices of one metric, as a table and a bar
chart; self-contained (inline SVG, no network).

Plotting needs the ``viz`` extra (matplotlib), imported when a page is built.
"""

from __future__ import annotations

import html
from pathlib import Path

from buildrace.reports.compare import page, require_matplotlib, svg
from buildrace.reports.formatting import format_significant

TOTAL_COLOUR, FIRST_COLOUR = "#1f5fa8", "#9ecae1"


def bars_figure(summary: dict):
    """Horizontal bars per factor: total and first-order Sobol indices (or Morris mu*)."""
    Figure = require_matplotlib()
    rows = summary["indices"]
    sobol = summary["method"] == "sobol"
    names = [r["parameter"] for r in rows][::-1]
    fig = Figure(figsize=(7.0, 0.28 * len(rows) + 1.2))
    ax = fig.subplots()
    y = range(len(rows))
    if sobol:
        ax.barh([i + 0.2 for i in y], [r["ST"] or 0.0 for r in rows][::-1], height=0.4, color=TOTAL_COLOUR, label="total (ST)")
        ax.barh([i - 0.2 for i in y], [r["S1"] or 0.0 for r in rows][::-1], height=0.4, color=FIRST_COLOUR, label="first order (S1)")
        ax.set_xlabel("Sobol index", fontsize=8)
    else:
        ax.barh(list(y), [r["mu_star"] or 0.0 for r in rows][::-1], height=0.6, color=TOTAL_COLOUR, label="mu*")
        ax.set_xlabel("Morris mu* (metric units)", fontsize=8)
    ax.set_yticks(list(y), names, fontsize=7)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    return fig


def render_sensitivity(summary: dict) -> str:
    """The sensitivity page as HTML text."""
    cols = [c for c in summary["indices"][0] if c != "parameter"] if summary["indices"] else []
    head = "<tr><th>parameter</th>" + "".join(f"<th>{html.escape(c)}</th>" for c in cols) + "</tr>"
    body_rows = "".join(
        f"<tr><td>{html.escape(r['parameter'])}</td>"
        + "".join(f"<td>{'—' if r[c] is None else format_significant(r[c])}</td>" for c in cols)
        + "</tr>"
        for r in summary["indices"]
    )
    lo, mid, hi = summary["metric_p05_p50_p95"]
    body = (
        f"<h1>Sensitivity of {html.escape(summary['metric'])}</h1>"
        f"<p>{html.escape(summary['method'])}, n = {summary['n']}, {summary['runs']} simulations, seed {summary['seed']}. "
        f"The metric over the sample: median {format_significant(mid)} (5-95%: {format_significant(lo)} to {format_significant(hi)}). {html.escape(summary.get('note', ''))}</p>"
        f"<figure>{svg(bars_figure(summary))}</figure><table>{head}{body_rows}</table>"
    )
    return page(f"buildrace: sensitivity of {summary['metric']}", body)


def build_sensitivity_report(summary: dict, path: str | Path) -> Path:
    """Write ``sensitivity.html`` (atomically) and return its path."""
    from buildrace.io.results_store import atomic_write_text

    return atomic_write_text(Path(path), render_sensitivity(summary))


__all__ = ["bars_figure", "build_sensitivity_report", "render_sensitivity"]
