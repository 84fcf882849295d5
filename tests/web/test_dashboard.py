"""The dashboard in a real browser: Debian's chromium driven by Playwright.

The page's Content-Security-Policy forbids evaluated strings, so waits use Playwright's
``expect`` on locators rather than ``wait_for_function``; the few checks that read the
page's computed styles run in a context that bypasses the policy.

Screenshots are written under pytest's temporary directory (``tmp_path``), which is
outside the repository, so they are test artefacts that git never sees.

Skipped when ``/usr/bin/chromium`` or the ``playwright`` package is missing (the
browser is never downloaded: Playwright drives the system's chromium).
"""

from __future__ import annotations

import csv
import io
import os
import re

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

if not os.path.exists(CHROMIUM):
    pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package (pip install playwright)")

expect = sync_api.expect
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)

ENGLISH = [
    # interface
    "Scenario", "Policy levers", "Run", "Reset", "Download", "Assumptions", "Advanced", "Stage", "The answer",
    "Who closes", "reference path", "previous run", "supply", "output", "redirected", "restored", "before",
    "United States", "China", "Allies", "none", "moderate", "high", "enacted", "months", "bn USD", "not by",
    # charts and stages
    "Production capacity", "Unit cost", "Unmet demand", "Self-sufficiency", "Substitution timeline", "Lithium",
    "Solar", "cells", "Battery packs", "Polysilicon", "magnets", "Electric vehicles", "shock",
    # units and scenario texts
    "contained", "flake graphite", "spherical graphite", "vehicles", "oxide", "The default race", "stops importing",
    "per year", "policies in force",
]
"""English words that must not be visible in the Vietnamese page."""

CONTRAST_JS = """() => {
  const lum = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const [r, g, b, a] = m[1].split(',').map(Number);
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return { l: 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b), a: a === undefined ? 1 : a };
  };
  const bg = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = lum(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0.9) return c.l;
    }
    return 1;
  };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg') || el.closest('[hidden]') || el.closest('.sr-only')) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || Number(st.opacity) < 1 || el.disabled) continue;
    const fg = lum(st.color), b = bg(el);
    const ratio = (Math.max(fg.l, b) + 0.05) / (Math.min(fg.l, b) + 0.05);
    const size = parseFloat(st.fontSize), bold = Number(st.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) bad.push(el.tagName + '.' + el.className + ' ' + ratio.toFixed(2) + ': ' + el.textContent.trim().slice(0, 40));
  }
  return bad;
}"""

LABELS_JS = """() => [...document.querySelectorAll('aside input, aside select, aside button, main select, main [role=tab]')]
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
  .map((el) => el.id || el.outerHTML.slice(0, 60))"""


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _watch(pg, server):
    pg.set_default_timeout(TIMEOUT_MS)
    pg.errors = []
    pg.offsite = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("request", lambda r: None if r.url.startswith((server.url, "data:", "blob:")) else pg.offsite.append(r.url))
    return pg


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1360, "height": 1000}, accept_downloads=True, bypass_csp=True)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, server):
    return _watch(context.new_page(), server)


def ready(pg):
    """Wait until the answers are drawn and no run is in flight."""
    pg.wait_for_selector("#answers li >> nth=4")
    expect(pg.locator("#panel-race")).not_to_have_class(re.compile(r"\bbusy\b"))


def visible_text(pg) -> str:
    """The text a reader sees, less the language switch (each language's name in itself)."""
    return "\n".join(pg.inner_text(sel) for sel in ("header h1", ".tagline", ".layout", "footer"))


def test_a_us_lever_changes_the_sentence_and_the_charts(page, server, tmp_path):
    pg = page
    pg.goto(server.url + "/")
    ready(pg)
    assert pg.locator("#verdict .card").count() == 4
    assert "2026" in pg.inner_text("#verdict-sub")
    # every control of /api/levers is on the page, grouped by side, assumptions apart
    for side in ("US", "CN", "allies"):
        assert pg.locator(f"#side-{side} .lever").count() >= 2
    assert pg.locator("#levers .lever, #levers-advanced .lever").count() == 18
    assert pg.locator("#assumptions .lever").count() == 3
    assert pg.locator("#levers #lever-demand_growth").count() == 0
    # every chart draws the reference path behind this run
    for fig in ("capacity", "cost", "unmet", "sufficiency"):
        assert pg.locator(f"#fig-{fig} svg path[data-kind=reference]").count() >= 1
        assert pg.locator(f"#fig-{fig} svg path[data-kind=current]").count() >= 1
    assert pg.locator("svg path[data-kind=previous]").count() == 0
    assert pg.evaluate(LABELS_JS) == []
    sentence = pg.inner_text("#answers")
    chart = pg.get_attribute("#fig-capacity .chart", "aria-label")
    current = pg.get_attribute("#fig-capacity svg path[data-kind=current] >> nth=0", "d")

    # move a US lever with the keyboard: the decoupling starts four years later
    pg.focus("#ctl-decoupling")
    for _ in range(4):
        pg.keyboard.press("ArrowRight")
    assert pg.input_value("#ctl-decoupling") == "2030"
    expect(pg.locator("#verdict-sub")).to_contain_text("2030")
    ready(pg)
    assert pg.locator("#lever-decoupling.changed").count() == 1
    assert "1 lever(s) changed" in pg.inner_text("#changes")
    assert "2026 → 2030" in pg.inner_text("#last-change")
    assert pg.inner_text("#answers") != sentence
    assert pg.get_attribute("#fig-capacity .chart", "aria-label") != chart
    assert pg.get_attribute("#fig-capacity svg path[data-kind=current] >> nth=0", "d") != current
    # the previous run is marked on every chart and in the sentences that moved
    for fig in ("capacity", "cost", "unmet", "sufficiency"):
        assert pg.locator(f"#fig-{fig} svg path[data-kind=previous]").count() >= 1
    assert pg.locator("#answers li.changed .moved").count() >= 1

    # a named setting of the solar tariff: the charts switch to the stage it acts on
    assert pg.input_value("#stage") == "li_ion_battery.cell_lfp"
    pg.click("#lever-solar_tariff .settings button:has-text('prohibitive')")
    expect(pg.locator("#out-solar_tariff")).to_have_text("250% (prohibitive)")
    expect(pg.locator("#stage")).to_have_value("solar_pv.cell")
    expect(pg.locator("#stage-note")).to_contain_text("Solar cells")
    expect(pg.locator("#fig-capacity .fig-title")).to_contain_text("Solar cells")

    # the uncertainty band: 20 draws, drawn as an area behind the capacity lines
    pg.check("#bands")
    expect(pg.locator("#fig-capacity .legend")).to_contain_text("5–95%")
    ready(pg)
    assert not pg.locator("#status.error").count()
    assert pg.evaluate(CONTRAST_JS) == []

    shot = tmp_path / "dashboard-en.png"
    pg.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert pg.errors == []
    assert pg.offsite == []  # nothing requested outside the server


def test_vietnamese_switches_every_visible_string(page, server, tmp_path):
    pg = page
    pg.goto(server.url + "/")
    ready(pg)
    pg.check("#ctl-rare_earth_control")  # a second shock: more sentences, the before-marks
    expect(pg.locator("#changes")).to_contain_text("1 lever")
    ready(pg)
    pg.click("#advanced summary")
    pg.click("button[data-lang=vi]")
    assert pg.inner_text("h1") == "Cuộc đua chuỗi cung ứng"
    assert pg.get_attribute("html", "lang") == "vi"
    text = visible_text(pg)
    left = [w for w in ENGLISH if re.search(rf"\b{re.escape(w)}\b", text)]
    assert left == [], f"English left in the Vietnamese page: {left}"
    assert "Hoa Kỳ" in pg.inner_text("#answers") and "Trung Quốc" in pg.inner_text("#answers")
    assert "Công suất sản xuất" in pg.inner_text("#fig-capacity figcaption")
    assert "Cuộc đua mặc định" in pg.inner_text("#scenario-desc")
    pg.select_option("#stage", "li_ion_battery.mine_graphite")
    expect(pg.locator("#fig-capacity figcaption")).to_contain_text("graphit vảy")
    assert pg.evaluate(CONTRAST_JS) == []
    pg.screenshot(path=str(tmp_path / "dashboard-vi.png"), full_page=True)

    # Siting tab: the choropleth, the designations and the ranks, in Vietnamese
    pg.click("#tab-siting")
    pg.wait_for_selector("#site-map svg")
    assert pg.locator("#site-map svg use").count() >= 48
    assert "Điểm tổng hợp" in pg.text_content("#site-map svg > title")
    assert pg.locator("#site-designated li").count() >= 1
    assert pg.locator("#site-ranks tbody tr.chosen").count() >= 1
    # the ranks table fits its column: nothing clipped on the right
    table = pg.locator("#site-ranks").bounding_box()
    column = pg.locator("#site-ranks").locator("xpath=..").bounding_box()
    assert table["x"] + table["width"] <= column["x"] + column["width"] + 1
    pg.select_option("#chain", "solar_pv")
    expect(pg.locator("#site-map svg > title")).to_contain_text("Điện mặt trời")
    pg.screenshot(path=str(tmp_path / "siting-vi.png"), full_page=True)

    # and back: English again
    pg.click("#tab-race")
    pg.click("button[data-lang=en]")
    assert "Production capacity" in pg.inner_text("#fig-capacity figcaption")
    assert pg.errors == []
    assert pg.offsite == []


def test_a_copied_url_restores_the_scenario(context, server):
    pg = _watch(context.new_page(), server)
    pg.goto(server.url + "/")
    ready(pg)
    pg.select_option("#scenario", "team_america")
    ready(pg)
    pg.check("#ctl-rare_earth_control")
    pg.click("#lever-green_lane .settings button:has-text('high')")
    pg.click("#advanced summary")
    pg.select_option("#ctl-national_champion", "ndfeb_magnet")
    pg.click("#lever-us_build_years .settings button:has-text('low')")
    pg.click("button[data-lang=vi]")
    expect(pg.locator("#changes")).to_contain_text("4")
    ready(pg)
    url = pg.url
    assert "#s=" in url
    # the sentences, less the marks of what moved against the previous run (a fresh page has none)
    answers = re.sub(r" \(trước đó: [^)]*\)", "", pg.inner_text("#answers"))

    other = _watch(context.new_page(), server)
    other.goto(url)
    ready(other)
    assert other.input_value("#scenario") == "team_america"
    assert other.is_checked("#ctl-rare_earth_control")
    assert other.input_value("#ctl-green_lane") == "0.9"
    assert other.input_value("#ctl-national_champion") == "ndfeb_magnet"
    assert other.input_value("#ctl-us_build_years") == "0.75"
    assert other.get_attribute("html", "lang") == "vi"
    assert other.inner_text("#answers") == answers
    assert pg.errors == [] and other.errors == []


def test_downloads_the_csv_and_the_report(page, server, tmp_path):
    pg = page
    pg.goto(server.url + "/")
    ready(pg)
    with pg.expect_download() as got:
        pg.click("#dl-csv")
    d = got.value
    assert d.suggested_filename == "buildrace-race.csv"
    path = tmp_path / d.suggested_filename
    d.save_as(path)
    header = next(csv.reader(io.StringIO(path.read_text("utf-8"))))
    assert header == ["variable", "draw", "year", "economy", "market", "stage", "value"]
    with pg.expect_download(timeout=60_000) as got:
        pg.click("#dl-report")
    d = got.value
    assert d.suggested_filename == "buildrace-race-en.html"
    d.save_as(tmp_path / d.suggested_filename)
    assert "<html" in (tmp_path / d.suggested_filename).read_text("utf-8")[:500].lower()
    assert pg.errors == []


def test_server_errors_are_shown_not_thrown(page, server):
    pg = page
    pg.goto(server.url + "/")
    ready(pg)
    # switching the only shock off leaves nothing to race: the server's message is shown
    pg.uncheck("#ctl-decoupling-on")
    pg.wait_for_selector("#status.error")
    assert "no shock" in pg.inner_text("#status")
    pg.click("#reset")
    expect(pg.locator("#status")).not_to_have_class("error")
    assert pg.is_checked("#ctl-decoupling-on")
    # the browser logs the 422 response itself; the page throws nothing
    assert [e for e in pg.errors if "status of 422" not in e] == []
