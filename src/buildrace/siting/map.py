"""Render a siting result as one self-contained HTML page (inline SVG, no network).

One choropleth of the composite score and one per component, the designated sites
marked on each, and the ranked table. Outlines come from the embedded
``us_states_svg.json`` (us-atlas, ISC licence).
"""

from __future__ import annotations

import html
from pathlib import Path

from buildrace.siting.data import load_tables

# Sequential palette (ColorBrewer YlGnBu, Brewer 2003, doi:10.1559/152304003100010929):
# ordered light to dark so a darker state scores higher.
_PALETTE = ("#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84")


def _colour(v: float, lo: float, hi: float) -> str:
    if hi <= lo:
        return _PALETTE[len(_PALETTE) // 2]
    i = int((v - lo) / (hi - lo) * (len(_PALETTE) - 1) + 0.5)
    return _PALETTE[max(0, min(len(_PALETTE) - 1, i))]


def _ref(site: str) -> str:
    return "st-" + site.replace(":", "-")


def outline_defs() -> str:
    """A hidden SVG holding every state outline once, for the maps to ``<use>``."""
    outlines = load_tables().outlines["states"]
    paths = "".join(f'<path id="{_ref(site)}" d="{d}"/>' for site, d in outlines.items())
    return f'<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>{paths}</defs></svg>'


def choropleth_svg(values: dict[str, float], title: str, marked: dict[str, str]) -> str:
    """An SVG map of ``values`` (site -> number), with ``marked`` sites (site -> label) ringed."""
    t = load_tables()
    outlines = t.outlines["states"]
    lo, hi = min(values.values()), max(values.values())
    parts = [
        f'<svg viewBox="{t.outlines["viewBox"]}" role="img" aria-label="{html.escape(title)}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{html.escape(title)}</title>",
    ]
    for site in outlines:
        v = values.get(site)
        fill = "#dddddd" if v is None else _colour(v, lo, hi)
        name = t.states.loc[site, "name"]
        tip = f"{name}: {v:.3f}" if v is not None else f"{name}: n/a"
        # Outlines are defined once per page (outline_defs) and reused by every map.
        parts.append(
            f'<use href="#{_ref(site)}" fill="{fill}" stroke="#fff" stroke-width="0.6">'
            f"<title>{html.escape(tip)}</title></use>"
        )
    for site, label in marked.items():
        x, y = t.states.loc[site, ["svg_x", "svg_y"]]
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="9" fill="none" stroke="#d7301f" stroke-width="3"/>'
            f'<text x="{x + 11}" y="{y + 4}" font-size="12" font-weight="bold" fill="#d7301f">'
            f"{html.escape(label)}</text>"
        )
    # Legend: the palette from the lowest to the highest value.
    w = 24
    for i, c in enumerate(_PALETTE):
        parts.append(f'<rect x="{640 + i * w}" y="560" width="{w}" height="12" fill="{c}"/>')
    parts.append(f'<text x="640" y="588" font-size="11">{lo:.2f}</text>')
    parts.append(
        f'<text x="{640 + len(_PALETTE) * w}" y="588" font-size="11" text-anchor="end">{hi:.2f}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def render_html(result) -> str:
    """The full page for a :class:`buildrace.siting.SitingResult`."""
    marked = {}
    for d in result.designation.designations:
        tag = "+".join("U" if r.value == "upstream" else "M" for r in d.roles)
        marked[d.site] = f"{d.site.split(':')[1]} {tag}"
    maps = [("Composite score", {s.site: s.composite for s in result.sites})]
    comp_names = list(result.sites[0].components)
    for c in comp_names:
        maps.append((c.replace("_", " "), {s.site: s.components[c] for s in result.sites}))
    figures = "".join(
        f"<figure><figcaption>{html.escape(title)}</figcaption>{choropleth_svg(vals, title, marked)}</figure>"
        for title, vals in maps
    )
    head = ["rank", "site", "state", "composite", "upstream", "manufacturing", *comp_names]
    chosen = {d.site for d in result.designation.designations}
    rows = []
    for s in result.sites:
        cls = ' class="chosen"' if s.site in chosen else ""
        cells = [
            str(s.rank),
            s.site,
            s.name,
            f"{s.composite:.3f}",
            f"{s.score_upstream:.3f}",
            f"{s.score_manufacturing:.3f}",
            *(f"{s.components[c]:.3f}" for c in comp_names),
        ]
        rows.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    d = result.designation
    weights = ", ".join(f"{k} {v:g}" for k, v in result.weights.items())
    summary = (
        f"<p>Status <b>{d.status.value}</b>; objective {d.objective:.3f} score points; "
        f"infrastructure {d.total_cost_musd:,.0f} of {result.budget_musd:,.0f} million USD; "
        f"K = {result.k}; co-location within {result.within_miles:g} miles.</p>"
        f"<p>Weights: {html.escape(weights)}. Binding: {html.escape(', '.join(d.binding_constraints) or 'none')}.</p>"
        "<p>Marked sites: U = upstream (mining, refining), M = manufacturing.</p>"
    )
    style = (
        "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}"
        "figure{display:inline-block;width:460px;margin:.4em}figcaption{font-weight:bold}"
        "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 5px;text-align:right}"
        "tr.chosen{background:#fde0dd}"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>buildrace site: {html.escape(result.chain)}</title><style>{style}</style></head><body>"
        f"{outline_defs()}<h1>Cluster siting: {html.escape(result.chain)}</h1>{summary}{figures}"
        "<h2>Ranked sites</h2><table><thead><tr>"
        + "".join(f"<th>{html.escape(h)}</th>" for h in head)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        "<p>Sources: see buildrace/data/siting/PROVENANCE.md.</p></body></html>"
    )


def write_html(result, out_dir: Path) -> Path:
    """Write ``site.html`` into ``out_dir`` and return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "site.html"
    path.write_text(render_html(result), encoding="utf-8")
    return path


__all__ = ["choropleth_svg", "render_html", "write_html"]
