"""``discover.html``: where in parameter space a condition holds (PRIM and CART).

The page shows the peeling trajectory as the coverage-density trade-off curve (Friedman
and Fisher 1999; Bryant and Lempert 2010, "Thinking inside the box", Technological
Forecasting and Social Change 77:34-49), the box an analyst would usually pick (the
densest one that keeps at least half the cases) with the parameters that bound it, and
CART's rules as a second view. Self-contained (inline SVG, no network); plotting needs
the ``viz`` extra (matplotlib), imported when a page is built.
"""

from __future__ import annotations

import html
from pathlib import Path

from buildrace.reports.compare import page, require_matplotlib, svg
from buildrace.reports.formatting import format_significant

CURVE_COLOUR, CHOSEN_COLOUR = "#1f5fa8", "#c0392b"
MIN_COVERAGE = 0.5
"""The box shown: the densest whose coverage is at least this (a common analyst's choice)."""


def chosen_box(boxes: list[dict]) -> int:
    """Index of the densest box that keeps at least :data:`MIN_COVERAGE` of the cases."""
    ok = [i for i, b in enumerate(boxes) if b["coverage"] >= MIN_COVERAGE] or [0]
    return max(ok, key=lambda i: (boxes[i]["density"], -i))


def tradeoff_figure(boxes: list[dict], chosen: int):
    """Coverage against density along the peeling trajectory, the chosen box marked."""
    Figure = require_matplotlib()
    fig = Figure(figsize=(5.5, 3.6))
    ax = fig.subplots()
    cov = [b["coverage"] for b in boxes]
    dens = [b["density"] for b in boxes]
    ax.plot(cov, dens, "-o", color=CURVE_COLOUR, markersize=3, linewidth=1, label="peeling trajectory")
    ax.plot([cov[chosen]], [dens[chosen]], "o", color=CHOSEN_COLOUR, markersize=7, label=f"box shown (step {chosen})")
    ax.set_xlabel("coverage (share of the cases inside the box)", fontsize=8)
    ax.set_ylabel("density (share of the box that are cases)", fontsize=8)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    return fig


def render_discover(summary: dict) -> str:
    """The discovery page as HTML text (``summary``: store, metric, cases, draws, boxes, cart)."""
    boxes = summary["boxes"]
    k = chosen_box(boxes)
    box = boxes[k]
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{format_significant(lo)}</td><td>{format_significant(hi)}</td></tr>"
        for name, (lo, hi) in sorted(box["bounds"].items())
    ) or '<tr><td colspan="3">no restriction: the condition holds about as often everywhere</td></tr>'
    body = (
        f"<h1>Where {html.escape(summary['metric'])} holds</h1>"
        f"<p>Store {html.escape(summary['store'])}: the condition holds in {summary['cases']} of "
        f"{summary['draws']} draws ({summary['cases'] / max(summary['draws'], 1):.0%}). PRIM peels "
        f"{summary['alpha']:.0%} of the remaining draws a step.</p>"
        f"<figure>{svg(tradeoff_figure(boxes, k))}</figure>"
        f"<h2>The box shown (step {k}): coverage {box['coverage']:.0%}, density {box['density']:.0%}, "
        f"mass {box['mass']:.0%}</h2>"
        f"<table><tr><th>parameter</th><th>from</th><th>to</th></tr>{rows}</table>"
        f"<h2>CART rules</h2><pre>{html.escape(summary['cart'])}</pre>"
    )
    return page(f"buildrace: where {summary['metric']} holds", body)


def build_discover_report(summary: dict, path: str | Path) -> Path:
    """Write ``discover.html`` (atomically) and return its path."""
    from buildrace.io.results_store import atomic_write_text

    return atomic_write_text(Path(path), render_discover(summary))


__all__ = ["build_discover_report", "chosen_box", "render_discover", "tradeoff_figure"]
