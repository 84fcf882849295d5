"""The dashboard in a real browser: Debian's chromium driven by Playwright.

The page's Content-Security-Policy forbids evaluated strings, so waits use Playwright's
``expect`` on locators rather than ``wait_for_function``.

Skipped when ``/usr/bin/chromium`` or the ``playwright`` package is missing (the
browser is never downloaded: Playwright drives the system's chromium).
"""

from __future__ import annotations

import os

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


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.errors = []
    pg.offsite = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("request", lambda r: None if r.url.startswith((server.url, "data:")) else pg.offsite.append(r.url))
    yield pg
    context.close()


def verdict_text(pg) -> str:
    return pg.inner_text("#verdict")


def test_levers_language_and_siting(page, server, tmp_path):
    pg = page
    pg.goto(server.url + "/")
    pg.wait_for_selector("#verdict .card >> nth=3")
    assert pg.locator("#verdict .card").count() == 4
    assert "First to close its gap" in verdict_text(pg) or "Neither side" in verdict_text(pg)
    assert "2026" in pg.inner_text("#verdict-sub")
    assert pg.locator("#fig-capacity svg path").count() >= 4
    assert pg.locator("#fig-timeline svg rect").count() > 10
    before_chart = pg.get_attribute("#fig-capacity .chart", "aria-label")
    before_verdict = verdict_text(pg)

    # move a lever with the keyboard: the decoupling starts four years later
    pg.focus("#ctl-decoupling")
    for _ in range(4):
        pg.keyboard.press("ArrowRight")
    assert pg.input_value("#ctl-decoupling") == "2030"
    expect(pg.locator("#verdict-sub")).to_contain_text("2030")
    assert pg.locator("#lever-decoupling.changed").count() == 1
    assert "1 lever(s) changed" in pg.inner_text("#changes")
    assert pg.get_attribute("#fig-capacity .chart", "aria-label") != before_chart
    # the cards show how the answer moved (where it moved: with sustained recovery on the
    # reference path, a later shock can leave every chain "not by 2050" on both runs)
    after_verdict = verdict_text(pg)
    assert ("before:" in after_verdict) or after_verdict == before_verdict

    # a second lever by click: China's rare-earth ban (a second shock)
    pg.check("#ctl-rare_earth_control")
    expect(pg.locator("#changes")).to_contain_text("2 lever")
    pg.wait_for_selector("#panel-race:not(.busy)")
    assert not pg.locator("#status.error").count()

    # Vietnamese
    pg.click("button[data-lang=vi]")
    assert pg.inner_text("h1") == "Cuộc đua chuỗi cung ứng"
    assert pg.get_attribute("html", "lang") == "vi"
    assert "Hoa Kỳ" in verdict_text(pg) and "Trung Quốc" in verdict_text(pg)
    assert "Công suất sản xuất" in pg.inner_text("#fig-capacity figcaption")
    assert "Thuế Mục 301" in pg.inner_text("#levers")

    # Siting tab: the choropleth
    pg.click("#tab-siting")
    pg.wait_for_selector("#site-map svg")
    assert pg.locator("#site-map svg use").count() >= 48
    assert "Điểm tổng hợp" in pg.text_content("#site-map svg > title")
    assert pg.locator("#site-designated li").count() >= 1
    assert pg.locator("#site-ranks tbody tr.chosen").count() >= 1
    pg.select_option("#chain", "solar_pv")
    expect(pg.locator("#site-map svg > title")).to_contain_text("Điện mặt trời")

    shot = tmp_path / "dashboard.png"
    pg.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert pg.errors == []
    assert pg.offsite == []  # nothing requested outside the server


def test_server_errors_are_shown_not_thrown(page, server):
    pg = page
    pg.goto(server.url + "/")
    pg.wait_for_selector("#verdict .card")
    # switching the only shock off leaves nothing to race: the server's message is shown
    pg.uncheck("#ctl-decoupling-on")
    pg.wait_for_selector("#status.error")
    assert "no shock" in pg.inner_text("#status")
    pg.click("#reset")
    expect(pg.locator("#status")).not_to_have_class("error")
    assert pg.is_checked("#ctl-decoupling-on")
    assert pg.errors == []
