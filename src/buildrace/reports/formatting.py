"""Numbers, percentages, amounts of money and dates written the way each language writes them.

A thin layer over Babel (the CLDR data Python's ecosystem uses): ``1,234.5`` in English,
``1.234,5`` in Vietnamese. Every figure the reports print goes through here, so a new
language needs only its CLDR code in :data:`CLDR_LOCALES` and its catalogues.

Floats are handed to Babel as their exact binary value (``Decimal(x)``) and rounded half
to even, which is what Python's own ``format(x, ",.2f")`` does: English output is the
same, digit for digit, as the f-strings these functions replaced.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
import re
from functools import cache

from babel import Locale as _BabelLocale
from babel import dates as _dates
from babel import numbers as _numbers

from buildrace.errors import InputError

CLDR_LOCALES = {"en": "en", "vi": "vi"}
"""Report language -> the CLDR locale whose conventions it follows."""

# A float's exact decimal expansion has up to ~770 significant digits (the smallest
# subnormal); rounding it needs a context at least that wide, or Decimal raises.
_PRECISION = 800


@cache
def _locale(lang: str) -> _BabelLocale:
    try:
        return _BabelLocale.parse(CLDR_LOCALES[lang])
    except KeyError:
        raise InputError(
            f"no number format for language {lang!r}; choose one of: {', '.join(CLDR_LOCALES)}"
        ) from None


def _pattern(digits: int, suffix: str = "") -> str:
    if digits < 0:
        raise ValueError(f"digits must be >= 0, got {digits}")
    return "#,##0" + ("." + "0" * digits if digits else "") + suffix


def _exact(x: float) -> decimal.Decimal | float:
    x = float(x)
    # NaN and infinities have no Decimal rounding; Babel writes them with the locale's symbols.
    return decimal.Decimal(x) if math.isfinite(x) else x


def _digits(x: float, digits: int) -> int:
    # Babel writes NaN with the pattern's decimals ("NaN,0"); the symbol alone is meant.
    return digits if math.isfinite(float(x)) else 0


def format_number(x: float, digits: int = 0, lang: str = "en") -> str:
    """``x`` with thousands grouped and exactly ``digits`` decimals.

    Parameters
    ----------
    x : the number
    digits : decimals shown (rounded half to even)
    lang : report language (``en``, ``vi``)

    Examples
    --------
    >>> format_number(1234.5, 1, "en"), format_number(1234.5, 1, "vi")
    ('1,234.5', '1.234,5')
    """
    with decimal.localcontext() as ctx:
        ctx.prec = _PRECISION
        return _numbers.format_decimal(
            _exact(x), format=_pattern(_digits(x, digits)), locale=_locale(lang)
        )


def format_percent(share: float, digits: int = 0, lang: str = "en") -> str:
    """A share (0-1) as a percentage with ``digits`` decimals: ``12.5%``, ``12,5%``.

    The share is scaled by 100 as a float first, as the reports always did, so that
    half-way cases round the same way they did before.
    """
    scaled = 100.0 * float(share)
    value = decimal.Decimal(scaled).scaleb(-2) if math.isfinite(scaled) else scaled / 100.0
    with decimal.localcontext() as ctx:
        ctx.prec = _PRECISION
        return _numbers.format_percent(
            value, format=_pattern(_digits(scaled, digits), "%"), locale=_locale(lang)
        )


def format_significant(x: float, digits: int = 3, lang: str = "en", sign: bool = False) -> str:
    """``x`` to ``digits`` significant digits, trailing zeros dropped, as ``%g`` writes it
    between 1e-4 and ``10**digits``: ``0.125``, ``1.5``, ``+12.3``.

    Beyond that range ``%g`` switches to exponents (``1.23e+03``); here the digits are
    written out and grouped instead (``1,230``), as a reader of a table expects.

    Parameters
    ----------
    x : the number
    digits : significant digits kept (rounded half to even on the exact value)
    lang : report language
    sign : write ``+`` before positive numbers and zero (for differences)
    """
    x = float(x)
    if not math.isfinite(x):
        return format_number(x, 0, lang)
    # Python rounds to significant digits correctly; Babel's own significant-digit
    # patterns misplace the point at a power of ten (0.0009998 -> "0.0001").
    rounded = decimal.Decimal(f"{x:.{digits}g}")
    exponent = rounded.as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    pattern = _pattern(places)
    if sign:
        pattern = f"+{pattern};-{pattern}"
    with decimal.localcontext() as ctx:
        ctx.prec = _PRECISION
        return _numbers.format_decimal(rounded, format=pattern, locale=_locale(lang))


def format_currency(amount: float, currency: str = "USD", lang: str = "en", digits: int = 0) -> str:
    """An amount of money with the locale's currency sign in its place: ``$1,235``, ``1.235 US$``.

    Parameters
    ----------
    amount : the amount in ``currency``
    currency : ISO 4217 code
    lang : report language
    digits : decimals shown (the locale's pattern keeps its sign placement and spacing)
    """
    loc = _locale(lang)
    # CLDR's standard pattern (e.g. "¤#,##0.00", "#,##0.00 ¤") fixes two decimals; only
    # the decimals change here.
    standard = loc.currency_formats["standard"].pattern.split(";")[0]
    pattern = re.sub(r"#,##0(\.0+)?", _pattern(_digits(amount, digits)), standard, count=1)
    with decimal.localcontext() as ctx:
        ctx.prec = _PRECISION
        return _numbers.format_currency(
            _exact(amount), currency, format=pattern, locale=loc, currency_digits=False
        )


def format_date(value: _dt.date, lang: str = "en", style: str = "long") -> str:
    """A date in the locale's ``short``/``medium``/``long``/``full`` style: ``March 1, 2026``,
    ``1 tháng 3, 2026``."""
    return _dates.format_date(value, format=style, locale=_locale(lang))


__all__ = [
    "CLDR_LOCALES",
    "format_currency",
    "format_date",
    "format_number",
    "format_percent",
    "format_significant",
]
