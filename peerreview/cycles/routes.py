from dataclasses import asdict

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import _
from flask_login import current_user, login_required

from peerreview.cycles import services
from peerreview.cycles.forms import CycleForm
from peerreview.forms_support import apply_errors, choices, fill_translations, refusals_shown_on, to_id
from peerreview.framework.services import frameworks_of
from peerreview.i18n import translated_text
from peerreview.organisations.services import acting_network, network_organisations
from peerreview.permissions import Action, require

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
    if cycle is None and not form.is_submitted():
        form.report_locale.data = services.usual_report_locale(network.id)
    fill_translations(form, cycle.translations if cycle else None)
    form.framework_id.choices = choices([(0, _("Choose a framework"))] + [
        (f.id, f.name) for f in frameworks_of(network.id)])
    form.host_organisation_id.choices = choices([(0, _("No host organisation"))] + [
        (o.id, o.name) for o in network_organisations(network.id)])
    return form


def _save(form: CycleForm, network, cycle_id: int | None):
    if form.validate_on_submit():
        with refusals_shown_on(form):
            cycle = services.save_cycle(current_user, network, form.service_data(), cycle_id,
                                        to_id(form.version.data))
        if not form.errors:
            flash(_("The cycle %(title)s is saved.", title=translated_text(cycle, "title")), "success")
            return redirect(url_for("cycles.detail", cycle_id=cycle.id))
    elif form.is_submitted():
        # The form refused some fields; report the rules across fields too, so
        # that every problem is listed at once.
        data = {name: (None if name in form and form[name].errors else value)
                for name, value in asdict(form.service_data()).items()}
        problems = services.cycle_problems(network, services.CycleData(**data), cycle_id)
        apply_errors(form, {name: message for name, message in problems.items()
                            if not (name in form and form[name].errors) and data.get(name) is not None})
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
