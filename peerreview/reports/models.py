from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
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
    # The bytes here, or (FILE_STORE=s3) the object's key in file_key: peerreview/files.py reads either.
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    file_key: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column()
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who asked for the (last) render.
    rendered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    rendered_by: Mapped[User] = relationship(foreign_keys=[rendered_by_id])
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    # Who may read it (TIERS). Published (network, public) once it has a version.
    tier: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft", index=True)
    # A publication asked for: the render job renders the copy without the "Draft" mark and keeps it
    # as a new version for this tier, with this correction reason ("" for none).
    release_to: Mapped[str | None] = mapped_column(String(20))
    release_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    release_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    @property
    def is_published(self) -> bool:
        """Has a version that is neither withdrawn nor corrected."""
        return self.current_version is not None

    @property
    def current_version(self):
        return next((v for v in reversed(self.versions) if v.is_current), None)

    @property
    def in_progress(self) -> bool:
        return self.status in IN_PROGRESS


# Release tiers of a report (issue 9): who may read it.
TIER_DRAFT = "draft"  # the secretariat and the review team; every copy watermarked "Draft"
TIER_FACTUAL_CHECK = "factual_check"  # also the delegation concerned, which may flag factual errors
TIER_NETWORK = "network"  # published to everyone taking part in the cycle
TIER_PUBLIC = "public"  # published to everyone, listed in the public register
TIERS = (TIER_DRAFT, TIER_FACTUAL_CHECK, TIER_NETWORK, TIER_PUBLIC)
RELEASED_TIERS = (TIER_NETWORK, TIER_PUBLIC)

# States of a published version.
VERSION_CURRENT = "current"
VERSION_CORRECTED = "corrected"  # a later version corrects it; it stays downloadable with the note
VERSION_WITHDRAWN = "withdrawn"  # kept on record with the reason; no longer downloadable


class ReportVersion(db.Model):
    """One publication of a report: immutable bytes, their SHA-256, its number, who and when.

    The report's current version is its latest version that is neither withdrawn nor corrected.
    A correction is a new version (the earlier one becomes "corrected", with the reason); a
    withdrawal keeps the record and says why.
    """

    __tablename__ = "report_version"
    __table_args__ = (UniqueConstraint("report_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    report: Mapped[Report] = relationship(back_populates="versions")
    number: Mapped[int] = mapped_column()
    # The bytes here, or (FILE_STORE=s3) the object's key in file_key: peerreview/files.py reads either.
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    file_key: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column()
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    published_by: Mapped[User] = relationship(foreign_keys=[published_by_id])
    # Why this version corrects the one before it ("" for a first publication).
    correction_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    state: Mapped[str] = mapped_column(String(20), default=VERSION_CURRENT, server_default=VERSION_CURRENT)
    # Why it was withdrawn or corrected, who did it and when.
    state_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    state_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    state_changed_by: Mapped[User | None] = relationship(foreign_keys=[state_changed_by_id])

    @property
    def is_current(self) -> bool:
        return self.state == VERSION_CURRENT


Report.versions = relationship(ReportVersion, back_populates="report", order_by=ReportVersion.number,
                               cascade="all, delete-orphan")


class FactualFlag(db.Model):
    """A factual error the delegation flags in the draft of its feedback report, and the answer."""

    __tablename__ = "report_factual_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    answer: Mapped[str] = mapped_column(Text, default="", server_default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class ReportText(db.Model):
    """The executive summary and conclusions the secretariat writes for a report (Markdown).

    Keyed like the report (cycle and subject: the organisation's id, 0 for the synthesis), so
    that the texts exist before the first render.
    """

    __tablename__ = "report_text"
    __table_args__ = (UniqueConstraint("cycle_id", "subject_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    subject_key: Mapped[int] = mapped_column()
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    conclusions: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class ParticipantNaming(db.Model):
    """How one organisation appears in the synthesis and in others' reports of one cycle: under its
    name (code "") or under an anonymous code such as "PES 07", chosen by the delegation or the
    secretariat."""

    __tablename__ = "participant_naming"
    __table_args__ = (UniqueConstraint("cycle_id", "organisation_id"), UniqueConstraint("cycle_id", "code_number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    # The number of its code ("PES 07"), None while it appears under its name. A number once
    # given stays with the organisation in the cycle, so that a code never changes hands.
    code_number: Mapped[int | None] = mapped_column()
    anonymous: Mapped[bool] = mapped_column(default=False)
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    chosen_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    chosen_by: Mapped[User] = relationship(foreign_keys=[chosen_by_id])
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    @property
    def code(self) -> str:
        return f"PES {self.code_number:02d}" if self.anonymous and self.code_number else ""
