from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import _
from flask_login import current_user, login_required

from peerreview.cycles.services import get_cycle
from peerreview.errors import Conflict, NotFound, ValidationFailed
from peerreview.extensions import db
from peerreview.forms_support import choices, refusals_shown_on, to_id
from peerreview.permissions import Action, can, require
from peerreview.reports import release, services, texts
from peerreview.reports.forms import (
    AnswerForm,
    FactualFlagForm,
    NamingForm,
    PublishForm,
    RenderFeedbackForm,
    ReportTextForm,
    WithdrawForm,
)
from peerreview.reports.models import TIER_NETWORK
from peerreview.submissions.models import SUBMITTED
from peerreview.submissions.services import cycle_submissions

bp = Blueprint("reports", __name__)


def _pdf_response(data: bytes, filename: str, sha256: str, *, immutable: bool) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-SHA256"] = sha256
    if immutable:
        response.headers["Cache-Control"] = "public, max-age=86400, immutable"
    return response


@bp.route("/reports")
def public():
    """The public register (for everyone, without signing in) and, for people signed in, what is
    published to their networks and the drafts waiting for their factual check."""
    return render_template("reports/public.html", register=services.public_register(),
                           network=services.network_versions(current_user),
                           checks=services.factual_check_drafts(current_user),
                           VERSION_STATE_LABELS=services.VERSION_STATE_LABELS)


@bp.route("/reports/verify")
def verify():
    """Anyone checks a copy: the SHA-256 of their file against the published versions."""
    digest = (request.args.get("sha256") or "").strip().lower()
    matches = services.versions_with_checksum(digest) if digest else []
    return render_template("reports/verify.html", digest=digest, matches=matches,
                           VERSION_STATE_LABELS=services.VERSION_STATE_LABELS)


@bp.route("/reports/<int:report_id>/download")
def download(report_id: int):
    """The working draft (watermarked "Draft"), for who may read it at the report's tier."""
    report = services.get_report(current_user, report_id)
    if not report.size:
        raise NotFound(_("This report has not been rendered yet."))
    return _pdf_response(services.draft_pdf(report), "DRAFT-" + services.report_filename(report), report.sha256,
                         immutable=False)


@bp.route("/reports/versions/<int:version_id>/download")
def download_version(version_id: int):
    """A published version, served from storage (never rendered again), checked against its SHA-256."""
    version = services.get_version(current_user, version_id)
    name = services.report_filename(version.report).removesuffix(".pdf") + f"-v{version.number}.pdf"
    return _pdf_response(services.version_pdf(version), name, version.sha256, immutable=True)


@bp.route("/cycles/<int:cycle_id>/reports")
@login_required
def manage(cycle_id: int):
    cycle = get_cycle(current_user, cycle_id, Action.MANAGE_REPORTS)
    form = RenderFeedbackForm()
    participants = cycle_submissions(cycle.id)
    # A feedback report is made only for an organisation that submitted.
    form.organisation_id.choices = choices((s.organisation_id, s.organisation.name) for s in participants
                                           if s.status == SUBMITTED)
    return render_template("reports/manage.html", cycle=cycle, reports=services.cycle_reports(cycle.id),
                           feedback_form=form, REPORT_STATE_LABELS=services.REPORT_STATE_LABELS,
                           VERSION_STATE_LABELS=services.VERSION_STATE_LABELS, TIER_LABELS=release.TIER_LABELS,
                           newer_draft=release.has_newer_draft)


@bp.route("/cycles/<int:cycle_id>/reports", methods=["POST"])
@login_required
def render(cycle_id: int):
    cycle = get_cycle(current_user, cycle_id, Action.MANAGE_REPORTS)
    try:
        report = services.render_report(current_user, cycle, kind=request.form.get("kind", ""),
                                        organisation_id=to_id(request.form.get("organisation_id")))
    except ValidationFailed as failed:
        flash(" ".join(failed.errors.values()) or failed.message, "error")
        return redirect(url_for("reports.manage", cycle_id=cycle.id))
    flash(_("%(title)s is queued for rendering. This page shows when the draft is ready; check it, then "
            "publish it.", title=report.title), "success")
    return redirect(url_for("reports.manage", cycle_id=cycle.id))


@bp.route("/reports/<int:report_id>")
@login_required
def detail(report_id: int):
    """A report's draft, tier, versions and the factual errors flagged in it."""
    report = services.get_report(current_user, report_id)
    return _detail_page(report, FactualFlagForm(), {})


def _detail_page(report, flag_form, answer_forms: dict, status: int = 200):
    flags = services.factual_flags(report)
    for flag in flags:
        answer_forms.setdefault(flag.id, AnswerForm(formdata=None, answer=flag.answer, version=flag.version))
    return render_template("reports/detail.html", report=report, cycle=report.cycle, flags=flags,
                           flag_form=flag_form, answer_forms=answer_forms, TIER_LABELS=release.TIER_LABELS,
                           TIER_AUDIENCES=release.TIER_AUDIENCES, REPORT_STATE_LABELS=services.REPORT_STATE_LABELS,
                           VERSION_STATE_LABELS=services.VERSION_STATE_LABELS,
                           may_flag=can(current_user, Action.FLAG_FACTUAL_ERROR, report),
                           may_manage=can(current_user, Action.MANAGE_REPORTS, report.cycle)), status


@bp.route("/reports/<int:report_id>/factual-check", methods=["POST"])
@login_required
def factual_check(report_id: int):
    report = services.get_report(current_user, report_id)
    services.send_to_factual_check(current_user, report)
    flash(_("The delegation of %(org)s can now read the draft and flag factual errors.",
            org=report.organisation.name), "success")
    return redirect(url_for("reports.detail", report_id=report.id))


@bp.route("/reports/<int:report_id>/flags", methods=["POST"])
@login_required
def flag(report_id: int):
    report = services.get_report(current_user, report_id)
    require(current_user, Action.FLAG_FACTUAL_ERROR, report)
    form = FactualFlagForm()
    if form.validate_on_submit():
        with refusals_shown_on(form):
            services.flag_factual_error(current_user, report, form.body.data)
        if not form.errors:
            flash(_("Sent. The secretariat answers on this page."), "success")
            return redirect(url_for("reports.detail", report_id=report.id))
    return _detail_page(report, form, {}, 422)


@bp.route("/reports/flags/<int:flag_id>/answer", methods=["POST"])
@login_required
def answer_flag(flag_id: int):
    form = AnswerForm()
    flag = services.get_factual_flag(current_user, flag_id)
    if form.validate_on_submit():
        with refusals_shown_on(form):
            services.answer_factual_flag(current_user, flag_id, form.answer.data, to_id(form.version.data) or None)
        if not form.errors:
            flash(_("The answer is saved; the delegation reads it on this page."), "success")
            return redirect(url_for("reports.detail", report_id=flag.report_id))
    report = services.get_report(current_user, flag.report_id)
    return _detail_page(report, FactualFlagForm(formdata=None), {flag.id: form}, 422)


@bp.route("/reports/<int:report_id>/publish", methods=["GET", "POST"])
@login_required
def publish_confirm(report_id: int):
    """Publishing asks first, says who will see the report, and for a correction asks why."""
    report = services.report_to_publish(current_user, report_id)
    # The tier is offered preselected on the page only: a request without one is refused, never defaulted.
    form = PublishForm() if request.method == "POST" else PublishForm(
        tier=request.args.get("tier", report.tier if report.is_published else TIER_NETWORK))
    if form.validate_on_submit():
        with refusals_shown_on(form):
            services.publish_report(current_user, report, tier=form.tier.data, reason=form.reason.data or "")
        if not form.errors:
            db.session.flush()
            flash(_("%(title)s is being published: the copy without the draft mark is being rendered, and this "
                    "page shows the new version when it is ready.", title=report.title), "success")
            return redirect(url_for("reports.manage", cycle_id=report.cycle_id))
    elif request.method == "GET":
        problem = services.first_publish_problem(report)
        if problem:
            raise Conflict(problem)
    return render_template("reports/publish_confirm.html", report=report, cycle=report.cycle, form=form,
                           TIER_AUDIENCES=release.TIER_AUDIENCES, TIER_LABELS=release.TIER_LABELS,
                           newer_draft=release.has_newer_draft(report)), 422 if form.errors else 200


@bp.route("/reports/versions/<int:version_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(version_id: int):
    version = services.version_to_manage(current_user, version_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        with refusals_shown_on(form):
            services.withdraw_version(current_user, version, form.reason.data)
        if not form.errors:
            flash(_("Version %(n)s of %(title)s is withdrawn; it stays listed with your reason.",
                    n=version.number, title=version.report.title), "success")
            return redirect(url_for("reports.manage", cycle_id=version.report.cycle_id))
    return render_template("reports/withdraw.html", version=version, report=version.report,
                           cycle=version.report.cycle, form=form), 422 if form.errors else 200


@bp.route("/cycles/<int:cycle_id>/reports/texts/<int:subject_key>", methods=["GET", "POST"])
@login_required
def report_texts(cycle_id: int, subject_key: int):
    """The executive summary and conclusions of the synthesis (subject 0) or of one organisation's
    feedback report, with a preview."""
    cycle = get_cycle(current_user, cycle_id, Action.MANAGE_REPORTS)
    subject = services.text_subject(cycle, subject_key)
    row = texts.report_text(cycle.id, subject_key)
    form = ReportTextForm(data={"summary": row.summary, "conclusions": row.conclusions,
                                "version": row.version} if row else None)
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            preview = {"summary": form.summary.data or "", "conclusions": form.conclusions.data or ""}
        else:
            with refusals_shown_on(form):
                texts.save_report_text(current_user, cycle, subject_key, summary=form.summary.data or "",
                                       conclusions=form.conclusions.data or "",
                                       version=to_id(form.version.data) or None)
            if not form.errors:
                flash(_("The texts are saved; they are printed in the next render of the report."), "success")
                return redirect(url_for("reports.manage", cycle_id=cycle.id))
    return render_template("reports/texts.html", cycle=cycle, subject=subject, form=form, preview=preview,
                           row=row), 422 if form.errors else 200


@bp.route("/cycles/<int:cycle_id>/naming")
@login_required
def naming(cycle_id: int):
    cycle = get_cycle(current_user, cycle_id, Action.VIEW_CYCLE)
    rows = texts.naming_choices(current_user, cycle)
    if not rows:
        raise NotFound(_("You choose for no organisation of this cycle."))
    forms = {r["submission"].id: NamingForm(formdata=None, naming="anonymous" if r["anonymous"] else "named",
                                            version=r["version"] or "") for r in rows}
    return render_template("reports/naming.html", cycle=cycle, rows=rows, forms=forms)


@bp.route("/cycles/<int:cycle_id>/naming/<int:submission_id>", methods=["POST"])
@login_required
def choose_naming(cycle_id: int, submission_id: int):
    cycle = get_cycle(current_user, cycle_id, Action.VIEW_CYCLE)
    submission = texts.naming_submission(current_user, cycle, submission_id)
    form = NamingForm()
    if form.validate_on_submit():
        with refusals_shown_on(form):
            texts.choose_naming(current_user, submission, anonymous=form.naming.data == "anonymous",
                                version=to_id(form.version.data) or None)
        if not form.errors:
            if form.naming.data == "anonymous":
                flash(_("Saved: %(org)s appears under an anonymous code in the next render of the reports.",
                        org=submission.organisation.name), "success")
            else:
                flash(_("Saved: %(org)s appears under its name in the next render of the reports.",
                        org=submission.organisation.name), "success")
            return redirect(url_for("reports.naming", cycle_id=cycle.id))
    rows = texts.naming_choices(current_user, cycle)
    forms = {r["submission"].id: NamingForm(formdata=None, naming="anonymous" if r["anonymous"] else "named",
                                            version=r["version"] or "") for r in rows}
    forms[submission.id] = form
    return render_template("reports/naming.html", cycle=cycle, rows=rows, forms=forms), 422
