"""Value parsing, rule by rule: every refusal names what is wrong, every boundary is exact.

Written against `make mutate` (docs/testing.md): each test pins one rule of
peerreview/numbers.py so that changing the rule turns a test red.
"""
from decimal import Decimal
from types import SimpleNamespace

import pytest

from peerreview.numbers import (
    MAX_ABS,
    ValueProblem,
    check_value,
    format_plain,
    parse_decimal,
    parse_indicator_value,
    parse_plain,
)

NOT_A_NUMBER = "Enter a number, like 12.5 or 12,5."
NOT_FINITE = "Enter a finite number."
TOO_LONG = "This is too long to be a number."
TOO_LARGE = "This number is too large."


@pytest.fixture()
def ctx(app):
    with app.app_context():
        yield


def refusal(text) -> str:
    with pytest.raises(ValueProblem) as problem:
        parse_decimal(text)
    return str(problem.value)


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf", "+inf", "Infinity", "-INFINITY", "+Inf"])
def test_every_spelling_of_infinity_and_nan_is_refused_as_not_finite(ctx, text):
    assert refusal(text) == NOT_FINITE


@pytest.mark.parametrize("text", ["abc", "1e5", "12..5", "0x10", "12,5%", "1.2.3,4,5", "--3"])
def test_anything_else_that_is_not_a_number_gets_the_example(ctx, text):
    assert refusal(text) == NOT_A_NUMBER


def test_forty_characters_are_read_and_forty_one_are_too_long(ctx):
    forty = "1" * 13 + "." + "0" * 26
    assert len(forty) == 40
    assert parse_decimal(forty) == Decimal("1111111111111")
    assert refusal(forty + "0") == TOO_LONG
    # the length is counted before spaces are taken out: 40 digits with group spaces are too long
    assert refusal("1 000 000 000 000 000 000 000 000 000 000") == TOO_LONG


def test_the_largest_magnitude_is_accepted_and_one_more_is_too_large(ctx):
    assert MAX_ABS == Decimal("99999999999999")
    assert parse_decimal("99999999999999") == MAX_ABS
    assert parse_decimal("-99999999999999") == -MAX_ABS
    assert refusal("100000000000000") == TOO_LARGE
    assert refusal("-100000000000000") == TOO_LARGE
    assert refusal("99999999999999.5") == TOO_LARGE


@pytest.mark.parametrize(("text", "expected"), [
    ("1.234,5", "1234.5"),        # dot groups, comma decimal
    ("1,234.5", "1234.5"),        # comma groups, dot decimal
    ("12.345.678,9", "12345678.9"),
    ("12,345,678.9", "12345678.9"),
    ("-1.234,5", "-1234.5"),
    ("12,5", "12.5"),             # one comma alone, not before three digits: a decimal comma
    ("0,125", "0.125"),           # 0 cannot begin a group of thousands
    ("1234,567", "1234.567"),     # four digits before it: not grouping
    ("1,2345", "1.2345"),
    ("-1,23", "-1.23"),
    ("1.234.567", "1234567"),     # two dots can only be grouping
    ("1'234'567", "1234567"),     # Swiss apostrophes are spaces
    ("\u22121,5", "-1.5"),        # the minus sign of typeset text
])
def test_locale_separators(ctx, text, expected):
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", [
    "12.34,5",      # dot-grouped integer part that is not grouped by threes
    "1.2345,6",
    "1,23.4",
    "1.234,",       # nothing after the decimal separator
    "1.234,5a",
    "1,23,456",     # commas not by threes: neither grouping nor a decimal comma
    "1.23.456",
    "1,2,3.4",
])
def test_separators_that_make_no_sense_are_refused(ctx, text):
    assert refusal(text) == NOT_A_NUMBER


def test_whole_numbers_refuse_decimals_with_their_own_message(ctx):
    with pytest.raises(ValueProblem) as problem:
        check_value(Decimal("3.5"), decimals=0, min_value=None, max_value=None)
    assert str(problem.value) == "Enter a whole number, without decimals."
    check_value(Decimal("3.0"), decimals=0, min_value=None, max_value=None)  # 3.0 is a whole number
    check_value(Decimal("300"), decimals=0, min_value=None, max_value=None)


def test_decimal_places_are_counted_without_trailing_zeros(ctx):
    check_value(Decimal("1.25"), decimals=2, min_value=None, max_value=None)
    check_value(Decimal("1.2500"), decimals=2, min_value=None, max_value=None)
    with pytest.raises(ValueProblem) as problem:
        check_value(Decimal("1.255"), decimals=2, min_value=None, max_value=None)
    assert str(problem.value) == "Use at most 2 decimal places."


def test_range_limits_are_inclusive_and_named_in_the_message(ctx):
    low, high = Decimal("0.5"), Decimal("100")
    check_value(low, decimals=1, min_value=low, max_value=high)
    check_value(high, decimals=1, min_value=low, max_value=high)
    with pytest.raises(ValueProblem) as below:
        check_value(Decimal("0.4"), decimals=1, min_value=low, max_value=high)
    assert str(below.value) == "Must be at least 0.5."
    with pytest.raises(ValueProblem) as above:
        check_value(Decimal("100.1"), decimals=1, min_value=low, max_value=high)
    assert str(above.value) == "Must be at most 100."


def test_an_open_range_accepts_anything_within_the_decimals(ctx):
    check_value(Decimal("-99999"), decimals=0, min_value=None, max_value=None)
    check_value(Decimal("99999"), decimals=0, min_value=None, max_value=None)
    check_value(Decimal("-5"), decimals=0, min_value=None, max_value=Decimal(10))
    check_value(Decimal("50"), decimals=0, min_value=Decimal(10), max_value=None)


def test_parse_indicator_value_applies_the_indicators_rules(ctx):
    share = SimpleNamespace(decimals=1, min_value=Decimal(0), max_value=Decimal(100))
    assert parse_indicator_value("45,5", share) == Decimal("45.5")
    assert parse_indicator_value("  ", share) is None
    for text, message in (("101", "Must be at most 100."), ("-1", "Must be at least 0."),
                          ("4,55", "Use at most 1 decimal place.")):
        with pytest.raises(ValueProblem) as problem:
            parse_indicator_value(text, share)
        assert str(problem.value) == message


def test_format_plain(ctx):
    assert format_plain(None) == ""
    assert format_plain(None, 2) == ""
    assert format_plain(Decimal("45.50")) == "45.5"
    assert format_plain(Decimal("1E+3")) == "1000"  # never in exponent notation
    assert format_plain(Decimal("1234567.5")) == "1234567.5"  # no grouping
    assert format_plain(Decimal("45.25"), 1) == "45.2"  # half to even, like Decimal
    assert format_plain(Decimal("45"), 2) == "45.00"


@pytest.mark.parametrize(("text", "expected"), [
    ("1,234", "1234"), ("1.234", "1234"), ("-1.234", "-1234"), ("+12,345", "12345"), ("999,999", "999999"),
    ("1,234,567", "1234567"), ("1.234.567", "1234567"), ("1 234", "1234"), ("1234", "1234"),
])
def test_a_whole_number_field_reads_one_separator_before_three_digits_as_thousands(ctx, text, expected):
    assert parse_decimal(text, whole=True) == Decimal(expected)
    count = SimpleNamespace(decimals=0, min_value=Decimal(0), max_value=None, unit="persons")
    if not expected.startswith("-"):
        assert parse_indicator_value(text, count) == Decimal(expected)


@pytest.mark.parametrize(("text", "message"), [
    ("1,5", "Enter a whole number, without decimals."),        # not three digits: a decimal, refused
    ("0,123", "Enter a whole number, without decimals."),      # 0 begins no group of thousands
    ("1234,567", "Enter a whole number, without decimals."),   # four digits before: not grouping
    ("1,2345", "Enter a whole number, without decimals."),
])
def test_a_whole_number_field_still_refuses_real_decimals(ctx, text, message):
    count = SimpleNamespace(decimals=0, min_value=None, max_value=None, unit="persons")
    with pytest.raises(ValueProblem) as problem:
        parse_indicator_value(text, count)
    assert str(problem.value) == message


@pytest.mark.parametrize(("text", "message"), [
    ("1,234", "“1,234” could mean 1234 or 1.234. For 1234, write it without a separator; for 1.234, add a "
              "zero: 1,2340."),
    ("1.234", "“1.234” could mean 1234 or 1.234. For 1234, write it without a separator; for 1.234, add a "
              "zero: 1.2340."),
    ("-12.345", "“-12.345” could mean -12345 or -12.345. For -12345, write it without a separator; for "
                "-12.345, add a zero: -12.3450."),
    ("999,000", "“999,000” could mean 999000 or 999.000. For 999000, write it without a separator; for "
                "999.000, add a zero: 999,0000."),
])
def test_a_field_with_decimals_refuses_one_separator_before_three_digits_naming_both_readings(ctx, text, message):
    assert refusal(text) == message
    share = SimpleNamespace(decimals=3, min_value=None, max_value=None, unit="%")
    with pytest.raises(ValueProblem) as problem:
        parse_indicator_value(text, share)
    assert str(problem.value) == message


def test_the_zero_makes_the_decimal_reading_unambiguous(ctx):
    assert parse_decimal("1,2340") == Decimal("1.234")
    assert parse_decimal("1.2340") == Decimal("1.234")


@pytest.mark.parametrize(("text", "expected"), [("45.9%", "45.9"), ("45,9 %", "45.9"), ("100%", "100"),
                                                ("0 %", "0"), ("  7% ", "7")])
def test_a_percentage_field_accepts_a_percent_sign(ctx, text, expected):
    share = SimpleNamespace(decimals=1, min_value=Decimal(0), max_value=Decimal(100), unit="%")
    assert parse_indicator_value(text, share) == Decimal(expected)


def test_a_percent_sign_elsewhere_is_refused_with_the_reason(ctx):
    count = SimpleNamespace(decimals=0, min_value=None, max_value=None, unit="persons")
    with pytest.raises(ValueProblem) as problem:
        parse_indicator_value("45%", count)
    assert str(problem.value) == "This figure is not a percentage: enter the number without %."
    share = SimpleNamespace(decimals=1, min_value=Decimal(0), max_value=Decimal(100), unit="%")
    for text in ("45%%", "%45", "45% 3"):
        with pytest.raises(ValueProblem) as problem:
            parse_indicator_value(text, share)
        assert str(problem.value) == NOT_A_NUMBER
    assert parse_indicator_value("", share) is None and parse_indicator_value(None, share) is None


def test_decimal_places_in_the_singular_and_plural(ctx):
    with pytest.raises(ValueProblem) as one:
        check_value(Decimal("1.25"), decimals=1, min_value=None, max_value=None)
    assert str(one.value) == "Use at most 1 decimal place."
    with pytest.raises(ValueProblem) as three:
        check_value(Decimal("1.2525"), decimals=3, min_value=None, max_value=None)
    assert str(three.value) == "Use at most 3 decimal places."


@pytest.mark.parametrize(("text", "expected"), [("", None), ("  ", None), (None, None), ("1.234", Decimal("1.234")),
                                                ("-0.5", Decimal("-0.5")), ("1234567", Decimal("1234567"))])
def test_the_apps_own_plain_format_is_read_without_ambiguity(ctx, text, expected):
    assert parse_plain(text) == expected


@pytest.mark.parametrize("text", ["1,5", "1,234", "abc", "1 234", "1.2.3"])
def test_the_plain_format_refuses_anything_else(ctx, text):
    with pytest.raises(ValueProblem) as problem:
        parse_plain(text)
    assert str(problem.value) == NOT_A_NUMBER
