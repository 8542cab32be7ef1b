"""Reports render in a background job: queued -> rendering -> draft or failed; one record per subject."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from config import TestingConfig
from peerreview import create_app, jobs
from peerreview.errors import Conflict
from peerreview.extensions import db as _db
from peerreview.reports import services
from peerreview.reports.models import Report
from tests.scratch_db import scratch_database


@pytest.fixture()
def no_render_jobs(monkeypatch):
    """Jobs asked for by the service are collected instead of run."""
    queued = []
    monkeypatch.setattr(jobs, "enqueue_after_commit", lambda job, *args: queued.append((job, args)))
    return queued


def test_the_request_only_queues_the_render(db, world, no_render_jobs):
    report = services.render_report(world.secretariat, world.cycle, kind="synthesis")
    db.session.commit()
    assert (report.status, report.pdf, report.rendered_at) == ("queued", None, None)
    assert report.subject_key == 0
    assert no_render_jobs == [(services.render_report_job, (report.id,))]
    with pytest.raises(Conflict, match="Only a rendered draft"):
        services.publish_report(world.secretariat, report, tier="network")
    assert services.render_report_job.call_local(report.id) == "draft"
    db.session.expire_all()
    assert report.status == "draft" and report.pdf.startswith(b"%PDF") and report.rendered_at is not None
    assert services.render_report_job.call_local(report.id) is None  # a second job finds nothing to do


def test_rendering_again_keeps_one_record(db, world, no_render_jobs):
    first = services.render_report(world.secretariat, world.cycle, kind="feedback",
                                   organisation_id=world.other_org.id)
    assert first.id == world.draft_report.id and first.subject_key == world.other_org.id
    db.session.commit()
    again = services.render_report(world.secretariat, world.cycle, kind="feedback",
                                   organisation_id=world.other_org.id)
    db.session.commit()
    assert again.id == first.id
    count = db.session.scalar(select(func.count()).select_from(Report).where(
        Report.cycle_id == world.cycle.id, Report.organisation_id == world.other_org.id))
    assert count == 1


def test_a_failed_render_keeps_its_reason_and_can_be_tried_again(db, world, monkeypatch, client, login):
    def broken(template, context, **_options):
        raise RuntimeError("fonts missing")

    monkeypatch.setattr(services, "render_pdf", broken)
    report = services.render_report(world.secretariat, world.cycle, kind="synthesis")
    db.session.commit()  # the job runs at once in the tests
    db.session.expire_all()
    assert report.status == "failed" and report.failure == "RuntimeError: fonts missing"
    with pytest.raises(Conflict, match="Only a rendered draft"):
        services.publish_report(world.secretariat, report, tier="network")
    login(world.secretariat)
    html = client.get(f"/cycles/{world.cycle.id}/reports").get_data(as_text=True)
    assert "fonts missing" in html and "Try again" in html
    monkeypatch.undo()
    r = client.post(f"/cycles/{world.cycle.id}/reports", data={"kind": "synthesis"})
    assert r.status_code == 302
    db.session.expire_all()
    assert report.status == "draft" and report.failure is None
    services.publish_report(world.secretariat, report, tier="network")


def test_the_reports_page_refreshes_itself_while_a_render_is_queued(db, world, client, login, no_render_jobs):
    login(world.secretariat)
    r = client.post(f"/cycles/{world.cycle.id}/reports", data={"kind": "synthesis"}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "queued for rendering" in html and '<meta http-equiv="refresh"' in html
    (job, (report_id,)), = no_render_jobs
    job.call_local(report_id)
    html = client.get(f"/cycles/{world.cycle.id}/reports").get_data(as_text=True)
    assert "http-equiv" not in html and "queued for rendering" not in html


def test_a_render_in_progress_is_not_asked_for_twice(db, world, no_render_jobs):
    report = services.render_report(world.secretariat, world.cycle, kind="synthesis")
    report.status = "rendering"
    db.session.commit()
    with pytest.raises(Conflict, match="being rendered right now"):
        services.render_report(world.secretariat, world.cycle, kind="synthesis")


def test_renders_run_one_at_a_time(db, world, no_render_jobs, monkeypatch):
    from huey.exceptions import RetryTask

    monkeypatch.setattr(jobs.huey, "immediate", True)  # the lock in memory, not in instance/

    report = services.render_report(world.secretariat, world.cycle, kind="synthesis")
    db.session.commit()
    with jobs.huey.lock_task(services.RENDER_LOCK), pytest.raises(RetryTask):
        services.render_report_job.call_local(report.id)
    db.session.expire_all()
    assert report.status == "queued"  # waits for the running render, then is tried again


def test_simultaneous_render_requests_leave_one_record(monkeypatch):
    """Two requests in two threads, both finding no record before either writes one."""
    from tests.factories import build_world

    with scratch_database("race") as (url, options):
        config = type("Config", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url,
                                                   "SQLALCHEMY_ENGINE_OPTIONS": options})
        app = create_app(config)
        with app.app_context():
            _db.create_all()
            world = build_world()
            ids = world.secretariat.id, world.cycle.id
        queued = []
        monkeypatch.setattr(jobs, "enqueue_after_commit", lambda job, *args: queued.append(args))
        both_looked = threading.Barrier(2, timeout=30)
        original = services._report_for

        def look_then_wait(*args):
            found = original(*args)
            if not getattr(local, "waited", False):
                local.waited = True
                both_looked.wait()  # neither has written yet: both will insert
            return found

        local = threading.local()
        monkeypatch.setattr(services, "_report_for", look_then_wait)
        outcomes = []

        def request():
            with app.app_context():
                from peerreview.auth.models import User
                from peerreview.cycles.models import Cycle

                try:
                    report = services.render_report(_db.session.get(User, ids[0]), _db.session.get(Cycle, ids[1]),
                                                    kind="synthesis")
                    _db.session.commit()
                    outcomes.append(report.id)
                except Exception as error:  # noqa: BLE001 (reported by the assertion below)
                    _db.session.rollback()
                    outcomes.append(error)

        threads = [threading.Thread(target=request) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        with app.app_context():
            rows = _db.session.scalars(select(Report).where(Report.kind == "synthesis")).all()
            _db.session.remove()
            _db.drop_all()
            _db.engine.dispose()
    assert len(rows) == 1
    assert outcomes == [rows[0].id, rows[0].id], outcomes
    assert len(queued) == 2 and rows[0].status == "queued"


def test_a_render_runs_in_its_own_process_within_hard_limits(app, world):
    """The PDF is written by a child process: a memory or time limit stops it, and the reason is kept."""
    import pytest

    from peerreview.reports.pdf import RenderFailed, RenderLimits, render_pdf
    from peerreview.reports.print_data import synthesis_context

    with app.test_request_context():
        context = synthesis_context(world.cycle)
        pdf = render_pdf("reports/pdf/synthesis.html", context, limits=RenderLimits(seconds=120, memory_mb=4096))
        assert pdf.startswith(b"%PDF")
        with pytest.raises(RenderFailed, match="longer than its limit of 0.01 seconds"):
            render_pdf("reports/pdf/synthesis.html", context, limits=RenderLimits(seconds=0.01, memory_mb=4096))
        with pytest.raises(RenderFailed, match="memory limit (of|is) 64 MB"):
            render_pdf("reports/pdf/synthesis.html", context, limits=RenderLimits(seconds=120, memory_mb=64))


def test_a_render_over_its_memory_limit_fails_visibly(app, world, db):
    from peerreview.reports import services as report_services
    from peerreview.reports.models import Report

    app.config["REPORT_RENDER_MEMORY_MB"] = 64
    try:
        report = report_services.render_report(world.secretariat, world.cycle, kind="synthesis")
        db.session.commit()
    finally:
        app.config["REPORT_RENDER_MEMORY_MB"] = 3072
    report = db.session.get(Report, report.id)
    assert report.status == "failed"
    assert "64 MB" in report.failure
