"""The cycle page and what acts on the whole cycle: participants, phase moves, comparisons.

Composite pages: they read submissions, reviews and reports, so they sit above those
features. They are registered on the cycles blueprint, so their endpoints and URLs stay
`cycles.*` under /cycles.
"""
import csv
import io
from datetime import UTC, datetime

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import _
from flask_login import current_user, login_required

from peerreview.charts import bar_chart
from peerreview.cycles.forms import InviteForm, TransitionForm
from peerreview.cycles.models import PHASE_LABELS
from peerreview.cycles.routes import bp as cycles_bp
from peerreview.cycles.services import get_cycle
from peerreview.errors import ValidationFailed
from peerreview.exports import spreadsheet_safe
from peerreview.forms_support import choices, to_id
from peerreview.framework.breakdowns import TOTAL, breakdowns_for
from peerreview.framework.services import framework_indicators
from peerreview.permissions import Action, can, is_participant_delegate
from peerreview.reports.services import cycle_reports
from peerreview.reviews.services import reviewer_counts
from peerreview.submissions.benchmarking import compare_indicator
from peerreview.submissions.completeness import SORTS, completeness_rows, submitted_count
from peerreview.submissions.services import (
    expected_value_count,
    invitable_organisations,
    invite_organisation,
    value_counts,
    visible_submissions,
)
from peerreview.workflow import phases


@cycles_bp.route("/<int:cycle_id>")
@login_required
def detail(cycle_id: int):
    cycle = get_cycle(current_user, cycle_id)
    manage = can(current_user, Action.MANAGE_CYCLE, cycle)
    # Delegates see their own submission; reviewers those assigned to them.
    submissions = visible_submissions(current_user, cycle.id)
    indicators = framework_indicators(cycle.framework_id)
    submission_ids = [s.id for s in submissions]
    invite_form = None
    if manage:
        invite_form = InviteForm()
        invite_form.organisation_id.choices = choices([(0, _("Choose an organisation"))] + [
            (o.id, f"{o.name} ({o.country})") for o in invitable_organisations(cycle)])
    target = phases.next_phase(cycle)
    sort = request.args.get("sort", "organisation")
    counts = value_counts(submission_ids)
    expected = expected_value_count(indicators, cycle.years)
    rows = completeness_rows(submissions, counts, expected, cycle.submission_deadline,
                             datetime.now(UTC).date(), sort)
    return render_template(
        "cycles/detail.html", cycle=cycle, submissions=submissions, manage=manage, rows=rows, sort=sort,
        sorts=SORTS, submitted=submitted_count(rows),
        reviewer_counts=reviewer_counts(submission_ids), value_counts=counts,
        expected_values=expected, invite_form=invite_form, next_phase=target,
        next_problem=phases.transition_problem(cycle, target) if (manage and target) else None,
        reports=cycle_reports(cycle.id) if manage else [],
        indicators=indicators)


@cycles_bp.route("/<int:cycle_id>/completeness.csv")
@login_required
def completeness_csv(cycle_id: int):
    """The secretariat's progress table as CSV, in the order asked for (?sort=)."""
    cycle = get_cycle(current_user, cycle_id, Action.MANAGE_CYCLE)
    submissions = visible_submissions(current_user, cycle.id)
    indicators = framework_indicators(cycle.framework_id)
    rows = completeness_rows(submissions, value_counts([s.id for s in submissions]),
                             expected_value_count(indicators, cycle.years), cycle.submission_deadline,
                             datetime.now(UTC).date(), request.args.get("sort", "organisation"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("organisation"), _("country"), _("status"), _("submitted at (UTC)"), _("values filled"),
                     _("values expected"), _("per cent filled"), _("days late")])
    for r in rows:
        s = r.submission
        writer.writerow([spreadsheet_safe(s.organisation.name), spreadsheet_safe(s.organisation.country), s.status,
                         s.submitted_at.strftime("%Y-%m-%d %H:%M") if r.submitted and s.submitted_at else "",
                         r.filled, r.expected, r.percent, r.days_late])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="cycle-{cycle.id}-completeness.csv"'})


@cycles_bp.route("/<int:cycle_id>/invite", methods=["POST"])
@login_required
def invite(cycle_id: int):
    cycle = get_cycle(current_user, cycle_id, Action.MANAGE_CYCLE)
    try:
        submission = invite_organisation(current_user, cycle, to_id(request.form.get("organisation_id")))
    except ValidationFailed as failed:
        flash(" ".join(failed.errors.values()) or failed.message, "error")
        return redirect(url_for("cycles.detail", cycle_id=cycle.id, _anchor="participants"))
    flash(_("%(org)s is invited; its delegates can now see the submission.", org=submission.organisation.name),
          "success")
    return redirect(url_for("cycles.detail", cycle_id=cycle.id, _anchor="participants"))


@cycles_bp.route("/<int:cycle_id>/transition", methods=["POST"])
@login_required
def transition(cycle_id: int):
    cycle = get_cycle(current_user, cycle_id, Action.MANAGE_CYCLE)
    form = TransitionForm()
    target = form.target.data or ""
    phases.move_cycle(current_user, cycle, target)
    flash(_("The cycle is now: %(phase)s.", phase=PHASE_LABELS[target]), "success")
    return redirect(url_for("cycles.detail", cycle_id=cycle.id))


@cycles_bp.route("/<int:cycle_id>/compare")
@login_required
def compare(cycle_id: int):
    cycle = get_cycle(current_user, cycle_id, Action.COMPARE_INDICATORS)
    indicators = framework_indicators(cycle.framework_id)
    indicator = next((i for i in indicators if i.id == to_id(request.args.get("indicator"))),
                     indicators[0] if indicators else None)
    if indicator is None:
        return render_template("cycles/compare.html", cycle=cycle, indicator=None, indicators=[])
    breakdown_codes = [b.code for b in breakdowns_for(indicator.dimensions)]
    breakdown = request.args.get("breakdown", TOTAL.code)
    if breakdown not in breakdown_codes:
        breakdown = TOTAL.code
    rows, per_year = compare_indicator(cycle, indicator, breakdown)
    year = request.args.get("year", type=int)
    if year not in cycle.years:
        year = cycle.last_year
    own_org = current_user.organisation_id if is_participant_delegate(current_user, cycle) else None
    items = [(r.organisation.short_name, r.values.get(year), r.organisation.id == own_org) for r in rows]
    spread = per_year.get(year)
    chart = bar_chart(items, title=f"{indicator.code} {indicator.name}, {year}",
                      median=spread.median if spread else None, unit=indicator.unit, decimals=indicator.decimals,
                      direction=indicator.direction)
    return render_template("cycles/compare.html", cycle=cycle, indicator=indicator, indicators=indicators,
                           rows=rows, per_year=per_year, chart=chart, year=year, breakdown=breakdown,
                           breakdowns=breakdowns_for(indicator.dimensions), own_org=own_org)


