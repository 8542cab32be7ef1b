from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import _
from flask_login import current_user, login_required

from peerreview.cycles.services import get_cycle
from peerreview.errors import ValidationFailed
from peerreview.forms_support import choices, to_id
from peerreview.permissions import Action
from peerreview.reports import services
from peerreview.reports.forms import RenderFeedbackForm
from peerreview.submissions.models import SUBMITTED
from peerreview.submissions.services import cycle_submissions

bp = Blueprint("reports", __name__)


@bp.route("/reports")
def public():
    """Published reports, for everyone, without signing in."""
    return render_template("reports/public.html", reports=services.published_reports())


@bp.route("/reports/<int:report_id>/download")
def download(report_id: int):
    report = services.get_report(current_user, report_id)
    response = Response(report.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{services.report_filename(report)}"'
    response.headers["X-Content-SHA256"] = report.sha256
    if report.is_published:
        response.headers["Cache-Control"] = "public, max-age=86400, immutable"
    return response


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
                           feedback_form=form, REPORT_STATE_LABELS=services.REPORT_STATE_LABELS)


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


@bp.route("/reports/<int:report_id>/publish", methods=["GET"])
@login_required
def publish_confirm(report_id: int):
    """Publishing asks first, and says who will see the report."""
    report = services.report_to_publish(current_user, report_id)
    return render_template("reports/publish_confirm.html", report=report, cycle=report.cycle)


@bp.route("/reports/<int:report_id>/publish", methods=["POST"])
@login_required
def publish(report_id: int):
    report = services.get_report(current_user, report_id)
    services.publish_report(current_user, report)
    flash(_("%(title)s is published; it is listed on the public reports page and will not change.",
            title=report.title), "success")
    return redirect(url_for("reports.manage", cycle_id=report.cycle_id))
