"""Report strings in several languages, and the names of stages, economies and chains.

Every user-facing string of the report lives in ``locales/<lang>.yaml``; placeholders in
braces are filled with :meth:`str.format`. Stage and economy names come from the
world's own tables (``name`` / ``name_vi``), so a new stage needs no translation here.
Units (``t Li contained``) are translated by the ``units`` table of each catalogue and
the bundled scenarios' descriptions by ``locales/scenarios.yaml``; a unit or a
description that no catalogue knows (a user's own world or scenario file) is shown as
written. Numbers are formatted by :mod:`buildrace.reports.formatting` (Babel).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd
import yaml

from buildrace.errors import InputError
from buildrace.reports.formatting import format_number, format_percent

LANGUAGES = ("en", "vi")
"""Languages the report is written in."""


@dataclass(frozen=True)
class Locale:
    """The strings of one language and its number format.

    Attributes
    ----------
    lang : language code (``en``, ``vi``)
    strings : the parsed ``locales/<lang>.yaml``
    """

    lang: str
    strings: dict

    def t(self, key: str, **fields) -> str:
        """The string ``key`` with its placeholders filled from ``fields``."""
        return self.strings[key].format(**fields)

    def chain(self, code: str) -> str:
        """A chain's display name (its code when the locale does not know it)."""
        return self.strings["chains"].get(code, code)

    def number(self, x: float, digits: int = 0) -> str:
        """``x`` with thousands grouped and ``digits`` decimals, in this language's style."""
        return format_number(x, digits, self.lang)

    def percent(self, share: float, digits: int = 0) -> str:
        """A share (0-1) as a percentage."""
        return format_percent(share, digits, self.lang)

    def unit(self, unit: str) -> str:
        """A physical or price unit in this language (as written when the catalogue lacks it)."""
        return str(self.strings.get("units", {}).get(unit, unit))

    def compact(self, x: float) -> str:
        """A short axis label: 12k, 3.4M (or 12 nghìn, 3,4 triệu)."""
        fmt = self.strings["number"]
        size = abs(x)
        for scale, suffix in ((1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
            if size >= scale:
                return self.number(x / scale, 1 if size < 10 * scale else 0) + fmt[suffix]
        return self.number(x, 1 if 0 < size < 10 and not float(x).is_integer() else 0)

    def years(self, n: float) -> str:
        """A duration in years, pluralised (``1 year``, ``2.5 years``)."""
        digits = 0 if float(n).is_integer() else 1
        key = "years_one" if n == 1 else "years_other"
        return self.t(key, n=self.number(n, digits))

    def draws(self, n: int) -> str:
        """``1 draw`` / ``n draws``."""
        return self.t("draws_one") if n == 1 else self.t("draws_other", n=self.number(n))


@cache
def _load(lang: str) -> dict:
    text = (
        resources.files("buildrace.reports").joinpath("locales", f"{lang}.yaml").read_text("utf-8")
    )
    return yaml.safe_load(text)


def load_locale(lang: str) -> Locale:
    """The :class:`Locale` for ``lang``; raises InputError for an unknown language."""
    if lang not in LANGUAGES:
        raise InputError(f"unknown report language {lang!r}; choose one of: {', '.join(LANGUAGES)}")
    return Locale(lang=lang, strings=_load(lang))


def _normalise(text: str) -> str:
    return " ".join(text.split())


@cache
def _scenario_texts() -> dict[str, dict]:
    """Each bundled description, whitespace normalised -> its entry (``en``, ``vi`` ...)."""
    text = (
        resources.files("buildrace.reports")
        .joinpath("locales", "scenarios.yaml")
        .read_text("utf-8")
    )
    return {_normalise(entry["en"]): entry for entry in yaml.safe_load(text).values()}


def scenario_description(description: str | None, lang: str) -> str:
    """A scenario's description in ``lang``.

    The translation in ``locales/scenarios.yaml`` is used only while the scenario still
    carries the English text it was made from (line breaks and spacing aside): a
    bundled scenario is shown in ``lang``, while an edited or user-supplied file, whose
    words no translator has seen, is shown as written.

    Parameters
    ----------
    description : the scenario's ``description`` field (``None`` or empty: none)
    lang : a language of :data:`LANGUAGES`

    Returns
    -------
    str
        The text, stripped; empty when there is no description.
    """
    text = (description or "").strip()
    if not text or lang == "en":
        return text
    entry = _scenario_texts().get(_normalise(text), {})
    local = entry.get(lang)
    return local.strip() if isinstance(local, str) and local.strip() else text


@dataclass(frozen=True)
class Names:
    """Display names and units of stages and economies from a world's tables.

    Either table may be empty (results from a world that is not embedded): codes then
    stand in for names, and prices are shown per the stage's own unit.
    """

    lang: str
    stages: pd.DataFrame
    economies: pd.DataFrame

    def _name(self, table: pd.DataFrame, code: str) -> str:
        if code not in table.index:
            return code
        row = table.loc[code]
        local = row.get(f"name_{self.lang}") if self.lang != "en" else None
        for name in (local, row.get("name")):
            if isinstance(name, str) and name.strip():
                return name
        return code

    def stage(self, code: str) -> str:
        return self._name(self.stages, code)

    def economy(self, code: str) -> str:
        return self._name(self.economies, code)

    def _translate_unit(self, unit: str) -> str:
        return load_locale(self.lang).unit(unit) if self.lang in LANGUAGES else unit

    def unit(self, stage: str) -> str:
        """The stage's physical unit in this language (``GWh``, ``t Li quy đổi``, ``xe``)."""
        if stage in self.stages.index and "unit" in self.stages.columns:
            return self._translate_unit(str(self.stages.loc[stage, "unit"]))
        return ""

    def price_unit(self, stage: str) -> tuple[str, float]:
        """The unit prices are shown in (``USD/kWh``) and the factor from USD per unit."""
        if stage in self.stages.index and {"price_unit", "price_factor"} <= set(
            self.stages.columns
        ):
            factor = float(self.stages.loc[stage, "price_factor"])
            if math.isfinite(factor) and factor > 0:
                return self._translate_unit(str(self.stages.loc[stage, "price_unit"])), factor
        unit = self.unit(stage)
        return (f"USD/{unit}" if unit else "USD"), 1.0


def world_names(world_name: str, lang: str) -> Names:
    """:class:`Names` from the embedded world ``world_name`` (codes if it is not embedded)."""
    from buildrace.model.world import load_world

    try:
        world = load_world(world_name)
    except InputError:
        return Names(lang=lang, stages=pd.DataFrame(), economies=pd.DataFrame())
    return Names(lang=lang, stages=world.stages, economies=world.economies)


__all__ = ["LANGUAGES", "Locale", "Names", "load_locale", "scenario_description", "world_names"]
