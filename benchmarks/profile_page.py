"""Profile one page as a signed-in reader sees it, in this process, with pyinstrument (`pip install '.[bench]'`).

    DATABASE_URL=... REDIS_URL=... python -m benchmarks.profile_page EMAIL PATH [REQUESTS]

Signs EMAIL in with the demo password (the database must hold the demo data: `flask seed-demo`),
requests PATH once to fill the page cache, then REQUESTS times more (200 by default) under the
profiler, and prints the time per request and pyinstrument's call tree. With PROFILE_PLAIN=1: the
time per request alone (no profiler), beside the bare one-query page's (benchmarks/bare_app.py).
Which pages were profiled for the README's load figures, and what was found, is in the README
("At a deadline").
"""
from __future__ import annotations

import os
import re
import sys
import time

from config import config_from_env
from peerreview import create_app

PASSWORD = "demo-peer-review-2026"  # noqa: S105 (the published demo password)
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def main(email: str, path: str, requests: int = 200) -> int:
    from pyinstrument import Profiler

    app = create_app(config_from_env())
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    signed_in = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    if signed_in.status_code != 302:
        print(f"sign-in of {email} answered {signed_in.status_code}")
        return 1
    first = client.get(path)
    if first.status_code != 200:
        print(f"{path} answered {first.status_code}")
        return 1
    if os.environ.get("PROFILE_PLAIN"):  # time alone, beside the bare page's whole request, no profiler
        return _plain(client, path, requests)
    profiler = Profiler(interval=0.0002)
    started = time.perf_counter()
    profiler.start()
    for _ in range(requests):
        client.get(path)
    profiler.stop()
    print(f"{path} as {email}: {(time.perf_counter() - started) / requests * 1000:.2f} ms per request "
          f"(in this process, under the profiler)")
    print(profiler.output_text(unicode=False, color=False))
    return 0


def _plain(client, path: str, requests: int) -> int:
    from benchmarks.bare_app import app as bare_app

    bare = bare_app.test_client()
    for label, who, url in ((path, client, path), ("bare one-query page", bare, "/")):
        for _ in range(50):  # warm: statement caches, prepared statements, the page cache
            who.get(url)
        started = time.perf_counter()
        for _ in range(requests):
            who.get(url)
        print(f"{label}: {(time.perf_counter() - started) / requests * 1000:.3f} ms per request (in this process)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], *(int(n) for n in sys.argv[3:4])))
