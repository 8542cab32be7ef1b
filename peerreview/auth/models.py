from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from peerreview.db_types import UTCDateTime, utcnow
from peerreview.extensions import db
from peerreview.organisations.models import Network, Organisation

ROLE_SECRETARIAT = "secretariat"
ROLE_DELEGATE = "delegate"
ROLE_REVIEWER = "reviewer"
ROLES = (ROLE_SECRETARIAT, ROLE_DELEGATE, ROLE_REVIEWER)
ROLE_LABELS = {ROLE_SECRETARIAT: _l("Network secretariat"), ROLE_DELEGATE: _l("Delegate of a PES"),
               ROLE_REVIEWER: _l("Peer reviewer")}


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    # The organisation the person works for: a delegate speaks for it, and a reviewer
    # never reviews it (nor another of its country).
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    organisation: Mapped[Organisation] = relationship()
    # Roles are granted per network: a delegate in one network's cycles can be a peer
    # reviewer in another's. Loaded with the user (one query), asked on every page.
    grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user", lazy="selectin", cascade="all, delete-orphan",
        foreign_keys="RoleGrant.user_id")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The zone times are shown in (an IANA name); empty: the zone of the network concerned.
    time_zone: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # Notifications by mail at once, or gathered in one mail a day (sent by `flask send-reminders`).
    # The language the person chose ("en", "fr", "es"); None: the browser's preference decides.
    locale: Mapped[str | None] = mapped_column(String(5))
    daily_digest: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
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

    def has_role(self, role: str, network_id: int | None) -> bool:
        return any(g.role == role and g.network_id == network_id for g in self.grants)

    def network_ids(self, role: str | None = None) -> set[int]:
        """The networks where the person holds `role` (any role when None)."""
        return {g.network_id for g in self.grants if role is None or g.role == role}

    @property
    def secretariat_network_ids(self) -> set[int]:
        return self.network_ids(ROLE_SECRETARIAT)

    # "Anywhere" questions decide what the navigation offers; access itself is
    # always decided per network in permissions.py.
    @property
    def is_secretariat(self) -> bool:
        return bool(self.network_ids(ROLE_SECRETARIAT))

    @property
    def is_delegate(self) -> bool:
        return bool(self.network_ids(ROLE_DELEGATE))

    @property
    def is_reviewer(self) -> bool:
        return bool(self.network_ids(ROLE_REVIEWER))

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class RoleGrant(db.Model):
    """One role of one person in one network."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "network_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"), index=True)
    network: Mapped[Network] = relationship(lazy="joined")
    role: Mapped[str] = mapped_column(String(20))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    def __repr__(self) -> str:
        return f"<RoleGrant {self.role} in {self.network_id}>"


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
