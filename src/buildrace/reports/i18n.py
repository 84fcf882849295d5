"""Report strings in several languages, and the names of stages, economies and chains.

Every user-facing string of the report lives in ``locales/<lang>.yaml``; placeholders in
braces are filled with :meth:`str.format`. Stage and economy names come from the
world's own tables (``name`` / ``name_vi``), so a new stage needs no translation here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd
import yaml

from buildrace.errors import InputError

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
        text = f"{x:,.{digits}f}"
        fmt = self.strings["number"]
        # Swap through a placeholder: in Vietnamese "," and "." trade places.
        return text.replace(",", "\0").replace(".", fmt["decimal"]).replace("\0", fmt["thousands"])

    def percent(self, share: float, digits: int = 0) -> str:
        """A share (0-1) as a percentage."""
        return self.number(100.0 * share, digits) + "%"

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

    def unit(self, stage: str) -> str:
        """The stage's physical unit (``GWh``, ``t``, ``vehicles``)."""
        if stage in self.stages.index and "unit" in self.stages.columns:
            return str(self.stages.loc[stage, "unit"])
        return ""

    def price_unit(self, stage: str) -> tuple[str, float]:
        """The unit prices are shown in (``USD/kWh``) and the factor from USD per unit."""
        if stage in self.stages.index and {"price_unit", "price_factor"} <= set(
            self.stages.columns
        ):
            factor = float(self.stages.loc[stage, "price_factor"])
            if math.isfinite(factor) and factor > 0:
                return str(self.stages.loc[stage, "price_unit"]), factor
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


__all__ = ["LANGUAGES", "Locale", "Names", "load_locale", "world_names"]
