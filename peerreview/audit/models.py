from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerreview.db_types import UTCDateTime, utcnow
from peerreview.extensions import db

if TYPE_CHECKING:  # for the annotation only: the audit trail sits below every feature, auth included
    from peerreview.auth.models import User


class AuditEvent(db.Model):
    """Append-only record of every change: who, when, what, before and after.

    The application offers no way to edit or delete these rows.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor: Mapped[User | None] = relationship("User")
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column()
    # Scope for filtering and for "secretariat of this network only".
    network_id: Mapped[int | None] = mapped_column(ForeignKey("network.id"), index=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycle.id"), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
