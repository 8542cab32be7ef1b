"""Personal access tokens for the API tests."""
from __future__ import annotations

from datetime import timedelta

from peerreview.api.tokens import TokenRequest, create_token
from peerreview.db_types import utcnow
from peerreview.extensions import db


def make_token(user, scopes: str = "read", *, expired: bool = False, revoked: bool = False) -> str:
    """A token of `user` with the given scopes ("read", "submit", "read submit"); returns the secret."""
    token, secret = create_token(user, TokenRequest("test", tuple(scopes.split()), 30))
    if expired:
        token.expires_at = utcnow() - timedelta(seconds=1)
    if revoked:
        token.revoked_at = utcnow()
    db.session.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
