"""Server-side sessions: signing out, a password change and a deactivation end them for every cookie copy."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import g
from flask_login.utils import encode_cookie
from sqlalchemy import func, select

from peerreview.auth import services
from peerreview.auth.models import UserSession
from peerreview.auth.sessions import SEEN_RESOLUTION, start_session
from peerreview.db_types import utcnow
from tests.conftest import DEMO_PASSWORD

PRIVATE_PAGE = "/cycles/"
USER_AGENT = "Firefox/140 \x00on Linux"


def _send(client, method: str, url: str, **kwargs):
    """One request as a fresh browser request.

    The test's app context (the `db` fixture) is reused by every request of the test, and with it
    Flask-Login's cached user in `g`: forget it, so that each request loads its user from its own cookie.
    """
    g.pop("_login_user", None)
    # Every browser here sends the same User-Agent, as a careful thief would (Flask-Login's "strong"
    # protection compares it, and the address, with the ones seen at sign-in).
    return client.open(url, method=method, headers={"User-Agent": USER_AGENT}, **kwargs)


def _signed_in_client(app, user):
    client = app.test_client()
    response = _send(client, "POST", "/login", data={"email": user.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def _copy_of(app, client):
    """A second browser holding a stolen copy of the first one's session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value, domain="localhost")
    return thief


def _signed_in(client) -> bool:
    response = _send(client, "GET", PRIVATE_PAGE)
    assert response.status_code in (200, 302)
    return response.status_code == 200


def _sessions_of(db, user) -> int:
    return db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id))


def test_a_copied_session_cookie_stops_working_when_its_owner_signs_out(app, db, world):
    owner = _signed_in_client(app, world.delegate)
    thief = _copy_of(app, owner)
    assert _signed_in(thief)  # the copy works while the session lives...
    assert _send(owner, "POST", "/logout").status_code == 302
    response = _send(thief, "GET", PRIVATE_PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]  # ...and not after
    assert _sessions_of(db, world.delegate) == 0


def test_signing_out_ends_only_that_browser(app, db, world):
    office, home = _signed_in_client(app, world.delegate), _signed_in_client(app, world.delegate)
    assert _sessions_of(db, world.delegate) == 2
    _send(office, "POST", "/logout")
    assert not _signed_in(office) and _signed_in(home)


def test_a_password_change_ends_every_session_of_the_account(app, db, world):
    office, home = _signed_in_client(app, world.delegate), _signed_in_client(app, world.delegate)
    others = _signed_in_client(app, world.other_delegate)
    token = services._token_for(world.delegate, "reset")
    services.set_password_with_token(token, "a brand new passphrase")
    db.session.commit()
    assert not _signed_in(office) and not _signed_in(home)
    assert _signed_in(others)
    assert _sessions_of(db, world.delegate) == 0


def test_deactivation_ends_every_session_and_reactivation_does_not_revive_them(app, db, world):
    office, home = _signed_in_client(app, world.delegate), _signed_in_client(app, world.delegate)
    services.set_user_active(world.secretariat, world.delegate.id, False)
    db.session.commit()
    assert not _signed_in(office) and not _signed_in(home)
    services.set_user_active(world.secretariat, world.delegate.id, True)
    db.session.commit()
    assert not _signed_in(office) and not _signed_in(home)  # they must sign in again
    assert _sessions_of(db, world.delegate) == 0


def test_a_remember_me_cookie_obeys_the_server_side_session(app, db, world):
    """peerreview sets no remember-me cookie; if one is ever set, it holds the same session key."""
    owner = _signed_in_client(app, world.delegate)
    assert owner.get_cookie("remember_token", domain="localhost") is None
    key = start_session(world.delegate)
    db.session.commit()

    def remembered():  # a browser holding only the remember-me cookie
        client = app.test_client()
        client.set_cookie("remember_token", encode_cookie(key), domain="localhost")
        return client

    assert _signed_in(remembered())
    services.set_user_active(world.secretariat, world.delegate.id, False)
    services.set_user_active(world.secretariat, world.delegate.id, True)
    db.session.commit()
    assert not _signed_in(remembered())


def test_only_a_hash_of_the_session_key_is_stored(db, world):
    key = start_session(world.delegate, "Mozilla/5.0 " + "x" * 500)
    row = db.session.scalars(select(UserSession)).one()
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in (row.key_hash, row.user_agent)
    assert len(key) >= 40 and len(row.user_agent) == 200
    assert row.created_at.tzinfo is not None and row.last_seen_at.tzinfo is not None


def test_an_idle_session_ends_and_a_used_one_is_marked_seen(app, db, world):
    client = _signed_in_client(app, world.delegate)
    row = db.session.scalars(select(UserSession)).one()
    assert row.user_agent == "Firefox/140 on Linux"  # control characters are dropped
    long_ago = utcnow() - SEEN_RESOLUTION - timedelta(minutes=1)
    row.last_seen_at = long_ago
    db.session.commit()
    assert _signed_in(client)
    db.session.expire_all()
    assert db.session.scalars(select(UserSession)).one().last_seen_at > long_ago
    row = db.session.scalars(select(UserSession)).one()
    row.last_seen_at = utcnow() - timedelta(seconds=app.config["SESSION_IDLE_TIMEOUT"] + 60)
    db.session.commit()
    assert not _signed_in(client)
    _signed_in_client(app, world.reviewer)  # anyone's sign-in tidies abandoned sessions away
    assert _sessions_of(db, world.delegate) == 0 and _sessions_of(db, world.reviewer) == 1


def test_garbled_or_unknown_session_keys_sign_nobody_in(db, world):
    start_session(world.delegate)
    for key in ("", "1:0", f"{world.delegate.id}:{world.delegate.session_token}", "x" * 5000, "\x00"):
        assert services.load_user(key) is None, key
