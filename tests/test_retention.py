"""Retention periods (docs/retention.md) applied by `flask purge`, with a clock the test controls, and
erasure of a person: pseudonymised in the account, the outbox and the audit log (order and meaning
kept), published reports unchanged."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from peerreview.audit.models import AuditEvent
from peerreview.audit.services import record
from peerreview.auth.models import User, UserSession
from peerreview.db_types import utcnow
from peerreview.mail.models import QUEUED, SENT, OutboxMessage
from peerreview.reports.models import Report
from peerreview.retention import purge


def _event(actor, action, obj, at, **kwargs):
    event = record(actor, action, obj, **kwargs)
    event.at = at
    return event


def _mail(recipient, at, status=SENT, body="Hello, here is your link"):
    return OutboxMessage(recipient=recipient, subject="Subject", body=body, status=status, created_at=at)


def test_purge_applies_each_period_and_nothing_younger(db, world, runner):
    now = utcnow()
    day = timedelta(days=1)
    user = world.delegate
    old_login = _event(user, "user.login", user, now - 366 * day, network_id=world.network.id)
    young_login = _event(user, "user.login", user, now - 364 * day, network_id=world.network.id)
    old_other = _event(user, "value.update", world.own_submission, now - 2000 * day, network_id=world.network.id)
    old_body = _mail(user.email, now - 91 * day)
    young_body = _mail(user.email, now - 89 * day)
    ancient = _mail(user.email, now - 731 * day)
    still_queued = _mail(user.email, now - 800 * day, status=QUEUED)
    db.session.add_all([old_body, young_body, ancient, still_queued])
    db.session.add_all([
        UserSession(key_hash="a" * 64, user_id=user.id, created_at=now - 2 * day, last_seen_at=now - 2 * day),
        UserSession(key_hash="b" * 64, user_id=user.id, created_at=now, last_seen_at=now)])
    db.session.commit()
    ids = {name: obj.id for name, obj in [("old_login", old_login), ("young_login", young_login),
                                          ("old_other", old_other), ("ancient", ancient),
                                          ("still_queued", still_queued)]}

    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "sign-in events deleted: 1" in dry.output and "outbox mail bodies removed: 1" in dry.output
    assert "outbox messages deleted: 1" in dry.output and "sign-in sessions ended (idle): 1" in dry.output
    assert db.session.get(AuditEvent, ids["old_login"]) is not None  # a dry run changes nothing
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 2

    done = runner.invoke(args=["purge"])
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    assert db.session.get(AuditEvent, ids["old_login"]) is None
    assert db.session.get(AuditEvent, ids["young_login"]) is not None
    assert db.session.get(AuditEvent, ids["old_other"]) is not None  # only sign-in events expire
    assert old_body.body.startswith("[removed") and young_body.body == "Hello, here is your link"
    assert db.session.get(OutboxMessage, ids["ancient"]) is None
    assert db.session.get(OutboxMessage, ids["still_queued"]) is not None  # never before it was delivered
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 1

    again = runner.invoke(args=["purge"])
    assert "sign-in events deleted: 0" in again.output and "outbox mail bodies removed: 0" in again.output


def test_purge_with_a_later_clock_removes_what_has_expired_by_then(db, world, runner):
    record(world.delegate, "user.login", world.delegate, network_id=world.network.id)
    db.session.commit()
    later = (utcnow() + timedelta(days=400)).isoformat()
    result = runner.invoke(args=["purge", "--dry-run", "--now", later])
    assert "sign-in events deleted: 1" in result.output
    assert runner.invoke(args=["purge", "--now", "next tuesday"]).exit_code == 1


def test_inactive_accounts_are_erased_after_their_period(db, world, app):
    now = utcnow()
    gone = world.other_delegate
    gone.active = False
    gone.created_at = now - timedelta(days=1000)
    _event(None, "user.active", gone, now - timedelta(days=800), network_id=world.network.id,
           before={"active": True}, after={"active": False})
    recent = world.unassigned_reviewer
    recent.active = False
    recent.created_at = now - timedelta(days=1000)
    _event(None, "user.active", recent, now - timedelta(days=10), network_id=world.network.id)
    db.session.commit()
    result = purge(now)
    db.session.commit()
    assert result.accounts == [gone.id]
    assert gone.name == f"Erased person {gone.id}" and recent.email != f"erased-{recent.id}@erased.invalid"
    assert purge(now).accounts == []  # an erased account is not erased again


def test_erasing_a_person_keeps_the_audit_log_and_published_reports(db, world, runner, client):
    person = world.reviewer
    email, name = person.email, person.name
    record(world.secretariat, "user.create", person, after={"email": email, "name": name, "note": f"{name} joins"},
           network_id=world.network.id)
    record(person, "comment.create", world.shared_comment, after={"body": "a comment"}, network_id=world.network.id)
    db.session.add(_mail(email, utcnow(), body=f"Dear {name}, ..."))
    db.session.add(UserSession(key_hash="c" * 64, user_id=person.id, created_at=utcnow(), last_seen_at=utcnow()))
    db.session.commit()
    before = [(e.id, e.at, e.actor_id, e.action, e.object_type, e.object_id)
              for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    reports = {r.id: (r.pdf, r.sha256, r.status) for r in db.session.scalars(select(Report))}

    result = runner.invoke(args=["erase-user", "--email", email.upper(), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    after = [(e.id, e.at, e.actor_id, e.action, e.object_type, e.object_id)
             for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert after[:len(before)] == before  # same events, same order, same actors and objects
    assert [e[3] for e in after[len(before):]] == ["user.erase"]
    everything = " ".join(str((e.before, e.after)) for e in db.session.scalars(select(AuditEvent)))
    assert email not in everything and name not in everything
    assert f"Erased person {person.id} joins" in everything
    user = db.session.get(User, person.id)
    assert (user.name, user.email, user.password_hash, user.active) == (
        f"Erased person {person.id}", f"erased-{person.id}@erased.invalid", None, False)
    assert db.session.scalar(select(func.count()).select_from(UserSession)
                             .where(UserSession.user_id == person.id)) == 0
    mails = db.session.scalars(select(OutboxMessage)).all()
    assert all(email not in m.recipient and name not in m.body for m in mails)
    assert {r.id: (r.pdf, r.sha256, r.status) for r in db.session.scalars(select(Report))} == reports
    response = client.post("/login", data={"email": email, "password": "correct horse battery"})
    assert response.status_code != 302  # the erased account cannot sign in


def test_erasing_an_unknown_address_changes_nothing(db, world, runner):
    result = runner.invoke(args=["erase-user", "--email", "nobody@example.org", "--yes"])
    assert result.exit_code == 1 and "No account" in result.output
