"""How long personal data is kept (docs/retention.md), and erasing a person.

`flask purge` applies the retention periods (RETENTION_* settings, in days); `flask erase-user`
pseudonymises one person. Both change rows only through this module, which adds and flushes;
the command commits (or, with --dry-run, rolls back). The clock is a parameter, so that tests
and a dry run "as of" a later date need no waiting.

Erasure keeps the audit log's order and meaning: every event stays, with its id, time, action
and object; the person's account row stays too (so events still point at someone), but its name
and address become a pseudonym ("Erased person 17", erased-17@erased.invalid), and the name and
address are replaced by the pseudonym wherever an event's before/after recorded them. Published
reports are never changed: a published PDF is a published document (see docs/retention.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select, update

from peerreview.audit.models import AuditEvent
from peerreview.audit.services import record
from peerreview.auth.models import User, UserSession
from peerreview.db_types import utcnow
from peerreview.extensions import db
from peerreview.mail.models import QUEUED, OutboxMessage

SIGN_IN_EVENTS = ("user.login", "user.login_failed")
REMOVED_BODY = "[removed: kept for {days} days only, see docs/retention.md]"
ERASED_BODY = "[removed: the recipient was erased]"


@dataclass
class PurgeResult:
    sessions: int = 0
    sign_in_events: int = 0
    mail_bodies: int = 0
    mails: int = 0
    accounts: list[int] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"sign-in sessions ended (idle): {self.sessions}",
                f"sign-in events deleted: {self.sign_in_events}",
                f"outbox mail bodies removed: {self.mail_bodies}",
                f"outbox messages deleted: {self.mails}",
                f"inactive accounts erased: {len(self.accounts)}"]


def _days(name: str) -> timedelta:
    return timedelta(days=int(current_app.config[name]))


def purge(now: datetime | None = None) -> PurgeResult:
    """Apply every retention period as of `now` (default: the current time). No commit."""
    now = now or utcnow()
    config = current_app.config
    result = PurgeResult()
    idle = timedelta(seconds=config["SESSION_IDLE_TIMEOUT"])
    result.sessions = db.session.execute(
        delete(UserSession).where(UserSession.last_seen_at < now - idle)).rowcount
    result.sign_in_events = db.session.execute(
        delete(AuditEvent).where(AuditEvent.action.in_(SIGN_IN_EVENTS),
                                 AuditEvent.at < now - _days("RETENTION_SIGN_IN_EVENTS_DAYS"))).rowcount
    result.mails = db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.created_at < now - _days("RETENTION_MAIL_DAYS"),
                                    OutboxMessage.status != QUEUED)).rowcount
    body_days = int(config["RETENTION_MAIL_BODY_DAYS"])
    removed = REMOVED_BODY.format(days=body_days)
    result.mail_bodies = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.created_at < now - timedelta(days=body_days),
                                    OutboxMessage.status != QUEUED, OutboxMessage.body != removed,
                                    OutboxMessage.body != ERASED_BODY)
        .values(body=removed)).rowcount
    result.accounts = [user.id for user in _inactive_accounts(now - _days("RETENTION_INACTIVE_ACCOUNT_DAYS"))]
    for user_id in result.accounts:
        erase_user(db.session.get(User, user_id))
    db.session.flush()
    return result


def _inactive_accounts(before: datetime) -> list[User]:
    """Deactivated accounts, not yet erased, with no event by or about them since `before`."""
    last_event = (select(func.max(AuditEvent.at))
                  .where(or_(AuditEvent.actor_id == User.id,
                             and_(AuditEvent.object_type == User.__tablename__, AuditEvent.object_id == User.id)))
                  .scalar_subquery())
    query = (select(User).where(User.active.is_(False), ~User.email.like("%@erased.invalid"),
                                User.created_at < before, or_(last_event.is_(None), last_event < before))
             .order_by(User.id))
    return list(db.session.scalars(query))


def pseudonym(user: User) -> tuple[str, str]:
    return f"Erased person {user.id}", f"erased-{user.id}@erased.invalid"


def _replace(value, old: dict[str, str]):
    if isinstance(value, str):
        for before, after in old.items():
            if before:
                value = value.replace(before, after)
        return value
    if isinstance(value, dict):
        return {k: _replace(v, old) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, old) for v in value]
    return value


def erase_user(user: User) -> int:
    """Pseudonymise a person everywhere but in published reports; returns the audit events rewritten.

    The account can no longer sign in (no password, inactive, every session ended); its outbox
    mails lose their address and body; its name and address in audit events become the pseudonym.
    """
    name, email = pseudonym(user)
    old = {user.email: email, user.email.lower(): email, user.name: name}
    rewritten = 0
    for event in db.session.scalars(select(AuditEvent).where(or_(AuditEvent.before.is_not(None),
                                                                 AuditEvent.after.is_not(None)))
                                    .execution_options(yield_per=1000)):
        before, after = _replace(event.before, old), _replace(event.after, old)
        if before != event.before or after != event.after:
            event.before, event.after = before, after
            rewritten += 1
    db.session.execute(update(OutboxMessage).where(func.lower(OutboxMessage.recipient) == user.email.lower())
                       .values(recipient=email, body=ERASED_BODY))
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    user.name, user.email, user.password_hash, user.active = name, email, None, False
    user.session_token = (user.session_token or 0) + 1  # reset and invitation links stop working
    record(None, "user.erase", user, after={"audit_events_rewritten": rewritten},
           network_ids=user.network_ids())
    db.session.flush()
    return rewritten
