"""``explain.html``: each policy's Shapley contribution to the race metrics, as waterfalls.

One waterfall per metric: the value on the reference path, each player's (each
difference from the reference) contribution as a floating bar, and the full scenario's
value, which the bars reach exactly. Contributions that work against the importer are
listed with the mechanism that explains them. Self-contained page, inline SVG; needs the ``viz`` extra (matplotlib).
"""

from __future__ import annotations

import html
from pathlib import Path

from buildrace.reports.compare import page, require_matplotlib, svg
from buildrace.reports.formatting import format_significant

UP, DOWN, TOTAL = "#c8501e", "#1f5fa8", "#777777"
TITLES = {
    "substitution_years": "years until the {imp} substitutes (never = horizon)",
    "cost_gap": "{imp}/{exp} unit cost, final stage, last year",
    "self_sufficiency": "{imp} output / demand, final stage, last year",
}


def waterfall_figure(explanation, metrics: list[str]):
    """A grid of waterfalls, one per metric in ``metrics``."""
    Figure = require_matplotlib()
    s = explanation.summary
    labels = [f"reference ({s.get('reference', '?')})"] + list(explanation.players) + ["scenario"]
    n = len(metrics)
    cols = min(n, 2)
    rows = (n + cols - 1) // cols
    fig = Figure(figsize=(5.2 * cols, 0.32 * len(labels) * rows + 1.2 * rows))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, m in zip(axes, metrics, strict=False):
        level = explanation.empty[m]
        ypos = list(range(len(labels)))[::-1]
        ax.barh(ypos[0], level, color=TOTAL, height=0.6)
        for k, c in enumerate(explanation.contributions, start=1):
            d = c[m]
            ax.barh(ypos[k], d, left=level, color=UP if d >= 0 else DOWN, height=0.6)
            level += d
        ax.barh(ypos[-1], explanation.full[m], color=TOTAL, height=0.6)
        kind, chain = m.split("/", 1)
        ax.set_title(f"{chain}: " + TITLES.get(kind, kind).format(imp=s["importer"], exp=s["exporter"]), fontsize=8.5)
        ax.set_yticks(ypos, labels if ax in axes[::cols] else [""] * len(labels), fontsize=7.5)
        ax.tick_params(axis="x", labelsize=7.5)
        ax.grid(axis="x", alpha=0.3)
        ax.axvline(0, color="#333333", linewidth=0.6)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def _table(explanation) -> str:
    ms = list(explanation.empty)
    head = "<tr><th>player</th>" + "".join(f"<th>{html.escape(m)}</th>" for m in ms) + "</tr>"
    rows = [(f"reference ({explanation.summary.get('reference', '?')})", explanation.empty)]
    rows += list(zip(explanation.players, explanation.contributions, strict=True))
    rows += [("scenario", explanation.full)]
    body = "".join(
        f"<tr><td>{html.escape(name)}</td>" + "".join(f"<td>{format_significant(v[m], sign=True)}</td>" for m in ms) + "</tr>" for name, v in rows
    )
    return f"<table>{head}{body}</table>"


def _adverse(explanation) -> str:
    """Why each adverse contribution goes the way it does (from the lever's mechanism)."""
    items = []
    for p in explanation.summary["players"]:
        for m, why in (p.get("adverse_because") or {}).items():
            v = p["contributions"][m]
            items.append(f"<li><b>{html.escape(p['player'])}</b> on {html.escape(m)} ({format_significant(v, sign=True)}): {html.escape(why)}</li>")
    if not items:
        return "<p>No contribution works against the importer.</p>"
    return "<h2>Contributions that work against the importer, and why</h2><ul>" + "".join(items) + "</ul>"


def render_explain(explanation) -> str:
    """The explanation page as HTML text."""
    s = explanation.summary
    kinds = list(dict.fromkeys(m.split("/", 1)[0] for m in explanation.empty))
    figures = []
    for kind in kinds:
        ms = [m for m in explanation.empty if m.startswith(kind + "/")]
        figures.append(f"<h2>{html.escape(kind.replace('_', ' '))}</h2><figure>{svg(waterfall_figure(explanation, ms))}</figure>")
    body = (
        f"<h1>{html.escape(s['scenario'])}: what each policy contributes</h1>"
        f"<p>Exact Shapley values over the scenario's differences from its reference path "
        f"<b>{html.escape(str(s.get('reference')))}</b> ({s['runs']} runs; players: {html.escape(s['grouping'])}): "
        f"the levers it adds, the shock among them, and any it drops. Every run is measured against the same "
        f"reference, so the bars start from the reference's value and add up exactly to the scenario's. "
        f"“Never” counts as {html.escape(s['never_counts_as'])}.</p>"
        + "".join(figures)
        + _adverse(explanation)
        + f"<h2>Table</h2>{_table(explanation)}"
    )
    return page(f"buildrace: explain {s['scenario']}", body)


def build_explain_report(explanation, path: str | Path) -> Path:
    """Write ``explain.html`` (atomically) and return its path."""
    from buildrace.io.results_store import atomic_write_text

    return atomic_write_text(Path(path), render_explain(explanation))


__all__ = ["build_explain_report", "render_explain", "waterfall_figure"]
