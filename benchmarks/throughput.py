"""Throughput of pages read by many, beside a bare one-query Flask page, measured in the same run.

    python -m benchmarks.throughput BARE_URL APP_URL [APP_URL ...]

For each page, CLIENTS threads request it back to back for SECONDS in all (keep-alive off, like
Locust's new connections), spread over the app servers, and the requests per second and latencies
are counted. The app's pages pass when they reach at least half the bare page's throughput. Prints
one line per page.

It starts once the app servers have worked off what the load test left queued (their /health answers
quickly again), and measures the bare page and the app's pages in ROUNDS interleaved rounds (a slice
of each in turn), so a machine that gets busier or quieter meanwhile (it is shared) tilts neither way.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import sys
import threading
import time
import urllib.parse
import urllib.request

CLIENTS = int(os.environ.get("THROUGHPUT_CLIENTS", 8))
SECONDS = float(os.environ.get("THROUGHPUT_SECONDS", 16))
ROUNDS = int(os.environ.get("THROUGHPUT_ROUNDS", 8))
PASSWORD = "demo-peer-review-2026"  # noqa: S105 (the published demo password)
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def signed_in_opener(base: str, email: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = CSRF.search(opener.open(f"{base}/login").read().decode()).group(1)
    opener.open(f"{base}/login", urllib.parse.urlencode({"csrf_token": token, "email": email,
                                                         "password": PASSWORD}).encode())
    return opener


def percentile(times: list[float], share: float) -> float:
    """The latency (ms) below which `share` of the requests finished (nearest rank)."""
    ordered = sorted(times)
    return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def rate(urls_and_openers: list, seconds: float = SECONDS) -> tuple[float, int, list[float]]:
    """Requests per second, errors, and the latency of every request."""
    done, errors, times = [0], [0], []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(n: int):
        url, opener = urls_and_openers[n % len(urls_and_openers)]
        count = bad = 0
        mine = []
        while time.monotonic() < stop:
            t = time.monotonic()
            try:
                with opener.open(url, timeout=30) as response:
                    response.read()
                    count += response.status == 200
                    bad += response.status != 200
            except OSError:
                bad += 1
            mine.append(time.monotonic() - t)
        with lock:
            done[0] += count
            errors[0] += bad
            times.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0] / (time.monotonic() - started), errors[0], times


def drained(apps: list[str], limit: float = 90) -> float:
    """Wait until every app server answers /health within a second, twice in a row; the seconds waited."""
    plain = urllib.request.build_opener()
    started = time.monotonic()
    quick = 0
    while quick < 2 and time.monotonic() - started < limit:
        for base in apps:
            t = time.monotonic()
            try:
                plain.open(f"{base}/health", timeout=30).read()
            except OSError:
                pass
            quick = quick + 1 if time.monotonic() - t < 1 else 0
        time.sleep(0.5)
    return time.monotonic() - started


def main(bare: str, apps: list[str]) -> int:
    print(f"  app servers idle again after {drained(apps):.0f} s")
    secretariat = {base: signed_in_opener(base, "secretariat@pesnetwork.demo.example") for base in apps}
    delegate = {base: signed_in_opener(base, "delegate.de@demo.example") for base in apps}
    home = delegate[apps[0]].open(f"{apps[0]}/").read().decode()
    submission = re.search(r'href="/submissions/(\d+)"', home).group(1)
    cycles = secretariat[apps[0]].open(f"{apps[0]}/cycles/").read().decode()
    cycle = re.findall(r'href="/cycles/(\d+)"', cycles)[-1]
    plain = urllib.request.build_opener()
    targets = [("bare", [(bare, plain)])] + [
        (label, [(f"{base}{path}", who[base]) for base in apps])
        for label, path, who in (("cycle page (secretariat)", f"/cycles/{cycle}", secretariat),
                                 ("comparison (secretariat)", f"/cycles/{cycle}/compare", secretariat),
                                 ("submission page (delegate)", f"/submissions/{submission}", delegate))]
    # Interleaved: ROUNDS rounds of a short slice of each target, the bare page's included, so that a
    # shared machine getting busier or quieter meanwhile weighs on every target alike.
    totals = {label: [0.0, 0, []] for label, _urls in targets}  # requests, errors, latencies
    for _round in range(ROUNDS):
        for label, urls in targets:
            per_second, errors, times = rate(urls, SECONDS / ROUNDS)
            totals[label][0] += per_second / ROUNDS
            totals[label][1] += errors
            totals[label][2] += times
    bare_rate, bare_errors, bare_times = totals.pop("bare")
    print(f"  bare one-query Flask page: {bare_rate:.1f} requests/s, p50 {percentile(bare_times, .5):.0f} ms, "
          f"p95 {percentile(bare_times, .95):.0f} ms, {bare_errors} errors")
    failed = bare_errors > 0
    for label, (page_rate, errors, times) in totals.items():
        ratio = page_rate / bare_rate if bare_rate else 0
        ok = ratio >= 0.5 and not errors
        failed |= not ok
        print(f"  {label}: {page_rate:.1f} requests/s = {ratio:.0%} of the bare page, p50 "
              f"{percentile(times, .5):.0f} ms, p95 {percentile(times, .95):.0f} ms, {errors} errors "
              f"{'ok' if ok else 'BELOW HALF'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
