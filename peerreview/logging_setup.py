"""Structured logs: one JSON line per request and per job, with a request id that follows the work.

Ground module: it imports no feature package. A request takes its id from a well-formed
X-Request-ID header (a proxy's or load balancer's), else a new one; the id is returned in the
X-Request-ID response header, written on the request's log line, and handed to every job the
request queues (peerreview/jobs.py), whose log lines carry it too. So one id finds the request
on any app server and the mail or render it caused in any worker.

LOG_FORMAT=json (the default outside the tests) writes JSON lines to standard error; text
writes Flask's usual lines. Nothing secret goes into a line: no query strings, no form fields,
no cookies, only the path, the status, the duration and the signed-in user's id.
"""
from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, request
from sqlalchemy import inspect

REQUEST_ID_HEADER = "X-Request-ID"
# Ids from outside are accepted only in this shape (a UUID or a proxy's token); anything else,
# e.g. a header crafted to forge log lines, is replaced by an id of our own.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,99}")

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

request_logger = logging.getLogger("peerreview.request")


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(header: str | None) -> str:
    """The id from the header if it is well-formed, else a new one."""
    if header and _WELL_FORMED.fullmatch(header):
        return header
    return new_request_id()


def current_request_id() -> str | None:
    return request_id_var.get()


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record logged while a request or job with an id runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


# Attributes of every LogRecord: the rest are the `extra` fields a caller added.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id and the extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


# Libraries that log every step at INFO (a PDF's CSS, Alembic's plugins): only their warnings.
_NOISY = ("weasyprint", "fontTools", "alembic.runtime.plugins", "alembic.runtime.migration")


def configure_logging(fmt: str = "json", level: str = "INFO") -> None:
    """Send the app's (and the worker's) log records to standard error, in `fmt`. Idempotent."""
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "_peerreview", False):
            return
    handler = logging.StreamHandler(sys.stderr)
    handler._peerreview = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in _NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Flask's own handler would write every app.logger line a second time, in text.
    logging.getLogger("peerreview").propagate = True


def init_app(app: Flask) -> None:
    """Give each request an id, answer it in a header and log one line when the request ends."""
    if app.config.get("LOG_FORMAT") in ("json", "text"):
        configure_logging(app.config["LOG_FORMAT"], app.config.get("LOG_LEVEL", "INFO"))
        from flask.logging import default_handler

        app.logger.removeHandler(default_handler)

    @app.before_request
    def start_request() -> None:
        g.request_id = accepted_request_id(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()
        g.request_id_token = request_id_var.set(g.request_id)

    @app.after_request
    def log_request(response):
        request_id = g.get("request_id")
        if request_id is None:  # a response made before start_request ran (e.g. a refused host)
            return response
        response.headers[REQUEST_ID_HEADER] = request_id
        path = logged_path()
        request_logger.info(
            "%s %s %s", request.method, path, response.status_code,
            extra={"method": request.method, "path": path, "status": response.status_code,
                   "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1),
                   "user_id": _user_id(), "request_id": request_id})
        return response

    @app.teardown_request
    def forget_request_id(_error=None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            try:
                request_id_var.reset(token)
            except ValueError:  # set in another context (a streamed response); clear it instead
                request_id_var.set(None)


def logged_path() -> str:
    """The request's path, with any secret in it (a password-reset or invitation token) left out."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if "token" in name and isinstance(value, str) and value:
            path = path.replace(value, "[token]")
    return path


def _user_id() -> int | None:
    """The signed-in user's id, if a user was loaded for this request (never loads one just to log it)."""
    user = g.get("_login_user")
    state = inspect(user, raiseerr=False) if user is not None else None
    if state is None or not state.identity:  # anonymous, or a page replayed without loading the user
        return g.get("replay_user_id")
    # From the identity map: the request's commit expired the user, and reading `id` would load it again.
    return state.identity[0]
