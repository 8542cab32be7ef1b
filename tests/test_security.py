"""Hardening: CSRF, headers, cookies, rate limits, password rules and resets, hostile input."""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.pool import StaticPool

from config import ProductionConfig, TestingConfig
from peerreview import create_app
from peerreview.extensions import db as _db
from peerreview.mail.models import OutboxMessage


@pytest.fixture()
def make_app():
    """An app with its own in-memory database and config overrides."""
    made = []

    def factory(base=TestingConfig, **overrides):
        attrs = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SERVER_NAME": "localhost",
                 "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": StaticPool,
                                               "connect_args": {"check_same_thread": False}}}
        attrs.update(overrides)
        config = type("Config", (base,), attrs)
        app = create_app(config)
        from peerreview.extensions import limiter

        with app.app_context():
            if app.config.get("RATELIMIT_ENABLED", True):
                limiter.reset()  # counts from an earlier test must not carry over
            _db.create_all()
            from tests.factories import UserFactory

            user = UserFactory(email="dora@example.org", name="Dora")
            _db.session.commit()
            app.config["TEST_USER_ID"] = user.id
        made.append(app)
        return app

    yield factory
    for app in made:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_csrf_is_required_on_state_changing_requests(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    r = client.post("/login", data={"email": "dora@example.org", "password": "correct horse battery"})
    assert r.status_code == 400 and "The form had expired" in r.get_data(as_text=True)
    token = _csrf(client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"email": "dora@example.org", "password": "correct horse battery",
                                    "csrf_token": token})
    assert r.status_code == 302
    assert client.post("/logout").status_code == 400  # even signing out needs the token


def test_security_headers_and_strict_csp(client):
    r = client.get("/")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in r.get_data(as_text=True).replace("<script src=", "").replace(
        '<script type="module" src=', "")


def test_production_uses_hsts_and_secure_cookies(make_app):
    app = make_app(ProductionConfig, SECRET_KEY="x" * 40, PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
                   RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False, MAIL_SERVER=None, TRUSTED_HOSTS=["localhost"])
    client = app.test_client()
    r = client.get("/", base_url="https://localhost")
    assert "max-age" in r.headers["Strict-Transport-Security"]
    r = client.post("/login", data={"email": "dora@example.org", "password": "correct horse battery"},
                    base_url="https://localhost")
    # The session cookie (every page's header has a form, the language switcher, so an anonymous visitor
    # already holds a session with a CSRF token; signing in also clears any remember-me cookie).
    cookie = next(c for c in r.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/", base_url="http://localhost").status_code == 302  # redirected to https



def test_production_refuses_requests_for_other_hosts(make_app, monkeypatch):
    """Flask's TRUSTED_HOSTS: by default the host of PUBLIC_BASE_URL, or the TRUSTED_HOSTS list."""
    from config import _trusted_hosts

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://peerreview.example.org")
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    assert _trusted_hosts() == ["peerreview.example.org"]
    monkeypatch.setenv("TRUSTED_HOSTS", "a.example, b.example")
    assert _trusted_hosts() == ["a.example", "b.example"]
    app = make_app(ProductionConfig, SECRET_KEY="x" * 40, TRUSTED_HOSTS=["peerreview.example.org"],
                   SERVER_NAME=None)
    client = app.test_client()
    refused = client.get("/reports", base_url="https://attacker.example")
    assert refused.status_code == 400 and "host name" in refused.get_data(as_text=True)
    assert client.get("/reports", base_url="https://peerreview.example.org").status_code == 200

def test_production_refuses_to_start_without_a_secret_key():
    config = type("Config", (ProductionConfig,), {"SECRET_KEY": ""})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_login_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    answers = [client.post("/login", data={"email": "dora@example.org", "password": "wrong"}).status_code
               for _ in range(4)]
    assert answers == [422, 422, 422, 429]


def test_login_does_not_reveal_which_accounts_exist(client, world):
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "whatever-it-is"})
    wrong = client.post("/login", data={"email": world.delegate.email, "password": "whatever-it-is"})
    assert unknown.status_code == wrong.status_code == 422
    message = "The e-mail address or the password is not correct."
    assert message in unknown.get_data(as_text=True) and message in wrong.get_data(as_text=True)


def test_only_local_next_urls_are_followed(client, world):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        r = client.post(f"/login?next={target}", data={"email": world.delegate.email,
                                                        "password": "correct horse battery"})
        assert r.headers["Location"] in ("/", "http://localhost/"), target
        client.post("/logout")
    r = client.post("/login?next=/cycles/", data={"email": world.delegate.email,
                                                   "password": "correct horse battery"})
    assert r.headers["Location"].endswith("/cycles/")


def _last_link(db) -> str:
    """The path of the link in the last mail (links start with PUBLIC_BASE_URL)."""
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    return urlsplit(re.search(r"https?://\S+", message.body).group(0)).path


def test_password_reset_is_single_use_and_silent_about_unknown_addresses(client, world, db):
    known = client.post("/password/forgot", data={"email": world.delegate.email}, follow_redirects=True)
    unknown = client.post("/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert db.session.query(OutboxMessage).count() == 1
    assert db.session.scalars(select(OutboxMessage)).one().sensitive
    path = _last_link(db)
    r = client.post(path, data={"password": "short", "confirm": "short"})
    assert r.status_code == 422 and "at least 12 characters" in r.get_data(as_text=True)
    assert client.post(path, data={"password": "a new long passphrase", "confirm": "a new long passphrase"}
                       ).status_code == 302
    assert client.get(path).status_code == 400  # used once, never again
    assert client.post("/login", data={"email": world.delegate.email, "password": "a new long passphrase"}
                       ).status_code == 302


def test_expired_reset_link_is_refused(make_app):
    app = make_app(PASSWORD_RESET_MAX_AGE=-1)
    client = app.test_client()
    client.post("/password/forgot", data={"email": "dora@example.org"})
    with app.app_context():
        path = _last_link(_db)
    r = client.get(path)
    assert r.status_code == 400 and "expired" in r.get_data(as_text=True)


def test_invitation_by_token(client, login, world, db):
    login(world.secretariat)
    r = client.post("/users/new", data={"name": "Nina New", "email": "nina@example.org", "role": "reviewer",
                                        "organisation_id": world.other_org.id, "network_id": 0})
    assert r.status_code == 302
    client.post("/logout")
    path = _last_link(db)
    new = "a long passphrase for reviews"
    assert client.post(path, data={"password": new, "confirm": new}).status_code == 302
    assert client.post("/login", data={"email": "nina@example.org", "password": new}).status_code == 302


def test_secretariat_cannot_read_sign_in_links_in_the_outbox(client, login, world):
    client.post("/password/forgot", data={"email": world.delegate.email})
    login(world.secretariat)
    html = client.get("/outbox/").get_data(as_text=True)
    assert "Reset your peerreview password" not in html and "/password/set/" not in html


def test_oversized_requests_are_refused(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    r = app.test_client().post("/login", data={"email": "x" * 5000, "password": "y"})
    assert r.status_code == 413 and "at most" in r.get_data(as_text=True)


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_script_in_user_text_is_shown_as_text(client, login, world, db):
    world.own_org.name = "BA " + HOSTILE
    from tests.factories import CommentFactory

    CommentFactory(submission=world.own_submission, author=world.reviewer, visibility="shared", body=HOSTILE)
    db.session.commit()
    login(world.delegate)
    for url in (f"/submissions/{world.own_submission.id}", f"/cycles/{world.cycle.id}", "/"):
        html = client.get(url).get_data(as_text=True)
        assert HOSTILE not in html, url
        assert "&lt;script&gt;" in html, url


def test_audit_export_neutralises_formulas(client, login, world, db):
    from peerreview.audit.services import record

    record(world.secretariat, "organisation.update", world.own_org, after={"name": '=HYPERLINK("http://x")'},
           network_id=world.network.id)
    db.session.commit()
    login(world.secretariat)
    r = client.get("/audit/export.csv")
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert rows[0][0] == "at_utc"
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_audit_log_filters_and_is_scoped_to_the_network(client, login, world, db):
    from peerreview.audit.services import record

    record(world.secretariat, "cycle.transition", world.cycle, before={"status": "open"},
           after={"status": "in_review"}, network_id=world.network.id, cycle_id=world.cycle.id)
    record(world.other_secretariat, "cycle.transition", world.cycle, network_id=world.other_network.id)
    db.session.commit()
    login(world.secretariat)
    html = client.get("/audit/?action=cycle.transition").get_data(as_text=True)
    assert html.count(">cycle.transition</span>") == 1
    login(world.other_secretariat)
    assert client.get("/audit/?action=cycle.transition").get_data(as_text=True).count(">cycle.transition</span>") == 1


def test_audit_log_pages_through_all_events(client, login, world, db):
    from peerreview.audit.services import PAGE_SIZE, record

    for i in range(PAGE_SIZE + 5):
        record(world.secretariat, "organisation.update", world.own_org, after={"n": i}, network_id=world.network.id)
    db.session.commit()
    login(world.secretariat)
    first = client.get("/audit/?action=organisation").get_data(as_text=True)
    assert "Older events" in first and "Newer events" not in first
    second = client.get("/audit/?action=organisation&page=2").get_data(as_text=True)
    assert second.count(">organisation.update</span>") == 5 and "Newer events" in second


def test_wsgi_entry_point_starts_in_production_only_with_a_real_secret_key(tmp_path):
    """The way gunicorn loads the app: `wsgi:app` with the environment deciding the config."""
    import os
    import secrets
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    env.update(PEERREVIEW_CONFIG="production", DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite'}")
    command = [sys.executable, "-c", "from wsgi import app; print(app.config['SESSION_COOKIE_SECURE'])"]
    started = subprocess.run(command, cwd=root, env={**env, "SECRET_KEY": secrets.token_hex(32)},
                             capture_output=True, text=True, timeout=60)
    assert started.returncode == 0, started.stderr[-500:]
    assert started.stdout.strip() == "True"
    refused = subprocess.run(command, cwd=root, env={**env, "SECRET_KEY": "short"}, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr


def test_behind_a_proxy_rate_limits_see_the_client_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute", PROXY_COUNT=1)
    client = app.test_client()

    def attempt(address):
        return client.post("/login", data={"email": "dora@example.org", "password": "wrong"},
                           headers={"X-Forwarded-For": address}).status_code

    assert [attempt("203.0.113.5") for _ in range(3)] == [422, 422, 429]
    assert attempt("198.51.100.7") == 422  # another client is not locked out by the first
