"""The job queue (Huey): side effects outside the database run after the request commits.

Ground module: it imports no feature package. One module-level Huey instance serves the web
app (which enqueues) and `huey_consumer peerreview.worker.huey` (which runs the jobs). The
backend comes from the environment: `RedisHuey` when REDIS_URL is set, else a SQLite file
(HUEY_SQLITE_PATH, default instance/jobs.sqlite), created on first use, not at import.
An app whose config sets HUEY_IMMEDIATE (only TestingConfig) runs its jobs in-process at once.

Jobs receive ids, never ORM objects, run in an application context of their own (with a
session of their own) and commit their own work.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey
from huey.storage import SqliteStorage
from sqlalchemy import event

from config import INSTANCE_DIR
from peerreview.extensions import db

_PENDING = "peerreview.jobs.after_commit"
_app: Flask | None = None  # the app of the consumer process (set by init_app)


class LazySqliteStorage(SqliteStorage):
    """Huey's SQLite storage, but the file and its tables are made on first use, not at import."""

    def __init__(self, *args, **kwargs):
        kwargs["create_tables"] = False
        super().__init__(*args, **kwargs)

    def _create_connection(self):
        Path(self.filename).parent.mkdir(parents=True, exist_ok=True)
        conn = super()._create_connection()
        for statement in self.ddl:
            conn.execute(statement)
        return conn


def _huey_from_env() -> Huey:
    if os.environ.get("REDIS_URL"):
        return RedisHuey("peerreview", url=os.environ["REDIS_URL"])
    path = os.environ.get("HUEY_SQLITE_PATH") or str(INSTANCE_DIR / "jobs.sqlite")
    return Huey("peerreview", storage_class=LazySqliteStorage, filename=path)


huey = _huey_from_env()


def init_app(app: Flask) -> None:
    """Bind the queue to an app: the consumer's jobs run in its context; jobs are enqueued after commit."""
    global _app
    _app = app
    huey.immediate = bool(app.config.get("HUEY_IMMEDIATE", False))
    if not event.contains(db.session, "after_commit", _enqueue_pending):
        event.listen(db.session, "after_commit", _enqueue_pending)
        event.listen(db.session, "after_soft_rollback", _drop_pending)


def task(**options):
    """`huey.task(**options)`, run inside an application context with a session of its own."""

    def decorate(fn):
        @functools.wraps(fn)
        def in_app_context(*args, **kwargs):
            app = current_app._get_current_object() if has_app_context() else _app
            if app is None:
                raise RuntimeError("No app for the job: the worker builds one (peerreview/worker.py).")
            with app.app_context():  # a new app context: a new SQLAlchemy session
                return fn(*args, **kwargs)

        return huey.task(**options)(in_app_context)

    return decorate


def enqueue_after_commit(job, *args) -> None:
    """Queue `job(*args)` once the current transaction commits; forget it if it rolls back."""
    db.session().info.setdefault(_PENDING, []).append((job, args))


def _enqueue_pending(session) -> None:
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    if has_app_context():  # immediate (in-process) mode only for an app that asks for it: the tests
        huey.immediate = bool(current_app.config.get("HUEY_IMMEDIATE", False))
    for job, args in pending:
        job(*args)


def _drop_pending(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_PENDING, None)
