"""The real migrations, applied to an empty database, give exactly the models' schema."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from config import TestingConfig
from peerreview import create_app
from peerreview.extensions import db
from tests.scratch_db import scratch_database


def test_upgrade_from_empty_matches_models_and_downgrades_cleanly():
    with scratch_database("migrations") as (url, options):
        config = type("Config", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url,
                                                   "SQLALCHEMY_ENGINE_OPTIONS": options})
        app = create_app(config)
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
