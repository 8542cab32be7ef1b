"""The job queue: jobs run after commit, never after a rollback; mail delivery states and retries;
links in mails from PUBLIC_BASE_URL only; password resets that do the same work for every address."""
from __future__ import annotations

import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import event, select

from config import ProductionConfig, TestingConfig
from peerreview import jobs
from peerreview.auth import services as auth_services
from peerreview.extensions import db as _db
from peerreview.mail.models import OutboxMessage
from peerreview.mail.services import external_url, send_mail


class FlakySMTP:
    """Answers 451 (try again later) to the first `failures` messages, then accepts them."""

    def __init__(self, failures: int = 0):
        self.failures = failures
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        if self.failures > 0:
            self.failures -= 1
            return "451 4.3.0 Try again later"
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture()
def smtp(app):
    """An SMTP server on a free loopback port, configured as the app's MAIL_SERVER."""
    handler = FlakySMTP()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_MAX_ATTEMPTS=3)
    yield handler
    app.config.update(MAIL_SERVER=None, MAIL_MAX_ATTEMPTS=TestingConfig.MAIL_MAX_ATTEMPTS)
    controller.stop()


def _outbox(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# --- enqueue after commit -------------------------------------------------------------------

def test_jobs_run_only_after_the_commit_and_never_after_a_rollback(app, db, smtp, monkeypatch):
    enqueued = []
    original = jobs.huey.enqueue
    monkeypatch.setattr(jobs.huey, "enqueue", lambda task: enqueued.append(task.args) or original(task))
    send_mail("dora@example.org", "Kept", "Body")
    assert smtp.messages == [] and enqueued == []  # nothing leaves during the request
    db.session.commit()
    assert [m["Subject"] for _r, m in smtp.messages] == ["Kept"] and len(enqueued) == 1
    send_mail("dora@example.org", "Rolled back", "Body")
    db.session.rollback()
    db.session.commit()
    assert [m["Subject"] for _r, m in smtp.messages] == ["Kept"] and len(enqueued) == 1
    assert [m.subject for m in _outbox(db)] == ["Kept"]


def test_a_rolled_back_savepoint_keeps_the_jobs_of_its_transaction(app, db, smtp):
    send_mail("dora@example.org", "Outer", "Body")
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            raise RuntimeError("inner work fails")
    db.session.commit()
    assert [m["Subject"] for _r, m in smtp.messages] == ["Outer"]


def test_only_an_app_that_asks_for_it_runs_jobs_in_process(app, db):
    send_mail("dora@example.org", "Subject", "Body")
    db.session.commit()
    assert jobs.huey.immediate is True
    assert ProductionConfig.HUEY_IMMEDIATE is False and TestingConfig.HUEY_IMMEDIATE is True


# --- mail delivery states ---------------------------------------------------------------------

def test_without_a_mail_server_the_message_is_stored(app, db):
    send_mail("dora@example.org", "Subject", "Body", network_id=None)
    db.session.commit()
    (message,) = _outbox(db)
    assert (message.status, message.attempts, message.sent_at) == ("stored", 0, None)


def test_mail_is_sent_by_the_job_with_its_network(app, db, world, smtp):
    send_mail("dora@example.org", "Subject", "Body", network_id=world.network.id)
    db.session.commit()
    (message,) = _outbox(db)
    assert (message.status, message.attempts, message.network_id) == ("sent", 1, world.network.id)
    assert message.sent_at is not None and message.last_error is None


def test_a_transient_failure_is_retried_and_then_sent(app, db, smtp):
    smtp.failures = 2
    send_mail("dora@example.org", "Subject", "Body")
    db.session.commit()
    (message,) = _outbox(db)
    assert (message.status, message.attempts) == ("sent", 3)
    assert len(smtp.messages) == 1


def test_the_last_failure_is_kept_with_its_reason(app, db, smtp, client, login, world):
    smtp.failures = 10
    send_mail("dora@example.org", "Subject", "Body", network_id=world.network.id)
    db.session.commit()
    (message,) = _outbox(db)
    assert (message.status, message.attempts, message.sent_at) == ("failed", 3, None)
    assert "451" in message.last_error and "Try again later" in message.last_error
    assert smtp.messages == []
    login(world.secretariat)
    html = client.get("/outbox/").get_data(as_text=True)
    assert "delivery failed" in html and "Try again later" in html and "3 attempts" in html


def test_an_unreachable_server_fails_after_every_attempt(app, db):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False)
    try:
        send_mail("dora@example.org", "Subject", "Body")
        db.session.commit()
    finally:
        app.config.update(MAIL_SERVER=None)
    (message,) = _outbox(db)
    assert message.status == "failed" and message.attempts == app.config["MAIL_MAX_ATTEMPTS"]
    assert "ConnectionRefusedError" in message.last_error


# --- links from configuration only --------------------------------------------------------------

def test_links_in_mails_ignore_the_host_header(app, db, world):
    client = app.test_client()
    r = client.post("/password/forgot", data={"email": world.delegate.email},
                    base_url="http://attacker.example", headers={"Host": "attacker.example"})
    assert r.status_code == 302
    (message,) = _outbox(db)
    base = app.config["PUBLIC_BASE_URL"]
    assert "attacker.example" not in message.body
    assert f"{base}/password/set/" in message.body


def test_external_url_is_built_on_public_base_url_inside_a_request(app):
    app.config["PUBLIC_BASE_URL"] = "https://peerreview.example.org"
    try:
        with app.test_request_context("/", base_url="http://attacker.example"):
            assert external_url("auth.login") == "https://peerreview.example.org/login"
    finally:
        app.config["PUBLIC_BASE_URL"] = TestingConfig.PUBLIC_BASE_URL


# --- password reset: the same work for every address -----------------------------------------------

def _reset_request(client, monkeypatch, email: str) -> tuple[list, list]:
    """The jobs the request queues and the SQL it runs (the queued job itself is not run)."""
    queued, statements = [], []
    monkeypatch.setattr(jobs, "enqueue_after_commit", lambda job, *args: queued.append((job, args)))

    def spy(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split()[0].upper())

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", spy)
    try:
        r = client.post("/password/forgot", data={"email": email})
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert r.status_code == 302
    return queued, statements


def test_password_reset_request_does_the_same_work_for_every_address(app, db, world, client, monkeypatch):
    world.other_delegate.active = False
    db.session.commit()
    known = _reset_request(client, monkeypatch, world.delegate.email)
    unknown = _reset_request(client, monkeypatch, "nobody@example.org")
    inactive = _reset_request(client, monkeypatch, world.other_delegate.email)
    for (queued, statements), address in zip((known, unknown, inactive),
                                             (world.delegate.email, "nobody@example.org",
                                              world.other_delegate.email), strict=True):
        assert queued == [(auth_services.send_password_reset, (address.lower(), "en"))]
        assert not {"INSERT", "UPDATE", "DELETE"} & set(statements)
    assert known[1] == unknown[1] == inactive[1]


def test_the_reset_job_mails_only_an_active_known_account(app, db, world):
    world.other_delegate.active = False
    db.session.commit()
    for address in (f"  {world.delegate.email.upper()} ", "nobody@example.org", world.other_delegate.email):
        auth_services.request_password_reset(address)
        db.session.commit()
    (message,) = _outbox(db)
    assert message.recipient == world.delegate.email and message.sensitive
