"""Feedback and synthesis reports: build the print data, render, publish."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app
from flask_babel import _
from flask_babel import lazy_gettext as _l
from huey.exceptions import RetryTask, TaskLockedException
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from peerreview import jobs
from peerreview.audit.services import record
from peerreview.cycles.models import IN_REVIEW, PHASE_LABELS, REPORTING, Cycle
from peerreview.db_types import utcnow
from peerreview.errors import Conflict, NotFound, ValidationFailed
from peerreview.extensions import db
from peerreview.permissions import Action, require
from peerreview.reports.models import (
    DRAFT,
    FAILED,
    FEEDBACK,
    PUBLISHED,
    QUEUED,
    RENDERING,
    SYNTHESIS,
    Report,
)
from peerreview.reports.pdf import DataFile, RenderLimits, render_pdf
from peerreview.reports.print_data import feedback_context, feedback_csv, synthesis_context, synthesis_csv
from peerreview.submissions.models import SUBMITTED, Submission

REPORT_STATE_LABELS = {QUEUED: _l("queued for rendering"), RENDERING: _l("being rendered"),
                       DRAFT: _l("draft"), FAILED: _l("failed"), PUBLISHED: _l("published")}


def cycle_reports(cycle_id: int) -> list[Report]:
    query = (select(Report).where(Report.cycle_id == cycle_id)
             .options(selectinload(Report.organisation), selectinload(Report.rendered_by),
                      selectinload(Report.published_by))
             .order_by(Report.kind.desc(), Report.title))
    return list(db.session.scalars(query))


def published_reports() -> list[Report]:
    query = (select(Report).where(Report.status == PUBLISHED)  # the public list: anyone may read these
             .options(selectinload(Report.cycle).selectinload(Cycle.network), selectinload(Report.organisation))
             .order_by(Report.published_at.desc()))
    return list(db.session.scalars(query))


def get_report(actor, report_id: int) -> Report:
    report = db.session.get(Report, report_id)
    if report is None:
        raise NotFound(_("No such report."))
    require(actor, Action.DOWNLOAD_REPORT, report)
    return report


def _render_problem(cycle: Cycle) -> str | None:
    if cycle.status not in (IN_REVIEW, REPORTING):
        return _("Reports are rendered while the cycle is in review or reporting; it is %(phase)s.",
                 phase=PHASE_LABELS[cycle.status])
    return None


def render_report(actor, cycle: Cycle, *, kind: str, organisation_id: int | None = None,
                  now: bool = False) -> Report:
    """Ask for the draft of a feedback or synthesis report to be rendered (again).

    The request only creates or updates the one record for (cycle, kind, subject) as queued; the
    render job (render_report_job) runs after the request commits. `now` renders in the caller's
    transaction instead, for the seed command, which has no worker to wait for.
    """
    require(actor, Action.MANAGE_REPORTS, cycle)
    problem = _render_problem(cycle)
    if problem:
        raise Conflict(problem)
    if kind == FEEDBACK:
        submission = db.session.scalar(select(Submission).where(
            Submission.cycle_id == cycle.id, Submission.organisation_id == (organisation_id or 0)))
        if submission is None:
            raise ValidationFailed(_("The report was not rendered."), errors={
                "organisation_id": _("Choose an organisation that takes part in this cycle.")})
        if submission.status != SUBMITTED:
            # Its report would compare nothing: five pages of dashes (finding 4 of issue 9).
            raise ValidationFailed(_("The report was not rendered."), errors={
                "organisation_id": _("%(org)s has not submitted its data yet; a feedback report is made only "
                                     "for an organisation that submitted.", org=submission.organisation.name)})
        organisation = submission.organisation
        title = _("Feedback report: %(org)s – %(cycle)s", org=organisation.name, cycle=cycle.title)
    elif kind == SYNTHESIS:
        organisation = None
        title = _("Synthesis report – %(cycle)s", cycle=cycle.title)
    else:
        raise ValidationFailed(_("Unknown kind of report."))
    subject_key = organisation.id if organisation else 0
    report = _report_for(cycle.id, kind, subject_key)
    if report is None:
        report = Report(cycle_id=cycle.id, kind=kind, organisation_id=organisation.id if organisation else None,
                        subject_key=subject_key, title=title, status=QUEUED, rendered_by_id=actor.id,
                        requested_at=utcnow())
        db.session.add(report)
        try:
            db.session.flush()
        except IntegrityError:
            # A simultaneous request made the record first (the unique constraint on cycle, kind and
            # subject). Nothing else was written yet in this request: start again from that record.
            db.session.rollback()
            report = _report_for(cycle.id, kind, subject_key)
            if report is None:
                raise
    if report.is_published:
        raise Conflict(_("%(title)s was published on %(when)s UTC by %(who)s. A published report never "
                         "changes, so it cannot be rendered again.", title=report.title,
                         when=report.published_at.strftime("%d %b %Y %H:%M"), who=report.published_by.name))
    if (report.status == RENDERING and not now and report.requested_at
            and report.requested_at > utcnow() - RENDER_STUCK_AFTER):
        raise Conflict(_("%(title)s is being rendered right now. Reload this page in a moment.",
                         title=report.title))
    report.title, report.status, report.failure = title, QUEUED, None
    report.rendered_by_id, report.requested_at = actor.id, utcnow()
    db.session.flush()
    if now:
        _render_into(report)
    else:
        jobs.enqueue_after_commit(render_report_job, report.id)
    return report


def _report_for(cycle_id: int, kind: str, subject_key: int) -> Report | None:
    return db.session.scalar(select(Report).where(Report.cycle_id == cycle_id, Report.kind == kind,
                                                  Report.subject_key == subject_key))


def _render_limits() -> RenderLimits:
    """Hard limits per render (config REPORT_RENDER_SECONDS, REPORT_RENDER_MEMORY_MB)."""
    return RenderLimits(seconds=float(current_app.config.get("REPORT_RENDER_SECONDS", 600)),
                        memory_mb=int(current_app.config.get("REPORT_RENDER_MEMORY_MB", 3072)))


def _render_into(report: Report) -> None:
    """Render the PDF of a queued report into its record (no commit)."""
    cycle = report.cycle
    if report.kind == FEEDBACK:
        context = feedback_context(cycle, report.organisation, report_id=report.id)
        pdf = render_pdf("reports/pdf/feedback.html", context, limits=_render_limits(), data=DataFile(
            "feedback-data.csv", feedback_csv(cycle, report.organisation), _("The report's figures")))
    else:
        context = synthesis_context(cycle, report_id=report.id)
        pdf = render_pdf("reports/pdf/synthesis.html", context, limits=_render_limits(), data=DataFile(
            "synthesis-data.csv", synthesis_csv(cycle), _("The report's figures")))
    digest = hashlib.sha256(pdf).hexdigest()
    report.pdf, report.sha256, report.size = pdf, digest, len(pdf)
    report.status, report.failure, report.rendered_at = DRAFT, None, utcnow()
    db.session.flush()
    record(report.rendered_by, "report.render", report, after={"sha256": digest, "kind": report.kind},
           network_id=cycle.network_id, cycle_id=cycle.id)


# One render at a time per worker pool: WeasyPrint needs a lot of memory and both cores
# for a large synthesis report. A job that finds the lock taken waits and is tried again.
RENDER_LOCK = "render-report"
RENDER_LOCK_RETRY_SECONDS = 5
# Made at import so that the consumer knows the lock: `--flush-locks` frees it after a crash.
_render_lock = jobs.huey.lock_task(RENDER_LOCK)
# A render still "rendering" after this long is taken as lost (a worker stopped): it may be asked for again.
RENDER_STUCK_AFTER = timedelta(minutes=30)


@jobs.task()
def render_report_job(report_id: int) -> str | None:
    try:
        with _render_lock:
            return _run_render(report_id)
    except TaskLockedException:
        raise RetryTask(delay=RENDER_LOCK_RETRY_SECONDS) from None


def _run_render(report_id: int) -> str | None:
    report = db.session.get(Report, report_id)
    if report is None or report.status != QUEUED:
        return None  # published, rendered by an earlier job, or no longer there
    report.status = RENDERING
    db.session.commit()
    try:
        _render_into(report)
        db.session.commit()
    except Exception as error:  # noqa: BLE001 (any failure of the render is shown on the reports page)
        db.session.rollback()
        current_app.logger.exception("Rendering report %s failed", report_id)
        report = db.session.get(Report, report_id)
        report.status = FAILED
        report.failure = f"{type(error).__name__}: {error}"[:500]
        db.session.commit()
    return report.status


@jobs.on_worker_start
def requeue_unfinished_renders() -> list[int]:
    """Queue again every render still queued or rendering; run when a job worker starts.

    A worker that stopped in the middle of a render (killed, out of memory, a reboot) took the job
    with it: Huey removes a job from the queue when a worker takes it. A duplicate of a job that is
    still alive does no harm: renders run one at a time (the lock), and a job that finds its report
    no longer queued does nothing.
    """
    lost = list(db.session.scalars(select(Report).where(Report.status.in_((QUEUED, RENDERING)))
                                   .order_by(Report.id)))
    for report in lost:
        report.status = QUEUED
    ids = [report.id for report in lost]
    for report_id in ids:
        jobs.enqueue_after_commit(render_report_job, report_id)
    db.session.commit()
    if ids:
        current_app.logger.warning("Queued again the renders a stopped worker left unfinished: %s", ids)
    return ids


def report_to_publish(actor, report_id: int) -> Report:
    """A draft the actor may publish, for the page that asks to confirm and says who will see it."""
    report = get_report(actor, report_id)
    require(actor, Action.MANAGE_REPORTS, report.cycle)
    _publish_problem(report)
    return report


def _publish_problem(report: Report) -> None:
    if report.is_published:
        raise Conflict(_("This report was already published on %(when)s UTC.",
                         when=report.published_at.strftime("%d %b %Y %H:%M")))
    if report.status != DRAFT:
        raise Conflict(_("Only a rendered draft can be published; %(title)s is %(state)s.",
                         title=report.title, state=REPORT_STATE_LABELS[report.status]))
    if report.cycle.status not in (IN_REVIEW, REPORTING):
        raise Conflict(_("Reports are published while the cycle is in review or reporting."))
    if report.kind == FEEDBACK and db.session.scalar(select(Submission.status).where(
            Submission.cycle_id == report.cycle_id, Submission.organisation_id == report.organisation_id)) != SUBMITTED:
        raise Conflict(_("%(org)s's submission is no longer submitted (it was returned for revision): its feedback "
                         "report can be published once it is submitted again and the report rendered anew.",
                         org=report.organisation.name))


def publish_report(actor, report: Report) -> Report:
    require(actor, Action.MANAGE_REPORTS, report.cycle)
    _publish_problem(report)
    report.status = PUBLISHED
    report.published_at = utcnow()
    report.published_by_id = actor.id
    record(actor, "report.publish", report, before={"status": DRAFT},
           after={"status": PUBLISHED, "sha256": report.sha256},
           network_id=report.cycle.network_id, cycle_id=report.cycle_id)
    db.session.flush()
    return report


def report_filename(report: Report) -> str:
    base = report.title.encode("ascii", "ignore").decode()
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in base).strip("-")
    while "--" in safe:
        safe = safe.replace("--", "-")
    return (safe[:100] or f"report-{report.id}") + ".pdf"

