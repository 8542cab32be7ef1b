"""Helpers for data leaving the application as files."""
from typing import Any

# Cells starting with these are run as formulas by Excel and LibreOffice
# (CSV injection); OWASP recommends prefixing them with a single quote.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text
