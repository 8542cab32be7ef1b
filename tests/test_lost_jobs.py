"""A worker killed in the middle of a render loses nothing: a starting worker queues every unfinished
render again (Huey removes a job from the queue when a worker takes it). The real kill, with two app
servers, PostgreSQL and Redis, is in `make scale-test` (benchmarks/scale_test.py)."""
from __future__ import annotations

from sqlalchemy import select

from peerreview import jobs
from peerreview.audit.models import AuditEvent
from peerreview.reports import services
from peerreview.reports.models import DRAFT, RENDERING, TIER_PUBLIC


def test_a_render_left_rendering_by_a_killed_worker_is_rendered_when_a_worker_starts(db, world, monkeypatch):
    queued = []
    monkeypatch.setattr(jobs, "enqueue_after_commit", lambda job, *args: queued.append((job, args)))
    report = services.render_report(world.secretariat, world.cycle, kind="synthesis")
    db.session.commit()
    report.status = RENDERING  # the worker took the job, started, and was killed
    db.session.commit()
    queued.clear()

    assert services.requeue_unfinished_renders() == [report.id]
    assert queued == [(services.render_report_job, (report.id,))]
    for job, args in queued:
        assert job.call_local(*args) == DRAFT
    db.session.expire_all()
    assert report.status == DRAFT and report.pdf.startswith(b"%PDF")
    renders = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.render",
                                                          AuditEvent.object_id == report.id)).all()
    assert len(renders) == 1


def test_a_starting_worker_leaves_drafts_and_published_reports_alone(db, world, monkeypatch):
    queued = []
    monkeypatch.setattr(jobs, "enqueue_after_commit", lambda job, *args: queued.append((job, args)))
    published = world.published_report
    published_sha, status, versions = published.sha256, published.status, [v.sha256 for v in published.versions]
    assert published.tier == TIER_PUBLIC and versions
    assert services.requeue_unfinished_renders() == []
    assert queued == []
    db.session.expire_all()
    assert (published.tier, published.status, published.sha256) == (TIER_PUBLIC, status, published_sha)
    assert [v.sha256 for v in published.versions] == versions


def test_a_duplicate_render_job_does_nothing(db, world, monkeypatch):
    monkeypatch.setattr(jobs, "enqueue_after_commit", lambda job, *args: None)
    report = services.render_report(world.secretariat, world.cycle, kind="synthesis")
    db.session.commit()
    assert services.render_report_job.call_local(report.id) == DRAFT
    assert services.render_report_job.call_local(report.id) is None


def test_the_recovery_is_registered_to_run_when_a_worker_starts():
    assert "peerreview.reports.services.requeue_unfinished_renders" in jobs.huey._startup


def test_a_start_up_hook_runs_once_per_process_in_an_app_context(app, monkeypatch):
    from flask import current_app

    calls = []
    monkeypatch.setattr(jobs, "_started", set())
    monkeypatch.setattr(jobs, "_app", app)

    def probe():
        calls.append(current_app.name)

    jobs.on_worker_start(probe)
    try:
        hook = jobs.huey._startup[f"{probe.__module__}.probe"]
        hook()
        hook()  # the second worker thread of the same process
    finally:
        jobs.huey.unregister_on_startup(f"{probe.__module__}.probe")
    assert calls == [app.name]


def test_a_failing_start_up_hook_does_not_stop_the_worker(app, monkeypatch, caplog):
    monkeypatch.setattr(jobs, "_started", set())
    monkeypatch.setattr(jobs, "_app", app)

    def broken():
        raise RuntimeError("database not there yet")

    jobs.on_worker_start(broken)
    try:
        jobs.huey._startup[f"{broken.__module__}.broken"]()
    finally:
        jobs.huey.unregister_on_startup(f"{broken.__module__}.broken")
    assert "start-up hook broken failed" in caplog.text
