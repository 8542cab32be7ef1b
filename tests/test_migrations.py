"""The real migrations, applied to an empty database, give exactly the models' schema."""
from __future__ import annotations

import os
import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from config import TestingConfig
from peerreview import create_app
from peerreview.extensions import db


def _scratch_url(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        return url, f"mig_{uuid.uuid4().hex[:10]}"
    return f"sqlite:///{tmp_path / 'migrations.sqlite'}", None


def test_upgrade_from_empty_matches_models_and_downgrades_cleanly(tmp_path):
    url, schema = _scratch_url(tmp_path)
    options = {}
    if schema:
        admin = create_engine(url)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            conn.commit()
        options = {"connect_args": {"options": f"-csearch_path={schema}"}}

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = options

    app = create_app(Config)
    try:
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True})
                diff = compare_metadata(context, db.metadata)
            assert diff == [], f"models and migrations differ: {diff}"
            downgrade(revision="base")
            tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
            assert tables == set()
            db.engine.dispose()
    finally:
        if schema:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                conn.commit()
            admin.dispose()


