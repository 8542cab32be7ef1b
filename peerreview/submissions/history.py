"""A value's history in words: what each save changed, for the delegation, the secretariat and reviewers."""
from __future__ import annotations

from flask_babel import _

from peerreview.submissions.flags import CONFIDENTIAL, flag_label


def changed_cells(after: dict) -> list[str]:
    """The cells one "submission.values" event touched (values, flags or notes), in first-seen order."""
    cells: list[str] = []
    for key in after:
        cell = key.split(":", 1)[1] if key.startswith(("flag:", "note:")) else key
        if cell not in ("channel", "request") and cell not in cells:  # "request": a correction on request
            cells.append(cell)
    return cells


def change_words(before: dict, after: dict, labels: dict[str, str], hidden: set[str]) -> list[str]:
    """One phrase per cell of a "submission.values" event: "1a Total 2022: 12 → 13, flagged estimated".

    The event holds {cell: value} for changed values, and "flag:<cell>" and "note:<cell>" for changed
    flags and notes (services.history_entries). Numbers of the cells in `hidden` (confidential values,
    for a reader from another organisation) and of cells flagged confidential before or after this
    change are left out.
    """
    phrases = []
    for cell in changed_cells(after):
        parts = []
        flag_key, note_key = "flag:" + cell, "note:" + cell
        secret = cell in hidden or CONFIDENTIAL in (before.get(flag_key), after.get(flag_key))
        if cell in after:
            if secret:
                parts.append(_("confidential value changed"))
            else:
                parts.append(f"{before.get(cell) or '–'} → {after.get(cell) or '–'}")
        if flag_key in after:
            if after[flag_key]:
                parts.append(_("flagged %(flag)s", flag=flag_label(after[flag_key])))
            else:
                parts.append(_("flag %(flag)s removed", flag=flag_label(before.get(flag_key) or "")))
        if note_key in after:
            if not after[note_key]:
                parts.append(_("note removed"))
            elif not before.get(note_key):
                parts.append(_("note added"))
            else:
                parts.append(_("note changed"))
        phrases.append(f"{labels.get(cell, cell)}: {', '.join(parts)}")
    return phrases
