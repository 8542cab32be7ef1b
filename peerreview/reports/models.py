from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from peerreview.auth.models import User
from peerreview.cycles.models import Cycle
from peerreview.db_types import UTCDateTime, utcnow
from peerreview.extensions import db
from peerreview.organisations.models import Organisation

FEEDBACK = "feedback"
SYNTHESIS = "synthesis"
# queued -> rendering -> draft (rendered) or failed (with the reason); draft -> published.
QUEUED = "queued"
RENDERING = "rendering"
DRAFT = "draft"
FAILED = "failed"
PUBLISHED = "published"
IN_PROGRESS = (QUEUED, RENDERING)


def _subject_key_of_row(context) -> int:
    return context.get_current_parameters().get("organisation_id") or 0


class Report(db.Model):
    """A rendered PDF. Drafts may be rendered again; a published report never changes.

    One record per (cycle, kind, subject): rendering again updates it. The render itself is a
    background job; until it has run the record is queued or rendering (and keeps the bytes of
    an earlier draft, if any).
    """

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("cycle_id", "kind", "subject_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    cycle: Mapped[Cycle] = relationship()
    kind: Mapped[str] = mapped_column(String(20))
    # Empty for the synthesis report of the whole cycle.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    organisation: Mapped[Organisation | None] = relationship()
    # The organisation's id, 0 for the synthesis report: never NULL, because both databases
    # treat NULLs as distinct in a unique constraint.
    subject_key: Mapped[int] = mapped_column(default=_subject_key_of_row)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default=QUEUED, index=True)
    # Why the last render failed (status failed).
    failure: Mapped[str | None] = mapped_column(String(500))
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column()
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who asked for the (last) render.
    rendered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    rendered_by: Mapped[User] = relationship(foreign_keys=[rendered_by_id])
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED

    @property
    def in_progress(self) -> bool:
        return self.status in IN_PROGRESS
