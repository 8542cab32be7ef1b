"""Two app servers and a separate job worker on one PostgreSQL and Redis: nothing lives in one process.

    make scale-test      (or: .venv/bin/python -m benchmarks.scale_test)

Starts everything it needs on loopback and stops it again: a scratch schema on the PostgreSQL at
SCALE_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test), Redis databases 11
(the job queue, REDIS_URL) and 12 (the rate limiter, RATELIMIT_STORAGE_URI) at SCALE_REDIS_URL
(default redis://127.0.0.1:6379), an SMTP sink, two gunicorn servers (ports 5211 and 5212) and one
`huey_consumer` worker. Then it shows, and fails unless:

1. a user signed in on server A continues on server B, and signing out on B signs out on A;
2. the sign-in rate limit is counted across both servers;
3. a password-reset mail asked for on A is delivered by the worker (with A's request id in its log);
4. a report render asked for on B is rendered by the worker;
5. a worker killed (SIGKILL) in the middle of a render loses nothing: the next worker renders it;
6. server A restarted: the session and the rate-limit count are still there (no state in its memory).
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PORTS = {"A": 5211, "B": 5212}
PASSWORD = "demo-peer-review-2026"  # noqa: S105 (the demo accounts' published password)
SECRETARIAT = "secretariat@wapes.demo.example"
DELEGATE = "delegate.ca@demo.example"
LIMIT = 6
WAIT = 60


class Browser:
    """One person's browser: a cookie jar, behind the proxy with one client address."""

    def __init__(self, client_address: str):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())
        self.client_address = client_address

    def request(self, server: str, path: str, data: dict | None = None, request_id: str | None = None):
        headers = {"X-Forwarded-For": self.client_address}
        if request_id:
            headers["X-Request-ID"] = request_id
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{PORTS[server]}{path}", data=body, headers=headers)
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), dict(error.headers)

    def csrf(self, server: str, path: str = "/login") -> str:
        _status, html, _headers = self.request(server, path)
        found = (re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
                 or re.search(r'type="hidden" name="csrf_token" value="([^"]+)"', html))
        return found.group(1)

    def sign_in(self, server: str, email: str, password: str = PASSWORD) -> int:
        token = self.csrf(server)
        status, _html, _headers = self.request(server, "/login", {"csrf_token": token, "email": email,
                                                                  "password": password})
        return status

    def signed_in_as(self, server: str) -> str | None:
        _status, html, _headers = self.request(server, "/")
        found = re.search(r"Signed in as ([^(<]+)\(", html)
        return found.group(1).strip() if found else None


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _wait(condition, what: str, seconds: float = WAIT, every: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(every)
    raise SystemExit(f"FAILED: timed out waiting for {what}")


def _check(ok: bool, message: str) -> None:
    print(("  ok   " if ok else "  FAIL ") + message, flush=True)
    if not ok:
        raise SystemExit(f"FAILED: {message}")


class Stack:
    """The processes of the test, each in its own process group, with its log in a folder."""

    def __init__(self, env: dict, folder: Path):
        self.env, self.folder, self.processes = env, folder, {}

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("a")
        process = subprocess.Popen(argv, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes[name] = process
        return process

    def start_server(self, name: str) -> None:
        self.start(name, [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{PORTS[name]}",
                          "--access-logfile", "/dev/null", "wsgi:app"])
        _wait(lambda: _health(name), f"server {name} to answer /health")

    def start_worker(self, name: str = "worker") -> subprocess.Popen:
        return self.start(name, [str(BIN / "huey_consumer"), "peerreview.worker.huey", "-k", "thread", "-w", "2",
                                 "--flush-locks", "-s", "1"])

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _health(server: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORTS[server]}/health", timeout=5) as response:
            return response.status == 200 and json.loads(response.read())["checks"]["redis"]["status"] == "ok"
    except (OSError, ValueError):
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _clear_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for pattern in ("huey*peerreview*", "LIMITS:*", "LIMITER*"):
        for key in client.scan_iter(pattern):
            client.delete(key)
    client.close()


def run(database_url: str, redis_url: str) -> dict:
    from aiosmtpd.controller import Controller

    figures: dict[str, float] = {}
    schema = f"scale_{int(time.time())}_{os.getpid()}"
    admin = create_engine(database_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db_url = f"{database_url}{'&' if '?' in database_url else '?'}options=-csearch_path%3D{schema}"
    engine = create_engine(db_url)
    queue_redis, limiter_redis = f"{redis_url}/11", f"{redis_url}/12"
    for url in (queue_redis, limiter_redis):
        _clear_redis(url)

    class Sink:
        def __init__(self):
            self.recipients = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
            self.recipients.extend(envelope.rcpt_tos)
            return "250 OK"

    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    folder = Path(tempfile.mkdtemp(prefix="scale-test-"))
    env = dict(os.environ, PEERREVIEW_CONFIG="development", DATABASE_URL=db_url,
               SECRET_KEY=f"scale-test-{os.getpid()}-" + "x" * 32, REDIS_URL=queue_redis,
               RATELIMIT_STORAGE_URI=limiter_redis, LOGIN_RATE_LIMIT=f"{LIMIT} per minute", PROXY_COUNT="1",
               MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port), MAIL_USE_TLS="0", LOG_FORMAT="json",
               PUBLIC_BASE_URL=f"http://127.0.0.1:{PORTS['A']}")
    stack = Stack(env, folder)
    started = time.monotonic()
    try:
        flask = [str(BIN / "flask"), "--app", "wsgi"]
        subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
        subprocess.run([*flask, "seed-demo"], env=env, cwd=ROOT, check=True, capture_output=True)
        figures["setup_s"] = time.monotonic() - started
        for server in PORTS:
            stack.start_server(server)
        stack.start_worker()
        print(f"== two gunicorn servers (:{PORTS['A']}, :{PORTS['B']}, 2 workers each), one huey worker, "
              f"PostgreSQL schema {schema}, Redis {queue_redis} (queue) and {limiter_redis} (rate limits)")

        print("1. signed in on A, continuing on B")
        alice = Browser("198.51.100.10")
        _check(alice.sign_in("A", SECRETARIAT) == 302, "sign-in on A")
        _check(alice.signed_in_as("B") == "Wanda Secretariat", "B knows the session A started")
        token = alice.csrf("B", "/")
        _check(alice.request("B", "/logout", {"csrf_token": token})[0] == 302, "sign-out on B")
        _check(alice.signed_in_as("A") is None, "A no longer knows the session B ended")
        _check(alice.sign_in("B", SECRETARIAT) == 302 and alice.signed_in_as("A") == "Wanda Secretariat",
               "signed in again on B, known on A")

        print(f"2. the sign-in rate limit ({LIMIT} per minute) is counted across both servers")
        mallory = Browser("203.0.113.66")
        token = mallory.csrf("A")
        answers = []
        for attempt in range(LIMIT + 2):
            server = "AB"[attempt % 2]
            status, _html, _headers = mallory.request(server, "/login", {"csrf_token": token, "email": SECRETARIAT,
                                                                         "password": "wrong"})
            answers.append((server, status))
        refused = [i for i, (_s, status) in enumerate(answers) if status == 429]
        _check(refused and refused[0] == LIMIT, f"attempt {LIMIT + 1} refused with 429 although each server saw "
               f"only {LIMIT // 2}: {answers}")

        print("3. a mail asked for on A is delivered by the worker")
        carol = Browser("192.0.2.33")
        token = carol.csrf("A", "/password/forgot")
        t0 = time.monotonic()
        status, _html, headers = carol.request("A", "/password/forgot", {"csrf_token": token, "email": DELEGATE},
                                               request_id="scale-test-reset-0001")
        _check(status == 302 and headers.get("X-Request-ID") == "scale-test-reset-0001", "reset asked for on A")

        def delivered():
            with engine.connect() as conn:
                # The reset mail itself: the seeded demo also mails this person (notifications).
                return conn.execute(text("SELECT status FROM outbox_message WHERE recipient = :r AND status = 'sent' "
                                         "AND subject = 'Reset your peerreview password'"),
                                    {"r": DELEGATE}).first()

        _wait(delivered, "the reset mail to be sent")
        figures["mail_s"] = time.monotonic() - t0
        _check(DELEGATE in sink.recipients, f"the SMTP server received it ({figures['mail_s']:.1f} s)")
        worker_lines = [json.loads(line) for line in stack.log("worker").splitlines() if line.startswith("{")]
        _check(any(line.get("request_id") == "scale-test-reset-0001" and line.get("job") == "deliver_mail"
                   for line in worker_lines), "the worker's log line for the delivery carries A's request id")

        with engine.connect() as conn:
            cycle_id = conn.execute(text("SELECT id FROM cycle WHERE status = 'reporting' ORDER BY id")).scalar()
            org_ids = list(conn.execute(text("SELECT organisation_id FROM submission WHERE cycle_id = :c "
                                             "ORDER BY organisation_id"), {"c": cycle_id}).scalars())

        def report_status(kind: str, subject_key: int):
            with engine.connect() as conn:
                return conn.execute(text("SELECT id, status FROM report WHERE cycle_id = :c AND kind = :k AND "
                                         "subject_key = :s"), {"c": cycle_id, "k": kind, "s": subject_key}).first()

        print("4. a render asked for on B is run by the worker")
        token = alice.csrf("B", f"/cycles/{cycle_id}/reports")
        t0 = time.monotonic()
        status, _html, _headers = alice.request("B", f"/cycles/{cycle_id}/reports",
                                                {"csrf_token": token, "kind": "synthesis"})
        _check(status == 302, "render of the synthesis report asked for on B")
        _wait(lambda: (report_status("synthesis", 0) or (0, ""))[1] == "draft", "the synthesis draft", every=0.1)
        figures["render_s"] = time.monotonic() - t0
        _check(True, f"the worker rendered it ({figures['render_s']:.1f} s from the request)")

        print("5. a worker killed in the middle of a render loses nothing")
        subject = org_ids[0]

        def render_events() -> int:  # the demo may have rendered this organisation's report before
            with engine.connect() as conn:
                return conn.execute(text(
                    "SELECT count(*) FROM audit_event e JOIN report r "
                    "ON r.id = e.object_id AND e.object_type = 'report' WHERE e.action = 'report.render' "
                    "AND r.cycle_id = :c AND r.kind = 'feedback' AND r.organisation_id = :o"),
                    {"c": cycle_id, "o": subject}).scalar()

        renders_before = render_events()
        token = alice.csrf("A", f"/cycles/{cycle_id}/reports")
        status, _html, _headers = alice.request("A", f"/cycles/{cycle_id}/reports",
                                                {"csrf_token": token, "kind": "feedback", "organisation_id": subject})
        _check(status == 302, "render of a feedback report asked for on A")
        _wait(lambda: (report_status("feedback", subject) or (0, ""))[1] == "rendering", "the render to start",
              every=0.01)
        stack.stop("worker", signal.SIGKILL)
        report_id, state = report_status("feedback", subject)
        time.sleep(1)
        _check(report_status("feedback", subject)[1] == "rendering",
               f"worker killed with SIGKILL while report {report_id} was {state}; it stays rendering")
        t0 = time.monotonic()
        stack.start_worker("worker2")
        _wait(lambda: report_status("feedback", subject)[1] == "draft", "the next worker to render it again")
        figures["recovery_s"] = time.monotonic() - t0
        renders = render_events() - renders_before
        _check(renders == 1, f"the next worker rendered it once (render events: {renders}; "
                             f"{figures['recovery_s']:.1f} s after it started)")

        print("6. server A restarted: sessions and rate-limit counts are not in its memory")
        stack.stop("A")
        stack.start_server("A")
        _check(alice.signed_in_as("A") == "Wanda Secretariat", "the session still signs in on the new A")
        token = mallory.csrf("A")
        status, _html, _headers = mallory.request("A", "/login", {"csrf_token": token, "email": SECRETARIAT,
                                                                  "password": "wrong"})
        _check(status == 429, "the rate-limit count survived the restart")
        errors = [line for name in ("A", "B") for line in stack.log(name).splitlines()
                  if '"status": 500' in line or "Traceback" in line]
        _check(not errors, f"no server error in either server's log ({len(errors)})")
        figures["total_s"] = time.monotonic() - started
        print(f"PASSED in {figures['total_s']:.0f} s (set-up {figures['setup_s']:.0f} s; mail delivered in "
              f"{figures['mail_s']:.1f} s; synthesis render {figures['render_s']:.1f} s; lost render re-done "
              f"{figures['recovery_s']:.1f} s after the new worker started)")
        return figures
    except SystemExit:
        for name in ("A", "B", "worker", "worker2"):
            tail = stack.log(name)[-1500:]
            if tail:
                print(f"--- {name} log (end) ---\n{tail}")
        raise
    finally:
        stack.stop_all()
        smtp.stop()
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
        for url in (queue_redis, limiter_redis):
            _clear_redis(url)


if __name__ == "__main__":
    run(os.environ.get("SCALE_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
        os.environ.get("SCALE_REDIS_URL", "redis://127.0.0.1:6379"))
