from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from peerreview.db_types import UTCDateTime, utcnow
from peerreview.extensions import db

# Delivery states. "stored": no MAIL_SERVER is configured, the outbox is the only copy.
QUEUED = "queued"
SENT = "sent"
FAILED = "failed"
STORED = "stored"
MAIL_STATES = (QUEUED, SENT, FAILED, STORED)


class OutboxMessage(db.Model):
    """Every e-mail the application sends, kept where the secretariat can read it."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # Delivery is a background job: queued -> sent, or failed (with the reason), or stored.
    status: Mapped[str] = mapped_column(String(10), default=QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Set when sent over SMTP; empty when only stored (no MAIL_SERVER configured).
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The network on whose behalf the mail was sent: only its secretariat reads it.
    # Empty for mails about the account itself (sign-in links), which no secretariat reads.
    network_id: Mapped[int | None] = mapped_column(ForeignKey("network.id"), index=True)
    # Password-reset and invitation mails hold tokens: shown only to the recipient.
    sensitive: Mapped[bool] = mapped_column(default=False)
