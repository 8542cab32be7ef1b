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
from openpyxl import Workbook
from sqlalchemy import select

from peerreview.auth.replay import cycle_of_cycle, replayable
from peerreview.charts import Bar, StripRow, bar_chart, strip_chart
from peerreview.cycles.forms import ExtensionForm, InviteForm, RevertForm, TransitionForm
from peerreview.cycles.models import PHASE_LABELS, Cycle
from peerreview.cycles.routes import bp as cycles_bp
from peerreview.cycles.services import get_cycle
from peerreview.errors import NotFound, ValidationFailed
from peerreview.exports import spreadsheet_safe
from peerreview.extensions import db
from peerreview.forms_support import apply_errors, choices, refusals_shown_on, to_id
from peerreview.framework.breakdowns import TOTAL, breakdowns_for
from peerreview.framework.services import framework_indicators
from peerreview.page_cache import cached_page, cached_part, digest, with_versions
from peerreview.permissions import Action, can, is_participant_delegate
from peerreview.reports.services import cycle_reports
from peerreview.reviews.assessments import review_completion
from peerreview.reviews.services import reviewer_counts
from peerreview.submissions.benchmarking import (
    STATE_LABELS,
    VALUE,
    indicator_comparison,
    organisation_profile,
    participant,
)
from peerreview.submissions.completeness import SORTS, completeness_rows, submitted_count
from peerreview.submissions.plausibility import required_counts, required_expected
from peerreview.submissions.services import (
    expected_value_count,
    invitable_organisations,
    invite_organisation,
    value_counts,
    visible_submission_ids_column,
    visible_submissions,
)
from peerreview.submissions.spreadsheets import XLSX_TYPE
from peerreview.workflow import deadlines, phases


def _cycle_versions(cycle_id: int) -> tuple[Cycle | None, tuple[int, int]]:
    """The cycle and its data versions in one query. The caller keeps the cycle while `get_cycle` checks
    the permission (the session holds loaded objects only while someone refers to them)."""
    row = db.session.execute(with_versions(select(Cycle).where(Cycle.id == cycle_id), Cycle.id,
                                           Cycle.network_id)).first()
    return (row[0], (row[1], row[2])) if row else (None, (0, 0))


@cycles_bp.route("/<int:cycle_id>")
@replayable(cycle_of_cycle())
@login_required
def detail(cycle_id: int):
    # The cycle, its data versions and the ids of the submissions the reader may open, in one query.
    row = db.session.execute(with_versions(select(Cycle).where(Cycle.id == cycle_id), Cycle.id, Cycle.network_id)
                             .add_columns(visible_submission_ids_column(current_user, cycle_id))).first()
    _loaded, versions, visible_ids = (row[0], (row[1], row[2]), row[3]) if row else (None, (0, 0), None)
    cycle = get_cycle(current_user, cycle_id)
    manage = can(current_user, Action.MANAGE_CYCLE, cycle)
    sort = request.args.get("sort", "organisation")
    sort = sort if sort in SORTS else "organisation"
    today = datetime.now(UTC).date()
    zone = deadlines.viewer_zone(current_user, cycle)
    # Delegates see their own submission; reviewers those assigned to them: the ids are in the key.
    # Delegates get the link to choose how their organisation is named in the reports.
    key = ("cycle", cycle.id, versions, manage, bool(current_user.is_delegate),
           digest(int(i) for i in (visible_ids or "").split(",") if i), sort, today.isoformat(), str(zone))
    return cached_page(current_user.id, key, lambda: render_template(
        "cycles/detail.html", cycle=cycle,
        content=cached_part(key, lambda: _cycle_part(cycle, manage, sort, today, zone))))


def _cycle_part(cycle, manage: bool, sort: str, today, zone) -> str:
    submissions = visible_submissions(current_user, cycle.id)
    indicators = framework_indicators(cycle.framework_id)
    submission_ids = [s.id for s in submissions]
    invite_form = None
    if manage:
        invite_form = InviteForm()
        invite_form.organisation_id.choices = choices([(0, _("Choose an organisation"))] + [
            (o.id, f"{o.name} ({o.country})") for o in invitable_organisations(cycle)])
    target = phases.next_phase(cycle)
    rows = _completeness(cycle, submissions, indicators, sort, today)
    counts = {r.submission.id: r.filled for r in rows}
    expected = expected_value_count(indicators, cycle.years)
    return render_template(
        "cycles/_detail.html", cycle=cycle, submissions=submissions, manage=manage, rows=rows, sort=sort,
        sorts=SORTS, submitted=submitted_count(rows),
        reviewer_counts=reviewer_counts(submission_ids), value_counts=counts,
        expected_values=expected, invite_form=invite_form, next_phase=target,
        next_problem=phases.transition_problem(cycle, target) if (manage and target) else None,
        reports=cycle_reports(cycle.id) if manage else [],
        indicators=indicators, moves=phases.phase_moves(cycle) if manage else [],
        previous_phase=phases.previous_phase(cycle) if manage else None,
        extensions=deadlines.extensions_of(cycle.id) if manage else {},
        deadline_end=lambda day: deadlines.deadline_end(cycle, day),
        viewer_zone=zone, review_done=review_completion(submission_ids) if manage else {})


def _completeness(cycle, submissions, indicators, sort: str, today=None):
    """The progress table's rows: values entered, required values there, lateness (three queries in all)."""
    ids = [s.id for s in submissions]
    return completeness_rows(submissions, value_counts(ids), expected_value_count(indicators, cycle.years),
                             cycle.submission_deadline, today or datetime.now(UTC).date(), sort,
                             required_counts(ids, cycle.years), required_expected(indicators, cycle.years))


def _completeness_table(cycle) -> tuple[list[str], list[list]]:
    """The secretariat's progress table as header and rows, in the order asked for (?sort=)."""
    submissions = visible_submissions(current_user, cycle.id)
    rows = _completeness(cycle, submissions, framework_indicators(cycle.framework_id),
                         request.args.get("sort", "organisation"))
    header = [_("organisation"), _("country"), _("status"), _("submitted at (UTC)"), _("values filled"),
              _("values expected"), _("per cent filled"), _("required values there"), _("required values"),
              _("days late")]
    body = []
    for r in rows:
        s = r.submission
        body.append([spreadsheet_safe(s.organisation.name), spreadsheet_safe(s.organisation.country), s.status,
                     s.submitted_at.strftime("%Y-%m-%d %H:%M") if r.submitted and s.submitted_at else "",
                     r.filled, r.expected, r.percent, r.required_there, r.required_expected, r.days_late])
    return header, body


@cycles_bp.route("/<int:cycle_id>/completeness.csv")
@login_required
def completeness_csv(cycle_id: int):
    """The secretariat's progress table as CSV, in the order asked for (?sort=)."""
    cycle = get_cycle(current_user, cycle_id, Action.MANAGE_CYCLE)
    header, body = _completeness_table(cycle)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(body)
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="cycle-{cycle.id}-completeness.csv"'})


@cycles_bp.route("/<int:cycle_id>/completeness.xlsx")
@login_required
def completeness_xlsx(cycle_id: int):
    """The same table as an Excel workbook."""
    cycle = get_cycle(current_user, cycle_id, Action.MANAGE_CYCLE)
    header, body = _completeness_table(cycle)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Completeness"))
    sheet.append(header)
    for row in body:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return Response(out.getvalue(), mimetype=XLSX_TYPE, headers={
        "Content-Disposition": f'attachment; filename="cycle-{cycle.id}-completeness.xlsx"'})


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


def _render_move(cycle, target: str, form: TransitionForm, status: int = 200):
    preview = phases.preview_move(current_user, cycle, target)
    if not form.is_submitted():
        form.target.data = target
        form.expected_status.data = cycle.status
    return render_template("cycles/move.html", cycle=cycle, preview=preview, form=form), status


@cycles_bp.route("/<int:cycle_id>/move", methods=["GET", "POST"])
@login_required
def move(cycle_id: int):
    """The confirmation page: what the move to the next phase will do, before it happens; confirmed, the move."""
    if request.method == "POST":
        return transition(cycle_id)
    cycle = get_cycle(current_user, cycle_id, Action.MANAGE_CYCLE)
    target = request.args.get("target") or phases.next_phase(cycle) or ""
    return _render_move(cycle, target, TransitionForm(formdata=None))


@cycles_bp.route("/<int:cycle_id>/transition", methods=["POST"])
@login_required
def transition(cycle_id: int):
    cycle = get_cycle(current_user, cycle_id, Action.MANAGE_CYCLE)
    form = TransitionForm()
    target = form.target.data or ""
    try:
        phases.move_cycle(current_user, cycle, target, reason=form.reason.data or "",
                          expected_status=form.expected_status.data or None)
    except ValidationFailed as failed:
        apply_errors(form, failed.errors)
        return _render_move(cycle, target, form, 422)
    flash(_("The cycle is now: %(phase)s.", phase=PHASE_LABELS[target]), "success")
    return redirect(url_for("cycles.detail", cycle_id=cycle.id))


@cycles_bp.route("/<int:cycle_id>/revert", methods=["GET", "POST"])
@login_required
def revert(cycle_id: int):
    """Undo the last phase move, one step, with a recorded reason (confirmation page first)."""
    cycle = get_cycle(current_user, cycle_id, Action.MANAGE_CYCLE)
    form = RevertForm()
    if not form.is_submitted():
        form.expected_status.data = cycle.status
    elif form.validate():
        with refusals_shown_on(form):
            phases.revert_cycle(current_user, cycle, reason=form.reason.data or "",
                                expected_status=form.expected_status.data or None)
        if not form.errors:
            flash(_("The move is reverted; the cycle is now: %(phase)s.", phase=PHASE_LABELS[cycle.status]),
                  "success")
            return redirect(url_for("cycles.detail", cycle_id=cycle.id))
    return render_template("cycles/revert.html", cycle=cycle, form=form,
                           previous=phases.previous_phase(cycle), problem=phases.revert_problem(cycle),
                           consequences=phases.preview_revert(current_user, cycle)), 422 if form.errors else 200


@cycles_bp.route("/<int:cycle_id>/extensions", methods=["GET", "POST"])
@login_required
def extend_deadline(cycle_id: int):
    """More time for one organisation: a later submission deadline, with a reason."""
    cycle = get_cycle(current_user, cycle_id, Action.MANAGE_CYCLE)
    form = ExtensionForm()
    form.organisation_id.choices = choices([(0, _("Choose an organisation"))] + [
        (s.organisation_id, s.organisation.name) for s in visible_submissions(current_user, cycle.id)])
    if form.is_submitted():
        form.validate()
        data = deadlines.ExtensionInput(organisation_id=to_id(str(form.organisation_id.data or "")),
                                        submission_deadline=form.submission_deadline.data,
                                        reason=form.reason.data or "")
        try:
            extension = deadlines.extend_deadline(current_user, cycle, data)
        except ValidationFailed as failed:
            apply_errors(form, {k: v for k, v in failed.errors.items() if not getattr(form, k).errors})
        else:
            flash(_("%(org)s now has until %(day)s to submit.", org=extension.organisation.name,
                    day=extension.submission_deadline.isoformat()), "success")
            return redirect(url_for("cycles.detail", cycle_id=cycle.id, _anchor="deadlines"))
    return render_template("cycles/extension.html", cycle=cycle, form=form,
                           extensions=deadlines.extensions_of(cycle.id)), 422 if form.errors else 200


@cycles_bp.route("/<int:cycle_id>/compare")
@replayable(cycle_of_cycle())
@login_required
def compare(cycle_id: int):
    _loaded, versions = _cycle_versions(cycle_id)
    cycle = get_cycle(current_user, cycle_id, Action.COMPARE_INDICATORS)
    # The only thing the reader changes: a participant's delegate also sees its own confidential values.
    own_org = current_user.organisation_id if is_participant_delegate(current_user, cycle) else None
    asked = (to_id(request.args.get("indicator")), request.args.get("breakdown", "")[:20],
             request.args.get("year", type=int))
    key = ("compare", cycle.id, versions, own_org, asked)
    return cached_page(current_user.id, key, lambda: render_template(
        "cycles/compare.html", cycle=cycle, content=cached_part(key, lambda: _comparison_part(cycle, own_org))))


def _comparison_part(cycle, own_org: int | None) -> str:
    indicators = framework_indicators(cycle.framework_id)
    indicator = next((i for i in indicators if i.id == to_id(request.args.get("indicator"))),
                     indicators[0] if indicators else None)
    if indicator is None:
        return render_template("cycles/_compare.html", cycle=cycle, indicator=None, indicators=[])
    breakdowns = breakdowns_for(indicator.dimensions)
    breakdown = request.args.get("breakdown", TOTAL.code)
    if breakdown not in {b.code for b in breakdowns}:
        breakdown = TOTAL.code
    year = request.args.get("year", type=int)
    if year not in cycle.years:
        year = cycle.last_year
    comparison = indicator_comparison(cycle, indicator, breakdown, year, viewer_organisation_id=own_org)
    breakdown_label = next(b.label for b in breakdowns if b.code == breakdown)
    spread = comparison.spread
    chart = bar_chart([Bar(f"{r.organisation.name} ({r.organisation.country})", r.standing.value,
                           r.organisation.id == own_org)
                       for r in comparison.rows if r.standing.state == VALUE],
                      title=f"{indicator.code} {indicator.name}, {breakdown_label}, {year}",
                      median=spread.median if spread else None, unit=indicator.unit, decimals=indicator.decimals,
                      direction=indicator.direction)
    return render_template("cycles/_compare.html", cycle=cycle, indicator=indicator, indicators=indicators,
                           comparison=comparison, chart=chart, year=year, breakdown=breakdown,
                           breakdowns=breakdowns, own_org=own_org, STATES=STATE_LABELS)


@cycles_bp.route("/<int:cycle_id>/profile/<int:organisation_id>")
@login_required
def profile(cycle_id: int, organisation_id: int):
    cycle = get_cycle(current_user, cycle_id, Action.COMPARE_INDICATORS)
    organisation = participant(cycle.id, organisation_id)
    if organisation is None:
        raise NotFound(_("This organisation does not take part in this cycle."))
    year = request.args.get("year", type=int)
    if year not in cycle.years:
        year = cycle.last_year
    indicators = framework_indicators(cycle.framework_id)
    result = organisation_profile(cycle, organisation, indicators, year)
    lines = [line for line in result.lines if line.values]
    # The title names the organisation: its dot is labelled with the value only.
    chart = strip_chart([StripRow(f"{line.indicator.code} {line.indicator.name}", line.values, line.value,
                                  "", line.spread.median, line.spread.q1, line.spread.q3)
                         for line in lines],
                        title=_("%(org)s against the network, %(year)s", org=organisation.name, year=year),
                        units=[line.indicator.unit for line in lines],
                        decimals_per_row=[line.indicator.decimals for line in lines])
    return render_template("cycles/profile.html", cycle=cycle, profile=result, chart=chart, year=year)
