"""Fixtures: app, db, client, runner, a login helper and a small world of objects.

The database comes from TEST_DATABASE_URL (default: in-memory SQLite). On
PostgreSQL the suite works in a schema of its own, named after the process,
and drops it at the end, so a shared server is left as it was found.
"""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import event, text
from sqlalchemy.pool import StaticPool

from config import TestingConfig
from peerreview import create_app
from peerreview.extensions import db as _db

DEMO_PASSWORD = "correct horse battery"


def _database_settings():
    url = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    schema = None
    options: dict = {}
    if url.startswith("sqlite"):
        # One shared in-memory database for every connection of the test run.
        options = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    elif url.startswith("postgresql"):
        schema = f"test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    return url, schema, options


URL, SCHEMA, ENGINE_OPTIONS = _database_settings()


class Config(TestingConfig):
    SQLALCHEMY_DATABASE_URI = URL
    SQLALCHEMY_ENGINE_OPTIONS = ENGINE_OPTIONS
    SERVER_NAME = "localhost"


def _use_schema(engine, schema: str) -> None:
    @event.listens_for(engine, "connect")
    def set_search_path(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute(f'SET search_path TO "{schema}"')
        cursor.close()
        dbapi_connection.commit()


@pytest.fixture(scope="session")
def app():
    application = create_app(Config)
    with application.app_context():
        if SCHEMA:
            with _db.engine.connect() as conn:
                conn.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
                conn.commit()
            _db.engine.dispose()
            _use_schema(_db.engine, SCHEMA)
        _db.create_all()
    yield application
    with application.app_context():
        _db.session.remove()
        if SCHEMA:
            with _db.engine.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{SCHEMA}" CASCADE'))
                conn.commit()
        else:
            _db.drop_all()
        _db.engine.dispose()


@pytest.fixture()
def db(app):
    """A clean database for each test: rows are deleted afterwards, tables kept."""
    ctx = app.app_context()
    ctx.push()
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
