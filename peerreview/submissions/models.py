from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerreview.auth.models import User
from peerreview.cycles.models import Cycle
from peerreview.db_types import UTCDateTime, utcnow
from peerreview.extensions import db
from peerreview.organisations.models import Organisation

DRAFT = "draft"
SUBMITTED = "submitted"
STATUSES = (DRAFT, SUBMITTED)


class Submission(db.Model):
    """What one participating organisation sends in a cycle.

    Created when the secretariat invites the organisation; one per cycle and
    organisation.
    """

    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("cycle_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    cycle: Mapped[Cycle] = relationship()
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    organisation: Mapped[Organisation] = relationship()
    status: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    last_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    last_saved_by: Mapped[User | None] = relationship(foreign_keys=[last_saved_by_id])
    # Why the secretariat last returned it; shown to the delegation until it submits again.
    returned_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Accepted by the secretariat: locked; it can be returned only after an unlock with a reason.
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])
    # Optimistic lock of the submission's state (submit, return); value and text saves do not move it.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class IndicatorValue(db.Model):
    """One number: submission x indicator x breakdown x year."""

    __tablename__ = "indicator_value"
    __table_args__ = (UniqueConstraint("submission_id", "indicator_id", "breakdown", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"), index=True)
    breakdown: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column()
    # None only with a flag that says there is no value (submissions.flags.WITHOUT_VALUE).
    value: Mapped[Decimal | None] = mapped_column(Numeric(20, 6), nullable=True)
    # A code of submissions.flags ("" for none): not available, confidential, estimated, ...
    flag: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # The source note the delegation gives with the value.
    note: Mapped[str] = mapped_column(Text, default="")
    # Why a plausibility warning on this value is not an error; travels to reviewers and reports.
    explanation: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_by: Mapped[User | None] = relationship()
    # Per-cell optimistic lock: two saves that both started from this version cannot both change the cell.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class ComparabilityNote(db.Model):
    """How an organisation's national definition of one indicator differs from the common one."""

    __tablename__ = "comparability_note"
    __table_args__ = (UniqueConstraint("submission_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_by: Mapped[User | None] = relationship()
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class Narrative(db.Model):
    """The delegation's self-assessment text for one excellence area (Markdown)."""

    __tablename__ = "narrative"
    __table_args__ = (UniqueConstraint("submission_id", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("excellence_area.id"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_by: Mapped[User | None] = relationship()
    # Per-area optimistic lock: texts of one area never block values or the texts of another area.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class SubmissionDocument(db.Model):
    """A supporting document a delegation attached to its submission (PDF, XLSX or DOCX).

    Stored with the submission (or in the object store, peerreview/files.py); the bytes are loaded only
    when someone downloads the file.
    """

    __tablename__ = "submission_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    submission: Mapped[Submission] = relationship()
    filename: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # pdf, xlsx, docx: as found in the content
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    # The bytes here, or (FILE_STORE=s3) the object's key in file_key: peerreview/files.py reads either.
    data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    file_key: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20), default="upload")  # upload, secretariat
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_by: Mapped[User | None] = relationship()
