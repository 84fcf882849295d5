"""The report's figures, drawn with matplotlib and returned as inline SVG text.

Each figure is a bare :class:`matplotlib.figure.Figure` on its own Agg canvas, styled
inside :func:`matplotlib.rc_context`: pyplot, the global backend and the caller's
rcParams are never touched, so building a report has no side effects. This module
imports matplotlib at the top; :mod:`buildrace.reports.page` imports it only when a
report is built.

With more than one draw, lines show the median over draws and a band the 5th to 95th
percentile.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
import xarray as xr
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator

from buildrace import metrics
from buildrace.dims import DRAW, ECONOMY, MARKET, STAGE, YEAR
from buildrace.reports.i18n import Locale, Names

KEY_STAGES = (
    "solar_pv.polysilicon",
    "solar_pv.module",
    "li_ion_battery.refine_lithium",
    "li_ion_battery.cell_lfp",
    "li_ion_battery.pack",
    "ndfeb_magnet.separation_ndpr_oxide",
    "ndfeb_magnet.magnet_sintered",
    "ev.assembly",
)
"""Stages drawn in the per-stage panels: upstream and downstream ends of each chain,
where the race is decided (refining and separation) and what buyers see (modules,
cells, packs, magnets, cars)."""

ECONOMY_COLOURS = {
    "US": "#1f4fbf",
    "CN": "#d1262b",
    "EU": "#a99bd4",
    "JP": "#e8c56f",
    "KR": "#8fcfb3",
    "VN": "#c9a987",
    "IN": "#b3c785",
    "ROW": "#cdcdcd",
}
"""One colour per economy in every figure: the two rivals saturated, the rest muted so
that the race stands out."""
UNMET_FLOOR_PCT = 0.1
"""Unmet demand below this percentage of demand is drawn as none (white)."""
_SPARE_COLOURS = ("#e3bfd6", "#b9d3e6", "#d8d0b0", "#b0b0b0", "#f0c9a8")
_SHOCK_STYLE: dict[str, Any] = {"color": "#555555", "linestyle": ":", "linewidth": 1.0, "zorder": 1}
_RC: Any = {  # matplotlib types rc keys as literals; the dict is checked at run time
    # Text stays text in the SVG: smaller files, selectable and searchable labels.
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e6e6e6",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "figure.dpi": 72,
}


@dataclass(frozen=True)
class Context:
    """What every figure needs: results, counterfactual, language, names and the race."""

    res: xr.Dataset
    cf: xr.Dataset
    loc: Locale
    names: Names
    importer: str
    exporter: str

    @property
    def t0(self) -> int:
        return int(self.res.attrs["shock_year"])

    @property
    def theta(self) -> float:
        return float(self.res.attrs.get("threshold", 0.95))

    @property
    def years(self) -> np.ndarray:
        return self.res[YEAR].values

    @property
    def banded(self) -> bool:
        return self.res.sizes[DRAW] > 1

    @property
    def stages(self) -> list[str]:
        return [str(s) for s in self.res[STAGE].values]

    def fields(self) -> dict:
        """Placeholders shared by captions and legends."""
        return {
            "importer": self.names.economy(self.importer),
            "exporter": self.names.economy(self.exporter),
            "shock_year": self.t0,
            "base_year": int(self.years[0]),
            "end_year": int(self.years[-1]),
            "threshold": self.loc.percent(self.theta),
        }


def economy_colour(code: str, order: list[str]) -> str:
    """The fixed colour of an economy; economies not in the palette get spare ones."""
    if code in ECONOMY_COLOURS:
        return ECONOMY_COLOURS[code]
    extra = [e for e in order if e not in ECONOMY_COLOURS]
    return _SPARE_COLOURS[extra.index(code) % len(_SPARE_COLOURS)]


def spread(da: xr.DataArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, 5th and 95th percentile over draws; other axes keep their order."""
    values = da.transpose(DRAW, ...).values
    with warnings.catch_warnings():
        # A column with no value in any draw (a stage nobody produces) has no quantile:
        # NaN is the right answer and needs no warning.
        warnings.simplefilter("ignore", RuntimeWarning)
        med, lo, hi = np.nanquantile(values, [0.5, 0.05, 0.95], axis=0)
    return med, lo, hi


def key_stages(ctx: Context) -> list[str]:
    """:data:`KEY_STAGES` present in the results, else the last stage of each chain."""
    have = [s for s in KEY_STAGES if s in ctx.stages]
    if have:
        return have
    chain = ctx.res["chain"].to_series()
    return [str(s) for s in chain.groupby(chain, sort=False).tail(1).index]


def stage_rows(ctx: Context) -> list[tuple[float, str, str]]:
    """Rows (y, kind, code) for the per-stage charts, top to bottom: a header row per
    chain (kind ``chain``) followed by its stages (kind ``stage``)."""
    rows, y, current = [], 0.0, None
    for stage, chain in zip(ctx.stages, ctx.res["chain"].values, strict=True):
        if chain != current:
            rows.append((y, "chain", str(chain)))
            y += 1
            current = chain
        rows.append((y, "stage", stage))
        y += 1
    return rows


def _label_rows(ax, ctx: Context, rows) -> None:
    ax.set_yticks([y for y, _, _ in rows])
    ax.set_yticklabels(
        [ctx.loc.chain(c) if kind == "chain" else ctx.names.stage(c) for _, kind, c in rows]
    )
    for tick, (_, kind, _) in zip(ax.get_yticklabels(), rows, strict=True):
        if kind == "chain":
            tick.set_fontweight("bold")
    ax.set_ylim(rows[-1][0] + 0.7, -0.7)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="y", visible=False)


def _panels(n: int, height: float = 2.4) -> tuple[Figure, list]:
    ncols = min(4, n)
    nrows = math.ceil(n / ncols)
    fig = _figure((3.2 * ncols, height * nrows + 0.7))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _figure(size: tuple[float, float]) -> Figure:
    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


class _TickFormatter(Formatter):
    """Tick labels in the locale's number style, with one scale (k, M) and one number of
    decimals for the whole axis, chosen from the tick step: 0, 1.5M, 3.0M rather than
    0, 1.5M, 3M."""

    def __init__(self, loc: Locale):
        self.loc = loc
        self.scale, self.suffix, self.digits = 1.0, "", 0

    def set_locs(self, locs) -> None:
        locs = np.asarray([v for v in locs if np.isfinite(v)])
        top = float(np.max(np.abs(locs))) if len(locs) else 0.0
        self.scale, self.suffix = 1.0, ""
        for scale, name in ((1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
            if top >= scale:
                self.scale, self.suffix = scale, self.loc.strings["number"][name]
                break
        step = float(np.min(np.diff(np.sort(locs)))) / self.scale if len(locs) > 1 else 1.0
        self.digits = int(min(3, max(0, -math.floor(math.log10(step) + 1e-9)))) if step > 0 else 0

    def __call__(self, x, pos=None) -> str:
        if x == 0:
            return "0"
        return self.loc.number(x / self.scale, self.digits) + self.suffix


def _number_axis(ax, loc: Locale) -> None:
    ax.yaxis.set_major_formatter(_TickFormatter(loc))
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))


def _title(ax, ctx: Context, stage: str, unit: str | None = None) -> None:
    name = ctx.names.stage(stage)
    ax.set_title(f"{name}\n({unit})" if unit else name, loc="left")


def capacity_figure(ctx: Context) -> Figure:
    """(a) Capacity by economy over time at key stages, stacked; rivals at the bottom."""
    stages = key_stages(ctx)
    fig, axes = _panels(len(stages))
    economies = [str(e) for e in ctx.res[ECONOMY].values]
    order = [e for e in (ctx.importer, ctx.exporter) if e in economies]
    order += [e for e in economies if e not in order]
    colours = [economy_colour(e, economies) for e in order]
    for ax, stage in zip(axes, stages, strict=True):
        med, _, _ = spread(
            ctx.res["capacity"].sel({STAGE: stage, ECONOMY: order}).transpose(DRAW, ECONOMY, YEAR)
        )
        ax.stackplot(ctx.years, np.nan_to_num(med), colors=colours, linewidth=0)
        ax.axvline(ctx.t0, **_SHOCK_STYLE)
        _title(ax, ctx, stage, ctx.loc.t("axis_capacity", unit=ctx.names.unit(stage)))
        _number_axis(ax, ctx.loc)
        ax.set_xlim(ctx.years[0], ctx.years[-1])
        ax.set_ylim(bottom=0)
    handles = [
        Patch(color=c, label=ctx.names.economy(e)) for e, c in zip(order, colours, strict=True)
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 8))
    return fig


def _rival_lines(ctx: Context, var: str, axis: str) -> Figure:
    """Per key stage, ``var`` for importer and exporter: with the shock solid, without
    it dashed behind, converted to the stage's price unit."""
    stages = key_stages(ctx)
    fig, axes = _panels(len(stages))
    pair = [ctx.importer, ctx.exporter]
    for ax, stage in zip(axes, stages, strict=True):
        unit, factor = ctx.names.price_unit(stage)
        for econ in pair:
            colour = economy_colour(econ, pair)
            sel = {STAGE: stage, axis: econ}
            cf_med, _, _ = spread(ctx.cf[var].sel(sel))
            med, lo, hi = spread(ctx.res[var].sel(sel))
            ax.plot(
                ctx.years,
                cf_med * factor,
                color=colour,
                linestyle="--",
                linewidth=1.0,
                alpha=0.55,
                zorder=2,
            )
            if ctx.banded:
                ax.fill_between(
                    ctx.years,
                    lo * factor,
                    hi * factor,
                    color=colour,
                    alpha=0.18,
                    linewidth=0,
                    zorder=2,
                )
            ax.plot(ctx.years, med * factor, color=colour, linewidth=1.8, zorder=3)
        ax.axvline(ctx.t0, **_SHOCK_STYLE)
        _title(ax, ctx, stage, unit)
        _number_axis(ax, ctx.loc)
        ax.set_xlim(ctx.years[0], ctx.years[-1])
        ax.set_ylim(bottom=0)
    handles: list[Artist] = [
        Line2D([], [], color=economy_colour(e, pair), linewidth=1.8, label=ctx.names.economy(e))
        for e in pair
    ]
    handles += [
        Line2D([], [], color="#444444", linewidth=1.8, label=ctx.loc.t("legend_with_shock")),
        Line2D(
            [],
            [],
            color="#444444",
            linewidth=1.0,
            linestyle="--",
            alpha=0.55,
            label=ctx.loc.t("legend_without_shock"),
        ),
    ]
    if ctx.banded:
        handles.append(Patch(color="#444444", alpha=0.18, label=ctx.loc.t("legend_band")))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    return fig


def cost_figure(ctx: Context) -> Figure:
    """(b) Unit cost paths, importer vs exporter, counterfactual dashed behind."""
    return _rival_lines(ctx, "unit_cost", ECONOMY)


def price_figure(ctx: Context) -> Figure:
    """Price paid by buyers in the importer's and the exporter's markets."""
    return _rival_lines(ctx, "price", MARKET)


def share_figure(ctx: Context) -> Figure:
    """(c) Share of world output per stage, base year to last year, for both rivals."""
    rows = stage_rows(ctx)
    last, base = ctx.years[-1], ctx.years[0]
    share = metrics.shares(ctx.res)
    share_cf = metrics.shares(ctx.cf)
    fig = _figure((10.5, 0.2 * len(rows) + 1.3))
    axes = fig.subplots(1, 2, sharey=True)
    stage_y = {code: y for y, kind, code in rows if kind == "stage"}
    ys = np.array([stage_y[s] for s in ctx.stages])
    for ax, econ in zip(axes, (ctx.importer, ctx.exporter), strict=True):
        colour = economy_colour(econ, [ctx.importer, ctx.exporter])
        at = share.sel({ECONOMY: econ})
        b, _, _ = spread(at.sel({YEAR: base}).transpose(DRAW, STAGE))
        e, lo, hi = spread(at.sel({YEAR: last}).transpose(DRAW, STAGE))
        c, _, _ = spread(share_cf.sel({ECONOMY: econ, YEAR: last}).transpose(DRAW, STAGE))
        ax.hlines(ys, np.minimum(b, e), np.maximum(b, e), color=colour, alpha=0.45, linewidth=2)
        if ctx.banded:
            ax.hlines(ys, lo, hi, color=colour, linewidth=0.8)
        ax.plot(c, ys, "x", color="#777777", markersize=5, zorder=3)
        ax.plot(b, ys, "o", markerfacecolor="white", markeredgecolor=colour, markersize=5, zorder=4)
        ax.plot(e, ys, "o", color=colour, markersize=5, zorder=5)
        ax.set_xlim(-0.02, 1.02)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: ctx.loc.percent(v)))
        ax.set_title(ctx.names.economy(econ), loc="left", color=colour)
        ax.set_xlabel(ctx.loc.t("axis_share"))
        ax.grid(axis="x", visible=True)
    _label_rows(axes[0], ctx, rows)
    axes[1].tick_params(axis="y", length=0)
    f = ctx.fields()
    handles: list[Artist] = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor="white",
            markeredgecolor="#444444",
            label=ctx.loc.t("legend_base_year", **f),
        ),
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            color="#444444",
            label=ctx.loc.t("legend_end_year", **f),
        ),
        Line2D(
            [],
            [],
            marker="x",
            linestyle="",
            color="#777777",
            label=ctx.loc.t("legend_end_year_cf", **f),
        ),
    ]
    if ctx.banded:
        handles.append(
            Line2D([], [], color="#444444", linewidth=0.8, label=ctx.loc.t("legend_band"))
        )
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    return fig


def _never_to_inf(da: xr.DataArray) -> np.ndarray:
    return np.where(np.isnan(da.values), np.inf, da.values)


def timeline_figure(ctx: Context) -> Figure:
    """(d) Per stage, bars from the shock to the year each side is back at the threshold."""
    rows = stage_rows(ctx)
    f = ctx.fields()
    end = int(ctx.years[-1])
    sub = metrics.substitution_years(ctx.res, ctx.cf, ctx.t0, ctx.theta).sel({MARKET: ctx.importer})
    red = metrics.redirection_years(ctx.res, ctx.cf, ctx.t0, ctx.theta, [ctx.importer]).sel({metrics.EXPORTER: ctx.exporter})
    fig = _figure((10.5, 0.26 * len(rows) + 1.3))
    ax = fig.subplots()
    stage_y = {code: y for y, kind, code in rows if kind == "stage"}
    for years, econ, offset in ((sub, ctx.importer, -0.19), (red, ctx.exporter, 0.19)):
        colour = economy_colour(econ, [ctx.importer, ctx.exporter])
        # "Not by the horizon" sorts after every year: quantiles that pick an observed
        # value (inverted CDF) keep it as infinity instead of interpolating into NaN.
        vals = _never_to_inf(years.transpose(DRAW, STAGE))
        med, lo, hi = np.quantile(vals, [0.5, 0.05, 0.95], axis=0, method="inverted_cdf")
        for i, stage in enumerate(ctx.stages):
            y = stage_y[stage] + offset
            if ctx.banded and lo[i] != hi[i]:
                ax.hlines(
                    y,
                    ctx.t0 + lo[i],
                    min(ctx.t0 + hi[i], end + 0.5),
                    color=colour,
                    linewidth=0.8,
                    zorder=4,
                )
            if not np.isfinite(med[i]):
                ax.barh(
                    y, end - ctx.t0, left=ctx.t0, height=0.34, color=colour, alpha=0.35, linewidth=0
                )
                ax.plot(end + 0.35, y, marker=">", color=colour, markersize=6, zorder=5)
            elif med[i] == 0:
                ax.plot(ctx.t0, y, marker="D", color=colour, markersize=4.5, zorder=5)
            else:
                ax.barh(y, med[i], left=ctx.t0, height=0.34, color=colour, linewidth=0)
    _label_rows(ax, ctx, rows)
    ax.set_xlim(ctx.t0 - 0.8, end + 1.2)
    ax.xaxis.set_major_locator(MaxNLocator(10, integer=True))
    ax.grid(axis="x", visible=True)
    ax.set_xlabel(ctx.loc.t("axis_year"))
    ax.axvline(end, color="#999999", linewidth=0.8, zorder=1)
    handles: list[Artist] = [
        Patch(
            color=economy_colour(ctx.importer, [ctx.importer]),
            label=ctx.loc.t("legend_substitution", **f),
        ),
        Patch(
            color=economy_colour(ctx.exporter, [ctx.exporter]),
            label=ctx.loc.t("legend_redirection", **f),
        ),
        Line2D(
            [],
            [],
            marker=">",
            linestyle="",
            color="#444444",
            label=ctx.loc.t("legend_not_reached", **f),
        ),
        Line2D(
            [],
            [],
            marker="D",
            linestyle="",
            color="#444444",
            markersize=4.5,
            label=ctx.loc.t("legend_at_once"),
        ),
    ]
    if ctx.banded:
        handles.append(
            Line2D([], [], color="#444444", linewidth=0.8, label=ctx.loc.t("legend_band"))
        )
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    return fig


def unmet_figure(ctx: Context) -> Figure:
    """(e) The importer's unmet demand as % of its demand, per stage and year (median)."""
    rows = stage_rows(ctx)
    sel = {MARKET: ctx.importer}
    demand = ctx.res["demand"].sel(sel)
    pct = 100.0 * ctx.res["unmet"].sel(sel) / demand.where(demand > 0)
    med, _, _ = spread(pct.transpose(DRAW, STAGE, YEAR))
    grid = np.full((len(rows), len(ctx.years)), np.nan)
    index = {s: i for i, s in enumerate(ctx.stages)}
    for r, (_, kind, code) in enumerate(rows):
        # Chain header rows sit below the colour scale, so they draw white like "none".
        grid[r] = med[index[code]] if kind == "stage" else -1.0
    fig = _figure((10.5, 0.2 * len(rows) + 1.3))
    ax = fig.subplots()
    edges_x = np.append(ctx.years - 0.5, ctx.years[-1] + 0.5)
    edges_y = np.arange(len(rows) + 1) - 0.5
    top = max(1.0, float(np.nanmax(grid)))
    # White: (almost) all demand served; grey: no demand at all; colour: a shortfall.
    cmap = matplotlib.colormaps["YlOrRd"].with_extremes(under="#ffffff", bad="#ececec")
    mesh = ax.pcolormesh(
        edges_x,
        edges_y,
        grid,
        cmap=cmap,
        vmin=UNMET_FLOOR_PCT,
        vmax=top,
        edgecolors="face",
        linewidth=0,
    )
    _label_rows(ax, ctx, [(float(i), kind, code) for i, (_, kind, code) in enumerate(rows)])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.axvline(ctx.t0 - 0.5, **_SHOCK_STYLE)
    ax.xaxis.set_major_locator(MaxNLocator(10, integer=True))
    ax.grid(visible=False)
    ax.set_xlabel(ctx.loc.t("axis_year"))
    bar = fig.colorbar(mesh, ax=ax, shrink=0.6, pad=0.01, extend="min")
    bar.set_label(ctx.loc.t("axis_unmet"))
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: ctx.loc.number(v)))
    return fig


def to_svg(fig: Figure, key: str, label: str) -> str:
    """The figure as an ``<svg>`` element to inline in HTML.

    The XML prolog, DOCTYPE and metadata go (they reference outside URLs and are
    invalid inside HTML); namespaces go too, since the HTML parser knows SVG's; the
    fixed size goes so the figure scales with the page. Element ids are kept only
    where something refers to them, and the id hash is salted with ``key`` so that
    two figures on one page never share an id and the output is reproducible.
    """
    buf = io.StringIO()
    with matplotlib.rc_context({**_RC, "svg.hashsalt": f"buildrace-{key}"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    text = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", text)
    text = re.sub(r'\s(width|height)="[\d.]+pt"', "", text, count=2)
    used = set(re.findall(r"#([\w.-]+)", text))
    text = re.sub(r'\sid="([^"]*)"', lambda m: m.group(0) if m.group(1) in used else "", text)
    text = re.sub(r"\n\s*", "\n", text)
    head = f'<svg role="img" aria-label="{_attr(label)}" class="fig-{key}"'
    return head + text[len("<svg") :]


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


FIGURES = (
    ("timeline", timeline_figure),
    ("capacity", capacity_figure),
    ("cost", cost_figure),
    ("price", price_figure),
    ("share", share_figure),
    ("unmet", unmet_figure),
)
"""The report's figures in page order: key -> builder. Titles and captions are the
locale strings ``fig_<key>_title`` and ``fig_<key>_caption``."""


def render(ctx: Context, key: str, builder, label: str) -> str:
    """Build one figure in the report style and return its SVG."""
    with matplotlib.rc_context(_RC):
        fig = builder(ctx)
    return to_svg(fig, key, label)


__all__ = [
    "ECONOMY_COLOURS",
    "FIGURES",
    "KEY_STAGES",
    "Context",
    "economy_colour",
    "key_stages",
    "render",
    "spread",
    "stage_rows",
    "to_svg",
]
