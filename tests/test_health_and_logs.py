"""GET /health with each dependency up and down; JSON request logs with a request id that the
response returns and the jobs a request queues carry into their own log lines."""
from __future__ import annotations

import json
import logging

import pytest

from peerreview import health, jobs
from peerreview.logging_setup import JsonFormatter, RequestIdFilter, accepted_request_id
from tests.factories import NetworkFactory, UserFactory


def _fail(*_args, **_kwargs):
    raise ConnectionError("secret-host.internal:6379 password=hunter2")


# --- /health ---------------------------------------------------------------------------------

def test_health_answers_200_when_every_part_works(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {
        "database": {"status": "ok"}, "queue": {"status": "ok"}, "redis": {"status": "not configured"}}}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_health_with_the_database_down_is_503_and_names_it(client, monkeypatch):
    monkeypatch.setattr(health, "check_database", _fail)
    monkeypatch.setitem(health.CHECKS, "database", _fail)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json["status"] == "failed"
    assert response.json["checks"]["database"] == {"status": "failed", "error": "ConnectionError"}
    assert response.json["checks"]["queue"] == {"status": "ok"}


def test_health_with_the_queue_storage_down_is_503_and_names_it(client, monkeypatch):
    monkeypatch.setattr(jobs.huey.storage, "put_data", _fail)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json["checks"]["queue"] == {"status": "failed", "error": "ConnectionError"}
    assert response.json["checks"]["database"] == {"status": "ok"}


def test_health_with_a_queue_that_loses_what_was_written_is_503(client, monkeypatch):
    monkeypatch.setattr(jobs.huey.storage, "pop_data", lambda key: None)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json["checks"]["queue"]["status"] == "failed"


def test_health_with_redis_configured_and_down_is_503_without_saying_where_it_is(app, client):
    # A port nothing listens on: a real connection refusal, quickly.
    app.config["RATELIMIT_STORAGE_URI"] = "redis://:hunter2@127.0.0.1:1/0"
    try:
        response = client.get("/health")
    finally:
        app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    assert response.status_code == 503
    assert response.json["checks"]["redis"] == {"status": "failed", "error": "ConnectionError"}
    body = response.get_data(as_text=True)
    assert "hunter2" not in body and "127.0.0.1" not in body


def test_health_checks_a_configured_redis_that_answers(app, client, monkeypatch):
    import redis

    pinged = []
    monkeypatch.setattr(redis.Redis, "ping", lambda self: pinged.append(True) or True)
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    try:
        response = client.get("/health")
    finally:
        app.config["REDIS_URL"] = None
    assert response.status_code == 200
    assert response.json["checks"]["redis"] == {"status": "ok"}
    assert pinged == [True]


def test_health_is_not_rate_limited_and_not_redirected_to_https(app, client):
    app.config["RATELIMIT_ENABLED"] = True
    try:
        answers = {client.get("/health").status_code for _ in range(30)}
    finally:
        app.config["RATELIMIT_ENABLED"] = False
    assert answers == {200}


def test_health_is_not_redirected_to_https_in_production(monkeypatch):
    from config import ProductionConfig
    from peerreview import create_app
    from peerreview.extensions import talisman

    # Talisman is one object for every app: keep the test app's settings for the tests after this one.
    saved = dict(vars(talisman))
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 40)
    config = type("Prod", (ProductionConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://", "LOG_FORMAT": None,
                                                  "SERVER_NAME": "localhost", "TRUSTED_HOSTS": ["localhost"],
                                                  "HUEY_IMMEDIATE": True})
    try:
        prod = create_app(config)
        client = prod.test_client()
        assert client.get("/health", base_url="http://localhost").status_code == 200
        # everything else still goes to HTTPS
        assert client.get("/login", base_url="http://localhost").status_code == 302
    finally:
        vars(talisman).update(saved)


# --- request ids and JSON logs -----------------------------------------------------------------

@pytest.mark.parametrize(("header", "kept"), [
    ("0f8fad5b-d9cb-469f-a165-70867728950e", True),
    ("lb-1234567890abcdef", True),
    ("short", False),
    ("x" * 101, False),
    ("abc def ghi jkl", False),
    ('abcdefgh"}\n{"forged": 1', False),
    ("", False),
    (None, False),
])
def test_a_request_id_from_outside_is_kept_only_when_well_formed(header, kept):
    accepted = accepted_request_id(header)
    assert (accepted == header) is kept
    assert 8 <= len(accepted) <= 100


def test_each_request_gets_an_id_in_the_response_and_on_its_log_line(client, db, login, caplog):
    network = NetworkFactory()
    user = UserFactory(network=network)
    db.session.commit()
    caplog.set_level(logging.INFO, logger="peerreview")
    login(user)
    caplog.clear()
    response = client.get("/", headers={"X-Request-ID": "req-from-the-proxy-42"})
    assert response.headers["X-Request-ID"] == "req-from-the-proxy-42"
    lines = [r for r in caplog.records if r.name == "peerreview.request"]
    assert len(lines) == 1
    line = json.loads(JsonFormatter().format(lines[0]))
    assert line["request_id"] == "req-from-the-proxy-42"
    assert line["method"] == "GET" and line["path"] == "/" and line["status"] == response.status_code
    assert line["user_id"] == user.id, response.headers
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")

    other = client.get("/reports", headers={"X-Request-ID": "bad id"})
    assert other.headers["X-Request-ID"] != "bad id"
    assert len(other.headers["X-Request-ID"]) == 32


def test_the_log_line_of_a_request_has_no_query_string_and_no_user_when_signed_out(client, caplog):
    caplog.set_level(logging.INFO, logger="peerreview")
    client.get("/password/set/some-secret-token?next=/x")
    line = [r for r in caplog.records if r.name == "peerreview.request"][-1]
    formatted = JsonFormatter().format(line)
    assert "next=" not in formatted
    assert "some-secret-token" not in formatted  # a reset or invitation link's token is never logged
    assert json.loads(formatted)["path"] == "/password/set/[token]"
    assert json.loads(formatted)["user_id"] is None


def test_a_job_queued_by_a_request_logs_with_the_request_id(client, db, caplog):
    network = NetworkFactory()
    user = UserFactory(network=network)
    db.session.commit()
    caplog.set_level(logging.INFO, logger="peerreview")
    caplog.clear()
    response = client.post("/password/forgot", data={"email": user.email},
                           headers={"X-Request-ID": "reset-request-0001"})
    assert response.status_code == 302
    job_lines = [r for r in caplog.records if r.name == "peerreview.jobs"]
    # the reset job and the mail delivery it queued in turn, both under the request's id
    assert [r.job for r in job_lines] == ["deliver_mail", "send_password_reset"] or \
        sorted(r.job for r in job_lines) == ["deliver_mail", "send_password_reset"]
    assert {r.request_id for r in job_lines} == {"reset-request-0001"}
    assert all(r.outcome == "done" for r in job_lines)
    # any other line logged while the job ran gets the id too (through the filter)
    record = logging.LogRecord("peerreview.x", logging.INFO, __file__, 1, "m", (), None)
    assert RequestIdFilter().filter(record) and record.request_id is None


def test_the_request_id_travels_with_the_queued_job(client, db, monkeypatch):
    network = NetworkFactory()
    user = UserFactory(network=network)
    db.session.commit()
    queued = []
    original = jobs.huey.enqueue
    monkeypatch.setattr(jobs.huey, "enqueue", lambda task: queued.append(task) or original(task))
    client.post("/password/forgot", data={"email": user.email}, headers={"X-Request-ID": "reset-request-0002"})
    assert queued and all(t.kwargs.get(jobs.REQUEST_ID_KWARG) == "reset-request-0002" for t in queued)


def test_a_job_queued_outside_a_request_gets_an_id_of_its_own(app, db, caplog):
    from peerreview.mail.services import send_mail

    caplog.set_level(logging.INFO, logger="peerreview")
    send_mail("someone@example.org", "Hello", "Body")
    db.session.commit()
    line = [r for r in caplog.records if r.name == "peerreview.jobs"][-1]
    assert line.job == "deliver_mail" and len(line.request_id) == 32
