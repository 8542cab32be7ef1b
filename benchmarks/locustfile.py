"""Load test users: delegates saving drafts, reviewers and secretariats reading, visitors.

At a deadline (LOAD_DEADLINE set to the number of organisations): that many delegates of the deadline
cycle (benchmarks/deadline_world.py) save at once, reviewers also comment and secretariats also ask
for renders. LOAD_HOSTS (comma list) spreads the users over several app servers.

Run by benchmarks/load_test.sh (make load). Everyone signed in during the warm-up
(benchmarks/sign_in_all.py, not measured): with LOAD_SESSIONS each user continues with one of the
session cookies made there instead of signing in again (without it they sign in here, measured).
Each writer owns one draft submission, so the last value it saved is the value the database must
hold afterwards; the writers record every acknowledged save in LOAD_EXPECTED (JSON) for the check
(benchmarks/check_load.py).
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
import threading
import urllib.parse
from collections import Counter
from datetime import UTC, datetime

from locust import HttpUser, between, events, task

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from benchmarks.sign_in_all import DRAFT_DELEGATES, PASSWORD, REVIEWERS, SECRETARIATS, USER_AGENT  # noqa: E402

_writer_numbers = itertools.count()
_expected: dict[str, dict[str, str]] = {}  # submission id -> cell -> the last value acknowledged
_saves: Counter = Counter()  # submission id -> acknowledged saves
_offered: Counter = Counter()  # submission id -> saves answered with "changed by someone else"
_deadline_submissions: set[str] = set()
_lock = threading.Lock()
_SESSIONS = json.load(open(os.environ["LOAD_SESSIONS"])) if os.environ.get("LOAD_SESSIONS") else {}
_session_turns: Counter = Counter()

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CELL = re.compile(r'name="(v-\d+-[^"]+-\d{4})"')
# The value each cell was loaded with: the save changes only the cells that differ from it.
ORIGINAL = re.compile(r'name="o-(v-\d+-[^"]+-\d{4})" value="([^"]*)"')


_HOSTS = [h for h in os.environ.get("LOAD_HOSTS", "").split(",") if h]
DEADLINE = int(os.environ.get("LOAD_DEADLINE", "0") or 0)
_deadline_numbers = itertools.count()


class SpreadUser(HttpUser):
    """A user of one of the app servers (chosen at start): any server may serve anyone."""

    abstract = True

    def on_start(self):
        if _HOSTS:
            self.client.base_url = random.choice(_HOSTS)


def sign_in(user: HttpUser, email: str) -> None:
    if email in _SESSIONS:  # signed in during the warm-up: continue with one of its cookies
        with _lock:
            cookies = _SESSIONS[email][_session_turns[email] % len(_SESSIONS[email])]
            _session_turns[email] += 1
        user.client.headers["User-Agent"] = USER_AGENT
        host = urllib.parse.urlsplit(user.client.base_url or user.host).hostname
        for cookie in cookies:
            user.client.cookies.set(cookie["name"], cookie["value"], domain=host, path=cookie["path"])
        return
    page = user.client.get("/login", name="/login")
    token = CSRF.search(page.text).group(1)
    with user.client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                          allow_redirects=False, catch_response=True, name="/login (POST)") as response:
        if response.status_code != 302:
            response.failure(f"sign-in of {email} answered {response.status_code}")



class DelegateWriter(SpreadUser):
    """Opens the value grid of their own draft and saves a few changed values."""

    fixed_count = len(DRAFT_DELEGATES)
    wait_time = between(0.5, 1.5)

    def on_start(self):
        super().on_start()
        self.key = DRAFT_DELEGATES[next(_writer_numbers) % len(DRAFT_DELEGATES)]
        sign_in(self, f"delegate.{self.key}@demo.example")
        home = self.client.get("/", name="/")
        self.submission = re.search(r'href="/submissions/(\d+)"', home.text).group(1)
        self.rng = random.Random(self.key)

    @task(3)
    def save_values(self):
        page = self.client.get(f"/submissions/{self.submission}/edit", name="/submissions/[id]/edit")
        cells = CELL.findall(page.text)
        # Whole numbers from 1 to 99 are valid for every demo indicator, so every save is complete.
        changes = {cell: str(self.rng.randint(1, 99)) for cell in self.rng.sample(cells, 5)}
        originals = {f"o-{cell}": value for cell, value in ORIGINAL.findall(page.text) if cell in changes}
        data = {"csrf_token": CSRF.search(page.text).group(1), "then": "stay", **changes, **originals}
        with self.client.post(f"/submissions/{self.submission}/edit", data=data, allow_redirects=False,
                              catch_response=True, name="/submissions/[id]/edit (POST)") as response:
            if response.status_code == 302:
                with _lock:
                    _expected.setdefault(self.submission, {}).update(changes)
                    _saves[self.submission] += 1
            elif response.status_code == 200 and "Changed by someone else" in response.text:
                response.success()  # another writer changed one of these cells first: offered, not lost
                with _lock:
                    _offered[self.submission] += 1
            else:
                response.failure(f"save answered {response.status_code}")

    @task(1)
    def read_submission(self):
        self.client.get(f"/submissions/{self.submission}", name="/submissions/[id]")


class Reviewer(SpreadUser):
    wait_time = between(0.5, 2)
    weight = 3

    def on_start(self):
        super().on_start()
        sign_in(self, f"reviewer.{random.choice(REVIEWERS)}@demo.example")
        home = self.client.get("/", name="/")
        self.submissions = re.findall(r'href="/submissions/(\d+)"', home.text) or []
        self.cycles = re.findall(r'href="/cycles/(\d+)"', home.text) or []

    @task(3)
    def read_assigned(self):
        if self.submissions:
            self.client.get(f"/submissions/{random.choice(self.submissions)}", name="/submissions/[id]")

    @task(1)
    def compare(self):
        if self.cycles:
            self.client.get(f"/cycles/{random.choice(self.cycles)}/compare", name="/cycles/[id]/compare")

    @task(1)
    def comment(self):
        if not (DEADLINE and self.submissions):
            return
        submission = random.choice(self.submissions)
        page = self.client.get(f"/submissions/{submission}", name="/submissions/[id]")
        token = CSRF.search(page.text)
        if not token or 'name="visibility"' not in page.text:
            return  # this submission's cycle takes no comments now
        with self.client.post(f"/submissions/{submission}/comments", allow_redirects=False, catch_response=True,
                              data={"csrf_token": token.group(1), "anchor": "submission", "visibility": "internal",
                                    "body": "Load test: how was this figure computed?"},
                              name="/submissions/[id]/comments (POST)") as response:
            if response.status_code != 302:
                response.failure(f"comment answered {response.status_code}")


class Secretariat(SpreadUser):
    wait_time = between(0.5, 2)
    weight = 2

    def on_start(self):
        super().on_start()
        sign_in(self, random.choice(SECRETARIATS))
        self.cycles = re.findall(r'href="/cycles/(\d+)"', self.client.get("/cycles/", name="/cycles/").text)

    @task(3)
    def cycle_page(self):
        self.client.get(f"/cycles/{random.choice(self.cycles)}", name="/cycles/[id]")

    @task(1)
    def audit(self):
        self.client.get("/audit/", name="/audit/")

    @task(1)
    def render(self):
        if not DEADLINE:
            return
        cycle = random.choice(self.cycles)
        page = self.client.get(f"/cycles/{cycle}/reports", name="/cycles/[id]/reports")
        token = CSRF.search(page.text)
        if page.status_code != 200 or not token:
            return
        with self.client.post(f"/cycles/{cycle}/reports", data={"csrf_token": token.group(1), "kind": "synthesis"},
                              allow_redirects=False, catch_response=True,
                              name="/cycles/[id]/reports (POST)") as response:
            # 409: this cycle's phase has no reports, or its synthesis is being rendered right now.
            if response.status_code in (302, 409):
                response.success()
            else:
                response.failure(f"render answered {response.status_code}")


class DeadlineDelegate(SpreadUser):
    """One of the deadline cycle's delegates, saving their own draft again and again."""

    abstract = not DEADLINE  # only at a deadline
    fixed_count = DEADLINE
    wait_time = between(1, 3)

    def on_start(self):
        super().on_start()
        number = next(_deadline_numbers)
        sign_in(self, f"delegate.{number:03d}@deadline.demo.example")
        home = self.client.get("/", name="/")
        self.submission = re.search(r'href="/submissions/(\d+)"', home.text).group(1)
        self.rng = random.Random(number)
        with _lock:
            _deadline_submissions.add(self.submission)

    @task
    def save_values(self):
        DelegateWriter.save_values(self)


class Visitor(SpreadUser):
    wait_time = between(1, 3)
    weight = 1

    @task
    def published_reports(self):
        self.client.get("/reports", name="/reports")


_started = {}


@events.test_start.add_listener
def note_start(environment, **kwargs):
    _started["at"] = datetime.now(UTC).isoformat()


@events.test_stop.add_listener
def write_expected(environment, **kwargs):
    path = os.environ.get("LOAD_EXPECTED")
    if path:
        with open(path, "w") as out:
            json.dump({"values": _expected, "saves": _saves, "offered": _offered, "started": _started["at"],
                   "deadline_submissions": sorted(_deadline_submissions)}, out)
