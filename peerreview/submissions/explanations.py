"""Explanations of plausibility warnings: saved per value, read by reviewers, exports and reports.

An explanation belongs to one stored value (`IndicatorValue.explanation`); the reports
(reports/print_data.py) and the cycle export (value_files.py) read that column with the value. Saving one changes only
that column and never the value's version, so it never clashes with anyone's value save, in this
cell or another. It is refused per cell (the text stays in the form) when the value was changed or
the explanation was rewritten by someone else since the person opened the page: the person then
reads the new value and decides again.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import _
from sqlalchemy import bindparam
from sqlalchemy.orm.exc import StaleDataError

from peerreview.audit.services import record
from peerreview.db_types import utcnow
from peerreview.errors import Conflict, refuse_simultaneous_change
from peerreview.extensions import db
from peerreview.framework.breakdowns import BY_CODE
from peerreview.framework.services import framework_indicators
from peerreview.numbers import format_plain
from peerreview.permissions import Action, require
from peerreview.submissions.models import IndicatorValue
from peerreview.submissions.services import cell_name, edit_problem, touch_submission, value_map

MAX_LENGTH = 2000


def explanation_field(cell: tuple[int, str, int]) -> str:
    """The form field of one cell's explanation: x-<indicator>-<breakdown>-<year>."""
    return "x-" + cell_name(*cell)


@dataclass(frozen=True)
class ExplanationChange:
    """One explanation as the person sends it, with what they saw when they opened the page.

    `version` is the value's version then, `started_from` the explanation then ("" for none).
    """

    indicator_id: int
    breakdown: str
    year: int
    text: str
    version: int
    started_from: str = ""

    @property
    def cell(self) -> tuple[int, str, int]:
        return (self.indicator_id, self.breakdown, self.year)


@dataclass
class ExplanationResult:
    saved: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # field name -> why not saved
    labels: dict[str, str] = field(default_factory=dict)  # field name -> "1a Total 2024"


def parse_cell_name(name: str) -> tuple[int, str, int] | None:
    """The cell of a field name v-<indicator>-<breakdown>-<year> (breakdown codes may hold "-"); None if malformed."""
    parts = name.split("-")
    if len(parts) < 4 or parts[0] != "v" or not parts[1].isdigit() or not parts[-1].isdigit():
        return None
    return int(parts[1]), "-".join(parts[2:-1]), int(parts[-1])


def changes_from_form(form) -> list[ExplanationChange]:
    """The explanations of a posted check page: x-<cell> the text, xv-<cell> the version, xo-<cell> the old text."""
    changes = []
    for key in form:
        cell = parse_cell_name(key[2:]) if key.startswith("x-") else None
        if cell is None:
            continue
        name = key[2:]
        version = form.get("xv-" + name, "")
        changes.append(ExplanationChange(*cell, text=form[key], version=int(version) if version.isdigit() else 0,
                                         started_from=form.get("xo-" + name, "")))
    return changes


def save_explanations(actor, submission, changes: Iterable[ExplanationChange]) -> ExplanationResult:
    """Save the explanations the person changed; the caller commits (one commit per request)."""
    require(actor, Action.EDIT_SUBMISSION, submission)
    problem = edit_problem(submission)
    if problem:
        raise Conflict(problem)
    indicators = {i.id: i for i in framework_indicators(submission.cycle.framework_id)}
    stored = value_map(submission.id, with_authors=True)
    result = ExplanationResult()
    updates, before, after = [], {}, {}
    for change in changes:
        text = change.text.strip()
        if text == change.started_from.strip():
            continue
        row = stored.get(change.cell)
        indicator = indicators.get(change.indicator_id)
        if indicator is None or change.breakdown not in BY_CODE:
            continue
        name = explanation_field(change.cell)
        result.labels[name] = f"{indicator.code} {BY_CODE[change.breakdown].label} {change.year}"
        if len(text) > MAX_LENGTH:
            result.errors[name] = _("Write at most %(max)d characters; this explanation has %(n)d.",
                                    max=MAX_LENGTH, n=len(text))
        elif row is None or row.value is None:
            result.errors[name] = _("This value was emptied after you opened the page, so there is nothing "
                                    "to explain; your text was not saved.")
        elif row.version != change.version or (row.explanation or "") != change.started_from:
            who = row.updated_by.name if row.updated_by else _("someone")
            result.errors[name] = _("%(who)s changed this value or its explanation after you opened the page "
                                    "(the value is now %(value)s); your text was not saved. Read it again and save "
                                    "your explanation again.", who=who, value=format_plain(row.value))
        else:
            updates.append({"_id": row.id, "_version": row.version, "_seen": row.explanation or "",
                            "_text": text})
            before[cell_name(*change.cell)] = row.explanation or ""
            after[cell_name(*change.cell)] = text
    if updates:
        table = IndicatorValue.__table__
        statement = (table.update().where(table.c.id == bindparam("_id"), table.c.version == bindparam("_version"),
                                          table.c.explanation == bindparam("_seen"))
                     .values(explanation=bindparam("_text")))
        with refuse_simultaneous_change():
            done = db.session.execute(statement, updates)
            if done.rowcount != len(updates):  # changed in the instant between reading and writing
                raise StaleDataError("an explained value changed meanwhile")
            touch_submission(actor, submission, utcnow())
            record(actor, "submission.explanations", submission, before=before, after=after,
                   network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
            db.session.flush()
        for row in stored.values():
            db.session.expire(row, ["explanation"])
        result.saved = len(updates)
    return result
