"""Fixtures: app, db, client, runner, a login helper and a small world of objects.

The database comes from TEST_DATABASE_URL (default: in-memory SQLite). On
PostgreSQL the suite works in a schema of its own (tests/scratch_db.py) and
drops it at the end, so a shared server is left as it was found.
"""
from __future__ import annotations

import os

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy.pool import StaticPool

from config import TestingConfig
from peerreview import create_app
from peerreview.auth.replay import dispose_lookup_engine
from peerreview.extensions import db as _db
from peerreview.page_cache import forget_all
from tests.scratch_db import scratch_database

DEMO_PASSWORD = "correct horse battery"


class Config(TestingConfig):
    SERVER_NAME = "localhost"


class FreshUserClient(FlaskClient):
    """Each request loads its user from its own cookie, as in production.

    The `db` fixture keeps one app context open for the whole test, so every request of a test
    shares its `g`; without this, Flask-Login's cached user of one request would serve the next
    (and hide that request's own queries from the query-count tests).
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
            g.pop("_flask_babel", None)  # each request chooses its own language, as in production
        return super().open(*args, **kwargs)


def _serve(url: str, options: dict):
    config = type("Config", (Config,), {"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options})
    application = create_app(config)
    application.test_client_class = FreshUserClient
    with application.app_context():
        _db.create_all()
    yield application
    with application.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()
    dispose_lookup_engine(application)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    """The French and Spanish .mo files, compiled from their .po where these are newer (once a run)."""
    from peerreview.catalogues import compile_all

    compile_all()


@pytest.fixture(scope="session")
def app():
    url = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    if url.startswith("postgresql"):
        with scratch_database("test", url) as (db_url, options):
            yield from _serve(db_url, options)
    else:
        # One shared in-memory database for every connection of the test run.
        yield from _serve("sqlite://", {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}})


@pytest.fixture()
def db(app):
    """A clean database for each test: rows are deleted afterwards, tables kept; the page cache empty."""
    ctx = app.app_context()
    ctx.push()
    # Ids come back after the rows are deleted: no page part of an earlier test may answer for them.
    forget_all()
    yield _db
    _db.session.rollback()
    for table in reversed(_db.metadata.sorted_tables):
        _db.session.execute(table.delete())
    _db.session.commit()
    _db.session.remove()
    ctx.pop()


@pytest.fixture()
def client(app, db):
    return app.test_client()


@pytest.fixture()
def runner(app, db):
    return app.test_cli_runner()


@pytest.fixture()
def login(client):
    def do_login(user, password: str = DEMO_PASSWORD):
        client.post("/logout")
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do_login


@pytest.fixture()
def world(db):
    from tests.factories import build_world

    return build_world()
