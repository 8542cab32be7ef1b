"""Rendered parts of the pages read by many, cached per cycle and dropped when the cycle's data changes.

The cycle page, the comparison and the submission page cost tens of milliseconds of queries and
template work each; most readers see the same thing until someone changes the cycle. A view asks
`cached_part(key, render)`: the key holds everything that changes what the reader may see (the
object, the answers of the permission checks the part depends on, the ids a scope lets the reader
see, the locale, the reader's time zone) plus the *data versions* of the cycle and its network, so a
change is visible on the next request and nothing decided by a permission is shared with a reader
whose decision differs. The store is Flask-Caching: Redis when REDIS_URL is set (shared by every app
server), else a cache in each process (still correct, since the versions are in the database).

Data versions live in the `cache_version` table, one row per scope ("cycle:12", "network:3"). Every
commit that wrote a row belonging to a cycle (a row with a `cycle_id`, or with a `submission_id`, or
an audit event, which every change of state, value, assignment and publication writes) moves that
cycle's version in the same transaction; a row belonging to a network only (an organisation renamed,
a role granted: their audit events carry the network) moves the network's. The bump is the last
statement before COMMIT, so it holds its row lock only for the commit, and a reader that sees a
version also sees every change committed with it.

A rendered part never holds a person's CSRF token: parts are rendered with a placeholder in its
place, put back with the reader's own token when the page is served.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import cache as once
from pathlib import Path

from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from redis.exceptions import RedisError
from sqlalchemy import String, cast, column, event, func, literal, select, table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from peerreview.extensions import cache, db

logger = logging.getLogger(__name__)
_ROOT = Path(__file__).resolve().parent.parent
_SUBMISSION = table("submission", column("id"), column("cycle_id"))
# Audit events that change nothing a cached page shows: a sign-in must not empty a network's cache.
UNSEEN_EVENTS = frozenset({"user.login", "user.login_failed", "user.password_reset_requested", "user.password_set"})


class CacheVersion(db.Model):
    """How often the data of one scope ("cycle:12", "network:3") changed: part of every cache key."""

    __tablename__ = "cache_version"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


def cycle_scope(cycle_id: int) -> str:
    return f"cycle:{cycle_id}"


def network_scope(network_id: int) -> str:
    return f"network:{network_id}"


def user_scope(user_id: int) -> str:
    return f"user:{user_id}"


def organisation_scope(organisation_id: int) -> str:
    return f"organisation:{organisation_id}"


def data_versions(cycle_id: int, network_id: int) -> tuple[int, int]:
    """The versions of a cycle's data and of its network's, in one query (0 before the first change)."""
    scopes = (cycle_scope(cycle_id), network_scope(network_id))
    found = dict(db.session.execute(select(CacheVersion.scope, CacheVersion.version)
                                    .where(CacheVersion.scope.in_(scopes))).all())
    return found.get(scopes[0], 0), found.get(scopes[1], 0)


def with_versions(query, cycle_id, network_id):
    """`query` (the page's object, one row) with the data versions of its cycle and network as two more
    columns: one round trip instead of two. The object stays in the session, where the service that
    fetches it next (with its permission check) finds it without a query."""
    def version(scope):
        return func.coalesce(select(CacheVersion.version).where(CacheVersion.scope == scope).scalar_subquery(), 0)

    return query.add_columns(version(literal("cycle:") + cast(cycle_id, String)),
                             version(literal("network:") + cast(network_id, String)))


def digest(ids: Iterable) -> str:
    """A short fingerprint of a set of ids a scope lets the reader see (part of a key)."""
    return hashlib.sha256(",".join(str(i) for i in sorted(ids)).encode()).hexdigest()[:16]


@once
def build_id() -> str:
    """A fingerprint of the code and templates this process runs: a deploy that changes a rule or a
    template never serves a page the old code rendered (servers running the same release agree)."""
    digest_ = hashlib.sha256()
    for folder, pattern in ((_ROOT / "peerreview", "**/*.py"), (_ROOT / "templates", "**/*.html"),
                            (_ROOT / "translations", "**/*.po")):
        for path in sorted(folder.glob(pattern)):
            digest_.update(str(path.relative_to(_ROOT)).encode() + b"\0" + path.read_bytes())
    return digest_.hexdigest()[:16]


def _install_tag(purpose: str) -> str:
    """A value only this installation knows (from its SECRET_KEY): two installations sharing one Redis
    never read each other's pages, and nobody can type it into a text."""
    return _tag(str(current_app.config.get("SECRET_KEY") or ""), purpose)


@once
def _tag(secret: str, purpose: str) -> str:
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:24]


def csrf_placeholder() -> str:
    """What stands for the reader's CSRF token in a kept render. Secret, so that no user text can hold
    it (a text holding it would get each reader's token put into it)."""
    return f"__csrf_{_install_tag('csrf placeholder')}__"


def hashed_key(kind: str, key: tuple) -> str:
    scope = (_install_tag("page cache"), build_id())
    return f"{kind}:" + hashlib.sha256(repr(scope + key).encode()).hexdigest()


def read(full_key: str) -> str | None:
    """A kept render (with the CSRF placeholder), None when there is none or the cache is down."""
    try:
        return cache.get(full_key)
    except (RedisError, OSError):  # the cache is only a shortcut: without it the page is rendered
        logger.warning("page cache unavailable", exc_info=True)
        return None


def keep(full_key: str, html: str) -> None:
    try:
        cache.set(full_key, html)
    except (RedisError, OSError):
        logger.warning("page cache unavailable", exc_info=True)


class RecentPages:
    """The replayed pages this process served last, by replay key: a bounded memo in front of Redis.

    A replay key holds the data versions of everything its page was decided from, read from the
    database on every request, so a page kept under it is the same for every process; keeping the
    last few here saves the Redis round trip, a tenth of a replayed request. It is a memo, not state:
    an entry lives no longer than it does in Redis (the time it expires there is stored with it), the
    pages kept take PAGE_REPLAY_MEMORY_MB at most, and a process without it serves the same bytes.
    """

    def __init__(self) -> None:
        self._pages: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            if found[0] < time.time():
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return found[1]

    def put(self, key: str, html: str, expires: float) -> None:
        budget = current_app.config.get("PAGE_REPLAY_MEMORY_MB", 16) * 1024 * 1024
        if len(html) > budget:
            return
        with self._lock:
            if key in self._pages:
                self._drop(key)
            self._pages[key] = (expires, html)
            self._size += len(html)
            while self._size > budget:
                self._drop(next(iter(self._pages)))

    def _drop(self, key: str) -> None:
        self._size -= len(self._pages.pop(key)[1])

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._size = 0


recent_pages = RecentPages()


def forget_all() -> None:
    """Empty the cache and this process's memo (tests, whose ids come back after rows are deleted; a
    restored database, whose versions start again from older numbers)."""
    cache.clear()
    recent_pages.clear()


def read_replay(full_key: str) -> str | None:
    """A page kept under a replay key: from this process's memo, else from the cache (then memoised)."""
    html = recent_pages.get(full_key)
    if html is not None:
        return html
    kept = read(full_key)
    if not (isinstance(kept, tuple) and len(kept) == 2) or kept[0] < time.time():
        return None
    recent_pages.put(full_key, kept[1], kept[0])
    return kept[1]


def keep_replay(full_key: str, html: str) -> None:
    """Keep a page under its replay key, with the time it expires (for the memos of every process)."""
    expires = time.time() + current_app.config.get("CACHE_DEFAULT_TIMEOUT", 300)
    keep(full_key, (expires, html))
    recent_pages.put(full_key, html, expires)


def with_token(html: str) -> Markup:
    """A kept render with the reader's own CSRF token where the placeholder stands."""
    return Markup(html.replace(csrf_placeholder(), generate_csrf()))  # noqa: S704 (autoescaped templates)


def _kept_html(key: tuple, render: Callable[[], str]) -> str:
    full_key = hashed_key("part", (str(get_locale() or "en"),) + key)
    html = read(full_key)
    if html is None:
        html = render_without_token(render)
        keep(full_key, html)
    return html


def cached_part(key: tuple, render: Callable[[], str]) -> Markup:
    """The rendered part for `key`, from the cache or rendered now (and kept); with the reader's CSRF token."""
    return with_token(_kept_html(key, render))


def cached_page(reader_id: int, key: tuple, render: Callable[[], str]) -> Markup:
    """The whole page (layout, navigation, the reader's name) for this reader, or rendered now.

    The layout names the reader and shows the navigation of their roles, so the key holds the reader's
    id and the endpoint; a page with a message waiting to be flashed is rendered, never cached. When
    the request may be replayed (`peerreview.auth.replay`), the replay keeps the page under its key.
    """
    if session.get("_flashes"):
        return Markup(render())  # noqa: S704 (an autoescaped template)
    if not g.get("page_replay_key"):
        return cached_part(("page", reader_id, request.endpoint) + key, render)
    # The replay key holds all this key does and more (the versions of the reader and their
    # organisation), and was looked up already: render; the replay keeps the page if its view answers 200.
    html = render_without_token(render)
    g.page_replay_html = html
    return with_token(html)


def render_without_token(render: Callable[[], str]) -> str:
    """Run `render` with the CSRF placeholder standing in for the reader's token (forms built inside it)."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    placeholder = csrf_placeholder()
    if g.get(field) == placeholder:  # a part inside a part being rendered: the outer one puts it back
        return str(render())
    real = generate_csrf()
    g.pop(field, None)
    setattr(g, field, placeholder)
    try:
        html = str(render())
    finally:
        setattr(g, field, real)
    if real in html:  # a token made outside the placeholder: never store it for others
        raise RuntimeError("a cached page part holds the reader's CSRF token")
    return html


# --- moving the versions when a commit changes data ------------------------------------------------------

def _touched(session: Session, flush_context) -> None:
    cycles: set = session.info.setdefault("cache_cycles", set())
    networks: set = session.info.setdefault("cache_networks", set())
    submissions: set = session.info.setdefault("cache_submissions", set())
    others: set = session.info.setdefault("cache_others", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        table_name = getattr(obj, "__tablename__", None)
        if table_name == "cache_version" or (table_name == "audit_event" and obj.action in UNSEEN_EVENTS):
            continue
        # A person's own rows (account, roles) and their organisation: what every permission of theirs
        # is decided from, and what a replayed page's key holds (peerreview.auth.replay).
        if table_name == "user_account" and obj.id is not None:
            others.add(user_scope(obj.id))
        elif table_name == "role_grant" and obj.user_id is not None:
            others.add(user_scope(obj.user_id))
        elif table_name == "organisation" and obj.id is not None:
            others.add(organisation_scope(obj.id))
        elif table_name == "network" and obj.id is not None:  # its settings (time zone, names)
            networks.add(obj.id)
        if getattr(obj, "__tablename__", None) == "cycle":
            cycles.add(obj.id)
        cycle_id = getattr(obj, "cycle_id", None)
        if cycle_id is not None:
            cycles.add(cycle_id)
        elif getattr(obj, "submission_id", None) is not None:
            submissions.add(obj.submission_id)
        elif getattr(obj, "network_id", None) is not None:
            networks.add(obj.network_id)


def _bump(session: Session) -> None:
    session.flush()  # collect what the last flush of this transaction writes
    cycles = session.info.pop("cache_cycles", set())
    networks = session.info.pop("cache_networks", set())
    submissions = session.info.pop("cache_submissions", set())
    others = session.info.pop("cache_others", set())
    if submissions:
        cycles |= set(session.execute(select(_SUBMISSION.c.cycle_id)
                                      .where(_SUBMISSION.c.id.in_(sorted(submissions)))).scalars())
    scopes = sorted([cycle_scope(c) for c in cycles if c is not None] + [network_scope(n) for n in networks]
                    + list(others))
    if not scopes:
        return
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(CacheVersion.__table__)
    statement = statement.on_conflict_do_update(index_elements=["scope"],
                                                set_={"version": CacheVersion.__table__.c.version + 1})
    # One row at a time, in a fixed order: two commits never wait for each other's rows crosswise.
    for scope in scopes:
        session.execute(statement, {"scope": scope, "version": 1})


def _forget(session: Session, *args) -> None:
    for name in ("cache_cycles", "cache_networks", "cache_submissions", "cache_others"):
        session.info.pop(name, None)


def init_app(app) -> None:
    """The cache store, and the hooks that move the versions (once per process, on every session)."""
    redis_url = app.config.get("PAGE_CACHE_REDIS_URL") or app.config.get("REDIS_URL")
    if redis_url and "CACHE_TYPE" not in app.config:
        app.config.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=redis_url)
    app.config.setdefault("CACHE_TYPE", "SimpleCache")
    # Parts of older versions are never read again: they only wait for this to pass.
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", app.config.get("PAGE_CACHE_SECONDS", 300))
    app.config.setdefault("CACHE_KEY_PREFIX", "peerreview-page:")
    cache.init_app(app)
    if not event.contains(Session, "after_flush", _touched):
        event.listen(Session, "after_flush", _touched)
        event.listen(Session, "before_commit", _bump)
        event.listen(Session, "after_rollback", _forget)
