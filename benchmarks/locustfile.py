"""Load test users: delegates saving drafts, reviewers and secretariats reading, visitors.

Run by benchmarks/load_test.sh (make load). Each writer owns one draft submission,
so the last value it saved is the value the database must hold afterwards; the
writers record what they saved in LOAD_EXPECTED (JSON) for the check.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading

from locust import HttpUser, between, events, task

PASSWORD = "demo-peer-review-2026"  # noqa: S105 (the published demo password)
DRAFT_DELEGATES = ["be", "ba", "cy", "uk-eng", "gr", "ie", "sk", "si", "se"]  # drafts in the demo
REVIEWERS = ["at", "se", "jp", "ca", "ie"]
_writer_numbers = itertools.count()
_expected: dict[str, dict[str, str]] = {}
_lock = threading.Lock()

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CELL = re.compile(r'name="(v-\d+-[^"]+-\d{4})"')
# The value each cell was loaded with: the save changes only the cells that differ from it.
ORIGINAL = re.compile(r'name="o-(v-\d+-[^"]+-\d{4})" value="([^"]*)"')


def sign_in(user: HttpUser, email: str) -> None:
    page = user.client.get("/login", name="/login")
    token = CSRF.search(page.text).group(1)
    with user.client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                          allow_redirects=False, catch_response=True, name="/login (POST)") as response:
        if response.status_code != 302:
            response.failure(f"sign-in of {email} answered {response.status_code}")


class DelegateWriter(HttpUser):
    """Opens the value grid of their own draft and saves a few changed values."""

    fixed_count = len(DRAFT_DELEGATES)
    wait_time = between(0.5, 1.5)

    def on_start(self):
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
            elif response.status_code == 200 and "Changed by someone else" in response.text:
                response.success()  # another writer changed one of these cells first: offered, not lost
            else:
                response.failure(f"save answered {response.status_code}")

    @task(1)
    def read_submission(self):
        self.client.get(f"/submissions/{self.submission}", name="/submissions/[id]")


class Reviewer(HttpUser):
    wait_time = between(0.5, 2)
    weight = 3

    def on_start(self):
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


class Secretariat(HttpUser):
    wait_time = between(0.5, 2)
    weight = 2

    def on_start(self):
        sign_in(self, random.choice(["secretariat@wapes.demo.example", "secretariat@pesnetwork.demo.example"]))
        self.cycles = re.findall(r'href="/cycles/(\d+)"', self.client.get("/cycles/", name="/cycles/").text)

    @task(3)
    def cycle_page(self):
        self.client.get(f"/cycles/{random.choice(self.cycles)}", name="/cycles/[id]")

    @task(1)
    def audit(self):
        self.client.get("/audit/", name="/audit/")


class Visitor(HttpUser):
    wait_time = between(1, 3)
    weight = 1

    @task
    def published_reports(self):
        self.client.get("/reports", name="/reports")


@events.test_stop.add_listener
def write_expected(environment, **kwargs):
    path = os.environ.get("LOAD_EXPECTED")
    if path:
        with open(path, "w") as out:
            json.dump(_expected, out)
