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
    # Bumped on password change and deactivation: invalidates reset and invitation links.
    session_token: Mapped[int] = mapped_column(default=0)
    # Not a column: the key of the server-side session (UserSession) this user signed in or was
    # loaded with, set by auth/sessions.py for the current request only.
    session_key = None

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login keeps this in the cookie: the session key, never the user id
        if not self.session_key:
            raise RuntimeError("Sign users in with auth.sessions.start_session(), which gives them a session key.")
        return self.session_key

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


class UserSession(db.Model):
    """One signed-in browser, kept on the server so that signing out ends it for every copy of the cookie.

    The cookie carries a random key; only its SHA-256 is stored, so reading this table does not
    let anyone take a session over. Deleting the row signs that browser out.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    user: Mapped[User] = relationship()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
