"""Benchmark: a large synthetic cycle, timed page by page, with SQL query counts.

    make bench                       # SQLite scratch file
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test make bench

Builds, in a scratch database (its own schema on PostgreSQL, dropped afterwards),
a small cycle and a large one (150 organisations x 100 indicators x 6 breakdowns
x 3 years = 270,000 values) and prints, for each: the submission form (GET and a
full save), the check page before submitting and the submission page (every plausibility check
against 149 other organisations), the comparison of one indicator across organisations, and the
synthesis PDF: wall time and number of SQL queries. The query counts must be the
same for both sizes: no page may issue a query per row.
"""
from __future__ import annotations

import os
import random
import sys
import time
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import event, text

from config import TestingConfig
from peerreview import create_app, jobs
from peerreview.extensions import db
from tests.scratch_db import scratch_database

SIZES = [("small", 15, 10), ("large", 150, 100)]  # name, organisations, indicators
YEARS = (2022, 2023, 2024)


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


@contextmanager
def measure(counter: QueryCounter, label: str, results: list):
    counter.count = 0
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    results.append((label, elapsed, counter.count))


def build(size_name: str, n_orgs: int, n_ind: int):
    from peerreview.auth.models import RoleGrant, User
    from peerreview.cycles.models import Cycle
    from peerreview.framework.breakdowns import breakdowns_for
    from peerreview.framework.models import Framework, Indicator
    from peerreview.organisations.models import Network, Organisation, network_membership
    from peerreview.submissions.models import IndicatorValue, Submission

    network = Network(name=f"Bench network {size_name}", short_name=f"B-{size_name}")
    db.session.add(network)
    db.session.flush()
    sec_org = Organisation(name=f"Secretariat {size_name}", short_name=f"SEC-{size_name}", country="BE",
                           kind="secretariat")
    sec_org.networks.append(network)
    db.session.add(sec_org)
    framework = Framework(network_id=network.id, name="Bench framework", description="")
    db.session.add(framework)
    db.session.flush()
    db.session.execute(Indicator.__table__.insert(), [
        {"framework_id": framework.id, "position": i, "code": f"I{i:03d}", "name": f"Indicator {i}",
         "definition": "", "unit": "%", "direction": "higher", "decimals": 1, "min_value": Decimal(0),
         "max_value": Decimal(100), "dimensions": "sex age",
         # Every check at work (issue 7): the total required, half additive, half with a change threshold.
         "required": "total", "additive": i % 2 == 0, "change_threshold": Decimal(50) if i % 2 else None}
        for i in range(n_ind)])
    db.session.execute(Organisation.__table__.insert(), [
        {"name": f"PES {size_name} {i}", "short_name": f"P{i}", "country": f"{size_name[0]}{i}", "kind": "pes"}
        for i in range(n_orgs)])
    orgs = db.session.execute(text("SELECT id FROM organisation WHERE name LIKE :p"),
                              {"p": f"PES {size_name} %"}).scalars().all()
    db.session.execute(network_membership.insert(), [{"network_id": network.id, "organisation_id": o} for o in orgs])
    indicators = db.session.execute(text("SELECT id FROM indicator WHERE framework_id = :f"),
                                    {"f": framework.id}).scalars().all()
    cycle = Cycle(network_id=network.id, framework_id=framework.id, title=f"Bench cycle {size_name}", theme="",
                  first_year=YEARS[0], last_year=YEARS[-1], status="open")
    db.session.add(cycle)
    db.session.flush()
    db.session.execute(Submission.__table__.insert(), [
        {"cycle_id": cycle.id, "organisation_id": o, "status": "submitted", "version": 1,
         "invited_at": cycle.status_changed_at} for o in orgs])
    subs = db.session.execute(text("SELECT id, organisation_id FROM submission WHERE cycle_id = :c"),
                              {"c": cycle.id}).all()
    rng = random.Random(42)
    codes = [b.code for b in breakdowns_for("sex age")]
    batch = []
    for sub_id, _org in subs:
        for ind in indicators:
            for code in codes:
                for year in YEARS:
                    batch.append({"submission_id": sub_id, "indicator_id": ind, "breakdown": code, "year": year,
                                  "value": Decimal(f"{rng.uniform(10, 90):.1f}"), "note": "",
                                  "updated_at": cycle.status_changed_at})
                    if len(batch) >= 20000:
                        db.session.execute(IndicatorValue.__table__.insert(), batch)
                        batch = []
    if batch:
        db.session.execute(IndicatorValue.__table__.insert(), batch)
    # The measured delegate's own submission is a draft.
    first_sub, first_org = subs[0]
    db.session.execute(text("UPDATE submission SET status='draft' WHERE id=:s"), {"s": first_sub})
    sec = User(email=f"sec-{size_name}@bench.example", name="Bench Sec", organisation_id=sec_org.id)
    sec.grants.append(RoleGrant(network_id=network.id, role="secretariat"))
    delegate = User(email=f"del-{size_name}@bench.example", name="Bench Delegate", organisation_id=first_org)
    delegate.grants.append(RoleGrant(network_id=network.id, role="delegate"))
    for user in (sec, delegate):
        user.set_password("bench-password-123")
        db.session.add(user)
    db.session.commit()
    n_values = len(subs) * len(indicators) * len(codes) * len(YEARS)
    return cycle.id, first_sub, indicators[0], sec.email, delegate.email, n_values


def measure_size(app, counter: QueryCounter, size_name: str, n_orgs: int, n_ind: int) -> list:
    with app.app_context():
        start = time.perf_counter()
        cycle_id, sub_id, ind_id, sec_email, del_email, n_values = build(size_name, n_orgs, n_ind)
        print(f"built {size_name}: {n_orgs} organisations x {n_ind} indicators x 6 breakdowns x 3 years "
              f"= {n_values:,} values in {time.perf_counter() - start:.1f} s", flush=True)
    # The requests below run in their own app contexts, as in production.
    client = app.test_client()
    results: list = []
    client.post("/login", data={"email": del_email, "password": "bench-password-123"})
    client.get(f"/submissions/{sub_id}/edit")  # warm-up: template compilation is not what we measure
    with measure(counter, "submission form (GET)", results):
        page = client.get(f"/submissions/{sub_id}/edit")
    assert page.status_code == 200, page.status_code
    with measure(counter, "cycle page as delegate (GET)", results):
        assert client.get(f"/cycles/{cycle_id}").status_code == 200
    html = page.get_data(as_text=True)
    print(f"{size_name}: the form's HTML is {len(page.get_data()):,} bytes", flush=True)
    grid = dict.fromkeys(_cells(html), "55.5")
    originals = {f"o-{cell}": value for cell, value in _originals(html)}
    with measure(counter, f"save whole grid ({len(grid)} cells, POST)", results):
        saved = client.post(f"/submissions/{sub_id}/edit", data={**grid, **originals})
    assert saved.status_code == 302, saved.status_code
    with measure(counter, "check before submitting (GET)", results):
        assert client.get(f"/submissions/{sub_id}/check").status_code == 200
    with measure(counter, "submission page (GET)", results):
        assert client.get(f"/submissions/{sub_id}").status_code == 200
    client.post("/logout")
    client.post("/login", data={"email": sec_email, "password": "bench-password-123"})
    with measure(counter, "compare one indicator (GET)", results):
        assert client.get(f"/cycles/{cycle_id}/compare?indicator={ind_id}").status_code == 200
    with app.app_context():
        db.session.execute(text("UPDATE cycle SET status='reporting' WHERE id=:c"), {"c": cycle_id})
        db.session.commit()
    # The request only queues the render; the job (run here in this process) renders the PDF.
    queued = []
    queue_after_commit = jobs.enqueue_after_commit
    jobs.enqueue_after_commit = lambda job, *args: queued.append((job, args))
    try:
        with measure(counter, "ask for the synthesis PDF (POST)", results):
            assert client.post(f"/cycles/{cycle_id}/reports", data={"kind": "synthesis"}).status_code == 302
    finally:
        jobs.enqueue_after_commit = queue_after_commit
    (job, args), = queued
    with measure(counter, "synthesis PDF (render job)", results):
        assert job.call_local(*args) == "draft"
    with measure(counter, "cycle page as secretariat (GET)", results):
        assert client.get(f"/cycles/{cycle_id}").status_code == 200
    return [(size_name, label, seconds, queries) for label, seconds, queries in results]


def run() -> int:
    counter = QueryCounter()
    rows = []
    with scratch_database("bench", os.environ.get("BENCH_DATABASE_URL", "")) as (url, options):
        config = type("BenchConfig", (TestingConfig,), {
            "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})  # scratch users only
        app = create_app(config)
        with app.app_context():
            db.create_all()
            engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            for size_name, n_orgs, n_ind in SIZES:
                rows += measure_size(app, counter, size_name, n_orgs, n_ind)
        finally:
            event.remove(engine, "before_cursor_execute", counter)
            engine.dispose()
    print(f"\n{'size':<6} {'page':<40} {'seconds':>8} {'queries':>8}")
    for size_name, label, seconds, queries in rows:
        print(f"{size_name:<6} {label:<40} {seconds:>8.3f} {queries:>8}")
    small = {label.split(" (")[0]: q for s, label, _t, q in rows if s == "small"}
    large = {label.split(" (")[0]: q for s, label, _t, q in rows if s == "large"}
    grew = {k: (small[k], large[k]) for k in small if k in large and large[k] != small[k]}
    print("\nquery counts independent of size:", "yes" if not grew else f"NO {grew}")
    return 0 if not grew else 1


def _cells(html: str) -> list[str]:
    import re

    return re.findall(r'name="(v-\d+-[^"]+-\d{4})"', html)


def _originals(html: str) -> list[tuple[str, str]]:
    import re

    return re.findall(r'name="o-(v-\d+-[^"]+-\d{4})" value="([^"]*)"', html)


if __name__ == "__main__":
    sys.exit(run())
