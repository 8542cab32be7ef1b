"""E-mail goes out over real SMTP when configured, and is always kept in the outbox."""
import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from peerreview.mail.models import OutboxMessage
from peerreview.mail.services import send_mail


class Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture()
def smtp_server():
    collector = Collector()
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, collector
    controller.stop()


def test_mail_is_sent_over_smtp_and_kept(app, db, smtp_server):
    controller, collector = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False)
    try:
        send_mail("dora@example.org", "Hello <b>Dora</b>", "Plain text <script>alert(1)</script>")
        db.session.commit()
    finally:
        app.config.update(MAIL_SERVER=None)
    recipients, message = collector.messages[0]
    assert recipients == ["dora@example.org"]
    assert message["Subject"] == "Hello <b>Dora</b>"
    assert message.get_content_type() == "text/plain"  # nothing a user wrote becomes markup
    assert "<script>alert(1)</script>" in message.get_payload(decode=True).decode()
    kept = db.session.scalars(select(OutboxMessage)).one()
    assert kept.sent_at is not None


def test_without_smtp_mail_is_only_kept(app, db):
    send_mail("dora@example.org", "Subject", "Body")
    db.session.commit()
    assert db.session.scalars(select(OutboxMessage)).one().sent_at is None


def test_unreachable_smtp_server_keeps_the_message_unsent(app, db):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False)
    try:
        send_mail("dora@example.org", "Subject", "Body")
        db.session.commit()
    finally:
        app.config.update(MAIL_SERVER=None)
    assert db.session.scalars(select(OutboxMessage)).one().sent_at is None
