"""Comparability notes: how an organisation's national definition of one indicator differs from the common one.

One note per submission and indicator, entered by the delegation beside the indicator's values,
with its own version: a save never overwrites a note someone else changed after the form was
loaded (the person gets both texts and saves again to keep theirs). Reviewers, the submission
page, the cycle export and the reports read them; only submitted submissions' notes leave the
submission (`comparability_notes`).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from peerreview.audit.services import record
from peerreview.db_types import utcnow
from peerreview.errors import Conflict, refuse_simultaneous_change
from peerreview.extensions import db
from peerreview.framework.models import Indicator
from peerreview.permissions import Action, require
from peerreview.submissions.flags import clean_note
from peerreview.submissions.models import ComparabilityNote, Submission
from peerreview.submissions.narratives import text_digest
from peerreview.submissions.services import edit_problem, touch_submission

MAX_COMPARABILITY_NOTE = 4000


def note_field(indicator_id: int) -> str:
    """The form field of one indicator's note (cn-<id>); cnv-<id> holds the version loaded, cnh-<id> its digest."""
    return f"cn-{indicator_id}"


def notes_of(submission_id: int) -> dict[int, ComparabilityNote]:
    """{indicator id: note} of one submission, in one query."""
    rows = db.session.scalars(select(ComparabilityNote).where(ComparabilityNote.submission_id == submission_id)
                              .options(selectinload(ComparabilityNote.updated_by)))
    return {n.indicator_id: n for n in rows if n.body}


def comparability_notes(submission_ids: Iterable[int]) -> dict[tuple[int, int], str]:
    """{(submission id, indicator id): note} of the given submissions, in one query (for reports and exports)."""
    ids = sorted(set(submission_ids))
    if not ids:
        return {}
    rows = db.session.execute(select(ComparabilityNote.submission_id, ComparabilityNote.indicator_id,
                                     ComparabilityNote.body).where(ComparabilityNote.submission_id.in_(ids)))
    return {(s, i): body for s, i, body in rows if body}


@dataclass(frozen=True)
class NoteChange:
    """One indicator's note as sent, with the version (0: none) and digest of the note the form was loaded with."""

    indicator_id: int
    body: str
    version: int = 0
    started_digest: str | None = None


@dataclass(frozen=True)
class NoteConflict:
    indicator_id: int
    label: str
    theirs: str
    yours: str
    changed_by: str
    changed_at: datetime | None
    version: int  # theirs: saving again from this version keeps yours


@dataclass
class NotesResult:
    changed: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    conflicts: list[NoteConflict] = field(default_factory=list)


def save_comparability_notes(actor, submission: Submission, changes: Iterable[NoteChange],
                             indicators: list[Indicator]) -> NotesResult:
    """Write the notes the person changed; a note someone else changed meanwhile comes back as a conflict.

    A note sent back unchanged (its digest is the one it was loaded with) is not written; an emptied
    note is deleted. Too long a note is an error at its field; every other note is still saved.
    """
    require(actor, Action.EDIT_SUBMISSION, submission)
    problem = edit_problem(submission)
    if problem:
        raise Conflict(problem)
    known = {i.id: i for i in indicators}
    existing = {n.indicator_id: n for n in db.session.scalars(
        select(ComparabilityNote).where(ComparabilityNote.submission_id == submission.id)
        .options(selectinload(ComparabilityNote.updated_by)))}
    result = NotesResult()
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    now = utcnow()
    with refuse_simultaneous_change():
        for change in changes:
            indicator = known.get(change.indicator_id)
            if indicator is None:
                continue
            body = clean_note(change.body)
            row = existing.get(indicator.id)
            stored, version = (row.body, row.version) if row is not None else ("", 0)
            if change.started_digest is not None and text_digest(body) == change.started_digest:
                continue  # not touched by the person
            if body == stored:
                continue
            if len(body) > MAX_COMPARABILITY_NOTE:
                result.errors[note_field(indicator.id)] = _(
                    "The comparability note of %(code)s has %(n)d characters; at most %(max)d are accepted.",
                    code=indicator.code, n=len(body), max=MAX_COMPARABILITY_NOTE)
                continue
            if version != change.version:
                result.conflicts.append(NoteConflict(
                    indicator.id, f"{indicator.code} {indicator.name}", stored, body,
                    row.updated_by.name if row is not None and row.updated_by else _("someone"),
                    row.updated_at if row is not None else None, version))
                continue
            if row is None:
                db.session.add(ComparabilityNote(submission_id=submission.id, indicator_id=indicator.id, body=body,
                                                 updated_at=now, updated_by_id=actor.id))
            elif body:
                row.body, row.updated_at, row.updated_by_id = body, now, actor.id
            else:
                db.session.delete(row)
            before[indicator.code], after[indicator.code] = stored, body
            result.changed += 1
        if result.changed:
            touch_submission(actor, submission, now)
            record(actor, "submission.comparability", submission, before=before, after=after,
                   network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
        db.session.flush()
    return result
