"""A real worker: `huey_consumer peerreview.worker.huey` in its own process delivers queued mail,
tries a failed delivery again and records the final failure with its reason."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from config import TestingConfig
from peerreview import create_app, jobs
from peerreview.extensions import db as _db
from peerreview.mail.models import OutboxMessage
from peerreview.mail.services import deliver_mail
from tests.scratch_db import scratch_database

WAIT_SECONDS = 30


class SMTPByRecipient:
    """flaky@: refused once (451), then accepted; doomed@: always refused (554)."""

    def __init__(self):
        self.delivered = []
        self.refused_flaky = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        recipient = envelope.rcpt_tos[0]
        if recipient.startswith("doomed@"):
            return "554 5.7.1 Mailbox refuses everything"
        if recipient.startswith("flaky@") and not self.refused_flaky:
            self.refused_flaky += 1
            return "451 4.3.0 Try again later"
        self.delivered.append(recipient)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _url_for_worker(url: str, options: dict) -> str:
    """The scratch database as one URL (a PostgreSQL schema goes in as the connection's options)."""
    connect_options = options.get("connect_args", {}).get("options")
    if connect_options:
        return f"{url}{'&' if '?' in url else '?'}options={quote(connect_options)}"
    return url


@pytest.fixture()
def scratch_app():
    with scratch_database("worker") as (url, options):
        config = type("Config", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url,
                                                   "SQLALCHEMY_ENGINE_OPTIONS": options})
        app = create_app(config)
        with app.app_context():
            _db.create_all()
        yield app, _url_for_worker(url, options)
        with app.app_context():
            _db.session.remove()
            _db.drop_all()
            _db.engine.dispose()


def test_a_real_worker_retries_and_records_failures(scratch_app, tmp_path, monkeypatch):
    app, database_url = scratch_app
    handler = SMTPByRecipient()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    queue_file = tmp_path / "jobs.sqlite"
    # This process enqueues into the worker's SQLite queue instead of running the job itself.
    monkeypatch.setattr(jobs.huey, "_immediate", False)
    monkeypatch.setattr(jobs.huey, "storage", jobs.LazySqliteStorage("peerreview", filename=str(queue_file)))
    with app.app_context():
        messages = [OutboxMessage(recipient=r, subject="Hello", body="Body") for r in
                    ("flaky@example.org", "doomed@example.org")]
        _db.session.add_all(messages)
        _db.session.commit()
        ids = [m.id for m in messages]
        for message_id in ids:
            deliver_mail(message_id)
    env = dict(os.environ, PEERREVIEW_CONFIG="development", DATABASE_URL=database_url,
               HUEY_SQLITE_PATH=str(queue_file), SECRET_KEY="worker-test-" + "x" * 32,
               MAIL_SERVER="127.0.0.1", MAIL_PORT=str(controller.port), MAIL_USE_TLS="0",
               MAIL_MAX_ATTEMPTS="3", MAIL_RETRY_DELAY="1")
    env.pop("REDIS_URL", None)
    log = (tmp_path / "consumer.log").open("w")
    consumer = subprocess.Popen(
        [str(Path(sys.executable).parent / "huey_consumer"), "peerreview.worker.huey", "-k", "thread", "-w", "2",
         "--flush-locks", "-s", "1"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            with app.app_context():
                states = {m.recipient: (m.status, m.attempts, m.last_error, m.sent_at) for m in
                          _db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))}
            if all(status in ("sent", "failed") for status, *_rest in states.values()):
                break
            assert consumer.poll() is None, (tmp_path / "consumer.log").read_text()[-2000:]
            time.sleep(0.3)
    finally:
        consumer.terminate()
        try:
            consumer.wait(timeout=10)
        except subprocess.TimeoutExpired:
            consumer.kill()
            consumer.wait(timeout=10)
        log.close()
        controller.stop()
    output = (tmp_path / "consumer.log").read_text()
    status, attempts, last_error, sent_at = states["flaky@example.org"]
    assert (status, attempts) == ("sent", 2), output[-2000:]
    assert sent_at is not None and last_error is None
    assert handler.delivered == ["flaky@example.org"]
    status, attempts, last_error, sent_at = states["doomed@example.org"]
    assert (status, attempts, sent_at) == ("failed", 3, None), output[-2000:]
    assert "554" in last_error and "refuses everything" in last_error
