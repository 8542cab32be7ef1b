"""A value's history in words: what each save changed, for the delegation, the secretariat and reviewers."""
from __future__ import annotations

from flask_babel import _

from peerreview.submissions.flags import CONFIDENTIAL, flag_label

META_KEYS = ("channel", "flags", "notes")


def changed_cells(after: dict) -> list[str]:
    """The cells one "submission.values" event touched (values, flags or notes), in first-seen order."""
    cells = [key for key in after if key not in META_KEYS]
    for key in ("flags", "notes"):
        cells.extend(cell for cell in (after.get(key) or {}) if cell not in cells)
    return cells


def change_words(before: dict, after: dict, labels: dict[str, str], hidden: set[str]) -> list[str]:
    """One phrase per cell of a "submission.values" event: "1a Total 2022: 12 → 13, flagged estimated".

    Numbers of the cells in `hidden` (confidential values, for a reader from another organisation)
    and of cells flagged confidential before or after this change are left out.
    """
    old_flags, new_flags = before.get("flags") or {}, after.get("flags") or {}
    old_notes, new_notes = before.get("notes") or {}, after.get("notes") or {}
    phrases = []
    for cell in changed_cells(after):
        parts = []
        secret = cell in hidden or CONFIDENTIAL in (old_flags.get(cell), new_flags.get(cell))
        if cell in after and cell not in META_KEYS:
            if secret:
                parts.append(_("confidential value changed"))
            else:
                parts.append(f"{before.get(cell) or '–'} → {after.get(cell) or '–'}")
        if cell in new_flags:
            if new_flags[cell]:
                parts.append(_("flagged %(flag)s", flag=flag_label(new_flags[cell])))
            else:
                parts.append(_("flag %(flag)s removed", flag=flag_label(old_flags.get(cell, ""))))
        if cell in new_notes:
            if not new_notes[cell]:
                parts.append(_("note removed"))
            elif not old_notes.get(cell):
                parts.append(_("note added"))
            else:
                parts.append(_("note changed"))
        phrases.append(f"{labels.get(cell, cell)}: {', '.join(parts)}")
    return phrases
