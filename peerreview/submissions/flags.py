"""Value flags and source notes: why a value is missing or how far it can be trusted.

A code is what is stored (IndicatorValue.flag, "" for none) and what files carry in their
Flag column; the label is what pages and the XLSX drop-down show. Both are accepted on
import, in any letter case.

The rules of one cell (value, flag, note), in one place for the form, the per-cell editor,
the spreadsheets and the copy from the previous cycle:

- not available / not applicable: the cell has no number (value None);
- confidential, estimated, provisional, break in series: they qualify a number, which is required;
- a source note (at most MAX_NOTE characters) goes with a number or a flag, never alone.

What other organisations may see: a number that is not confidential (`shown_to_others`).
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
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

MAX_NOTE = 2000


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


def flag_label(code: str) -> str:
    """The flag in words, in the reader's language ("" for no flag)."""
    return str(FLAGS[code]) if code in FLAGS else ""


def clean_note(text: str | None) -> str:
    """A note as stored: line ends of any system as \\n, no space around it."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def cell_problem(value: Decimal | None, flag: str, note: str) -> tuple[str, str] | None:
    """Why a cell's value, flag (a code) and note cannot go together, as (field, message): the field is
    "flag", "value" or "note", where the message belongs. None when they can go together."""
    if flag not in FLAGS and flag != "":
        return "flag", _("“%(flag)s” is not a flag; choose one of: %(list)s.", flag=flag,
                 list=", ".join(str(label) for label in FLAGS.values()))
    if flag in WITHOUT_VALUE and value is not None:
        return "value", _("A value flagged “%(flag)s” must be empty: remove the value or the flag.",
                          flag=flag_label(flag))
    if flag and flag not in WITHOUT_VALUE and value is None:
        return "value", _("A value flagged “%(flag)s” needs its number: enter it, or choose “not available”.",
                 flag=flag_label(flag))
    if len(note) > MAX_NOTE:
        return "note", _("The note has %(n)d characters; at most %(max)d are accepted.", n=len(note), max=MAX_NOTE)
    if note and value is None and not flag:
        return "note", _("A note needs a value or a flag beside it: enter the value, or flag why there is none.")
    return None


def shown_to_others(value: Decimal | None, flag: str) -> bool:
    """Whether other organisations may see (and count) this number: a number not flagged confidential."""
    return value is not None and flag != CONFIDENTIAL


def describe(value_text: str, flag: str, note: str) -> str:
    """One cell in words, for conflicts and messages: "12.5, estimated, note: LFS 2023"; "empty"."""
    parts = [p for p in (value_text, flag_label(flag)) if p]
    if note:
        parts.append(_("note: %(note)s", note=note))
    return ", ".join(parts) or _("empty")
