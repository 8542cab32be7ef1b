"""Outgoing e-mail: always stored in the outbox, delivered over SMTP by a background job."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from urllib.parse import urlsplit

from flask import current_app, url_for
from huey.exceptions import RetryTask
from sqlalchemy import select

from peerreview import jobs
from peerreview.db_types import utcnow
from peerreview.extensions import db
from peerreview.mail.models import FAILED, QUEUED, SENT, STORED, OutboxMessage
from peerreview.permissions import Action, require, scope


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail: always built on PUBLIC_BASE_URL, never on the request's Host."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    # The path (with the base's own prefix, if any) from the URL map; scheme and host from the
    # configuration alone, so neither a Host header nor SERVER_NAME can change them.
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        path = url_for(endpoint, **values)
    return f"{base.scheme}://{base.netloc}{path}"


def send_mail(recipient: str, subject: str, body: str, *, sensitive: bool = False,
              network_id: int | None = None) -> OutboxMessage:
    """Keep the message in the outbox of `network_id` (None: about the account itself, read by
    no secretariat) and deliver it once the request has committed."""
    message = OutboxMessage(recipient=recipient, subject=subject, body=body, sensitive=sensitive,
                            network_id=network_id, status=QUEUED, attempts=0)
    db.session.add(message)
    db.session.flush()
    jobs.enqueue_after_commit(deliver_mail, message.id)
    return message


def _smtp_send(message: OutboxMessage) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)  # plain text: nothing a user wrote is interpreted as markup
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


@jobs.task()
def deliver_mail(message_id: int) -> str | None:
    """Send one outbox message over SMTP; a failed attempt is tried again, the last failure kept."""
    config = current_app.config
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status in (SENT, STORED):
        return None
    if not config.get("MAIL_SERVER"):
        message.status = STORED
        if message.sensitive and not current_app.testing:
            # Without SMTP the token mail is only in the outbox; show it on the
            # console so that a developer can follow the link.
            current_app.logger.warning("Mail to %s (not sent, no MAIL_SERVER):\n%s", message.recipient,
                                       message.body)
        db.session.commit()
        return message.status
    message.attempts += 1
    try:
        _smtp_send(message)
    except (OSError, smtplib.SMTPException) as error:
        message.last_error = f"{type(error).__name__}: {error}"[:500]
        final = message.attempts >= config["MAIL_MAX_ATTEMPTS"]
        message.status = FAILED if final else QUEUED
        db.session.commit()
        current_app.logger.warning("SMTP delivery of message %s to %s failed (attempt %s%s): %s", message_id,
                                   message.recipient, message.attempts, ", gave up" if final else "",
                                   message.last_error)
        if final:
            return message.status
        delay = config["MAIL_RETRY_DELAY"]
        raise RetryTask(delay=delay or None) from error
    message.status = SENT
    message.sent_at = utcnow()
    message.last_error = None
    db.session.commit()
    return message.status


def list_outbox(actor, limit: int = 200) -> list[OutboxMessage]:
    require(actor, Action.READ_OUTBOX)
    query = (select(OutboxMessage).where(scope(actor, Action.READ_MAIL))
             .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()))
    return list(db.session.scalars(query.limit(limit)))
