"""Pages read by many, shown again to the same reader while nothing they were decided from has changed.

The cycle page, the comparison and the submission page are read again and again by the same people
(at a deadline, every few seconds), and between two changes of the cycle each read is the same page.
`page_cache` keeps their rendered HTML, but finding it still costs the whole request: the signed-in
user with their roles as ORM objects, the page's object, the permission checks, the key. A replay
finds it with one query instead:

1. The request carries a server-side session (the cookie's key, `auth.sessions`) bound to this browser
   (Flask-Login's strong session protection) and no message waiting to be flashed.
2. One statement, built once per page kind, reads the session and its user (active? idle?) together
   with the *data versions* (`page_cache`) of everything a permission decision or the page itself is
   made from: the page's cycle and its network, the reader (their account and roles) and the reader's
   organisation. Every commit that changes one of those rows moves its version in the same transaction.
3. The replay key holds the page (endpoint, URL arguments, query string), the reader's id, those
   versions, what chooses the language, and the quarter of an hour (so a day that ends in the
   reader's time zone, which is never in the middle of a quarter, starts a new key).
4. A page kept under that key is served, with the reader's own CSRF token. Otherwise the view runs as
   always: Flask-Login loads the user, `permissions.py` decides, the page is rendered, and only a page
   it allowed (status 200, rendered by `page_cache.cached_page`) is kept under the replay key.

So a replay never decides anything itself: it shows a reader a page that `permissions.py` allowed
for this very reader, at these very versions of every row the decision was made from. A change to any
of them (a role revoked, a reviewer unassigned, a cycle moved on, the account deactivated) makes a
new key, and the next request is decided afresh. Signing out deletes the session row, so the query
finds nothing and the request goes the usual way (to the sign-in page).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from functools import cache, wraps

from flask import current_app, g, make_response, request, session
from flask_login import current_user
from sqlalchemy import String, bindparam, cast, column, create_engine, func, literal, select, table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.sql.elements import ColumnElement

from peerreview.auth.models import User, UserSession
from peerreview.auth.sessions import SEEN_RESOLUTION, _digest
from peerreview.db_types import utcnow
from peerreview.extensions import db, login_manager
from peerreview.page_cache import CacheVersion, hashed_key, keep_replay, read_replay, with_token

# The page's cycle, found from the URL argument named: the tables by name, as page_cache does (auth
# sits below the cycles and submissions features and does not import them).
_CYCLE = table("cycle", column("id"), column("network_id"))
_SUBMISSION = table("submission", column("id"), column("cycle_id"))
QUARTER_HOUR = 15 * 60
logger = logging.getLogger(__name__)
_ENGINE_LOCK = threading.Lock()


def cycle_of_cycle(argument: str = "cycle_id") -> tuple[str, Callable[[], ColumnElement]]:
    return argument, lambda: (select(_CYCLE.c.id).where(_CYCLE.c.id == bindparam("object_id"))
                              .scalar_subquery())


def cycle_of_submission(argument: str = "submission_id") -> tuple[str, Callable[[], ColumnElement]]:
    return argument, lambda: (select(_SUBMISSION.c.cycle_id).where(_SUBMISSION.c.id == bindparam("object_id"))
                              .scalar_subquery())


def _version(scope: ColumnElement) -> ColumnElement:
    return func.coalesce(select(CacheVersion.version).where(CacheVersion.scope == scope).scalar_subquery(), 0)


@cache
def _statement(endpoint: str, find_cycle: Callable[[], ColumnElement]):
    """The session, its user and the data versions a page of this kind is decided from, in one query.
    Built once per page kind and process: building it costs more than running it."""
    cycle_id = find_cycle().label("cycle_id")
    page = select(cycle_id).subquery()
    network_id = select(_CYCLE.c.network_id).where(_CYCLE.c.id == page.c.cycle_id).scalar_subquery()
    return (select(UserSession.last_seen_at, User.id, User.active, page.c.cycle_id,
                   _version(literal("cycle:") + cast(page.c.cycle_id, String)),
                   _version(literal("network:") + cast(network_id, String)),
                   _version(literal("user:") + cast(User.id, String)),
                   _version(literal("organisation:") + cast(User.organisation_id, String)))
            .join(User, UserSession.user_id == User.id)
            .join(page, literal(True))
            .where(UserSession.key_hash == bindparam("key_hash")))


def _lookup_engine():
    """On PostgreSQL, an engine of the app's own for the one query of a replay: its connections are in
    autocommit (a replayed page ends without a COMMIT round trip; one statement sees one snapshot
    either way) and are not pinged before each use, which is a tenth of a replayed request. A
    connection the server dropped fails that query instead, and the request then goes the usual way,
    whose engine pings (see `_first`). None on other databases: the query runs in the request's session."""
    if db.engine.dialect.name != "postgresql":
        return None
    engine = current_app.extensions.get("peerreview_replay_engine")
    if engine is None:
        with _ENGINE_LOCK:  # threaded workers: one engine (and pool) per app
            engine = current_app.extensions.get("peerreview_replay_engine")
            if engine is None:
                options = {**current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}), "pool_pre_ping": False,
                           "isolation_level": "AUTOCOMMIT"}
                engine = create_engine(db.engine.url, **options)
                current_app.extensions["peerreview_replay_engine"] = engine
    return engine


def dispose_lookup_engine(app) -> None:
    """Close the replay lookups' connections (an app being shut down, e.g. at the end of a test run)."""
    engine = app.extensions.pop("peerreview_replay_engine", None)
    if engine is not None:
        engine.dispose()


def _first(statement, parameters: dict):
    """The statement's first row (None when the lookup fails), read with Core: it loads no objects, and
    the ORM's bookkeeping would cost as much as the query."""
    engine = _lookup_engine()
    if engine is None:
        return db.session.connection().execute(statement, parameters).first()
    try:
        with engine.connect() as connection:
            return connection.execute(statement, parameters).first()
    except (DBAPIError, PoolTimeout) as error:  # a dropped connection (invalidated), a database away, a full pool
        logger.info("page replay lookup failed (%s): the page is served the usual way", type(error).__name__)
        return None


def replay_key(find: tuple[str, Callable[[], ColumnElement]], view_args: dict) -> tuple[str, int] | None:
    """The key this request's page is kept under for its reader, and the reader's id; None when the
    request may not be replayed."""
    key = session.get("_user_id")
    if (not key or not isinstance(key, str) or len(key) > 100 or session.get("_flashes")
            or session.get("_id") != login_manager._session_identifier_generator()):
        return None  # no server-side session, a message to show, or another browser: the usual way
    argument, find_cycle = find
    object_id = view_args.get(argument)
    row = _first(_statement(request.endpoint, find_cycle), {"key_hash": _digest(key), "object_id": object_id})
    if row is None:
        return None
    last_seen_at, user_id, active, cycle_id, *versions = row
    now = utcnow()
    idle = timedelta(seconds=current_app.config["SESSION_IDLE_TIMEOUT"])
    # An inactive account, an idle session, or one whose last sighting is due to be written: the usual
    # way, which refuses or records it. A page without its cycle: the usual way, which answers 404.
    if not active or cycle_id is None or now - last_seen_at > min(idle, SEEN_RESOLUTION):
        return None
    return hashed_key("replay", (
        request.endpoint, sorted(view_args.items()), request.query_string, user_id, tuple(versions),
        session.get("locale"), request.headers.get("Accept-Language", ""),
        int(now.timestamp()) // QUARTER_HOUR)), user_id


def replayable(find: tuple[str, Callable[[], ColumnElement]]):
    """Serve the page kept for this reader and these data versions, else run the view (which keeps it).

    Put it above @login_required: a replay is served without loading the user.
    """
    def decorate(view):
        @wraps(view)
        def wrapper(**view_args):
            for name in ("page_replay_key", "page_replay_html", "replay_user_id", "page_replayed"):
                g.pop(name, None)  # `g` outlives a request where tests keep one app context
            found = replay_key(find, view_args) if request.method == "GET" and not current_user_loaded() else None
            if found is None:
                return view(**view_args)
            full_key, user_id = found
            html = read_replay(full_key)
            if html is not None:
                g.page_replayed, g.replay_user_id = True, user_id
                return with_token(html)
            g.page_replay_key = full_key
            response = make_response(view(**view_args))
            rendered = g.pop("page_replay_html", None)
            # Kept only when the view allowed the page and answered it in full (rendered by cached_page).
            if response.status_code == 200 and rendered is not None:
                keep_replay(full_key, rendered)
            return response
        return wrapper
    return decorate


def current_user_loaded() -> bool:
    """The user was loaded already in this request (a test's or a hook's): decide the usual way."""
    return g.get("_login_user") is not None and not current_user.is_anonymous
