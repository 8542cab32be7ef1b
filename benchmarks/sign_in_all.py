"""The warm-up of `make load`: every simulated user signs in before the measured phase, not during it.

    python -m benchmarks.sign_in_all OUT.json APP_URL [APP_URL ...]

Signing in is deliberately slow (scrypt, production's setting, unchanged): 180 sign-ins at once took the
whole measured minute of the load test, so no save got through. Here each user signs in through the
real sign-in form (CSRF token, password, the app's rate limit), a few at a time, spread over the app
servers; the session cookies are written to OUT.json ({email: [cookies, ...]}) and the Locust users
(benchmarks/locustfile.py) continue with them, on either server. Prints the sign-ins and their time.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

PASSWORD = "demo-peer-review-2026"  # noqa: S105 (the published demo password)
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PARALLEL = int(os.environ.get("SIGN_IN_PARALLEL", 4))
DRAFT_DELEGATES = ["be", "ba", "cy", "uk-eng", "gr", "ie", "sk", "si", "se"]  # drafts in the demo
REVIEWERS = ["at", "se", "jp", "ca", "ie"]
SECRETARIATS = ["secretariat@wapes.demo.example", "secretariat@pesnetwork.demo.example"]


# The app's sessions are bound to the browser (Flask-Login's "strong" protection: address and user agent),
# so the Locust users present the user agent the sessions were made with.
USER_AGENT = "peerreview-load-test"


def deadline_email(i: int) -> str:
    return f"delegate.{i:03d}@deadline.demo.example"  # benchmarks/deadline_world.py


def accounts(deadline: int) -> list[str]:
    """Who signs in, once per simulated user who may need their own browser (benchmarks/locustfile.py)."""
    emails = [f"delegate.{key}@demo.example" for key in DRAFT_DELEGATES]
    emails += [f"reviewer.{key}@demo.example" for key in REVIEWERS] * 3
    emails += SECRETARIATS * 4
    emails += [deadline_email(i) for i in range(deadline)]
    return emails


def sign_in(base: str, email: str) -> list[dict]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    token = CSRF.search(opener.open(f"{base}/login", timeout=120).read().decode()).group(1)
    with opener.open(f"{base}/login", urllib.parse.urlencode(
            {"csrf_token": token, "email": email, "password": PASSWORD}).encode(), timeout=120) as response:
        if "/login" in response.url:
            raise RuntimeError(f"sign-in of {email} failed")
    return [{"name": c.name, "value": c.value, "path": c.path} for c in jar]


def main(out: str, apps: list[str]) -> int:
    emails = accounts(int(os.environ.get("LOAD_DEADLINE", "0") or 0))
    started = time.monotonic()
    with ThreadPoolExecutor(PARALLEL) as pool:
        cookies = list(pool.map(lambda n: sign_in(apps[n % len(apps)], emails[n]), range(len(emails))))
    sessions: dict[str, list] = {}
    for email, jar in zip(emails, cookies, strict=True):
        sessions.setdefault(email, []).append(jar)
    with open(out, "w") as f:
        json.dump(sessions, f)
    print(f"  warm-up (not measured): {len(emails)} sign-ins in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
