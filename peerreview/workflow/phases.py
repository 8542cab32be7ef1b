"""The phase workflow of a cycle: which move makes sense now, and the move itself.

The guards count what several features hold (submissions, reviewer assignments, published
reports), so they live above those features; the cycle's record itself is in cycles/.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import _
from sqlalchemy import func, select

from peerreview.audit.services import record
from peerreview.cycles.models import CLOSED, IN_REVIEW, OPEN, PHASE_LABELS, PHASES, REPORTING, Cycle
from peerreview.db_types import utcnow
from peerreview.errors import Conflict, refuse_simultaneous_change
from peerreview.extensions import db
from peerreview.framework.models import Indicator
from peerreview.permissions import Action, require
from peerreview.reports.models import PUBLISHED, Report
from peerreview.reviews.models import ReviewerAssignment
from peerreview.submissions.models import SUBMITTED, Submission


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
    published = db.session.scalar(select(func.count()).where(Report.cycle_id == cycle.id,
                                                             Report.status == PUBLISHED))
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
    if target == REPORTING and counts.unassigned_submitted:
        return _("%(n)d submitted submission(s) have no peer reviewer; assign reviewers first.",
                 n=counts.unassigned_submitted)
    if target == CLOSED and counts.published_reports == 0:
        return _("Publish at least one report before closing the cycle.")
    return None


def next_phase(cycle: Cycle) -> str | None:
    index = PHASES.index(cycle.status)
    return PHASES[index + 1] if index + 1 < len(PHASES) else None


def move_cycle(actor, cycle: Cycle, target: str) -> Cycle:
    require(actor, Action.MANAGE_CYCLE, cycle)
    problem = transition_problem(cycle, target)
    if problem:
        raise Conflict(problem)
    before = cycle.status

    def moved_meanwhile() -> Conflict | None:
        if cycle.status == before:
            return None
        return Conflict(_("Someone else moved the cycle to %(phase)s at the same moment; your change was not "
                          "made. Reload the page to see the cycle as it is now.", phase=PHASE_LABELS[cycle.status]))

    with refuse_simultaneous_change(explain=moved_meanwhile):
        cycle.status = target
        cycle.status_changed_at = utcnow()
        record(actor, "cycle.transition", cycle, before={"status": before}, after={"status": target},
               network_id=cycle.network_id, cycle_id=cycle.id)
        db.session.flush()
    return cycle
