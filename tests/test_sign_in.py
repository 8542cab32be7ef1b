"""Sign-in does the same work on every path, so that time and writes tell nothing about accounts.

Counted, not timed: the number of password-hash checks and the SQL statements of each path.
"""
from __future__ import annotations

import re

import pytest
from flask import g
from sqlalchemy import event, func, select
from werkzeug import security

from peerreview.audit.models import AuditEvent
from peerreview.auth import services
from tests.conftest import DEMO_PASSWORD
from tests.factories import UserFactory

PATHS = ["unknown address", "account without password", "deactivated", "wrong password", "right password"]


def _attempt(path: str, world, db) -> tuple[str, str]:
    """The (address, password) of one sign-in path, with the account set up for it."""
    if path == "unknown address":
        return "nobody@example.org", DEMO_PASSWORD
    if path == "account without password":
        invited = UserFactory(email="invited@example.org")
        invited.password_hash = None
        db.session.commit()
        return invited.email, DEMO_PASSWORD
    if path == "deactivated":
        world.other_delegate.active = False
        db.session.commit()
        return world.other_delegate.email, DEMO_PASSWORD
    if path == "wrong password":
        return world.delegate.email, "not the password at all"
    return world.delegate.email, DEMO_PASSWORD


@pytest.fixture()
def hash_checks(monkeypatch):
    calls = []
    original = security.check_password_hash

    def counting(pwhash, password):
        calls.append(pwhash)
        return original(pwhash, password)

    monkeypatch.setattr(security, "check_password_hash", counting)
    return calls


@pytest.fixture()
def statements(db):
    seen = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        table = re.search(r"(?:FROM|INTO|UPDATE)\s+\"?(\w+)", statement, re.IGNORECASE)
        seen.append((statement.split(None, 1)[0].upper(), table.group(1) if table else "?"))

    event.listen(db.engine, "before_cursor_execute", remember)
    yield seen
    event.remove(db.engine, "before_cursor_execute", remember)


@pytest.mark.parametrize("path", PATHS)
def test_every_path_checks_one_hash_and_writes_one_audit_event(path, world, db, hash_checks, statements):
    email, password = _attempt(path, world, db)
    services.authenticate("warm-up@example.org", "x")  # makes the dummy hash once per process
    db.session.rollback()
    hash_checks.clear()
    statements.clear()
    user = services.authenticate(email, password)
    db.session.flush()
    assert (user is not None) == (path == "right password")
    assert len(hash_checks) == 1
    assert statements == [("SELECT", "user_account"), ("INSERT", "audit_event")]


def test_the_dummy_hash_costs_what_a_real_one_costs(app, world):
    """Same method and parameters as the accounts' hashes, so checking it takes as long."""
    services.authenticate("nobody@example.org", "x")
    method = app.config["PASSWORD_HASH_METHOD"]
    dummy = services._DUMMY_HASHES[method]
    assert dummy.split("$")[0] == world.delegate.password_hash.split("$")[0] == method


def _send(client, data):
    g.pop("_login_user", None)  # each request loads its user from its own cookie (see test_sessions)
    return client.post("/login", data=data)


def test_signing_in_and_failing_to_are_both_in_the_audit_log(app, world, db):
    answers = {}
    for path in PATHS:
        email, password = _attempt(path, world, db)
        answers[path] = _send(app.test_client(), {"email": email, "password": password}).status_code
    assert answers == {**dict.fromkeys(PATHS, 422), "right password": 302}
    db.session.expire_all()
    counts = dict(db.session.execute(select(AuditEvent.action, func.count()).where(
        AuditEvent.action.startswith("user.login")).group_by(AuditEvent.action)).all())
    assert counts == {"user.login_failed": 4, "user.login": 1}  # kept although the answer is 422
    failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.login_failed")
                                .order_by(AuditEvent.id)).all()
    assert [e.object_id for e in failed] == [None, failed[1].object_id, world.other_delegate.id, world.delegate.id]
    assert {e.object_type for e in failed} == {"user_account"} and {e.actor_id for e in failed} == {None}
