"""Domain exceptions, and the handlers that map them to HTTP answers."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g, has_request_context, jsonify, make_response, render_template, request, session
from flask_babel import _
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import SecurityError
from werkzeug.http import HTTP_STATUS_CODES

from peerreview.extensions import db
from peerreview.form_limits import TooManyFormFields


class DomainError(Exception):
    status_code = 400
    title = "Error"

    def __init__(self, message: str, *, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(DomainError):
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class ValidationFailed(DomainError):
    """Input broke a rule. `errors` maps a field (or cell) name to its message."""

    status_code = 422


class Conflict(DomainError):
    """The action makes no sense in the current state, or someone else changed it first."""

    status_code = 409


def refuse_stale_edit(obj, expected_version: int | None) -> None:
    """Refuse an edit that started from an older version of `obj` (optimistic locking)."""
    if expected_version is not None and obj.version != expected_version:
        raise stale_edit_conflict()


def stale_edit_conflict() -> Conflict:
    return Conflict(_("Someone else changed this after you opened it. Your changes were not saved; they are "
                      "still in the form. Reload the page to see the current version, then make them again."))


# PostgreSQL's serialization failure and deadlock: the database chose this transaction to give way.
_GIVE_WAY_SQLSTATES = frozenset({"40001", "40P01"})


def simultaneous_change_message() -> str:
    return _("Someone else changed this at the same moment, so nothing of yours was saved. Reload the page "
             "to see the current state, then make your change again if it is still needed.")


def is_simultaneous_change(error: BaseException) -> bool:
    """Did the database refuse a write because another request wrote the same rows at the same time?

    A unique constraint caught a second row that a check had just let through (IntegrityError); an
    optimistic lock found the version already moved on (StaleDataError); PostgreSQL cancelled one of two
    transactions (serialization failure, deadlock); SQLite's write lock stayed taken past its timeout.
    """
    if isinstance(error, (IntegrityError, StaleDataError)):
        return True
    if isinstance(error, OperationalError):
        original = error.orig
        if getattr(original, "sqlstate", None) in _GIVE_WAY_SQLSTATES:  # psycopg 3
            return True
        return "database is locked" in str(original)  # SQLite
    return False


@contextmanager
def refuse_simultaneous_change(explain: Callable[[], DomainError | None] | None = None) -> Iterator[None]:
    """Around a flush: a clash with a simultaneous request becomes a domain error, not a 500.

    The session is rolled back at once (after a failed flush it cannot run another query), so the
    caller can still render a page. `explain`, if given, then looks at what the other request stored
    and may return a friendlier error ("X already takes part"); else the generic 409 is raised.
    """
    try:
        yield
    except SQLAlchemyError as error:
        if not is_simultaneous_change(error):
            raise
        db.session.rollback()
        _log_simultaneous_change(error)
        raise (explain() if explain else None) or Conflict(simultaneous_change_message()) from error


def _log_simultaneous_change(error: BaseException) -> None:
    # Logged, so that a constraint failing for another reason (a bug) is still seen: the database's own
    # first line names the constraint. Not the statement: its parameters may hold password hashes.
    reason = str(getattr(error, "orig", None) or error).splitlines()[0]
    where = f"{request.method} {request.path}" if has_request_context() else "outside a request"
    current_app.logger.warning("Refused as a simultaneous change (%s, %s): %s", type(error).__name__, where, reason)


def simultaneous_change_response(error: BaseException):
    """The 409 page for a change refused at commit; the caller has rolled the session back.

    Messages flashed for the refused request ("Submitted.") would tell the next page a lie: dropped.
    """
    _log_simultaneous_change(error)
    session.pop("_flashes", None)
    response = make_response(render_error(409, simultaneous_change_message()))
    response.headers["Cache-Control"] = "no-store"
    return response


def keep_writes_despite_error() -> None:
    """This request answers with an error status, yet what it wrote stands (see register_unit_of_work).

    For records of the refusal itself, such as the audit event of a failed sign-in.
    """
    g.keep_writes_despite_error = True


def _titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        401: _("Please sign in"),
        403: _("You do not have access to this page"),
        404: _("Page not found"),
        405: _("Method not allowed"),
        409: _("This cannot be done now"),
        413: _("The request is too large"),
        422: _("Some input could not be accepted"),
        429: _("Too many attempts"),
        500: _("Sorry, there is a problem with the service"),
    }


# Under this path every error is an RFC 9457 problem document (application/problem+json), not a page.
PROBLEM_PATH_PREFIX = "/api/"


def answers_with_problems() -> bool:
    return has_request_context() and request.path.startswith(PROBLEM_PATH_PREFIX)


def problem_response(status: int, detail: str | None = None, **extensions):
    """An RFC 9457 problem document. `type` is about:blank, so `title` is the HTTP status phrase and
    `detail` says, in the reader's language, what went wrong; extensions (errors, cells) follow."""
    body = {"type": "about:blank", "title": HTTP_STATUS_CODES.get(status, "Error"), "status": status}
    if detail:
        body["detail"] = str(detail)
    body.update(extensions)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def render_error(status: int, message: str | None = None):
    if answers_with_problems():
        return problem_response(status, message or _titles().get(status))
    title = _titles().get(status, _("Error"))
    return render_template("errors/error.html", title=title, message=message, status=status), status


def register_errorhandlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        if answers_with_problems() and error.errors:
            return problem_response(error.status_code, error.message, errors=error.errors)
        return render_error(error.status_code, error.message)

    @app.errorhandler(IntegrityError)
    @app.errorhandler(StaleDataError)
    @app.errorhandler(OperationalError)
    def handle_simultaneous_change(error: SQLAlchemyError):
        """A flush outside refuse_simultaneous_change() that clashed with another request."""
        if not is_simultaneous_change(error):
            raise error
        db.session.rollback()
        return simultaneous_change_response(error)

    for status in (400, 401, 403, 404, 405, 413, 429, 500):

        def handler(error, status=status):
            if isinstance(error, SecurityError):
                # A Host outside TRUSTED_HOSTS: no URL can be built for it, so no page either.
                return _("This server does not answer for that host name."), 400, {"Content-Type": "text/plain"}
            message = None
            if isinstance(error, TooManyFormFields):
                message = _("A form may have at most %(n)d fields.", n=app.config["MAX_FORM_PARTS"])
            elif status == 413:
                limit_mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
                message = _("Requests and uploads may be at most %(mb)s MB.", mb=limit_mb)
            elif status == 429:
                message = _("Please wait a minute before trying again.")
            elif status == 400 and getattr(error, "description", None) and "CSRF" in str(error.description):
                message = _("The form had expired or was not sent from this site. Please try again.")
            return render_error(status, message)

        app.register_error_handler(status, handler)
