from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from peerreview.db_types import UTCDateTime, utcnow
from peerreview.extensions import db
from peerreview.organisations.models import Network, Organisation

ROLE_SECRETARIAT = "secretariat"
ROLE_DELEGATE = "delegate"
ROLE_REVIEWER = "reviewer"
ROLES = (ROLE_SECRETARIAT, ROLE_DELEGATE, ROLE_REVIEWER)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    organisation: Mapped[Organisation] = relationship()
    # The network a secretariat user runs; empty for delegates and reviewers.
    network_id: Mapped[int | None] = mapped_column(ForeignKey("network.id"), index=True)
    network: Mapped[Network | None] = relationship()
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped on password change: invalidates reset tokens and other sessions.
    session_token: Mapped[int] = mapped_column(default=0)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: changing the password logs out other sessions
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str) -> None:
        from flask import current_app

        # scrypt by default; the test configuration picks a cheaper method.
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
        self.session_token = (self.session_token or 0) + 1

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_secretariat(self) -> bool:
        return self.role == ROLE_SECRETARIAT

    @property
    def is_delegate(self) -> bool:
        return self.role == ROLE_DELEGATE

    @property
    def is_reviewer(self) -> bool:
        return self.role == ROLE_REVIEWER

    def __repr__(self) -> str:
        return f"<User {self.email}>"
