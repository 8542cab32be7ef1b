"""Recording and reading the audit trail."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from peerreview.audit.models import AuditEvent
from peerreview.exports import spreadsheet_safe
from peerreview.extensions import db
from peerreview.permissions import Action, require, scope


def record(
    actor,
    action: str,
    obj: Any,
    *,
    before: dict | None = None,
    after: dict | None = None,
    network_id: int | None = None,
    cycle_id: int | None = None,
    network_ids: Iterable[int] | None = None,
) -> AuditEvent:
    """Add one audit event to the current unit of work (committed with it).

    Events about something several networks share (an account, an organisation) are
    given `network_ids`: the event is written once per network, so that each network's
    secretariat sees it in its own log and no log shows another network's events.
    """
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()
    targets = sorted(set(network_ids)) if network_ids is not None else [network_id]
    events = [AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=getattr(obj, "__tablename__", type(obj).__name__.lower()),
        object_id=getattr(obj, "id", None),
        before=_jsonable(before),
        after=_jsonable(after),
        network_id=target,
        cycle_id=cycle_id,
    ) for target in (targets or [None])]
    db.session.add_all(events)
    return events[0]


def _jsonable(data: dict | None) -> dict | None:
    if data is None:
        return None
    return {key: (str(value) if value is not None and not isinstance(value, (int, bool, str)) else value)
            for key, value in data.items()}


def events_query(actor, network, *, action: str = "", cycle_id: int | None = None,
                 date_from: date | None = None, date_to: date | None = None):
    query = select(AuditEvent).where(AuditEvent.network_id == network.id, scope(actor, Action.VIEW_AUDIT_EVENT))
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if cycle_id:
        query = query.where(AuditEvent.cycle_id == cycle_id)
    if date_from:
        query = query.where(AuditEvent.at >= datetime.combine(date_from, time.min, UTC))
    if date_to:
        query = query.where(AuditEvent.at <= datetime.combine(date_to, time.max, UTC))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


PAGE_SIZE = 100


def submission_history(actor, submission, limit: int = 50) -> list[AuditEvent]:
    """Who changed which values of a submission, and its status changes; newest first.

    Only events about the submission itself: comments (and their visibility) are not part
    of it, so nothing internal can reach the delegation through the history.
    """
    require(actor, Action.VIEW_SUBMISSION, submission)
    query = (select(AuditEvent).where(AuditEvent.object_type == "submission", AuditEvent.object_id == submission.id)
             .options(selectinload(AuditEvent.actor)).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
             .limit(limit))
    return list(db.session.scalars(query))


def list_events(actor, network, *, page: int = 1, **filters) -> tuple[list[AuditEvent], bool]:
    """One page of events, newest first, and whether older ones follow."""
    require(actor, Action.VIEW_AUDIT, network)
    page = max(page, 1)
    query = (events_query(actor, network, **filters).options(selectinload(AuditEvent.actor))
             .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1))
    events = list(db.session.scalars(query))
    return events[:PAGE_SIZE], len(events) > PAGE_SIZE


def export_csv(actor, network, **filters) -> str:
    require(actor, Action.VIEW_AUDIT, network)
    events = db.session.scalars(events_query(actor, network, **filters).options(selectinload(AuditEvent.actor)))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at_utc", "actor", "action", "object_type", "object_id", "cycle_id", "before", "after"])
    for e in events:
        writer.writerow([spreadsheet_safe(v) for v in (
            e.at.isoformat(), e.actor.email if e.actor else "", e.action, e.object_type,
            e.object_id, e.cycle_id, e.before or "", e.after or "",
        )])
    return out.getvalue()
