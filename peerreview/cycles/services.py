"""Cycles: creation, invitations and the phase workflow."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from peerreview.audit.services import record
from peerreview.cycles.models import CLOSED, DRAFT, IN_REVIEW, OPEN, PHASES, REPORTING, Cycle
from peerreview.db_types import utcnow
from peerreview.errors import (
    Conflict,
    DomainError,
    NotFound,
    ValidationFailed,
    refuse_simultaneous_change,
    refuse_stale_edit,
    stale_edit_conflict,
)
from peerreview.extensions import db
from peerreview.framework.models import Framework, Indicator
from peerreview.organisations.models import Network, Organisation, network_membership
from peerreview.permissions import Action, require, scope

PHASE_LABELS = {
    DRAFT: _l("Draft"),
    OPEN: _l("Open for submissions"),
    IN_REVIEW: _l("In review"),
    REPORTING: _l("Reporting"),
    CLOSED: _l("Closed"),
}

CYCLE_FIELDS = ("title", "theme", "framework_id", "host_organisation_id", "kickoff_place",
                "kickoff_start", "kickoff_end", "first_year", "last_year", "submission_deadline",
                "review_deadline", "reporting_deadline")


def get_cycle(actor, cycle_id: int, action: Action = Action.VIEW_CYCLE) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound(_("No such cycle."))
    require(actor, action, cycle)
    return cycle


def visible_cycles(actor) -> list[Cycle]:
    """The cycles a user takes part in, in one query (the same rule as VIEW_CYCLE)."""
    query = (select(Cycle).where(scope(actor, Action.VIEW_CYCLE)).options(selectinload(Cycle.network))
             .order_by(Cycle.first_year.desc(), Cycle.title))
    return list(db.session.scalars(query))


def cycle_problems(network: Network, data: dict, cycle_id: int | None = None) -> dict[str, str]:
    """Every problem of the cycle data at once, keyed by field."""
    errors: dict[str, str] = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = _("Enter a title.")
    else:
        clash = db.session.scalar(select(Cycle.id).where(Cycle.network_id == network.id,
                                                         func.lower(Cycle.title) == title.lower()))
        if clash is not None and clash != cycle_id:
            errors["title"] = _("Another cycle of this network already has this title.")
    framework = db.session.get(Framework, data.get("framework_id") or 0)
    if framework is None or framework.network_id != network.id:
        errors["framework_id"] = _("Choose an indicator framework of this network.")
    host_id = data.get("host_organisation_id")
    host = db.session.get(Organisation, host_id) if host_id else None
    if host_id and (host is None or network.id not in host.network_ids):
        errors["host_organisation_id"] = _("Choose the host organisation.")
    start, end = data.get("kickoff_start"), data.get("kickoff_end")
    if start and end and end < start:
        errors["kickoff_end"] = _("The kick-off cannot end before it starts.")
    first, last = data.get("first_year"), data.get("last_year")
    if not first or not last:
        errors["first_year"] = _("Enter the first and last reference years.")
    elif last < first:
        errors["last_year"] = _("The last reference year cannot be before the first.")
    elif last - first > 9:
        errors["last_year"] = _("A cycle covers at most 10 reference years.")
    deadlines = [("submission_deadline", data.get("submission_deadline")),
                 ("review_deadline", data.get("review_deadline")),
                 ("reporting_deadline", data.get("reporting_deadline"))]
    previous: date | None = None
    for key, value in deadlines:
        if value and previous and value < previous:
            errors[key] = _("Deadlines must follow each other: submission, review, reporting.")
        previous = value or previous
    return errors


def save_cycle(actor, network: Network, data: dict, cycle_id: int | None = None,
               expected_version: int | None = None) -> Cycle:
    require(actor, Action.CREATE_CYCLE, network)
    errors = cycle_problems(network, data, cycle_id)
    if errors:
        raise ValidationFailed(_("The cycle could not be saved."), errors=errors)
    values = {key: data.get(key) for key in CYCLE_FIELDS}
    values["title"] = values["title"].strip()
    values["host_organisation_id"] = values["host_organisation_id"] or None

    def clash() -> DomainError | None:
        """After a clash with a simultaneous save: the title taken meanwhile, or the cycle changed."""
        errors = cycle_problems(network, data, cycle_id)
        if errors:
            return ValidationFailed(_("The cycle could not be saved."), errors=errors)
        return None if cycle_id is None else stale_edit_conflict()

    if cycle_id is None:
        cycle = Cycle(network_id=network.id, status=DRAFT, **values)
        with refuse_simultaneous_change(explain=clash):
            db.session.add(cycle)
            db.session.flush()
        record(actor, "cycle.create", cycle, after=values, network_id=network.id, cycle_id=cycle.id)
        return cycle
    cycle = get_cycle(actor, cycle_id, Action.MANAGE_CYCLE)
    refuse_stale_edit(cycle, expected_version)
    if cycle.status != DRAFT and values["framework_id"] != cycle.framework_id:
        raise ValidationFailed(_("The cycle could not be saved."), errors={
            "framework_id": _("The framework can only be changed while the cycle is a draft.")})
    before = {key: getattr(cycle, key) for key in values}
    with refuse_simultaneous_change(explain=clash):
        for key, value in values.items():
            setattr(cycle, key, value)
        record(actor, "cycle.update", cycle, before=before, after=values, network_id=network.id,
               cycle_id=cycle.id)
        db.session.flush()
    return cycle


def invitable_organisations(cycle: Cycle) -> list[Organisation]:
    """Public employment services of the cycle's network that do not take part in it yet."""
    from peerreview.submissions.models import Submission

    taking_part = select(Submission.organisation_id).where(Submission.cycle_id == cycle.id)
    query = (select(Organisation).join(network_membership, network_membership.c.organisation_id == Organisation.id)
             .where(network_membership.c.network_id == cycle.network_id, Organisation.kind == "pes",
                    Organisation.id.not_in(taking_part))
             .order_by(Organisation.name))
    return list(db.session.scalars(query))


def invite_organisation(actor, cycle: Cycle, organisation_id: int):
    """Make an organisation a participant: it gets an empty draft submission."""
    from peerreview.submissions.models import Submission

    require(actor, Action.MANAGE_CYCLE, cycle)
    if cycle.status not in (DRAFT, OPEN):
        raise Conflict(_("Organisations can only be invited while the cycle is a draft or open for "
                         "submissions; this cycle is %(phase)s.", phase=PHASE_LABELS[cycle.status]))
    organisation = db.session.get(Organisation, organisation_id or 0)
    if organisation is None or organisation.kind != "pes" or cycle.network_id not in organisation.network_ids:
        raise ValidationFailed(_("The organisation could not be invited."),
                               errors={"organisation_id": _("Choose a public employment service of this network.")})
    # Only a page opened before someone else invited it offers an organisation taking part
    # already: a conflict with that other change, whether it came first or at the same moment.
    def taking_part() -> Conflict | None:
        if db.session.scalar(select(Submission.id).where(Submission.cycle_id == cycle.id,
                                                         Submission.organisation_id == organisation.id)) is None:
            return None
        return Conflict(_("%(org)s already takes part in this cycle.", org=organisation.name))

    refusal = taking_part()
    if refusal is not None:
        raise refusal
    submission = Submission(cycle_id=cycle.id, organisation_id=organisation.id)
    with refuse_simultaneous_change(explain=taking_part):
        db.session.add(submission)
        db.session.flush()
    record(actor, "cycle.invite", submission, after={"organisation": organisation.name},
           network_id=cycle.network_id, cycle_id=cycle.id)
    return submission


@dataclass
class CycleCounts:
    participants: int
    submitted: int
    unassigned_submitted: int
    published_reports: int
    indicators: int


def cycle_counts(cycle: Cycle) -> CycleCounts:
    from peerreview.reports.models import PUBLISHED, Report
    from peerreview.reviews.models import ReviewerAssignment
    from peerreview.submissions.models import SUBMITTED, Submission

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
