from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerreview.db_types import UTCDateTime, utcnow
from peerreview.extensions import db
from peerreview.framework.models import Framework
from peerreview.organisations.models import Network, Organisation

DRAFT = "draft"
OPEN = "open"
IN_REVIEW = "in_review"
REPORTING = "reporting"
CLOSED = "closed"
PHASES = (DRAFT, OPEN, IN_REVIEW, REPORTING, CLOSED)
PHASE_LABELS = {
    DRAFT: _l("Draft"),
    OPEN: _l("Open for submissions"),
    IN_REVIEW: _l("In review"),
    REPORTING: _l("Reporting"),
    CLOSED: _l("Closed"),
}


class Cycle(db.Model):
    """One round of bench-learning or peer review inside a network."""

    __tablename__ = "cycle"
    # Titles are unique within a network only: another network's titles are not revealed.
    __table_args__ = (UniqueConstraint("network_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"), index=True)
    network: Mapped[Network] = relationship()
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"), index=True)
    framework: Mapped[Framework] = relationship()
    title: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(Text, default="")
    # {"fr": {"title": ..., "theme": ...}, "es": {...}}: see peerreview/i18n.py.
    translations: Mapped[dict | None] = mapped_column(JSON)
    # The language its reports (PDFs) are written in.
    report_locale: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    host_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    host_organisation: Mapped[Organisation | None] = relationship()
    kickoff_place: Mapped[str] = mapped_column(String(200), default="")
    kickoff_start: Mapped[date | None] = mapped_column(Date)
    kickoff_end: Mapped[date | None] = mapped_column(Date)
    first_year: Mapped[int] = mapped_column()
    last_year: Mapped[int] = mapped_column()
    submission_deadline: Mapped[date | None] = mapped_column(Date)
    review_deadline: Mapped[date | None] = mapped_column(Date)
    reporting_deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    # When set, two organisations never review each other within the cycle.
    forbid_reciprocal_reviews: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When set, delegations never see who reviewed them: pages, mails and PDFs say "a peer reviewer".
    hide_reviewer_names: Mapped[bool] = mapped_column(default=False, server_default=false())
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    # Demo or test figures: every report of the cycle says they are illustrative; real ones never do.
    illustrative_data: Mapped[bool] = mapped_column(default=False, server_default=false())

    __mapper_args__ = {"version_id_col": version}

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))


class PhaseMove(db.Model):
    """One move of a cycle between phases, forward or reverted, with why it was made."""

    __tablename__ = "phase_move"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reverted: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A revert's reason, or why the secretariat moved to reporting with reviews still open.
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeadlineExtension(db.Model):
    """More time for one organisation's submission than the cycle's deadline gives."""

    __tablename__ = "deadline_extension"
    __table_args__ = (UniqueConstraint("cycle_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    organisation: Mapped[Organisation] = relationship()
    submission_deadline: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
