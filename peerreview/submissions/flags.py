"""Value flags: why a value is missing or how far it can be trusted.

Defined here for the spreadsheets (issue 7) until value flags are stored with the
values; the data-entry pages use the same codes. A code is what files carry in their
Flag column (CSV) and what is stored; the label is what the XLSX drop-down offers.
Both are accepted on import, in any letter case.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

NOT_AVAILABLE = "not_available"
NOT_APPLICABLE = "not_applicable"
CONFIDENTIAL = "confidential"
ESTIMATED = "estimated"
PROVISIONAL = "provisional"
BREAK_IN_SERIES = "break_in_series"

FLAGS: dict[str, object] = {
    NOT_AVAILABLE: _l("not available"),
    NOT_APPLICABLE: _l("not applicable"),
    CONFIDENTIAL: _l("confidential"),
    ESTIMATED: _l("estimated"),
    PROVISIONAL: _l("provisional"),
    BREAK_IN_SERIES: _l("break in series"),
}

# Flags that say there is no value: a value beside them contradicts the flag.
WITHOUT_VALUE = frozenset({NOT_AVAILABLE, NOT_APPLICABLE})

# The drop-down in the XLSX template offers these (English, as the file is exchanged between countries).
DROPDOWN_LABELS = {code: code.replace("_", " ") for code in FLAGS}


def flag_code(text: str) -> str | None:
    """The flag code of a code or drop-down label ("break in series", "BREAK_IN_SERIES"); "" for no flag.

    None when the text names no flag.
    """
    cleaned = " ".join(str(text).replace("_", " ").split()).lower()
    if cleaned == "":
        return ""
    for code, label in DROPDOWN_LABELS.items():
        if cleaned == label:
            return code
    return None
