"""peerreview: bench-learning and peer review between Public Employment Services."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, g, request
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import Config
from peerreview.form_limits import CappedFormRequest


def create_app(config_class: type[Config] = Config) -> Flask:
    if hasattr(config_class, "check"):
        config_class.check()
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_relative_config=True)
    app.config.from_object(config_class)
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.url_map.converters["int"] = BoundedIntConverter
    app.request_class = CappedFormRequest  # MAX_FORM_PARTS for URL-encoded forms too
    register_logging(app)
    register_extensions(app)
    register_templates(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_unit_of_work(app)
    register_cache_policy(app)
    register_commands(app)
    return app


class BoundedIntConverter(IntegerConverter):
    """<int:...> in URLs accepts only ids the databases can hold: a guessed huge id is a 404, not a 500."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def register_logging(app: Flask) -> None:
    """JSON log lines with a request id (first, so that its after-request hook sees the final status)."""
    from peerreview import logging_setup

    logging_setup.init_app(app)


def register_extensions(app: Flask) -> None:
    from peerreview import jobs, page_cache
    from peerreview.auth.services import load_user
    from peerreview.extensions import babel, csrf, db, limiter, login_manager, migrate, talisman

    db.init_app(app)
    jobs.init_app(app)
    page_cache.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=lambda: "UTC")
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["HSTS"],
        session_cookie_secure=app.config.get("SESSION_COOKIE_SECURE", False),
        content_security_policy={
            "default-src": "'self'",
            "script-src": "'self'",
            "style-src": "'self'",
            "img-src": "'self' data:",
            "font-src": "'self'",
            "object-src": "'none'",
            "base-uri": "'self'",
            "form-action": "'self'",
            "frame-ancestors": "'none'",
        },
        frame_options="DENY",
        referrer_policy="same-origin",
    )


def _select_locale() -> str:
    """The reader's language: their own choice, else the one chosen before signing in (the session),
    else the best match of the browser's Accept-Language, else English."""
    from flask import current_app, has_request_context, session
    from flask_login import current_user

    from peerreview.i18n import supported

    if not has_request_context():  # command line: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = current_user._get_current_object() if current_user else None
    chosen = getattr(user, "locale", None) if user is not None and user.is_authenticated else None
    return (supported(chosen) or supported(session.get("locale"))
            or request.accept_languages.best_match(current_app.config["LANGUAGES"])
            or current_app.config["BABEL_DEFAULT_LOCALE"])


def register_templates(app: Flask) -> None:
    from peerreview import i18n, template_helpers

    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(app.template_folder and f"{app.root_path}/{app.template_folder}"),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    template_helpers.register(app)
    i18n.register(app)


def register_blueprints(app: Flask) -> None:
    from peerreview.api.account import bp as api_tokens_bp
    from peerreview.api.routes import bp as api_bp
    from peerreview.auth.routes import bp as auth_bp
    from peerreview.cycles.routes import bp as cycles_bp
    from peerreview.framework.routes import bp as framework_bp
    from peerreview.health import bp as health_bp
    from peerreview.mail.routes import bp as mail_bp
    from peerreview.organisations.routes import bp as organisations_bp
    from peerreview.public.routes import bp as public_bp
    from peerreview.reports.routes import bp as reports_bp
    from peerreview.reviews.routes import bp as reviews_bp
    from peerreview.submissions.routes import bp as submissions_bp
    from peerreview.workflow import cycle_pages, submission_page  # noqa: F401 (adds their composite pages)
    from peerreview.workflow.audit_log import bp as audit_bp

    for blueprint in (public_bp, auth_bp, organisations_bp, framework_bp, cycles_bp, submissions_bp,
                      reviews_bp, reports_bp, audit_bp, mail_bp, health_bp, api_bp, api_tokens_bp):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from peerreview.errors import register_errorhandlers as register

    register(app)


def register_unit_of_work(app: Flask) -> None:
    """One commit per request: services add and flush; the request commits once.

    A response with an error status, or an exception, rolls everything back, unless the view
    called errors.keep_writes_despite_error() (a refusal that must itself be recorded). A commit
    that clashes with a simultaneous request (unique constraint, version, serialization failure)
    is rolled back too and answered with a 409 page instead of the success it was about to be.
    Per-request memos (the permission answers) start empty with each request.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from peerreview.errors import is_simultaneous_change, simultaneous_change_response
    from peerreview.extensions import db
    from peerreview.permissions import forget_assignments

    app.before_request(forget_assignments)

    @app.after_request
    def commit_or_rollback(response):
        if g.pop("page_replayed", False) and not db.session().in_transaction():
            return response  # a page replayed without touching the session (peerreview.auth.replay)
        if response.status_code >= 400 and not g.pop("keep_writes_despite_error", False):
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except SQLAlchemyError as error:
            db.session.rollback()
            if not is_simultaneous_change(error):
                raise
            return simultaneous_change_response(error)
        return response


def register_cache_policy(app: Flask) -> None:
    @app.after_request
    def no_store(response):
        # Pages with delegation data must not sit in shared caches; routes that may be
        # cached (static files, published reports) set their own Cache-Control.
        if request.endpoint and not request.endpoint.startswith("static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def register_commands(app: Flask) -> None:
    from peerreview.commands import register

    register(app)
