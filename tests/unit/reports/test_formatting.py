"""Numbers, percentages, money and dates per language (Babel), and English unchanged."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buildrace.errors import InputError
from buildrace.reports.formatting import (
    format_currency,
    format_date,
    format_number,
    format_percent,
    format_significant,
)


def test_vietnamese_groups_with_points_and_decimals_with_a_comma():
    assert format_number(1234.5, 1, "vi") == "1.234,5"
    assert format_number(1234.5, 1, "en") == "1,234.5"
    assert format_number(-1_234_567, 0, "vi") == "-1.234.567"
    assert format_percent(0.125, 1, "vi") == "12,5%"
    assert format_percent(0.5, 0, "en") == "50%"


@given(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300),
    st.integers(min_value=0, max_value=3),
)
def test_english_is_what_python_formatting_wrote(x, digits):
    # The reports formatted with f"{x:,.{digits}f}" before; every digit is kept.
    assert format_number(x, digits, "en") == f"{x:,.{digits}f}"


@given(st.floats(min_value=-10, max_value=10, allow_nan=False), st.integers(0, 2))
def test_percentages_round_as_before(share, digits):
    assert format_percent(share, digits, "en") == f"{100.0 * share:,.{digits}f}%"


def test_the_smallest_and_largest_floats_do_not_overflow_the_rounding():
    assert format_number(5e-324, 2, "vi") == "0,00"
    assert format_number(1.7976931348623157e308, 0, "en") == f"{1.7976931348623157e308:,.0f}"


def test_non_finite_numbers_are_written_not_raised():
    assert format_number(math.inf, 0, "en") == "∞"
    assert format_number(math.nan, 1, "vi") == "NaN"
    assert format_percent(math.nan, 1, "en") == "NaN%"
    assert format_number(-math.inf, 2, "vi") == "-∞"


def test_money_follows_the_locale():
    assert format_currency(1234.5, "USD", "en") == "$1,234"
    assert format_currency(1234.5, "USD", "en", digits=2) == "$1,234.50"
    assert format_currency(1234.5, "USD", "vi", digits=2) == "1.234,50\xa0US$"


def test_dates_follow_the_locale():
    day = dt.date(2026, 3, 1)
    assert format_date(day, "en") == "March 1, 2026"
    assert format_date(day, "vi") == "1 tháng 3, 2026"


def test_an_unknown_language_is_a_clear_error():
    with pytest.raises(InputError, match="no number format for language 'xx'"):
        format_number(1.0, 0, "xx")


@given(
    st.one_of(
        st.floats(min_value=1e-4, max_value=999.4),
        st.floats(min_value=-999.4, max_value=-1e-4),
        st.just(0.0),
    ),
    st.booleans(),
)
def test_significant_digits_are_what_g_formatting_wrote(x, sign):
    # The English-only reports (compare, explain, backtest, sensitivity) used "%.3g".
    assert format_significant(x, 3, "en", sign=sign) == (f"{x:+.3g}" if sign else f"{x:.3g}")


def test_large_and_tiny_numbers_are_written_out_not_as_exponents():
    assert format_significant(1234.0) == "1,230"
    assert format_significant(6.3e6, lang="vi") == "6.300.000"
    assert format_significant(1.23e-5) == "0.0000123"
    assert format_significant(0.0009998) == "0.001"
    assert format_significant(-1234.5, sign=True) == "-1,230"
