"""Outgoing e-mail: always stored in the outbox, sent over SMTP when configured."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from peerreview.db_types import utcnow
from peerreview.extensions import db
from peerreview.mail.models import OutboxMessage
from peerreview.permissions import Action, require, scope


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, also from the command line (PUBLIC_BASE_URL)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


def send_mail(recipient: str, subject: str, body: str, *, sensitive: bool = False,
              network_id: int | None = None) -> OutboxMessage:
    """Keep the message in the outbox of `network_id` (None: about the account itself,
    read by no secretariat) and deliver it."""
    message = OutboxMessage(recipient=recipient, subject=subject, body=body, sensitive=sensitive,
                            network_id=network_id)
    db.session.add(message)
    config = current_app.config
    if config.get("MAIL_SERVER"):
        email = EmailMessage()
        email["From"] = config["MAIL_DEFAULT_SENDER"]
        email["To"] = recipient
        email["Subject"] = subject
        email.set_content(body)  # plain text: nothing a user wrote is interpreted as markup
        try:
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
                if config.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                smtp.send_message(email)
            message.sent_at = utcnow()
        except (OSError, smtplib.SMTPException):
            current_app.logger.exception("SMTP delivery to %s failed; kept in the outbox", recipient)
    elif not current_app.testing and sensitive:
        # Without SMTP the token mail is only in the outbox; show it on the
        # console so that a developer can follow the link.
        current_app.logger.warning("Mail to %s (not sent, no MAIL_SERVER):\n%s", recipient, body)
    return message


def list_outbox(actor, limit: int = 200) -> list[OutboxMessage]:
    require(actor, Action.READ_OUTBOX)
    query = (select(OutboxMessage).where(scope(actor, Action.READ_MAIL))
             .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()))
    return list(db.session.scalars(query.limit(limit)))
