"""The HTML report: self-contained, shows the verdict and figures, in English and Vietnamese."""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser

import numpy as np
import pytest
import yaml

from buildrace import api
from buildrace.errors import InputError
from buildrace.reports import LANGUAGES, build_report, render_report
from buildrace.reports.i18n import _load, load_locale

pytest.importorskip(
    "matplotlib", reason="the report needs matplotlib (pip install 'buildrace[viz]')"
)

VOID = {"meta", "br", "img", "hr", "input", "link", "col", "area", "base", "source", "wbr"}


@pytest.fixture(scope="module")
def report_en(race, tmp_path_factory):
    path = build_report(race, tmp_path_factory.mktemp("report") / "sub" / "report.html")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def report_vi(race):
    return render_report(race, lang="vi")


class _Checker(HTMLParser):
    """Checks that every non-void element is closed in order, and collects text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.ids += [v for k, v in attrs if k == "id"]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.ids += [v for k, v in attrs if k == "id"]

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Checker:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    return checker


def test_report_is_well_formed_html(report_en):
    assert report_en.startswith("<!DOCTYPE html>")
    checker = _parse(report_en)
    assert checker.errors == []
    assert checker.stack == []
    assert len(checker.ids) == len(set(checker.ids)), "duplicate element ids"


def test_report_shows_the_verdict_and_the_table(race, report_en):
    text = " ".join(_parse(report_en).text)
    assert "The verdict" in text
    for chain in race.summary["verdict"]:
        assert load_locale("en").chain(chain) in text
    assert "First to close its gap" in text or "tie" in text or "Neither side" in text
    assert "<table>" in report_en and "Lithium refining" in text
    assert "USD/kWh" in report_en, "cell and pack costs are shown per kWh"


def test_report_has_inline_svg_figures(report_en):
    figures = re.findall(r"<figure\b.*?</figure>", report_en, flags=re.S)
    assert 5 <= len(figures) <= 8
    assert all("<svg" in f and "</svg>" in f for f in figures)
    assert len(report_en.encode()) < 2_000_000


def test_report_fetches_nothing(report_en):
    assert "<script" not in report_en
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", report_en, flags=re.I)
    assert not re.search(r"""url\(\s*["']?\s*(https?:)?//""", report_en, flags=re.I)
    assert "@import" not in report_en
    assert not re.search(r"https?://", report_en)


def test_report_is_reproducible(race, report_en):
    assert render_report(race) == report_en


def test_vietnamese_report(race, report_vi):
    assert '<html lang="vi">' in report_vi
    text = " ".join(_parse(report_vi).text)
    for phrase in (
        "Kết luận",
        "Câu hỏi",
        "Hoa Kỳ",
        "Trung Quốc",
        "Pin lithi-ion",
        "Tinh chế lithi",
    ):
        assert phrase in text
    assert "The verdict" not in text
    assert _parse(report_vi).errors == []


def test_every_locale_has_the_same_keys():
    def keys(d, prefix=""):
        out = set()
        for k, v in d.items():
            out |= keys(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k}
        return out

    en = keys(_load("en"))
    for lang in LANGUAGES:
        assert keys(_load(lang)) == en, lang
        # Placeholders are the same in every translation.
        flat_en, flat = yaml.safe_load(yaml.safe_dump(_load("en"))), _load(lang)
        for key in ("question", "verdict_intro", "fig_timeline_caption", "table_note"):
            assert set(re.findall(r"{(\w+)}", flat[key])) == set(
                re.findall(r"{(\w+)}", flat_en[key])
            )


def test_numbers_follow_the_language():
    assert load_locale("en").number(12345.5, 1) == "12,345.5"
    assert load_locale("vi").number(12345.5, 1) == "12.345,5"
    assert load_locale("en").years(1) == "1 year"
    assert load_locale("en").years(3) == "3 years"


def test_unknown_language_is_refused(race):
    with pytest.raises(InputError, match="unknown report language"):
        render_report(race, lang="xx")


def test_report_leaves_no_global_plot_state(race):
    import matplotlib

    backend, rc = matplotlib.get_backend(), dict(matplotlib.rcParams)
    render_report(race)
    assert matplotlib.get_backend() == backend
    assert dict(matplotlib.rcParams) == rc


def test_importing_reports_does_not_import_matplotlib():
    import subprocess

    code = "import buildrace.reports, sys; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_several_draws_draw_bands(tmp_path):
    with np.errstate(invalid="ignore"):
        race = api.race("race", draws=3)
    page = render_report(race)
    assert "5–95%" in page
    assert _parse(page).errors == []
