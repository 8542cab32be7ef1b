"""The phase workflow of a cycle: which move makes sense now, and the move itself.

The guards count what several features hold (submissions, reviewer assignments, published
reports), so they live above those features; the cycle's record itself is in cycles/.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import _
from sqlalchemy import func, select

from peerreview.audit.services import record
from peerreview.cycles.models import CLOSED, DRAFT, IN_REVIEW, OPEN, PHASE_LABELS, PHASES, REPORTING, Cycle, PhaseMove
from peerreview.db_types import utcnow
from peerreview.errors import Conflict, ValidationFailed, refuse_simultaneous_change
from peerreview.extensions import db
from peerreview.framework.models import Indicator
from peerreview.organisations.models import Organisation
from peerreview.permissions import Action, require
from peerreview.reasons import reason_problem
from peerreview.reports.models import VERSION_CURRENT, Report, ReportVersion
from peerreview.reviews.assessments import review_completion
from peerreview.reviews.models import ReviewerAssignment
from peerreview.reviews.notifications import on_phase_change
from peerreview.submissions.models import DRAFT as DRAFT_SUBMISSION
from peerreview.submissions.models import SUBMITTED, Submission
from peerreview.workflow.deadlines import deadline_end, extensions_of


@dataclass
class CycleCounts:
    participants: int
    submitted: int
    unassigned_submitted: int
    published_reports: int
    indicators: int


def cycle_counts(cycle: Cycle) -> CycleCounts:
    participants = db.session.scalar(select(func.count()).where(Submission.cycle_id == cycle.id))
    submitted = db.session.scalar(select(func.count()).where(Submission.cycle_id == cycle.id,
                                                             Submission.status == SUBMITTED))
    assigned = select(ReviewerAssignment.submission_id)
    unassigned = db.session.scalar(select(func.count()).where(
        Submission.cycle_id == cycle.id, Submission.status == SUBMITTED, Submission.id.not_in(assigned)))
    published = db.session.scalar(select(func.count(func.distinct(ReportVersion.report_id))).join(
        Report, Report.id == ReportVersion.report_id).where(Report.cycle_id == cycle.id,
                                                             ReportVersion.state == VERSION_CURRENT))
    indicators = db.session.scalar(select(func.count()).where(Indicator.framework_id == cycle.framework_id))
    return CycleCounts(participants, submitted, unassigned, published, indicators)


def transition_problem(cycle: Cycle, target: str) -> str | None:
    """Why the cycle cannot move to `target` now, or None if it can."""
    if target not in PHASES:
        return _("Unknown phase.")
    if cycle.status == CLOSED:
        return _("The cycle is closed; closed cycles do not change.")
    current = PHASES.index(cycle.status)
    if PHASES.index(target) != current + 1:
        return _("A cycle moves one phase at a time: from %(from)s the next phase is %(next)s.",
                 **{"from": PHASE_LABELS[cycle.status], "next": PHASE_LABELS[PHASES[current + 1]]})
    counts = cycle_counts(cycle)
    if target == OPEN:
        if counts.indicators == 0:
            return _("The cycle's framework has no indicators yet; add indicators before opening.")
        if counts.participants == 0:
            return _("Invite at least one organisation before opening the cycle for submissions.")
        if not cycle.submission_deadline:
            return _("Set a submission deadline before opening the cycle.")
    if target == IN_REVIEW and counts.submitted == 0:
        return _("No organisation has submitted yet; there is nothing to review.")
    if target == CLOSED and counts.published_reports == 0:
        return _("Publish at least one report before closing the cycle.")
    return None


def next_phase(cycle: Cycle) -> str | None:
    index = PHASES.index(cycle.status)
    return PHASES[index + 1] if index + 1 < len(PHASES) else None


@dataclass
class MovePreview:
    """What a phase move will do, shown on the confirmation page before it happens."""

    target: str
    problem: str | None  # why the move cannot happen at all
    consequences: list[str]
    incomplete_reviews: list[str]  # organisations whose review is not complete (moving to reporting)

    @property
    def needs_reason(self) -> bool:
        """Moving to reporting with reviews still open takes the secretariat's recorded reason."""
        return self.target == REPORTING and bool(self.incomplete_reviews)


def _participants(cycle: Cycle) -> list[tuple[int, str, str]]:
    """(submission id, organisation name, status) of every participant, in one query."""
    query = (select(Submission.id, Organisation.name, Submission.status)
             .join(Organisation, Organisation.id == Submission.organisation_id)
             .where(Submission.cycle_id == cycle.id).order_by(Organisation.name))
    return [tuple(row) for row in db.session.execute(query)]


def _names(names: list[str]) -> str:
    return ", ".join(names)


def preview_move(actor, cycle: Cycle, target: str, *, now=None) -> MovePreview:
    require(actor, Action.MANAGE_CYCLE, cycle)
    problem = transition_problem(cycle, target)
    participants = _participants(cycle)
    drafts = [name for _id, name, status in participants if status == DRAFT_SUBMISSION]
    submitted = [(sid, name) for sid, name, status in participants if status == SUBMITTED]
    consequences: list[str] = []
    incomplete: list[str] = []
    if problem is None and target == OPEN:
        consequences.append(_("The delegations of %(n)d organisation(s) can enter and submit their values.",
                              n=len(participants)))
    if problem is None and target == IN_REVIEW:
        if drafts:
            consequences.append(_("%(n)d draft(s) will be locked and cannot be submitted any more: %(names)s.",
                                  n=len(drafts), names=_names(drafts)))
        consequences.append(_("%(n)d submitted submission(s) go to the peer reviewers.", n=len(submitted)))
        deadline = deadline_end(cycle, cycle.submission_deadline)
        if deadline is not None and (now or utcnow()) < deadline:
            consequences.append(_("The submission deadline (%(day)s, %(zone)s) has not passed yet.",
                                  day=cycle.submission_deadline.isoformat(), zone=cycle.network.time_zone))
        later = [e for e in extensions_of(cycle.id).values()
                 if (now or utcnow()) < deadline_end(cycle, e.submission_deadline)]
        if later:
            consequences.append(_("%(names)s had more time (an extended deadline that has not passed yet).",
                                  names=_names(sorted(e.organisation.name for e in later))))
    if problem is None and target == REPORTING:
        complete = review_completion([sid for sid, _name in submitted])
        incomplete = [name for sid, name in submitted if not complete[sid]]
        if incomplete:
            consequences.append(_("%(n)d submission(s) have no complete review: %(names)s. Moving on needs "
                                  "your reason, which is recorded.", n=len(incomplete), names=_names(incomplete)))
        else:
            consequences.append(_("Every submitted submission has a complete, consolidated review."))
    if problem is None and target == CLOSED:
        consequences.append(_("Nothing in the cycle can change any more, except by reverting this move."))
    return MovePreview(target, problem, consequences, incomplete)


def _check_reason(reason: str, *, required: bool, message: str) -> str:
    reason = (reason or "").strip()
    problem = reason_problem(reason, missing=_("Give the reason; it is recorded.") if required else None)
    if problem:
        raise ValidationFailed(message, errors={"reason": problem})
    return reason


def _change_status(actor, cycle: Cycle, target: str, *, reason: str, reverted: bool) -> None:
    before = cycle.status

    def moved_meanwhile() -> Conflict | None:
        if cycle.status == before:
            return None
        return Conflict(_("Someone else moved the cycle to %(phase)s at the same moment; your change was not "
                          "made. Reload the page to see the cycle as it is now.", phase=PHASE_LABELS[cycle.status]))

    with refuse_simultaneous_change(explain=moved_meanwhile):
        cycle.status = target
        cycle.status_changed_at = utcnow()
        db.session.add(PhaseMove(cycle_id=cycle.id, from_status=before, to_status=target, reverted=reverted,
                                 reason=reason, actor_id=actor.id))
        after = {"status": target, "reason": reason} if reason else {"status": target}
        record(actor, "cycle.revert" if reverted else "cycle.transition", cycle, before={"status": before},
               after=after, network_id=cycle.network_id, cycle_id=cycle.id)
        db.session.flush()
    on_phase_change(cycle, before)


def move_cycle(actor, cycle: Cycle, target: str, *, reason: str = "", expected_status: str | None = None) -> Cycle:
    """Move one phase forward. Moving to reporting with reviews not complete takes a reason.

    `expected_status` is the phase the confirmation page showed: if the cycle moved meanwhile,
    the preview is out of date and the move is refused.
    """
    require(actor, Action.MANAGE_CYCLE, cycle)
    if expected_status is not None and expected_status != cycle.status:
        raise Conflict(_("The cycle has moved to %(phase)s since you opened the confirmation page; nothing was "
                         "changed. Look at what the move does now.", phase=PHASE_LABELS[cycle.status]))
    preview = preview_move(actor, cycle, target)
    if preview.problem:
        raise Conflict(preview.problem)
    reason = _check_reason(reason, required=preview.needs_reason,
                           message=_("%(n)d submission(s) have no complete review; the cycle did not move.",
                                     n=len(preview.incomplete_reviews)))
    _change_status(actor, cycle, target, reason=reason, reverted=False)
    return cycle


def previous_phase(cycle: Cycle) -> str | None:
    index = PHASES.index(cycle.status)
    return PHASES[index - 1] if index > 0 else None


def revert_problem(cycle: Cycle) -> str | None:
    if cycle.status == DRAFT:
        return _("A draft cycle has no earlier phase.")
    return None


def preview_revert(actor, cycle: Cycle) -> list[str]:
    """What reverting the last move will do."""
    require(actor, Action.MANAGE_CYCLE, cycle)
    target = previous_phase(cycle)
    if target is None:
        return []
    consequences = [_("The cycle goes back from %(now)s to %(back)s.", now=PHASE_LABELS[cycle.status],
                      back=PHASE_LABELS[target])]
    if target == OPEN:
        drafts = [name for _id, name, status in _participants(cycle) if status == DRAFT_SUBMISSION]
        if drafts:
            consequences.append(_("%(n)d draft(s) locked by the move open again for their delegations: "
                                  "%(names)s.", n=len(drafts), names=_names(drafts)))
        consequences.append(_("Submitted submissions stay submitted; comments and assessments are kept."))
    if target == DRAFT:
        consequences.append(_("Delegations can no longer enter values until the cycle opens again; what "
                              "they entered is kept."))
    if target in (IN_REVIEW, REPORTING):
        consequences.append(_("Reports, comments and assessments are kept."))
    return consequences


def revert_cycle(actor, cycle: Cycle, *, reason: str, expected_status: str | None = None) -> Cycle:
    """Undo the last move: one phase back, with a recorded reason."""
    require(actor, Action.MANAGE_CYCLE, cycle)
    if expected_status is not None and expected_status != cycle.status:
        raise Conflict(_("The cycle has moved to %(phase)s since you opened the confirmation page; nothing was "
                         "changed.", phase=PHASE_LABELS[cycle.status]))
    problem = revert_problem(cycle)
    if problem:
        raise Conflict(problem)
    reason = _check_reason(reason, required=True, message=_("The move was not reverted."))
    _change_status(actor, cycle, previous_phase(cycle), reason=reason, reverted=True)
    return cycle


def phase_moves(cycle: Cycle) -> list[PhaseMove]:
    """The cycle's moves, newest first (the cycle page shows them after require(VIEW/MANAGE_CYCLE))."""
    query = select(PhaseMove).where(PhaseMove.cycle_id == cycle.id).order_by(PhaseMove.at.desc(),
                                                                             PhaseMove.id.desc())
    return list(db.session.scalars(query))
