"""What the secretariat and the delegations write or choose for the reports: the executive summary
and conclusions of a report (Markdown, versioned against lost updates), and how each organisation
appears in the synthesis and in others' reports (its name or an anonymous code such as "PES 07")."""
from __future__ import annotations

from flask_babel import _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from peerreview.audit.services import record
from peerreview.db_types import utcnow
from peerreview.errors import NotFound, ValidationFailed, stale_edit_conflict
from peerreview.extensions import db
from peerreview.permissions import Action, can, require
from peerreview.reports.models import ParticipantNaming, ReportText
from peerreview.submissions.models import Submission

MAX_TEXT = 20_000


def report_text(cycle_id: int, subject_key: int) -> ReportText | None:
    return db.session.scalar(select(ReportText).where(ReportText.cycle_id == cycle_id,
                                                      ReportText.subject_key == subject_key))


def save_report_text(actor, cycle, subject_key: int, *, summary: str, conclusions: str,
                     version: int | None) -> ReportText:
    """Save the executive summary and conclusions (Markdown). `version` is the one the form was
    opened with (None for texts not written yet): an edit from an older version is refused, so that
    two people never silently overwrite each other."""
    require(actor, Action.MANAGE_REPORTS, cycle)
    errors = {name: _("Keep it to %(n)s characters or fewer.", n=f"{MAX_TEXT:,}")
              for name, text in (("summary", summary), ("conclusions", conclusions)) if len(text) > MAX_TEXT}
    if errors:
        raise ValidationFailed(_("The texts were not saved."), errors=errors)
    row = report_text(cycle.id, subject_key)
    if row is None:
        if version is not None:
            raise stale_edit_conflict()
        row = ReportText(cycle_id=cycle.id, subject_key=subject_key, updated_by_id=actor.id)
        db.session.add(row)
    elif version != row.version:
        raise stale_edit_conflict()
    row.summary, row.conclusions = summary.strip(), conclusions.strip()
    row.updated_at, row.updated_by_id = utcnow(), actor.id
    db.session.flush()
    record(actor, "report.texts", cycle, after={"subject": subject_key, "version": row.version},
           network_id=cycle.network_id, cycle_id=cycle.id)
    return row


def codes_of_cycle(cycle_id: int) -> dict[int, str]:
    """{organisation id: code} of the organisations that appear under a code (one query)."""
    rows = db.session.scalars(select(ParticipantNaming).where(ParticipantNaming.cycle_id == cycle_id,
                                                              ParticipantNaming.anonymous.is_(True)))
    return {row.organisation_id: row.code for row in rows}


def naming_choices(actor, cycle) -> list[dict]:
    """The organisations whose naming the actor may choose in the cycle (the secretariat: all; a
    delegation: its own), with the current choice and its version."""
    submissions = db.session.scalars(select(Submission).where(Submission.cycle_id == cycle.id)
                                     .options(selectinload(Submission.organisation)))
    namings = {n.organisation_id: n for n in db.session.scalars(
        select(ParticipantNaming).where(ParticipantNaming.cycle_id == cycle.id)
        .options(selectinload(ParticipantNaming.chosen_by)))}
    rows = []
    for submission in sorted(submissions, key=lambda s: s.organisation.name):
        if not can(actor, Action.CHOOSE_NAMING, submission):
            continue
        naming = namings.get(submission.organisation_id)
        rows.append({"submission": submission, "organisation": submission.organisation,
                     "anonymous": bool(naming and naming.anonymous), "code": naming.code if naming else "",
                     "version": naming.version if naming else None,
                     "chosen_by": naming.chosen_by if naming else None,
                     "chosen_at": naming.chosen_at if naming else None})
    return rows


def naming_submission(actor, cycle, submission_id: int) -> Submission:
    """The participation (organisation in the cycle) whose naming the actor is about to choose."""
    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.cycle_id != cycle.id:
        raise NotFound(_("No such organisation in this cycle."))
    require(actor, Action.CHOOSE_NAMING, submission)
    return submission


def choose_naming(actor, submission: Submission, *, anonymous: bool, version: int | None) -> ParticipantNaming:
    """Name the organisation in the synthesis and in others' reports, or show it under a code. A code,
    once given, stays with the organisation in the cycle."""
    require(actor, Action.CHOOSE_NAMING, submission)
    naming = db.session.scalar(select(ParticipantNaming).where(
        ParticipantNaming.cycle_id == submission.cycle_id,
        ParticipantNaming.organisation_id == submission.organisation_id))
    if naming is None:
        if version is not None:
            raise stale_edit_conflict()
        naming = ParticipantNaming(cycle_id=submission.cycle_id, organisation_id=submission.organisation_id,
                                   chosen_by_id=actor.id, anonymous=False)
        db.session.add(naming)
    elif version != naming.version:
        raise stale_edit_conflict()
    if anonymous and naming.code_number is None:
        taken = db.session.scalar(select(func.max(ParticipantNaming.code_number)).where(
            ParticipantNaming.cycle_id == submission.cycle_id))
        naming.code_number = (taken or 0) + 1
    naming.anonymous = anonymous
    naming.chosen_at, naming.chosen_by_id = utcnow(), actor.id
    db.session.flush()
    record(actor, "report.naming", submission, after={"anonymous": anonymous, "code": naming.code},
           network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
    return naming
