from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from peerreview.auth.models import User
from peerreview.cycles.models import Cycle
from peerreview.db_types import UTCDateTime, utcnow
from peerreview.extensions import db
from peerreview.organisations.models import Organisation

FEEDBACK = "feedback"
SYNTHESIS = "synthesis"
DRAFT = "draft"
PUBLISHED = "published"


class Report(db.Model):
    """A rendered PDF. Drafts may be rendered again; a published report never changes."""

    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    cycle: Mapped[Cycle] = relationship()
    kind: Mapped[str] = mapped_column(String(20))
    # Empty for the synthesis report of the whole cycle.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    organisation: Mapped[Organisation | None] = relationship()
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rendered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    rendered_by: Mapped[User] = relationship(foreign_keys=[rendered_by_id])
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED
