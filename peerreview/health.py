"""GET /health: can this app server do its work? For load balancers, supervisors and monitoring.

Ground module: it imports no feature package. Checks the database (a query), the job queue
(writes, reads and deletes a value in the queue's storage: SQLite file or Redis) and Redis when
one is configured (REDIS_URL or a redis:// RATELIMIT_STORAGE_URI). Answers 200 when every check
passed, else 503; the body names each part and whether it is "ok", "failed" (with the kind of
error only: never a host name, URL, password or message) or "not configured".

It reads no session and sets no cookie, is not rate-limited and is not redirected to HTTPS
(a load balancer probes over plain HTTP on the private network).
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from peerreview import jobs
from peerreview.extensions import db, talisman

bp = Blueprint("health", __name__)
logger = logging.getLogger("peerreview.health")

OK = "ok"
FAILED = "failed"
NOT_CONFIGURED = "not configured"
REDIS_TIMEOUT = 2  # seconds: a probe must answer quickly even when Redis does not


def check_database() -> None:
    db.session.execute(text("SELECT 1")).scalar_one()


def check_queue() -> None:
    """Write a value into the job queue's storage, read it back and remove it."""
    storage = jobs.huey.storage
    key = f"health-{uuid.uuid4().hex}"
    storage.put_data(key, b"1")
    if storage.pop_data(key) != b"1":
        raise RuntimeError("the queue storage did not return what was written")
    storage.queue_size()


def redis_urls() -> list[str]:
    config = current_app.config
    urls = [config.get("REDIS_URL"), config.get("RATELIMIT_STORAGE_URI"), config.get("PAGE_CACHE_REDIS_URL")]
    return sorted({u for u in urls if u and u.startswith(("redis://", "rediss://", "unix://"))})


def check_redis() -> str:
    import redis

    urls = redis_urls()
    if not urls:
        return NOT_CONFIGURED
    for url in urls:
        client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
        try:
            client.ping()
        finally:
            client.close()
    return OK


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "queue": check_queue,
    "redis": check_redis,
}


def run_checks() -> dict[str, dict[str, str]]:
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = {"status": check() or OK}
        except Exception as error:  # noqa: BLE001 (any failure of a dependency is a failed check)
            logger.warning("health check %s failed: %s", name, type(error).__name__,
                           extra={"check": name, "error": type(error).__name__})
            results[name] = {"status": FAILED, "error": type(error).__name__}
            if name == "database":
                db.session.rollback()
    return results


@bp.get("/health")
@talisman(force_https=False)
def health():
    results = run_checks()
    healthy = all(r["status"] != FAILED for r in results.values())
    response = jsonify({"status": OK if healthy else FAILED, "checks": results})
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
