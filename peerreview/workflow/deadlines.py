"""Deadlines: a day in the network's time zone, extendable per organisation.

A deadline is a date; it ends at midnight at the end of that day in the network's time zone
(Europe/Brussels unless the network says otherwise). Pages show that moment in the viewer's
zone (their account's, else the network's).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from peerreview.audit.services import record
from peerreview.cycles.models import CLOSED, Cycle, DeadlineExtension
from peerreview.errors import Conflict, ValidationFailed, refuse_simultaneous_change
from peerreview.extensions import db
from peerreview.organisations.models import DEFAULT_TIME_ZONE
from peerreview.permissions import Action, require
from peerreview.reasons import reason_problem
from peerreview.submissions.models import Submission


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def deadline_end(cycle: Cycle, day: date | None) -> datetime | None:
    """The moment (UTC) a deadline day ends in the network's time zone."""
    if day is None:
        return None
    local_midnight = datetime.combine(day + timedelta(days=1), time.min, zone(cycle.network.time_zone))
    return local_midnight.astimezone(UTC)


def viewer_zone(user, cycle: Cycle) -> ZoneInfo:
    own = getattr(user, "time_zone", "") or ""
    return zone(own or cycle.network.time_zone)


def extensions_of(cycle_id: int) -> dict[int, DeadlineExtension]:
    """{organisation id: extension} of a cycle, in one query."""
    query = (select(DeadlineExtension).where(DeadlineExtension.cycle_id == cycle_id)
             .options(selectinload(DeadlineExtension.organisation)))
    return {e.organisation_id: e for e in db.session.scalars(query)}


def submission_deadline_for(cycle: Cycle, organisation_id: int) -> date | None:
    extension = db.session.scalar(select(DeadlineExtension.submission_deadline).where(
        DeadlineExtension.cycle_id == cycle.id, DeadlineExtension.organisation_id == organisation_id))
    return extension or cycle.submission_deadline


@dataclass
class ExtensionInput:
    organisation_id: int | None
    submission_deadline: date | None
    reason: str


def extend_deadline(actor, cycle: Cycle, data: ExtensionInput) -> DeadlineExtension:
    """Give one participating organisation a later submission deadline, with a reason."""
    require(actor, Action.MANAGE_CYCLE, cycle)
    if cycle.status == CLOSED:
        raise Conflict(_("The cycle is closed; its deadlines no longer change."))
    errors: dict[str, str] = {}
    participant = db.session.scalar(select(Submission.id).where(
        Submission.cycle_id == cycle.id, Submission.organisation_id == (data.organisation_id or 0)))
    if participant is None:
        errors["organisation_id"] = _("Choose an organisation taking part in this cycle.")
    if data.submission_deadline is None:
        errors["submission_deadline"] = _("Enter the new deadline as day, month and year.")
    elif cycle.submission_deadline and data.submission_deadline <= cycle.submission_deadline:
        errors["submission_deadline"] = _("An extension ends after the cycle's deadline (%(day)s).",
                                          day=cycle.submission_deadline.isoformat())
    reason = (data.reason or "").strip()
    problem = reason_problem(reason, missing=_("Say why the organisation gets more time."))
    if problem:
        errors["reason"] = problem
    if errors:
        raise ValidationFailed(_("The deadline was not extended."), errors=errors)
    extension = db.session.scalar(select(DeadlineExtension).where(
        DeadlineExtension.cycle_id == cycle.id, DeadlineExtension.organisation_id == data.organisation_id))
    before = {"submission_deadline": extension.submission_deadline} if extension else None
    with refuse_simultaneous_change():
        if extension is None:
            extension = DeadlineExtension(cycle_id=cycle.id, organisation_id=data.organisation_id)
            db.session.add(extension)
        extension.submission_deadline = data.submission_deadline
        extension.reason = reason
        extension.granted_by_id = actor.id
        db.session.flush()
    record(actor, "cycle.extend_deadline", cycle, before=before,
           after={"organisation_id": data.organisation_id, "submission_deadline": data.submission_deadline,
                  "reason": reason}, network_id=cycle.network_id, cycle_id=cycle.id)
    return extension
