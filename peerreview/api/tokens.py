"""Personal access tokens: made, listed and revoked by their owner; checked on every API request."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import _
from sqlalchemy import select

from peerreview.api.models import TOKEN_SCOPES, AccessToken
from peerreview.audit.services import record
from peerreview.db_types import utcnow
from peerreview.errors import NotFound, ValidationFailed
from peerreview.extensions import db
from peerreview.permissions import Action, require, scope

# The prefix tells a leaked token apart in logs and secret scanners; the rest is 256 random bits.
TOKEN_PREFIX = "prt_"  # noqa: S105 (a prefix, not a secret)
TOKEN_BYTES = 32
NAME_LENGTH = 100
LIFETIMES_DAYS = (7, 30, 90, 365)
# last_used_at is written at most this often per token, not on every request.
USE_RESOLUTION = timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenRequest:
    name: str
    scopes: tuple[str, ...]
    lifetime_days: int


def token_problems(data: TokenRequest) -> dict[str, str]:
    problems = {}
    name = data.name.strip()
    if not name:
        problems["name"] = _("Enter a name that says what the token is for.")
    elif len(name) > NAME_LENGTH:
        problems["name"] = _("The name can be at most %(n)d characters.", n=NAME_LENGTH)
    if not data.scopes or any(s not in TOKEN_SCOPES for s in data.scopes):
        problems["scopes"] = _("Choose what the token may do: read, submit, or both.")
    if data.lifetime_days not in LIFETIMES_DAYS:
        problems["lifetime_days"] = _("Choose how long the token works.")
    return problems


def create_token(actor, data: TokenRequest) -> tuple[AccessToken, str]:
    """A new token of the actor's; returns the row and the token itself (shown once, never stored)."""
    problems = token_problems(data)
    if problems:
        raise ValidationFailed(_("The token was not made."), errors=problems)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    token = AccessToken(user_id=actor.id, name=data.name.strip(),
                        scopes=" ".join(s for s in TOKEN_SCOPES if s in data.scopes), token_hash=digest(secret),
                        created_at=now, expires_at=now + timedelta(days=data.lifetime_days))
    db.session.add(token)
    db.session.flush()
    record(actor, "access_token.create", token, after={"name": token.name, "scopes": token.scopes,
                                                        "expires_at": token.expires_at.isoformat()},
           network_ids=actor.network_ids())
    return token, secret


def own_tokens(actor) -> list[AccessToken]:
    query = (select(AccessToken).where(scope(actor, Action.MANAGE_ACCESS_TOKEN))
             .order_by(AccessToken.revoked_at.is_not(None), AccessToken.created_at.desc()))
    return list(db.session.scalars(query))


def revoke_token(actor, token_id: int) -> AccessToken:
    token = db.session.get(AccessToken, token_id)
    if token is None or token.user_id != actor.id:  # someone else's token is not found, not forbidden
        raise NotFound(_("No such token."))
    require(actor, Action.MANAGE_ACCESS_TOKEN, token)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(actor, "access_token.revoke", token, before={"name": token.name}, network_ids=actor.network_ids())
        db.session.flush()
    return token


def authenticate(secret: str, now: datetime | None = None) -> AccessToken | None:
    """The live token of an active user with this secret, or None (unknown, expired, revoked, deactivated)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    now = now or utcnow()
    token = db.session.scalar(select(AccessToken).where(AccessToken.token_hash == digest(secret)))
    if token is None or not token.is_live(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > USE_RESOLUTION:
        token.last_used_at = now
    return token
