"""Self-assessment narratives: one Markdown text per excellence area of a submission."""
from __future__ import annotations

from flask_babel import _
from sqlalchemy import select

from peerreview.audit.services import record
from peerreview.db_types import utcnow
from peerreview.errors import (
    Conflict,
    ValidationFailed,
    refuse_simultaneous_change,
    refuse_stale_edit,
    stale_edit_conflict,
)
from peerreview.extensions import db
from peerreview.framework.services import framework_areas
from peerreview.permissions import Action, require
from peerreview.submissions.models import SUBMITTED, Narrative, Submission
from peerreview.submissions.services import edit_problem

MAX_NARRATIVE_LENGTH = 20_000


def field_name(area_id: int) -> str:
    return f"narrative-{area_id}"


def narratives_for(submission_id: int) -> dict[int, Narrative]:
    rows = db.session.scalars(select(Narrative).where(Narrative.submission_id == submission_id))
    return {n.area_id: n for n in rows}


def submitted_narratives(cycle_id: int, organisation_id: int) -> dict[int, Narrative]:
    """The self-assessment texts that may leave the submission: only a submitted one's.

    A draft (never submitted, or returned for revision) is the delegation's own work in
    progress; like draft values, it appears in no report, comparison or export.
    """
    rows = db.session.scalars(select(Narrative).join(Submission, Submission.id == Narrative.submission_id).where(
        Submission.cycle_id == cycle_id, Submission.organisation_id == organisation_id,
        Submission.status == SUBMITTED))
    return {n.area_id: n for n in rows}


def save_narratives(actor, submission: Submission, texts: dict[int, str], *,
                    expected_version: int | None) -> int:
    """Save the texts of the areas given (area id -> Markdown); returns how many changed.

    Every text that is too long is reported at once and nothing is saved then.
    """
    require(actor, Action.EDIT_SUBMISSION, submission)
    problem = edit_problem(submission)
    if problem:
        raise Conflict(problem)
    refuse_stale_edit(submission, expected_version)
    areas = {a.id: a for a in framework_areas(submission.cycle.framework_id)}
    errors = {field_name(area_id): _("Use at most %(n)d characters; this text has %(m)d.",
                                     n=MAX_NARRATIVE_LENGTH, m=len(text))
              for area_id, text in texts.items() if area_id in areas and len(text) > MAX_NARRATIVE_LENGTH}
    if errors:
        raise ValidationFailed(_("The self-assessment was not saved."), errors=errors)
    existing = narratives_for(submission.id)
    now = utcnow()
    changed: dict[str, tuple[str, str]] = {}
    # A simultaneous save of the same version loses at the flush: a second text for an area hits the
    # unique constraint, or the version bump finds the version already moved on.
    with refuse_simultaneous_change(explain=lambda: _changed_meanwhile(submission)):
        for area_id, text in texts.items():
            if area_id not in areas:
                continue
            text = text.strip()
            narrative = existing.get(area_id)
            before = narrative.body if narrative else ""
            if text == before:
                continue
            if narrative is None:
                narrative = Narrative(submission_id=submission.id, area_id=area_id)
                db.session.add(narrative)
            narrative.body, narrative.updated_at, narrative.updated_by_id = text, now, actor.id
            changed[areas[area_id].code] = (before, text)
        if changed:
            submission.last_saved_at, submission.last_saved_by_id = now, actor.id
            record(actor, "submission.narratives", submission,
                   before={code: b for code, (b, _a) in changed.items()},
                   after={code: a for code, (_b, a) in changed.items()},
                   network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
        db.session.flush()
    return len(changed)


def _changed_meanwhile(submission: Submission) -> Conflict:
    """After a clash with a simultaneous save or submit: what happened to the submission."""
    problem = edit_problem(submission)
    return Conflict(problem) if problem else stale_edit_conflict()
