"""Domain exceptions, and the handlers that map them to HTTP answers."""
from flask import Flask, g, render_template
from flask_babel import _
from werkzeug.exceptions import SecurityError

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
        raise Conflict(_("Someone else changed this after you opened it. Your changes were not saved; they are "
                         "still in the form. Reload the page to see the current version, then make them again."))


def keep_writes_despite_error() -> None:
    """This request answers with an error status, yet what it wrote stands (see register_unit_of_work).

    For records of the refusal itself, such as the audit event of a failed sign-in.
    """
    g.keep_writes_despite_error = True


def _titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        403: _("You do not have access to this page"),
        404: _("Page not found"),
        405: _("Method not allowed"),
        409: _("This cannot be done now"),
        413: _("The request is too large"),
        422: _("Some input could not be accepted"),
        429: _("Too many attempts"),
        500: _("Sorry, there is a problem with the service"),
    }


def render_error(status: int, message: str | None = None):
    title = _titles().get(status, _("Error"))
    return render_template("errors/error.html", title=title, message=message, status=status), status


def register_errorhandlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        return render_error(error.status_code, error.message)

    for status in (400, 403, 404, 405, 413, 429, 500):

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
