from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import _
from flask_login import current_user, login_required

from peerreview.cycles import services
from peerreview.cycles.forms import CycleForm, InviteForm, TransitionForm
from peerreview.errors import Conflict, ValidationFailed
from peerreview.forms_support import apply_errors, choices, to_id
from peerreview.framework.breakdowns import TOTAL, breakdowns_for
from peerreview.framework.services import framework_indicators, frameworks_of
from peerreview.organisations.services import acting_network, network_organisations
from peerreview.permissions import Action, can, is_participant_delegate, require
from peerreview.reports.charts import bar_chart
from peerreview.reports.services import cycle_reports
from peerreview.reviews.services import reviewer_counts
from peerreview.submissions.benchmarking import compare_indicator
from peerreview.submissions.services import expected_value_count, value_counts, visible_submissions

bp = Blueprint("cycles", __name__, url_prefix="/cycles")


@bp.route("/")
@login_required
def index():
    return render_template("cycles/index.html", cycles=services.visible_cycles(current_user))


def _cycle_form(cycle=None) -> CycleForm:
    network = cycle.network if cycle else acting_network(current_user, to_id(request.args.get("network")))
    form = CycleForm(obj=cycle)
    if cycle is not None and not form.is_submitted():
        form.version.data = cycle.version
    form.framework_id.choices = choices([(0, _("Choose a framework"))] + [
        (f.id, f.name) for f in frameworks_of(network.id)])
    form.host_organisation_id.choices = choices([(0, _("No host organisation"))] + [
        (o.id, o.name) for o in network_organisations(network.id)])
    return form


def _save(form: CycleForm, network, cycle_id: int | None):
    if form.validate_on_submit():
        try:
            cycle = services.save_cycle(current_user, network, form.service_data(), cycle_id,
                                        to_id(form.version.data))
        except ValidationFailed as failed:
            apply_errors(form, failed.errors)
        except Conflict as conflict:
            form.form_errors.append(conflict.message)
        else:
            flash(_("The cycle %(title)s is saved.", title=cycle.title), "success")
            return redirect(url_for("cycles.detail", cycle_id=cycle.id))
    elif form.is_submitted():
        # The form refused some fields; report the rules across fields too, so
        # that every problem is listed at once.
        data = {name: (None if getattr(form, name).errors else value) for name, value in form.service_data().items()}
        apply_errors(form, {name: message for name, message in services.cycle_problems(network, data, cycle_id).items()
                            if not getattr(form, name).errors and data.get(name) is not None})
    return render_template("cycles/form.html", form=form, cycle_id=cycle_id), 422 if form.errors else 200


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    network = acting_network(current_user, to_id(request.args.get("network")))
    require(current_user, Action.CREATE_CYCLE, network)
    return _save(_cycle_form(), network, None)


@bp.route("/<int:cycle_id>/edit", methods=["GET", "POST"])
@login_required
def edit(cycle_id: int):
    cycle = services.get_cycle(current_user, cycle_id, Action.MANAGE_CYCLE)
    return _save(_cycle_form(cycle), cycle.network, cycle.id)


@bp.route("/<int:cycle_id>")
@login_required
def detail(cycle_id: int):
    cycle = services.get_cycle(current_user, cycle_id)
    manage = can(current_user, Action.MANAGE_CYCLE, cycle)
    # Delegates see their own submission; reviewers those assigned to them.
    submissions = visible_submissions(current_user, cycle.id)
    indicators = framework_indicators(cycle.framework_id)
    submission_ids = [s.id for s in submissions]
    invite_form = None
    if manage:
        invite_form = InviteForm()
        invite_form.organisation_id.choices = choices([(0, _("Choose an organisation"))] + [
            (o.id, f"{o.name} ({o.country})") for o in services.invitable_organisations(cycle)])
    target = services.next_phase(cycle)
    return render_template(
        "cycles/detail.html", cycle=cycle, submissions=submissions, manage=manage,
        reviewer_counts=reviewer_counts(submission_ids), value_counts=value_counts(submission_ids),
        expected_values=expected_value_count(indicators, cycle.years), invite_form=invite_form, next_phase=target,
        next_problem=services.transition_problem(cycle, target) if (manage and target) else None,
        reports=cycle_reports(cycle.id) if manage else [],
        indicators=indicators)


@bp.route("/<int:cycle_id>/invite", methods=["POST"])
@login_required
def invite(cycle_id: int):
    cycle = services.get_cycle(current_user, cycle_id, Action.MANAGE_CYCLE)
    try:
        submission = services.invite_organisation(current_user, cycle, to_id(request.form.get("organisation_id")))
    except ValidationFailed as failed:
        flash(" ".join(failed.errors.values()) or failed.message, "error")
        return redirect(url_for("cycles.detail", cycle_id=cycle.id, _anchor="participants"))
    flash(_("%(org)s is invited; its delegates can now see the submission.", org=submission.organisation.name),
          "success")
    return redirect(url_for("cycles.detail", cycle_id=cycle.id, _anchor="participants"))


@bp.route("/<int:cycle_id>/transition", methods=["POST"])
@login_required
def transition(cycle_id: int):
    cycle = services.get_cycle(current_user, cycle_id, Action.MANAGE_CYCLE)
    form = TransitionForm()
    target = form.target.data or ""
    services.move_cycle(current_user, cycle, target)
    flash(_("The cycle is now: %(phase)s.", phase=services.PHASE_LABELS[target]), "success")
    return redirect(url_for("cycles.detail", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/compare")
@login_required
def compare(cycle_id: int):
    cycle = services.get_cycle(current_user, cycle_id, Action.COMPARE_INDICATORS)
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


