"""Server-side sessions: a sign-out, a password change or a deactivation ends them on the server.

Flask's session cookie is signed but lives in the browser: by itself, a copy of it would keep
working after its owner signed out. So the cookie (and a remember-me cookie, through
User.get_id) holds only a random key, and a request is signed in only while the UserSession row
with that key's SHA-256 exists. Deleting the row signs out every copy of the cookie.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import joinedload

from peerreview.auth.models import User, UserSession
from peerreview.db_types import utcnow
from peerreview.extensions import db
from peerreview.organisations.models import Organisation

KEY_BYTES = 32
# last_seen_at is written at most this often per session, not on every request.
SEEN_RESOLUTION = timedelta(minutes=5)
USER_AGENT_LENGTH = 200


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _user_agent_summary(user_agent: str | None) -> str:
    """The start of the browser's self-description, printable characters only (shown to people, never parsed)."""
    return "".join(ch for ch in (user_agent or "") if ch.isprintable())[:USER_AGENT_LENGTH]


def start_session(user: User, user_agent: str | None = "") -> str:
    """A new session for a user who just proved who they are; returns its key (for the cookie only)."""
    now = utcnow()
    idle = timedelta(seconds=current_app.config["SESSION_IDLE_TIMEOUT"])
    # Sessions abandoned without signing out (anyone's) are deleted whenever someone signs in, so the
    # table holds little more than the sessions of the last SESSION_IDLE_TIMEOUT.
    db.session.execute(delete(UserSession).where(UserSession.last_seen_at < now - idle))
    key = secrets.token_urlsafe(KEY_BYTES)
    db.session.add(UserSession(key_hash=_digest(key), user_id=user.id, created_at=now, last_seen_at=now,
                               user_agent=_user_agent_summary(user_agent)))
    db.session.flush()
    user.session_key = key
    return key


@cache
def _session_query():
    """The user of a session with the roles every permission asks and the organisation every page header
    names, in one query (the organisation's networks only if asked). Built once: it runs on every
    request, and building its options costs more than running it."""
    return (select(UserSession.id, UserSession.last_seen_at, User)
            .join(User, UserSession.user_id == User.id)
            .options(joinedload(User.grants), joinedload(User.organisation).lazyload(Organisation.networks))
            .where(UserSession.key_hash == bindparam("key_hash")))


def load_user(key: str) -> User | None:
    """Flask-Login's user loader: the user of a live session, None for an ended, idle or unknown one."""
    if not key or len(key) > 100:
        return None
    row = db.session.execute(_session_query(), {"key_hash": _digest(key)}).unique().first()
    if row is None:
        return None
    session_id, last_seen_at, user = row
    now = utcnow()
    if not user.active or now - last_seen_at > timedelta(seconds=current_app.config["SESSION_IDLE_TIMEOUT"]):
        return None
    if now - last_seen_at > SEEN_RESOLUTION:
        # A plain UPDATE: if the session was ended meanwhile it matches no row, which is fine.
        db.session.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))
    user.session_key = key
    return user


def end_session(user: User) -> None:
    """Sign out the session this request was made with (every copy of its cookie)."""
    if user.session_key:
        db.session.execute(delete(UserSession).where(UserSession.key_hash == _digest(user.session_key)))


def end_all_sessions(user: User) -> None:
    """Sign the account out everywhere (after a password change or a deactivation)."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
