from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerreview.auth.models import User
from peerreview.db_types import UTCDateTime, utcnow
from peerreview.extensions import db
from peerreview.framework.models import ExcellenceArea, Indicator
from peerreview.submissions.models import Submission

INTERNAL = "internal"  # reviewers and secretariat only
SHARED = "shared"  # shared with the delegation
VISIBILITIES = (INTERNAL, SHARED)


class ReviewerAssignment(db.Model):
    __tablename__ = "reviewer_assignment"
    __table_args__ = (UniqueConstraint("submission_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    submission: Mapped[Submission] = relationship()
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(db.Model):
    """A reviewer's annotation, anchored to one value or to the whole submission,
    or a delegate's reply to a shared comment."""

    __tablename__ = "review_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    submission: Mapped[Submission] = relationship()
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    author: Mapped[User] = relationship()
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("review_comment.id"), index=True)
    # Anchor: indicator, breakdown and year for a value; area for a narrative;
    # all empty for the submission as a whole.
    area_id: Mapped[int | None] = mapped_column(ForeignKey("excellence_area.id"))
    area: Mapped[ExcellenceArea | None] = relationship()
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicator.id"))
    indicator: Mapped[Indicator | None] = relationship()
    breakdown: Mapped[str | None] = mapped_column(String(16))
    year: Mapped[int | None] = mapped_column()
    visibility: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_shared(self) -> bool:
        return self.visibility == SHARED
