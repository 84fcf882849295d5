"""``compare.html``: two scenarios' races on one page, with inline SVG figures.

The page is self-contained (no script, no stylesheet or font fetched from the network).
Plotting needs the ``viz`` extra (matplotlib), imported when a page is built.
"""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

from buildrace.dims import DRAW, ECONOMY, MARKET, STAGE, YEAR
from buildrace.errors import InputError
from buildrace.reports.formatting import format_significant

COLOURS = {"a": "#1f5fa8", "b": "#c8501e", "cf": "#9a9a9a"}
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;max-width:70em;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.85em;margin:1em 0}
th,td{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}
td.pos{color:#a33}td.neg{color:#2a7a2a}
figure{margin:1em 0}figcaption{font-size:.85em;color:#555}
"""


def require_matplotlib():
    """Import matplotlib's object API (no pyplot, no global state) or say which extra to install."""
    try:
        from matplotlib.figure import Figure
    except ModuleNotFoundError:  # pragma: no cover - depends on the install
        raise InputError("the HTML page needs matplotlib: pip install 'buildrace[viz]' (or pass --no-report)") from None
    return Figure


def svg(fig) -> str:
    """The figure as an inline ``<svg>`` element (text kept as text, no XML prolog)."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "buildrace"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)  # no date: same inputs, same bytes
    return text[text.index("<svg"):]


def page(title: str, body: str) -> str:
    """A complete HTML page around ``body``."""
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def _fmt(v) -> str:
    if v is None:
        return "never"
    if isinstance(v, float):
        return format_significant(v)
    return html.escape(str(v))


def _table(rows: list[dict], a: str, b: str) -> str:
    head = f"<tr><th>metric</th><th>key</th><th>{html.escape(a)} (A)</th><th>{html.escape(b)} (B)</th><th>B - A</th></tr>"
    body = []
    for r in rows:
        d = r["difference"]
        cls = "" if not d else (' class="pos"' if d > 0 else ' class="neg"')
        body.append(
            f"<tr><td>{html.escape(r['metric'])}</td><td>{html.escape(r['key'])}</td>"
            f"<td>{_fmt(r['a'])}</td><td>{_fmt(r['b'])}</td><td{cls}>{'' if d is None else format_significant(d, sign=True)}</td></tr>"
        )
    return f"<table>{head}{''.join(body)}</table>"


def _final_stages(res) -> list[tuple[str, str]]:
    last: dict[str, str] = {}
    for s, c in zip(res[STAGE].values, res["chain"].values, strict=True):
        last[str(c)] = str(s)
    return list(last.items())


def paths_figure(comparison, importer: str = "US"):
    """US self-sufficiency at each chain's final stage: A and B on the same axes,
    B's counterfactual (no shock) drawn behind B."""
    Figure = require_matplotlib()
    ra, rb, cfb = comparison.a.results, comparison.b.results, comparison.b.counterfactual
    chains = _final_stages(rb)
    fig = Figure(figsize=(4.2 * min(len(chains), 2), 3.0 * ((len(chains) + 1) // 2)))
    axes = fig.subplots((len(chains) + 1) // 2, min(len(chains), 2), squeeze=False).ravel()

    def ratio(ds, stage):
        out = ds["production"].sel({ECONOMY: importer, STAGE: stage})
        dem = ds["demand"].sel({MARKET: importer, STAGE: stage})
        return (out / dem.where(dem > 0)).median(DRAW)

    for ax, (chain, stage) in zip(axes, chains, strict=False):
        years = rb[YEAR].values
        ax.plot(years, ratio(cfb, stage).values, color=COLOURS["cf"], linestyle="--", linewidth=1.2, zorder=1,
                label=f"{comparison.b.summary['scenario']}, no shock")
        ax.plot(ra[YEAR].values, ratio(ra, stage).values, color=COLOURS["a"], linewidth=1.8, zorder=2,
                label=f"A: {comparison.a.summary['scenario']}")
        ax.plot(years, ratio(rb, stage).values, color=COLOURS["b"], linewidth=1.8, zorder=3,
                label=f"B: {comparison.b.summary['scenario']}")
        ax.axvline(comparison.b.summary["shock_year"], color="#555555", linewidth=0.6, zorder=0)
        ax.set_title(f"{chain}: {stage.split('.', 1)[1]}", fontsize=9)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    for ax in axes[len(chains):]:
        ax.set_visible(False)
    axes[0].set_ylabel(f"{importer} output / {importer} demand", fontsize=8)
    axes[0].legend(fontsize=7, frameon=False)
    fig.tight_layout()
    return fig


def render_compare(comparison) -> str:
    """The comparison page as HTML text."""
    a, b = comparison.summary["a"], comparison.summary["b"]
    importer = next(iter(comparison.b.summary["substitution_years"]), "US")
    fig = paths_figure(comparison, importer)
    chains = [r for r in comparison.rows if r["metric"] == "verdict"]
    stages = [r for r in comparison.rows if r["metric"] != "verdict" and r["difference"] not in (0, 0.0)]
    body = (
        f"<h1>{html.escape(a)} (A) vs {html.escape(b)} (B)</h1>"
        f"<p>Each scenario is run beside its own counterfactual (same draws, same seed, no shock); "
        f"{comparison.summary['draws']} draw(s). Differences are B - A; “never” means not reached by the horizon.</p>"
        f"<h2>Paths</h2><figure>{svg(fig)}<figcaption>{html.escape(importer)} self-sufficiency "
        f"(output / demand, median over draws) at each chain's final stage. Solid: A and B; dashed grey: B without "
        f"its shock. The vertical line marks B's shock year.</figcaption></figure>"
        f"<h2>Verdict per chain</h2>{_table(chains, a, b)}"
        f"<h2>Metrics that differ</h2>{_table(stages, a, b)}"
    )
    return page(f"buildrace: {a} vs {b}", body)


def build_compare_report(comparison, path: str | Path) -> Path:
    """Write ``compare.html`` (atomically) and return its path."""
    from buildrace.io.results_store import atomic_write_text

    return atomic_write_text(Path(path), render_compare(comparison))


__all__ = ["build_compare_report", "page", "paths_figure", "render_compare", "require_matplotlib", "svg"]
