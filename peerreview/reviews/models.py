from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerreview.auth.models import User
from peerreview.db_types import UTCDateTime, utcnow
from peerreview.extensions import db
from peerreview.framework.models import ExcellenceArea, Indicator
from peerreview.organisations.models import Organisation
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
    # The lead reviewer consolidates the team's assessments into the submission's.
    is_lead: Mapped[bool] = mapped_column(default=False, server_default=false())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consolidated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the lead's only


class Comment(db.Model):
    """A reviewer's annotation, anchored to one value or to the whole submission,
    or a delegate's reply to a shared comment."""

    __tablename__ = "review_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    submission: Mapped[Submission] = relationship()
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    author: Mapped[User] = relationship(foreign_keys=[author_id])
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
    # A clarification request asks the delegation a question; it stays open until resolved.
    is_request: Mapped[bool] = mapped_column(default=False, server_default=false())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revisions: Mapped[list["CommentRevision"]] = relationship(order_by="CommentRevision.id", lazy="selectin")

    @property
    def is_shared(self) -> bool:
        return self.visibility == SHARED


class CommentRevision(db.Model):
    """The text a comment had before an edit: kept, and shown to everyone who can read the comment."""

    __tablename__ = "comment_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("review_comment.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when this text was written
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Whose assessment of an excellence area a row holds.
REVIEWER = "reviewer"  # one assigned reviewer's (stays within the review team)
CONSOLIDATED = "consolidated"  # the lead's consolidation: the submission's assessment
SELF = "self"  # the delegation's self-assessment score
ASSESSMENT_KINDS = (REVIEWER, CONSOLIDATED, SELF)
ASSESSMENT_TEXTS = ("strengths", "improvements", "recommendations", "good_practices")


class AreaAssessment(db.Model):
    """A maturity score (1-5, docs/maturity-scale.md) and findings for one excellence area."""

    __tablename__ = "area_assessment"
    # owner: "reviewer:<assignment id>", "consolidated" or "self"; one row per owner and area.
    __table_args__ = (UniqueConstraint("submission_id", "area_id", "owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("excellence_area.id"))
    area: Mapped[ExcellenceArea] = relationship()
    kind: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str] = mapped_column(String(40))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("reviewer_assignment.id"), index=True)
    score: Mapped[int | None] = mapped_column()
    strengths: Mapped[str] = mapped_column(Text, default="")
    improvements: Mapped[str] = mapped_column(Text, default="")
    recommendations: Mapped[str] = mapped_column(Text, default="")
    good_practices: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Optimistic lock: two delegates (or a stale tab) never silently overwrite each other.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class ReviewerProfile(db.Model):
    """A peer reviewer in a network's pool: languages and expertise (excellence area codes)."""

    __tablename__ = "reviewer_profile"
    __table_args__ = (UniqueConstraint("user_id", "network_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"), index=True)
    languages: Mapped[str] = mapped_column(String(200), default="")  # e.g. "en, fr, de"
    expertise: Mapped[str] = mapped_column(String(200), default="")  # area codes, e.g. "A, D"


class DeclaredConflict(db.Model):
    """A conflict of interest declared with an organisation, with a reason.

    Either a reviewer declares it (reviewer_id: they will not review that organisation), or a
    delegation does (organisation_id: no reviewer of that organisation reviews the delegation).
    A delegation names an organisation, never a person.
    """

    __tablename__ = "declared_conflict"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    with_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    with_organisation: Mapped[Organisation] = relationship(foreign_keys=[with_organisation_id])
    reason: Mapped[str] = mapped_column(Text)
    declared_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(db.Model):
    """Something a person is told by mail: sent at once, or kept for their daily digest."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class SentReminder(db.Model):
    """A scheduled reminder that went out: the unique key makes `flask send-reminders` idempotent."""

    __tablename__ = "sent_reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
