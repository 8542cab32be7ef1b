"""Personal access tokens on the account page: made, shown once, stored hashed, revoked."""
from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from peerreview.api.models import AccessToken
from peerreview.extensions import db
from tests.api_helpers import bearer, make_token


def _make(client, **data):
    form = {"name": "Statistics upload", "scopes": ["read", "submit"], "lifetime_days": "30", **data}
    return client.post("/account/tokens", data=form)


def test_a_token_is_shown_once_stored_hashed_and_works(client, login, world):
    login(world.delegate)
    page = _make(client)
    assert page.status_code == 200
    secret = re.search(r'id="new-token" type="text" readonly value="(prt_[^"]+)"', page.get_data(as_text=True))[1]
    token = db.session.scalar(select(AccessToken))
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.scopes == "read submit" and token.user_id == world.delegate.id
    assert (token.expires_at - token.created_at).days == 30
    assert secret not in client.get("/account/tokens").get_data(as_text=True)  # never shown again
    client.post("/logout")
    assert client.get(f"/api/v1/submissions/{world.own_submission.id}", headers=bearer(secret)).status_code == 200
    db.session.expire_all()
    assert db.session.get(AccessToken, token.id).last_used_at is not None


def test_problems_are_shown_beside_the_fields_and_in_a_summary(client, login, world):
    login(world.delegate)
    page = _make(client, name=" ", scopes=[], lifetime_days="1000")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "There is a problem" in html
    for message in ("Enter a name that says what the token is for.", "Choose what the token may do",
                    "Choose how long the token works."):
        assert html.count(message) == 2, message  # in the summary and beside the field
    assert db.session.scalar(select(AccessToken)) is None


def test_revoking_stops_the_token_at_once(client, login, world):
    secret = make_token(world.delegate)
    token = db.session.scalar(select(AccessToken))
    assert client.get("/api/v1/cycles", headers=bearer(secret)).status_code == 200
    login(world.delegate)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    client.post("/logout")
    assert client.get("/api/v1/cycles", headers=bearer(secret)).status_code == 401
    login(world.delegate)
    assert "revoked on" in client.get("/account/tokens").get_data(as_text=True)


def test_nobody_sees_or_revokes_another_persons_token(client, login, world):
    make_token(world.delegate)
    token = db.session.scalar(select(AccessToken))
    login(world.secretariat)
    assert "test" not in client.get("/account/tokens").get_data(as_text=True).split("Your tokens")[-1].split(
        "Make a token")[0]
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(AccessToken, token.id).revoked_at is None
