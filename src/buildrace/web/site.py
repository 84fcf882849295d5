"""The siting route's answer: ranked states, the chosen designations and the state map."""

from __future__ import annotations

import html

from buildrace import api
from buildrace.web.catalog import web_strings
from buildrace.web.errors import ApiError
from buildrace.web.schemas import SiteQuery


def standalone_map(values: dict[str, float], title: str, marked: dict[str, str], scale_title: str = "") -> str:
    """The siting choropleth as one SVG that carries its own state outlines.

    The colour scale's numbers are drawn larger than in the report's map and get a
    title (``scale_title``): on the page the map is scaled down to a column's width,
    where 11-unit text would be too small to read.
    """
    from buildrace.siting.map import choropleth_svg, outline_defs

    defs = outline_defs()
    inner = defs[defs.index("<defs>"): defs.index("</defs>") + len("</defs>")]
    svg = choropleth_svg(values, title, marked)
    svg = svg.replace('y="588" font-size="11"', 'y="596" font-size="18" fill="#1f2933"')
    svg = svg.replace('y="560" width="24" height="12"', 'y="560" width="24" height="16"')
    if scale_title:
        svg = svg.replace("</svg>", f'<text x="640" y="552" font-size="17" fill="#1f2933">{html.escape(scale_title)}</text></svg>')
    cut = svg.index(">") + 1
    return svg[:cut] + inner + svg[cut:]


def site(req: SiteQuery) -> dict:
    """Score the states for a chain and choose designations; the ranks and the map."""
    try:
        import buildrace.siting  # noqa: F401  (the MILP solver is an optional extra)
    except ImportError as exc:
        raise ApiError(503, f"siting needs the optional packages of the 'siting' extra ({exc.name} is missing);"
                            " install them with: pip install 'buildrace[siting]'") from None
    result = api.site_clusters(req.chain, k=req.k, simulate=False)
    ui = web_strings(req.lang)
    chain_name = ui["chains"].get(req.chain, req.chain)
    marked = {}
    for x in result.designation.designations:
        tag = "+".join("U" if r.value == "upstream" else "M" for r in x.roles)
        marked[x.site] = f"{x.site.split(':')[-1]} {tag}"
    title = ui["site_map_title"].format(chain=chain_name)
    names = {s.site: s.name for s in result.sites}
    d = result.designation
    return {
        "chain": req.chain,
        "k": req.k,
        "status": d.status.value,
        "objective": round(d.objective, 4),
        "total_cost_musd": round(d.total_cost_musd, 1),
        "budget_musd": result.budget_musd,
        "within_miles": result.within_miles,
        "designations": [
            {"site": x.site, "name": names.get(x.site, x.site), "roles": [r.value for r in x.roles],
             "cost_musd": round(x.cost_musd, 1)}
            for x in d.designations
        ],
        "sites": [
            {"rank": s.rank, "site": s.site, "name": s.name, "composite": round(s.composite, 4),
             "upstream": round(s.score_upstream, 4), "manufacturing": round(s.score_manufacturing, 4)}
            for s in result.sites
        ],
        "levers": [lv.to_policy() for lv in result.levers],
        "map_svg": standalone_map({s.site: s.composite for s in result.sites}, title, marked, ui["site_composite"]),
    }


__all__ = ["site", "standalone_map"]
