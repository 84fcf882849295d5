"""Every English string has a Vietnamese entry, and the Vietnamese report shows no English
(issue 14, item 3).

The dashboard and the reports each ship an ``en.yaml`` and a ``vi.yaml`` catalogue; a key
present in English but missing in Vietnamese would make the Vietnamese view fall back to
English text, which is what these tests forbid. The same holds for what the catalogues do
not hold themselves: the stage names of the bundled worlds (``stages.csv``, ``name_vi``),
their units (the ``units`` table of the report catalogues) and the bundled scenarios'
descriptions (``reports/locales/scenarios.yaml``).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

from buildrace.data import WORLDS
from buildrace.model.world import load_world
from buildrace.reports.i18n import (
    LANGUAGES,
    Names,
    _load,
    _scenario_texts,
    load_locale,
    scenario_description,
)

ROOT = Path(__file__).resolve().parents[3]
SRC = ROOT / "src" / "buildrace"
CATALOGUE_DIRS = [SRC / "web" / "locales", SRC / "reports" / "locales"]
SCENARIO_FILES = sorted((SRC / "scenarios").glob("*.yaml")) + sorted(
    (ROOT / "examples").glob("*.yaml")
)
SCENARIO_CATALOGUE = SRC / "reports" / "locales" / "scenarios.yaml"


def _flat_keys(node: dict, prefix: str = "") -> dict[str, object]:
    """Flatten nested catalogue mappings into dotted keys mapped to leaf values."""
    out: dict[str, object] = {}
    for key, value in node.items():
        if isinstance(value, dict):
            out.update(_flat_keys(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("folder", CATALOGUE_DIRS, ids=lambda p: p.parent.name)
def test_every_english_key_has_a_vietnamese_entry(folder: Path) -> None:
    en = _flat_keys(yaml.safe_load((folder / "en.yaml").read_text(encoding="utf-8")))
    vi = _flat_keys(yaml.safe_load((folder / "vi.yaml").read_text(encoding="utf-8")))
    assert en, f"{folder / 'en.yaml'} is empty"
    missing = sorted(set(en) - set(vi))
    assert not missing, f"{folder / 'vi.yaml'} lacks keys: {missing}"
    empty = sorted(k for k in en if isinstance(vi.get(k), str) and not vi[k].strip())
    assert not empty, f"{folder / 'vi.yaml'} has empty entries: {empty}"


# --- stage names and units of the bundled worlds ------------------------------------


@pytest.mark.parametrize("world", WORLDS)
def test_every_stage_and_economy_has_a_vietnamese_name(world: str) -> None:
    w = load_world(world)
    for table, what in ((w.stages, "stages"), (w.economies, "economies")):
        missing = [c for c, v in table["name_vi"].items() if not isinstance(v, str) or not v.strip()]
        assert not missing, f"{world}/{what}.csv: no name_vi for {missing}"
        # A name_vi equal to the English name is an English string in the Vietnamese view.
        same = [c for c, row in table.iterrows() if _words(row["name_vi"]) == _words(row["name"])]
        assert not same, f"{world}/{what}.csv: name_vi repeats the English name for {same}"


@pytest.mark.parametrize("world", WORLDS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_unit_of_the_bundled_worlds_has_a_catalogue_entry(world: str, lang: str) -> None:
    stages = load_world(world).stages
    units = set(stages["unit"]) | set(stages["price_unit"])
    table = load_locale(lang).strings["units"]
    missing = sorted(u for u in units if not str(table.get(u, "")).strip())
    assert not missing, f"reports/locales/{lang}.yaml has no units entry for {missing}"


def test_english_units_are_the_units_as_written() -> None:
    # The English table exists only so that every unit is a key to translate.
    assert all(k == v for k, v in _load("en")["units"].items())


def test_vietnamese_units_read_in_vietnamese() -> None:
    names = Names(lang="vi", stages=load_world("world_2024").stages, economies=pd.DataFrame())
    assert names.unit("li_ion_battery.mine_lithium") == "t Li quy đổi"
    assert names.unit("li_ion_battery.mine_graphite") == "t graphit vảy"
    assert names.unit("ev.assembly") == "xe"
    assert names.price_unit("ev.assembly") == ("USD/xe", 1.0)
    assert names.stage("li_ion_battery.cell_lfp") == "Tế bào pin LFP"
    assert load_locale("vi").t("axis_capacity", unit=names.unit("ev.assembly")) == "xe mỗi năm"


def test_a_unit_no_catalogue_knows_is_shown_as_written() -> None:
    stages = pd.DataFrame(
        {"name": ["Widgets"], "name_vi": [""], "unit": ["widgets"]}, index=["toy.widget"]
    )
    names = Names(lang="vi", stages=stages, economies=pd.DataFrame())
    assert names.unit("toy.widget") == "widgets"
    assert names.price_unit("toy.widget") == ("USD/widgets", 1.0)
    assert names.stage("toy.widget") == "Widgets"


# --- scenario descriptions ----------------------------------------------------------


def test_the_scenario_catalogue_is_a_mapping_of_every_language() -> None:
    entries = yaml.safe_load(SCENARIO_CATALOGUE.read_text(encoding="utf-8"))
    for name, entry in entries.items():
        lacking = [lang for lang in LANGUAGES if not str(entry.get(lang) or "").strip()]
        assert not lacking, f"{SCENARIO_CATALOGUE.name}: {name} lacks {lacking}"


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_every_bundled_description_has_a_current_translation(path: Path) -> None:
    description = yaml.safe_load(path.read_text(encoding="utf-8"))["description"]
    entries = yaml.safe_load(SCENARIO_CATALOGUE.read_text(encoding="utf-8"))
    name = path.name[:-5]
    assert name in entries, f"{SCENARIO_CATALOGUE.name} has no entry for {name}"
    assert _words(entries[name]["en"]) == _words(description), (
        f"{path.name}'s description changed: copy it to `en` of {name} in "
        f"{SCENARIO_CATALOGUE.name} and update the translations"
    )
    for lang in LANGUAGES:
        assert scenario_description(description, lang) == entries[name][lang].strip()


def test_a_description_no_translator_has_seen_is_shown_as_written() -> None:
    own = "  My own scenario: tariffs on everything.\n"
    assert scenario_description(own, "vi") == own.strip()
    assert scenario_description(None, "vi") == ""
    race = next(e for e in _scenario_texts().values() if e["en"].startswith("The default race."))
    # An edited bundled description is the user's text now, not the translated one.
    assert scenario_description(race["en"] + " Edited.", "vi") == race["en"] + " Edited."
    # Line breaks, as a folded YAML block writes them, do not matter.
    assert scenario_description(race["en"].replace(" ", "\n", 3), "vi") == race["vi"].strip()


# --- the Vietnamese report ----------------------------------------------------------


class _Text(HTMLParser):
    """Visible text of a page: text nodes (SVG text included) and accessible labels."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        self.parts += [v for k, v in attrs if k in ("aria-label", "title", "alt") and v]

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _english_strings() -> list[str]:
    """Stage, economy, chain and unit names as English writes them, where Vietnamese
    writes them differently."""
    world = load_world("world_2024")
    en, vi = _load("en"), _load("vi")
    strings = list(world.stages["name"]) + list(world.economies["name"])
    strings += [en["chains"][c] for c in en["chains"] if en["chains"][c] != vi["chains"][c]]
    strings += [u for u, local in vi["units"].items() if local != u]
    return sorted(set(strings))


def test_the_list_of_english_strings_covers_what_was_left_in_english() -> None:
    strings = _english_strings()
    for s in ("t Li contained", "t flake graphite", "vehicles", "LFP battery cells", "China"):
        assert s in strings


def test_the_vietnamese_race_report_shows_no_english_stage_or_unit(race) -> None:
    pytest.importorskip("matplotlib", reason="the report needs matplotlib")
    from buildrace.reports import render_report

    parser = _Text()
    parser.feed(render_report(race, lang="vi"))
    text = _words(" ".join(parser.parts))
    left = [s for s in _english_strings() if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", text)]
    assert not left, f"English left in the Vietnamese report: {left}"
    description = race.scenario.description
    assert _words(description) not in text
    assert scenario_description(description, "vi") in text
    for phrase in ("t Li quy đổi", "t graphit vảy", "xe mỗi năm", "Tế bào pin LFP"):
        assert phrase in text
    # Vietnamese numbers: a comma before the decimals, a point between thousands; the
    # package version (0.1.0) is no number.
    numbers = text.replace(str(race.results.attrs.get("buildrace_version", "")), "")
    assert re.search(r"\d,\d", numbers)
    assert not re.findall(r"\d\.\d{1,2}(?!\d)", numbers), "an English decimal point"
    assert not re.findall(r"\d,\d{3}(?!\d)", numbers), "an English thousands separator"


@pytest.mark.parametrize("folder", CATALOGUE_DIRS, ids=lambda p: p.parent.name)
def test_every_translation_keeps_the_placeholders(folder: Path) -> None:
    # A placeholder dropped in translation silently loses a name or a number from the
    # sentence; one added raises KeyError when the string is filled.
    en = _flat_keys(yaml.safe_load((folder / "en.yaml").read_text(encoding="utf-8")))
    vi = _flat_keys(yaml.safe_load((folder / "vi.yaml").read_text(encoding="utf-8")))
    fields = re.compile(r"{(\w*)}")
    differ = {
        k: (sorted(set(fields.findall(str(v)))), sorted(set(fields.findall(str(vi.get(k, ""))))))
        for k, v in en.items()
        if set(fields.findall(str(v))) != set(fields.findall(str(vi.get(k, ""))))
    }
    assert not differ, f"{folder / 'vi.yaml'}: placeholders differ (en, vi): {differ}"
