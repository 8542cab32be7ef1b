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
import logging
import os
import threading
import time
import uuid
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey
from huey.api import TaskWrapper
from huey.storage import SqliteStorage
from sqlalchemy import event

from config import INSTANCE_DIR
from peerreview.extensions import db
from peerreview.logging_setup import current_request_id, request_id_var

# The keyword that carries the id of the request that queued a job into the job (and its logs).
REQUEST_ID_KWARG = "_request_id"
job_logger = logging.getLogger("peerreview.jobs")

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
    """`huey.task(**options)`, run inside an application context with a session of its own.

    The job's log lines carry the id of the request that queued it (the `_request_id` keyword
    that enqueue_after_commit adds), or a new one for a job queued outside a request.
    """

    def decorate(fn):
        @functools.wraps(fn)
        def in_app_context(*args, **kwargs):
            request_id = kwargs.pop(REQUEST_ID_KWARG, None) or current_request_id() or uuid.uuid4().hex
            app = current_app._get_current_object() if has_app_context() else _app
            if app is None:
                raise RuntimeError("No app for the job: the worker builds one (peerreview/worker.py).")
            token = request_id_var.set(request_id)
            started = time.perf_counter()
            outcome = "error"
            try:
                with app.app_context():  # a new app context: a new SQLAlchemy session
                    result = fn(*args, **kwargs)
                outcome = "done"
                return result
            except Exception as error:
                outcome = type(error).__name__  # RetryTask, TaskLockedException: Huey runs it again
                raise
            finally:
                job_logger.info("job %s %s", fn.__name__, outcome,
                                extra={"job": fn.__name__, "job_ids": _ids_only(args), "outcome": outcome,
                                       "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                                       "request_id": request_id})
                request_id_var.reset(token)

        return huey.task(**options)(in_app_context)

    return decorate


_started: set[str] = set()
_started_lock = threading.Lock()


def on_worker_start(fn):
    """Run `fn()` once in each consumer process when it starts, in an application context.

    For recovery: Huey removes a job from the queue when a worker takes it, so a worker killed in
    the middle of a job (SIGKILL, out of memory, a reboot) loses that job. A feature whose jobs
    leave a mark in the database ("rendering") registers a function here that queues them again.
    """

    @huey.on_startup(name=f"{fn.__module__}.{fn.__name__}")
    def run_once() -> None:
        with _started_lock:  # one call per process, however many worker threads start
            if fn.__qualname__ in _started:
                return
            _started.add(fn.__qualname__)
        if _app is None:
            return
        with _app.app_context():
            try:
                fn()
            except Exception:
                job_logger.exception("start-up hook %s failed", fn.__name__)

    return fn


def _ids_only(args) -> list:
    """The job's arguments for its log line: ids as they are, anything else (an e-mail address) hidden."""
    return [a if isinstance(a, int) else "…" for a in args]


def enqueue_after_commit(job, *args) -> None:
    """Queue `job(*args)` once the current transaction commits; forget it if it rolls back."""
    db.session().info.setdefault(_PENDING, []).append((job, args))


def _enqueue_pending(session) -> None:
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    if has_app_context():  # immediate (in-process) mode only for an app that asks for it: the tests
        huey.immediate = bool(current_app.config.get("HUEY_IMMEDIATE", False))
    request_id = current_request_id()
    for job, args in pending:
        if request_id and isinstance(job, TaskWrapper):  # a job made by task(): it takes the id
            job(*args, **{REQUEST_ID_KWARG: request_id})
        else:
            job(*args)


def _drop_pending(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_PENDING, None)
