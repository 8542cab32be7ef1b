"""Self-assessment narratives: one Markdown text per excellence area of a submission."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from peerreview.audit.services import record
from peerreview.db_types import utcnow
from peerreview.errors import Conflict, ValidationFailed, refuse_simultaneous_change
from peerreview.extensions import db
from peerreview.framework.services import framework_areas
from peerreview.permissions import Action, require
from peerreview.submissions.models import SUBMITTED, Narrative, Submission
from peerreview.submissions.services import edit_problem, touch_submission

MAX_NARRATIVE_LENGTH = 20_000


def field_name(area_id: int) -> str:
    return f"narrative-{area_id}"


def narratives_for(submission_id: int) -> dict[int, Narrative]:
    rows = db.session.scalars(select(Narrative).where(Narrative.submission_id == submission_id)
                              .options(selectinload(Narrative.updated_by)))
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


def text_digest(text: str) -> str:
    """A short fingerprint of a text as stored (stripped): the form carries it instead of a copy of the text."""
    return hashlib.sha256(text.strip().encode()).hexdigest()[:32]


@dataclass(frozen=True)
class NarrativeChange:
    """The text of one area as the person sends it, and what they started from.

    `version` is the version of the area's text they loaded (0: there was none); `started_digest`, if
    given, the text_digest() of that text, so that a text sent back unchanged is not written (and cannot
    conflict with someone else's change).
    """

    area_id: int
    text: str
    version: int
    started_digest: str | None = None


@dataclass(frozen=True)
class NarrativeConflict:
    area_id: int
    label: str
    theirs: str
    yours: str
    changed_by: str
    changed_at: datetime | None
    version: int


@dataclass
class NarrativeSaveResult:
    changed: int = 0
    conflicts: list[NarrativeConflict] = field(default_factory=list)


def save_narratives(actor, submission: Submission, changes: list[NarrativeChange]) -> NarrativeSaveResult:
    """Save the texts of the areas given; each area has its own version.

    A text someone else changed after the person loaded it is not overwritten: it comes back as a
    NarrativeConflict (their text and yours), and every other area is saved. Values never block
    texts and texts never block values: neither moves the submission's version. Every text that is
    too long is reported at once and nothing is saved then.
    """
    require(actor, Action.EDIT_SUBMISSION, submission)
    problem = edit_problem(submission)
    if problem:
        raise Conflict(problem)
    areas = {a.id: a for a in framework_areas(submission.cycle.framework_id)}
    changes = [c for c in changes if c.area_id in areas]
    errors = {field_name(c.area_id): _("Use at most %(n)d characters; this text has %(m)d.",
                                       n=MAX_NARRATIVE_LENGTH, m=len(c.text))
              for c in changes if len(c.text) > MAX_NARRATIVE_LENGTH}
    if errors:
        raise ValidationFailed(_("The self-assessment was not saved."), errors=errors)
    existing = narratives_for(submission.id)
    now = utcnow()
    result = NarrativeSaveResult()
    changed: dict[str, tuple[str, str]] = {}
    # Two saves racing for one area: a second text for the area hits the unique constraint, or the
    # area's version has moved on; the loser's request is refused as a whole.
    with refuse_simultaneous_change(explain=lambda: _changed_meanwhile(submission)):
        for change in changes:
            text = change.text.strip()
            if change.started_digest is not None and text_digest(text) == change.started_digest:
                continue  # the person did not change this text
            narrative = existing.get(change.area_id)
            before = narrative.body if narrative else ""
            if text == before:
                continue
            if (narrative.version if narrative else 0) != change.version:
                area = areas[change.area_id]
                result.conflicts.append(NarrativeConflict(
                    area_id=area.id, label=f"{area.code} {area.name}", theirs=before, yours=text,
                    changed_by=narrative.updated_by.name if narrative and narrative.updated_by else _("someone"),
                    changed_at=narrative.updated_at if narrative else None,
                    version=narrative.version if narrative else 0))
                continue
            if narrative is None:
                narrative = Narrative(submission_id=submission.id, area_id=change.area_id)
                db.session.add(narrative)
            narrative.body, narrative.updated_at, narrative.updated_by_id = text, now, actor.id
            changed[areas[change.area_id].code] = (before, text)
        if changed:
            touch_submission(actor, submission, now)
            record(actor, "submission.narratives", submission,
                   before={code: b for code, (b, _a) in changed.items()},
                   after={code: a for code, (_b, a) in changed.items()},
                   network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
        db.session.flush()
    result.changed = len(changed)
    return result


def _changed_meanwhile(submission: Submission) -> Conflict:
    """After a clash with a simultaneous save or submit: what happened to the submission."""
    db.session.refresh(submission)
    problem = edit_problem(submission)
    return Conflict(problem) if problem else Conflict(_(
        "Someone else saved one of these texts at the same moment, so nothing of this save was kept. "
        "Your texts are still in the form: save again to see which areas differ."))
