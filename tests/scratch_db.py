"""A database of its own for a test app, a live server or a benchmark.

SQLite: a file in a temporary folder. PostgreSQL (when TEST_DATABASE_URL or the
given URL points there): a schema of its own on the shared server, selected with
the connection's search_path and dropped afterwards, leaving the server as found.
"""
from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text


@contextmanager
def scratch_database(prefix: str, url: str | None = None):
    """Yields (database URL, engine options) for an empty database."""
    url = url if url is not None else os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        schema = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            conn.commit()
        try:
            yield url, {"connect_args": {"options": f"-csearch_path={schema}"}}
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                conn.commit()
            admin.dispose()
    else:
        with tempfile.TemporaryDirectory(prefix=prefix) as folder:
            yield f"sqlite:///{Path(folder) / 'scratch.sqlite'}", {}
