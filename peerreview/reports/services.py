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

from peerreview import files, jobs
from peerreview.audit.services import record
from peerreview.cycles.models import IN_REVIEW, PHASE_LABELS, REPORTING, Cycle
from peerreview.db_types import utcnow
from peerreview.errors import Conflict, NotFound, ValidationFailed, refuse_stale_edit
from peerreview.extensions import db
from peerreview.i18n import in_locale, translated_text
from peerreview.permissions import Action, can, require, scope
from peerreview.reasons import reason_problem
from peerreview.reports import release
from peerreview.reports.models import (
    DRAFT,
    FAILED,
    FEEDBACK,
    QUEUED,
    RENDERING,
    SYNTHESIS,
    TIER_FACTUAL_CHECK,
    TIER_NETWORK,
    TIER_PUBLIC,
    VERSION_CORRECTED,
    VERSION_CURRENT,
    VERSION_WITHDRAWN,
    FactualFlag,
    Report,
    ReportVersion,
)
from peerreview.reports.pdf import DataFile, RenderLimits, render_pdf
from peerreview.reports.print_data import feedback_context, feedback_csv, synthesis_context, synthesis_csv
from peerreview.submissions.models import SUBMITTED, Submission

REPORT_STATE_LABELS = {QUEUED: _l("queued for rendering"), RENDERING: _l("being rendered"),
                       DRAFT: _l("draft"), FAILED: _l("failed")}
VERSION_STATE_LABELS = {VERSION_CURRENT: _l("current"), VERSION_CORRECTED: _l("corrected"),
                        VERSION_WITHDRAWN: _l("withdrawn")}


def cycle_reports(cycle_id: int) -> list[Report]:
    query = (select(Report).where(Report.cycle_id == cycle_id)
             .options(selectinload(Report.organisation), selectinload(Report.rendered_by),
                      selectinload(Report.versions).selectinload(ReportVersion.published_by))
             .order_by(Report.kind.desc(), Report.title))
    return list(db.session.scalars(query))


def public_register() -> list[ReportVersion]:
    """The public register: every version of every public report, withdrawn and corrected ones with
    their notes (a withdrawn one is listed, not served). Newest first. Anyone may read it."""
    public = select(Report.id).where(Report.tier == TIER_PUBLIC)
    query = (select(ReportVersion).where(ReportVersion.report_id.in_(public))
             .options(selectinload(ReportVersion.report).selectinload(Report.cycle).selectinload(Cycle.network),
                      selectinload(ReportVersion.report).selectinload(Report.organisation))
             .order_by(ReportVersion.published_at.desc(), ReportVersion.id.desc()))
    return list(db.session.scalars(query))


def network_versions(actor) -> list[ReportVersion]:
    """Versions published to the networks the actor takes part in (not the public ones: those are
    in the register), newest first."""
    if not getattr(actor, "is_authenticated", False):
        return []
    network_tier = select(Report.id).where(Report.tier == TIER_NETWORK)
    query = (select(ReportVersion).where(scope(actor, Action.DOWNLOAD_REPORT_VERSION),
                                         ReportVersion.report_id.in_(network_tier))
             .options(selectinload(ReportVersion.report).selectinload(Report.cycle).selectinload(Cycle.network))
             .order_by(ReportVersion.published_at.desc(), ReportVersion.id.desc()))
    return list(db.session.scalars(query))


def factual_check_drafts(actor) -> list[Report]:
    """Feedback drafts waiting for the factual check of the actor's own organisation."""
    if not getattr(actor, "is_authenticated", False):
        return []
    query = (select(Report).where(scope(actor, Action.DOWNLOAD_REPORT), Report.tier == TIER_FACTUAL_CHECK,
                                  Report.organisation_id == actor.organisation_id)
             .options(selectinload(Report.cycle)).order_by(Report.title))
    return list(db.session.scalars(query))


def versions_with_checksum(digest: str) -> list[ReportVersion]:
    """The public versions whose bytes have this SHA-256 (hex, any case): how anyone verifies a copy."""
    digest = digest.strip().lower()
    if len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
        return []
    public = select(Report.id).where(Report.tier == TIER_PUBLIC)
    return list(db.session.scalars(select(ReportVersion).where(ReportVersion.sha256 == digest,
                                                                ReportVersion.report_id.in_(public))
                                   .options(selectinload(ReportVersion.report))))


def version_to_manage(actor, version_id: int) -> ReportVersion:
    version = db.session.get(ReportVersion, version_id)
    if version is None or not can(actor, Action.DOWNLOAD_REPORT_VERSION, version):
        raise NotFound(_("No such report."))
    require(actor, Action.MANAGE_REPORTS, version.report.cycle)
    return version


def get_version(actor, version_id: int) -> ReportVersion:
    version = db.session.get(ReportVersion, version_id)
    if version is None or not can(actor, Action.DOWNLOAD_REPORT_VERSION, version):
        raise NotFound(_("No such report."))
    return version


def draft_pdf(report: Report) -> bytes:
    """The working draft's bytes, from wherever they are kept (peerreview/files.py)."""
    return files.bytes_of(report.pdf, report.file_key) or b""


def version_pdf(version: ReportVersion) -> bytes:
    """The stored bytes, checked against the SHA-256 recorded at publication."""
    data = files.bytes_of(version.pdf, version.file_key) or b""
    if hashlib.sha256(data).hexdigest() != version.sha256:
        raise Conflict(_("The stored copy does not match its recorded SHA-256; it is not served."))
    return data


def get_report(actor, report_id: int) -> Report:
    """A report whose working draft the actor may read. To anyone else it answers 404, as a published
    version, a user or an organisation does: they are not told that the draft exists (another
    network's secretariat included). Who may read it but not act on it is refused (403) by the action."""
    report = db.session.get(Report, report_id)
    if report is None or not can(actor, Action.DOWNLOAD_REPORT, report):
        raise NotFound(_("No such report."))
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
        with in_locale(cycle.report_locale):  # the report's title is in the report's language
            title = _("Feedback report: %(org)s – %(cycle)s", org=organisation.name,
                      cycle=translated_text(cycle, "title"))
    elif kind == SYNTHESIS:
        organisation = None
        with in_locale(cycle.report_locale):
            title = _("Synthesis report – %(cycle)s", cycle=translated_text(cycle, "title"))
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
    if report.release_to:
        raise Conflict(_("A publication of %(title)s is being rendered; render a new draft once it is done.",
                         title=report.title))
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
    """Render the PDF of a queued report into its record (no commit): the watermarked draft, or,
    when a publication was asked for (release_to), the copy without the mark as a new version."""
    cycle = report.cycle
    with in_locale(cycle.report_locale):  # texts, numbers, dates and the PDF's /Lang: the cycle's report language
        pdf = _render_pdf_of(report, cycle)
    digest = hashlib.sha256(pdf).hexdigest()
    if report.release_to:
        _keep_version(report, pdf, digest)
        return
    (report.pdf, report.file_key), report.sha256, report.size = files.keep("report", pdf), digest, len(pdf)
    report.status, report.failure, report.rendered_at = DRAFT, None, utcnow()
    db.session.flush()
    record(report.rendered_by, "report.render", report, after={"sha256": digest, "kind": report.kind},
           network_id=cycle.network_id, cycle_id=cycle.id)


def _render_pdf_of(report: Report, cycle: Cycle) -> bytes:
    releasing = bool(report.release_to)
    if report.kind == FEEDBACK:
        context = feedback_context(cycle, report.organisation, report_id=report.id)
        template, data = "reports/pdf/feedback.html", DataFile(
            "feedback-data.csv", feedback_csv(cycle, report.organisation), _("The report's figures"))
    else:
        context = synthesis_context(cycle, report_id=report.id)
        template, data = "reports/pdf/synthesis.html", DataFile(
            "synthesis-data.csv", synthesis_csv(cycle), _("The report's figures"))
    return render_pdf(template, {**context, "draft": not releasing}, limits=_render_limits(), data=data)


def _keep_version(report: Report, pdf: bytes, digest: str) -> None:
    """The publication asked for: a new immutable version; the one it replaces becomes corrected."""
    previous = report.current_version
    number = max((v.number for v in report.versions), default=0) + 1
    actor_id = report.release_by_id
    now = utcnow()
    stored, key = files.keep("report-version", pdf)
    version = ReportVersion(report=report, number=number, pdf=stored, file_key=key, sha256=digest, size=len(pdf),
                            published_at=now, published_by_id=actor_id, correction_reason=report.release_reason)
    if previous is not None:
        previous.state, previous.state_reason = VERSION_CORRECTED, report.release_reason
        previous.state_changed_at, previous.state_changed_by_id = now, actor_id
    report.tier, report.release_to, report.release_reason = report.release_to, None, ""
    report.status, report.failure = DRAFT, None
    report.published_at, report.published_by_id = now, actor_id
    db.session.add(version)
    db.session.flush()
    record(version.published_by, "report.publish", report,
           before={"version": previous.number if previous else None},
           after={"version": number, "tier": report.tier, "sha256": digest,
                  "reason": version.correction_reason or None},
           network_id=report.cycle.network_id, cycle_id=report.cycle_id)


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
        # A failed publication is not pending any more: the draft stays, publishing may be asked again.
        report.release_to, report.release_reason = None, ""
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
    """A report the actor may publish, for the page that asks to confirm and says who will see it."""
    report = get_report(actor, report_id)
    require(actor, Action.MANAGE_REPORTS, report.cycle)
    return report


def first_publish_problem(report: Report) -> str | None:
    """Why nothing can be published now, before the person chooses the audience (the confirmation
    page is not shown then): no draft newer than the current version and nothing wider to open."""
    if report.release_to:
        return release.publication_problem(report, report.release_to, "")
    if release.has_newer_draft(report):
        return None
    if report.current_version is not None and report.tier != TIER_PUBLIC:
        return None
    return release.publication_problem(report, TIER_PUBLIC, "")


def _publish_problem(report: Report, tier: str, reason: str) -> str | None:
    problem = release.publication_problem(report, tier, reason)
    if problem:
        return problem
    if not release.has_newer_draft(report):
        return None  # widening the audience of the current version: nothing is rendered
    problem = _render_problem(report.cycle)
    if problem:
        return problem
    if report.kind == FEEDBACK and db.session.scalar(select(Submission.status).where(
            Submission.cycle_id == report.cycle_id, Submission.organisation_id == report.organisation_id)) != SUBMITTED:
        return _("%(org)s's submission is no longer submitted (it was returned for revision): its feedback report "
                 "can be published once it is submitted again and the report rendered anew.",
                 org=report.organisation.name)
    return None


def publish_report(actor, report: Report, *, tier: str, reason: str = "", now: bool = False) -> Report:
    """Publish the latest draft as a new version for `tier` (network or public), rendered without
    the "Draft" mark in the background; or widen the current version's audience (network -> public).

    A correction (any version after the first) needs the reason, which stays beside the earlier
    version. `now` renders in the caller's transaction (the seed command).
    """
    require(actor, Action.MANAGE_REPORTS, report.cycle)
    reason = (reason or "").strip()
    problem = _publish_problem(report, tier, reason)
    if problem:
        raise Conflict(problem)
    if not release.has_newer_draft(report):
        before = report.tier
        report.tier = tier
        record(actor, "report.widen", report, before={"tier": before}, after={"tier": tier},
               network_id=report.cycle.network_id, cycle_id=report.cycle_id)
        db.session.flush()
        return report
    report.release_to, report.release_reason, report.release_by_id = tier, reason, actor.id
    report.status, report.requested_at = QUEUED, utcnow()
    db.session.flush()
    if now:
        _render_into(report)
    else:
        jobs.enqueue_after_commit(render_report_job, report.id)
    return report


def send_to_factual_check(actor, report: Report) -> Report:
    """The delegation concerned may now read the draft of its feedback report and flag factual errors."""
    require(actor, Action.MANAGE_REPORTS, report.cycle)
    problem = release.factual_check_problem(report)
    if problem:
        raise Conflict(problem)
    report.tier = TIER_FACTUAL_CHECK
    record(actor, "report.factual_check", report, after={"tier": report.tier},
           network_id=report.cycle.network_id, cycle_id=report.cycle_id)
    db.session.flush()
    return report


def withdraw_version(actor, version: ReportVersion, reason: str) -> ReportVersion:
    """Withdraw the current version: the record stays, listed with the reason, no longer served."""
    require(actor, Action.MANAGE_REPORTS, version.report.cycle)
    reason = (reason or "").strip()
    problem = release.withdrawal_problem(version, reason)
    if problem:
        raise ValidationFailed(_("The version was not withdrawn."), errors={"reason": problem})
    version.state, version.state_reason = VERSION_WITHDRAWN, reason
    version.state_changed_at, version.state_changed_by_id = utcnow(), actor.id
    record(actor, "report.withdraw", version.report, before={"version": version.number, "state": VERSION_CURRENT},
           after={"state": VERSION_WITHDRAWN, "reason": reason},
           network_id=version.report.cycle.network_id, cycle_id=version.report.cycle_id)
    db.session.flush()
    return version


def factual_flags(report: Report) -> list[FactualFlag]:
    return list(db.session.scalars(select(FactualFlag).where(FactualFlag.report_id == report.id)
                                   .options(selectinload(FactualFlag.author), selectinload(FactualFlag.answered_by))
                                   .order_by(FactualFlag.created_at)))


def flag_factual_error(actor, report: Report, body: str) -> FactualFlag:
    """The delegation flags a factual error in the draft of its feedback report."""
    require(actor, Action.FLAG_FACTUAL_ERROR, report)
    body = (body or "").strip()
    problem = reason_problem(body, missing=_("Say what is wrong and what the correct fact is."))
    if problem:
        raise ValidationFailed(_("The factual error was not sent."), errors={"body": problem})
    flag = FactualFlag(report_id=report.id, body=body, author_id=actor.id, created_at=utcnow())
    db.session.add(flag)
    db.session.flush()
    record(actor, "report.factual_flag", report, after={"flag": flag.id},
           network_id=report.cycle.network_id, cycle_id=report.cycle_id)
    return flag


def get_factual_flag(actor, flag_id: int) -> FactualFlag:
    flag = db.session.get(FactualFlag, flag_id)
    if flag is None:
        raise NotFound(_("No such report."))
    get_report(actor, flag.report_id)
    return flag


def text_subject(cycle: Cycle, subject_key: int) -> str:
    """What the texts belong to: the synthesis (0) or one participating organisation's feedback report."""
    if subject_key == 0:
        return _("Synthesis report")
    submission = db.session.scalar(select(Submission).where(Submission.cycle_id == cycle.id,
                                                            Submission.organisation_id == subject_key))
    if submission is None:
        raise NotFound(_("No such organisation in this cycle."))
    return _("Feedback report: %(org)s", org=submission.organisation.name)


def answer_factual_flag(actor, flag_id: int, answer: str, version: int | None) -> FactualFlag:
    flag = db.session.get(FactualFlag, flag_id)
    report = db.session.get(Report, flag.report_id) if flag else None
    if report is None:
        raise NotFound(_("No such report."))
    require(actor, Action.MANAGE_REPORTS, report.cycle)
    answer = (answer or "").strip()
    problem = reason_problem(answer, missing=_("Write the answer the delegation will read."))
    if problem:
        raise ValidationFailed(_("The answer was not saved."), errors={"answer": problem})
    refuse_stale_edit(flag, version)
    flag.answer, flag.answered_at, flag.answered_by_id = answer, utcnow(), actor.id
    db.session.flush()
    return flag


def report_filename(report: Report) -> str:
    base = report.title.encode("ascii", "ignore").decode()
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in base).strip("-")
    while "--" in safe:
        safe = safe.replace("--", "-")
    return (safe[:100] or f"report-{report.id}") + ".pdf"

