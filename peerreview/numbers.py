"""Reading numbers that people typed: locale formats, ranges, decimals.

Accepts "1234.5", "1 234,5", "1,234.5", "1.234,5", "12,5" and "-3"; refuses
NaN, infinity, exponents, and anything that is not a plain number, each with a
message that says what is wrong. The one rule, in docs/numbers.md:

- spaces (also no-break and thin spaces) and apostrophes group thousands;
- with both a comma and a point, the last one is the decimal separator and the
  other must group by threes (1.234,5 and 1,234.5);
- one kind of separator more than once groups by threes (1,234,567);
- one separator once is the decimal separator (12,5 and 12.5), except when it
  is followed by exactly three digits after one to three digits (1,234 or
  1.234): in a whole-number field that is a thousands separator; in a field
  with decimals it could be either, so it is refused with both readings named.
- "%" after the number is accepted in a percentage field (unit "%").
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from flask_babel import _, ngettext

# Largest magnitude accepted: the column holds 14 integer digits.
MAX_ABS = Decimal("99999999999999")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_PLAIN = re.compile(r"^[+-]?(\d+([.,]\d+)?|[.,]\d+)$")


class ValueProblem(ValueError):
    """The text is not an acceptable value; str() is the user-facing message."""


def _grouped(integer_part: str, separator: str) -> bool:
    """True if digits are grouped by threes with this separator: 1.234.567"""
    return re.fullmatch(r"[+-]?\d{1,3}(" + re.escape(separator) + r"\d{3})+", integer_part) is not None


def _normalise_separators(text: str, *, whole: bool = False) -> str | None:
    """Turn a locale-formatted number into one with a dot as decimal separator.

    Returns None when the separators make no sense (12..5, 1.23.4); raises ValueProblem when
    they could mean two different numbers.
    """
    has_dot, has_comma = "." in text, "," in text
    if has_dot and has_comma:
        # The separator that comes last is the decimal one: 1.234,5 or 1,234.5
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        integer_part, _sep, fraction = text.rpartition(decimal_sep)
        if not _grouped(integer_part, thousands) or not fraction.isdigit():
            return None
        return integer_part.replace(thousands, "") + "." + fraction
    for separator in (",", "."):
        if text.count(separator) > 1:  # 1,234,567 or 1.234.567: grouping only
            return text.replace(separator, "") if _grouped(text, separator) else None
    return _one_separator(text, whole=whole)


_THOUSANDS_OR_DECIMAL = re.compile(r"([+-]?)([1-9]\d{0,2})([.,])(\d{3})")


def _one_separator(text: str, *, whole: bool) -> str:
    """At most one comma or point: a decimal separator, unless it may group thousands (1,234).

    1,234 is one thousand two hundred and thirty-four in a whole-number field (where a decimal is
    refused anyway); in a field with decimals it is refused, naming both readings. 12,5, 0,125 and
    1234,567 cannot be grouping: decimal separators.
    """
    match = _THOUSANDS_OR_DECIMAL.fullmatch(text)
    if match is None:
        return text.replace(",", ".")  # 12,5: decimal comma; 12.5 as it is
    sign, integer, separator, fraction = match.groups()
    if whole:
        return sign + integer + fraction
    raise ValueProblem(_("“%(text)s” could mean %(thousands)s or %(decimal)s. For %(thousands)s, write it without "
                         "a separator; for %(decimal)s, add a zero: %(longer)s.", text=text,
                         thousands=sign + integer + fraction, decimal=f"{sign}{integer}.{fraction}",
                         longer=f"{sign}{integer}{separator}{fraction}0"))


def parse_decimal(raw: str, *, whole: bool = False) -> Decimal | None:
    """Parse text into a Decimal, or None when empty. Raises ValueProblem.

    `whole`: the field takes whole numbers only, so 1,234 and 1.234 group thousands.
    """
    if raw is None:
        return None
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if text == "":
        return None
    if len(text) > 40:
        raise ValueProblem(_("This is too long to be a number."))
    text = _SPACES.sub("", text).replace("\u2212", "-")
    normalised = _normalise_separators(text, whole=whole)
    if normalised is None or not _PLAIN.match(normalised):
        lowered = text.lower()
        if lowered in {"nan", "inf", "-inf", "+inf", "infinity", "-infinity"}:
            raise ValueProblem(_("Enter a finite number."))
        raise ValueProblem(_("Enter a number, like 12.5 or 12,5."))
    try:
        value = Decimal(normalised)
    except InvalidOperation:
        raise ValueProblem(_("Enter a number, like 12.5 or 12,5.")) from None
    if abs(value) > MAX_ABS:
        raise ValueProblem(_("This number is too large."))
    return value


def check_value(value: Decimal, *, decimals: int, min_value: Decimal | None,
                max_value: Decimal | None) -> None:
    """Raise ValueProblem if the value breaks the indicator's rules."""
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > decimals:
        if decimals == 0:
            raise ValueProblem(_("Enter a whole number, without decimals."))
        raise ValueProblem(ngettext("Use at most %(num)d decimal place.", "Use at most %(num)d decimal places.",
                                    decimals))
    if min_value is not None and value < min_value:
        raise ValueProblem(_("Must be at least %(min)s.", min=format_plain(min_value)))
    if max_value is not None and value > max_value:
        raise ValueProblem(_("Must be at most %(max)s.", max=format_plain(max_value)))


def is_percentage(indicator) -> bool:
    return (indicator.unit or "").strip() == "%"


def parse_indicator_value(raw: str, indicator) -> Decimal | None:
    """Read one cell of an indicator: its decimals, range and unit ("45.9%" in a percentage field)."""
    text = "" if raw is None else unicodedata.normalize("NFKC", str(raw)).strip()
    if text.endswith("%"):
        if not is_percentage(indicator):
            raise ValueProblem(_("This figure is not a percentage: enter the number without %."))
        text = text[:-1]
    value = parse_decimal(text, whole=indicator.decimals == 0)
    if value is not None:
        check_value(value, decimals=indicator.decimals, min_value=indicator.min_value,
                    max_value=indicator.max_value)
    return value


def parse_plain(text: str) -> Decimal | None:
    """Read a number in the app's own plain format (format_plain: a point, no grouping); None if empty.

    For values the app itself wrote into a form (the value a cell was loaded with), which are never
    ambiguous: 1.234 there is always one point two three four.
    """
    text = (text or "").strip()
    if text == "":
        return None
    if not _PLAIN.match(text) or "," in text:
        raise ValueProblem(_("Enter a number, like 12.5 or 12,5."))
    return Decimal(text)


def format_plain(value: Decimal | None, decimals: int | None = None) -> str:
    """A value as the form shows it: dot decimal separator, no grouping."""
    if value is None:
        return ""
    if decimals is not None:
        return f"{value:.{decimals}f}"
    text = format(value.normalize(), "f")
    return text


def range_in_words(min_value: Decimal | None, max_value: Decimal | None) -> str:
    """An indicator's valid range as the form says it: "0 to 100", "0 or more", "100 or less", or ""."""
    if min_value is not None and max_value is not None:
        return _("%(min)s to %(max)s", min=format_plain(min_value), max=format_plain(max_value))
    if min_value is not None:
        return _("%(min)s or more", min=format_plain(min_value))
    if max_value is not None:
        return _("%(max)s or less", max=format_plain(max_value))
    return ""
