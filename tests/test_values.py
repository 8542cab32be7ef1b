"""Reading typed numbers: locale formats, ranges, decimals, hostile input."""
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerreview.numbers import ValueProblem, check_value, parse_decimal


@pytest.mark.parametrize(("text", "expected"), [
    ("12.5", "12.5"), ("12,5", "12.5"), ("1 234,5", "1234.5"), ("1.234,5", "1234.5"),
    ("1,234.5", "1234.5"), ("1\u00a0234", "1234"), ("1\u202f234,75", "1234.75"), ("-3", "-3"),
    ("\u22123", "-3"), ("+7", "7"), (",5", "0.5"), ("1.234.567", "1234567"), ("1,234,567", "1234567"),
    ("  42  ", "42"), ("１２", "12"),
])
def test_accepts_common_locale_formats(app, text, expected):
    with app.app_context():
        assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_is_none(app, text):
    with app.app_context():
        assert parse_decimal(text) is None


@pytest.mark.parametrize(("text", "message"), [
    ("abc", "Enter a number"), ("NaN", "finite"), ("inf", "finite"), ("-Infinity", "finite"),
    ("1e5", "Enter a number"), ("12..5", "Enter a number"), ("=1+1", "Enter a number"),
    ("9" * 30, "too large"), ("1" * 50, "too long"), ("12,5%", "Enter a number"), ("0x10", "Enter a number"),
])
def test_refuses_with_a_clear_message(app, text, message):
    with app.app_context():
        with pytest.raises(ValueProblem) as problem:
            parse_decimal(text)
        assert message in str(problem.value)


def test_decimals_and_range(app):
    with app.app_context():
        check_value(Decimal("12.5"), decimals=1, min_value=Decimal(0), max_value=Decimal(100))
        check_value(Decimal("12.50"), decimals=1, min_value=None, max_value=None)  # trailing zero is fine
        with pytest.raises(ValueProblem, match="at most 1 decimal"):
            check_value(Decimal("12.55"), decimals=1, min_value=None, max_value=None)
        with pytest.raises(ValueProblem, match="whole number"):
            check_value(Decimal("3.5"), decimals=0, min_value=None, max_value=None)
        with pytest.raises(ValueProblem, match="at most 100"):
            check_value(Decimal("100.1"), decimals=1, min_value=Decimal(0), max_value=Decimal(100))
        with pytest.raises(ValueProblem, match="at least 0"):
            check_value(Decimal("-1"), decimals=1, min_value=Decimal(0), max_value=Decimal(100))


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_parser_never_crashes_on_random_text(app, text):
    with app.app_context():
        try:
            value = parse_decimal(text)
        except ValueProblem as problem:
            assert str(problem)
        else:
            assert value is None or value.is_finite()


@settings(max_examples=200, deadline=None)
@given(st.one_of(*(st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**12, max_value=10**12,
                                places=places) for places in (1, 2, 4))))
def test_round_trip_of_plain_numbers(app, number):
    # Three decimals after one to three digits (1,234) are refused as ambiguous: tests/test_rules_values.py.
    with app.app_context():
        assert parse_decimal(str(number)) == number
        assert parse_decimal(str(number).replace(".", ",")) == number
