"""The race report as one self-contained HTML page.

The page holds everything it shows: styles inline, figures as inline SVG, no scripts,
no fonts or images fetched from anywhere, so it opens offline and can be mailed as a
single file. Sections: the question, the verdict per chain in plain words, a table
stage by stage, and the figures of :mod:`buildrace.reports.figures`.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np

from buildrace.dims import MARKET, STAGE, YEAR
from buildrace.errors import InputError
from buildrace.reports.i18n import Locale, Names, load_locale, scenario_description, world_names

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
 margin:0 auto;max-width:1100px;padding:1.5em;color:#1f2328;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
.meta,.note,figcaption{color:#555;font-size:.92em}
.verdict li{margin:.5em 0;list-style:none;padding-left:.6em;border-left:4px solid #bbb}
.verdict li.w-importer{border-color:#1f4fbf}.verdict li.w-exporter{border-color:#d1262b}
.verdict b{display:inline-block;min-width:14em}
.desc{background:#f6f8fa;padding:.6em 1em;border-radius:4px;white-space:pre-wrap}
table{border-collapse:collapse;font-size:.85em;width:100%}
th,td{border-bottom:1px solid #e3e3e3;padding:3px 6px;text-align:right;vertical-align:bottom}
th{background:#f6f8fa}td:first-child,th:first-child{text-align:left}
tr.chain td{font-weight:bold;background:#fafafa;text-align:left}
td.never{color:#b42318}
figure{margin:1.5em 0}figure svg{width:100%;height:auto}
figcaption b{color:#1f2328}
"""


def _fmt_years(loc: Locale, v, end_year: int) -> tuple[str, str]:
    """A table cell for a years-to-threshold value and its CSS class."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return loc.t("cell_never", end_year=end_year), "never"
    return loc.number(v, 0 if float(v).is_integer() else 1), ""


def _clause(loc: Locale, side: str, years, fields: dict) -> str:
    if years is None:
        return loc.t(f"{side}_never", **fields)
    if years == 0:
        return loc.t(f"{side}_at_once", **fields)
    return loc.t(f"{side}_years", years=loc.years(years), **fields)


def verdict_sentences(
    summary: dict,
    loc: Locale,
    names: Names,
    importer: str,
    exporter: str,
    chains: list[str] | None = None,
) -> list[tuple[str, str, str]]:
    """Per chain: (chain name, plain-words verdict, winner class ``importer``/``exporter``/``none``).

    ``chains`` gives the order (the world's); chains missing from it follow.
    """
    fields = {
        "importer": names.economy(importer),
        "exporter": names.economy(exporter),
        "threshold": loc.percent(float(summary["threshold"])),
        "end_year": int(summary["end_year"]),
    }
    verdict = summary["verdict"]
    order = [c for c in dict.fromkeys(chains or []) if c in verdict] + [
        c for c in verdict if c not in (chains or [])
    ]
    out = []
    for chain in order:
        v = verdict[chain]
        winner = v["winner"]
        if winner == importer:
            lead, cls = loc.t("winner_first", economy=fields["importer"]), "importer"
        elif winner == exporter:
            lead, cls = loc.t("winner_first", economy=fields["exporter"]), "exporter"
        elif winner == "tie":
            lead, cls = loc.t("winner_tie"), "none"
        elif winner == "no gap":
            lead, cls = loc.t("winner_no_gap", **fields), "none"
        else:
            lead, cls = loc.t("winner_neither", **fields), "none"
        parts = [
            lead,
            _clause(loc, "importer", v.get(f"{importer}_substitution_years"), fields),
            _clause(loc, "exporter", v.get(f"{exporter}_redirection_years"), fields),
        ]
        if int(summary["draws"]) > 1:
            parts.append(
                loc.t(
                    "odds",
                    p_importer=loc.percent(v[f"p_{importer}_first"]),
                    p_exporter=loc.percent(v[f"p_{exporter}_first"]),
                    **fields,
                )
            )
        out.append((loc.chain(chain), " ".join(parts), cls))
    return out


def _unmet_share(res, importer: str) -> dict[str, float | None]:
    """Share of the importer's demand over the horizon left unmet, per stage (median over draws)."""
    sel = {MARKET: importer}
    unmet = res["unmet"].sel(sel).sum(YEAR)
    demand = res["demand"].sel(sel).sum(YEAR)
    share = (unmet / demand.where(demand > 0)).median("draw", skipna=False)
    return {
        str(s): (float(x) if np.isfinite(x) else None)
        for s, x in zip(share[STAGE].values, share.values, strict=True)
    }


def summary_table(race_result, loc: Locale, names: Names, importer: str, exporter: str) -> str:
    """The stage-by-stage table: times, cost gaps, shares and unmet demand."""
    s = race_result.summary
    res = race_result.results
    base, end = str(s["base_year"]), str(s["end_year"])
    end_year = int(s["end_year"])
    sub = s["substitution_years"].get(importer, {})
    red = s["redirection_years"].get(exporter, {})
    gap_years = list(dict.fromkeys(y for g in s["cost_gap"].values() for y in g))
    shares = s["shares"].get(importer, {})
    unmet = s["unmet_demand"].get(importer, {})
    unmet_pct = _unmet_share(res, importer)
    f = {"importer": names.economy(importer), "exporter": names.economy(exporter)}
    e = html.escape
    head = (
        f'<tr><th rowspan="2">{e(loc.t("col_stage"))}</th>'
        f'<th rowspan="2">{e(loc.t("col_substitution", **f))}</th>'
        f'<th rowspan="2">{e(loc.t("col_redirection", **f))}</th>'
        f'<th colspan="{len(gap_years)}">{e(loc.t("col_cost_gap", **f))}</th>'
        f'<th colspan="2">{e(loc.t("col_share", **f))}</th>'
        f'<th colspan="2">{e(loc.t("col_unmet", **f))}</th></tr><tr>'
        + "".join(f"<th>{e(y)}</th>" for y in gap_years)
        + f"<th>{e(base)}</th><th>{e(end)}</th>"
        f"<th>{e(loc.t('col_unmet_total'))}</th><th>{e(loc.t('col_unmet_pct'))}</th></tr>"
    )
    none = loc.t("cell_none")
    relapses = s.get("relapses", {})
    relapsed_sub = relapses.get("substitution", {}).get(importer, {})
    relapsed_red = relapses.get("redirection", {}).get(exporter, {})
    body, current = [], None
    ncols = 3 + len(gap_years) + 4
    for stage, chain in zip(res[STAGE].values, res["chain"].values, strict=True):
        stage, chain = str(stage), str(chain)
        if chain != current:
            body.append(f'<tr class="chain"><td colspan="{ncols}">{e(loc.chain(chain))}</td></tr>')
            current = chain
        cells = []
        for v, marks in ((sub.get(stage), relapsed_sub), (red.get(stage), relapsed_red)):
            text, cls = _fmt_years(loc, v, end_year)
            if stage in marks:
                m = marks[stage]
                first = loc.years(int(m["first_recovery_years"])) if m["first_recovery_years"] is not None else none
                text += " (" + loc.t("relapse_mark", first=first, short=loc.years(int(m["years_short"]))) + ")"
                cls = (cls + " relapse").strip()
            cells.append((text, cls))
        for y in gap_years:
            g = s["cost_gap"].get(stage, {}).get(y)
            cells.append((none if g is None else loc.number(g, 2) + "×", ""))
        for y in (base, end):
            v = shares.get(stage, {}).get(y)
            cells.append((none if v is None else loc.percent(v, 1), ""))
        u, p = unmet.get(stage), unmet_pct.get(stage)
        unit = names.unit(stage)
        cells.append((none if u is None else f"{loc.compact(u)} {unit}".strip(), ""))
        cells.append((none if p is None else loc.percent(p, 1), ""))
        body.append(
            f"<tr><td>{e(names.stage(stage))}</td>"
            + "".join(f'<td class="{c}">{e(t)}</td>' if c else f"<td>{e(t)}</td>" for t, c in cells)
            + "</tr>"
        )
    return f"<table><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise InputError("the HTML report needs matplotlib: pip install 'buildrace[viz]'") from exc


def _parties(summary: dict) -> tuple[str, str]:
    importer = next(iter(summary.get("substitution_years") or {"US": None}))
    exporter = next(iter(summary.get("redirection_years") or {"CN": None}))
    return importer, exporter


def render_report(race_result, lang: str = "en") -> str:
    """The report of a race as an HTML document.

    Parameters
    ----------
    race_result : :class:`buildrace.api.RaceResult`
    lang : ``en`` or ``vi`` (see :data:`buildrace.reports.i18n.LANGUAGES`)

    Returns
    -------
    str
        A complete, self-contained HTML5 document.
    """
    loc = load_locale(lang)
    _require_matplotlib()
    from buildrace.reports import figures

    res, summary = race_result.results, race_result.summary
    importer, exporter = _parties(summary)
    names = world_names(str(res.attrs.get("world", "")), lang)
    ctx = figures.Context(
        res=res,
        cf=race_result.counterfactual,
        loc=loc,
        names=names,
        importer=importer,
        exporter=exporter,
    )
    f = {
        **ctx.fields(),
        "scenario": str(summary.get("scenario", res.attrs.get("scenario", ""))),
        "world": str(res.attrs.get("world", "")),
        "draws": loc.draws(int(summary["draws"])),
        "seed": summary["seed"],
        "version": str(res.attrs.get("buildrace_version", "")),
        "reference": str(summary.get("reference") or ""),
    }
    e = html.escape
    parts = [
        f'<!DOCTYPE html><html lang="{e(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(loc.t('title', **f))}</title><style>{_STYLE}</style></head><body>",
        f'<header><h1>{e(loc.t("title", **f))}</h1><p class="meta">{e(loc.t("meta", **f))}</p>',
    ]
    if int(summary["draws"]) > 1:
        parts.append(f'<p class="note">{e(loc.t("uncertainty_note"))}</p>')
    parts.append("</header>")
    parts.append(
        f'<h2 id="question">{e(loc.t("question_heading"))}</h2><p>{e(loc.t("question", **f))}</p>'
    )
    description = scenario_description(getattr(race_result.scenario, "description", None), lang)
    if description:
        parts.append(
            f"<details><summary>{e(loc.t('scenario_description'))}</summary>"
            f'<p class="desc">{e(description)}</p></details>'
        )
    parts.append(f'<h2 id="verdict">{e(loc.t("verdict_heading"))}</h2>')
    parts.append(f'<p class="note">{e(loc.t("verdict_intro", **f))}</p><ul class="verdict">')
    for chain, sentence, cls in verdict_sentences(
        summary, loc, names, importer, exporter, [str(c) for c in res["chain"].values]
    ):
        parts.append(f'<li class="w-{cls}"><b>{e(chain)}</b> {e(sentence)}</li>')
    parts.append("</ul>")
    parts.append(f'<h2 id="table">{e(loc.t("table_heading"))}</h2>')
    parts.append(f'<p class="note">{e(loc.t("table_note", **f))}</p>')
    parts.append(summary_table(race_result, loc, names, importer, exporter))
    parts.append(f'<h2 id="figures">{e(loc.t("figures_heading"))}</h2>')
    for n, (key, builder) in enumerate(figures.FIGURES, start=1):
        title = loc.t(f"fig_{key}_title", **f)
        svg = figures.render(ctx, key, builder, title)
        parts.append(
            f'<figure id="fig-{key}"><figcaption><b>{e(loc.t("figure_label", n=n))}. {e(title)}.</b> '
            f"{e(loc.t(f'fig_{key}_caption', **f))}</figcaption>{svg}</figure>"
        )
    parts.append(f'<footer class="note"><p>{e(loc.t("footer", **f))}</p></footer></body></html>')
    return "\n".join(parts) + "\n"


def build_report(race_result, path: str | Path, lang: str = "en") -> Path:
    """Write the report of a race to ``path`` (HTML), atomically.

    Parameters
    ----------
    race_result : :class:`buildrace.api.RaceResult`
    path : file to write (its folder is created if missing), e.g. ``out/report.html``
    lang : ``en`` or ``vi``

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    from buildrace.io.results_store import atomic_write_text

    text = render_report(race_result, lang)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(path, text)


__all__ = ["build_report", "render_report", "summary_table", "verdict_sentences"]
