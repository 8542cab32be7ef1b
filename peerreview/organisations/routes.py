from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import _
from flask_login import current_user, login_required

from peerreview.forms_support import refusals_shown_on, to_id
from peerreview.organisations import services
from peerreview.organisations.forms import KIND_LABELS, OrganisationForm, chosen_network_id, offer_networks
from peerreview.permissions import Action, require

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


@bp.route("/")
@login_required
def index():
    require(current_user, Action.MANAGE_ORGANISATIONS)
    return render_template("organisations/index.html", organisations=services.list_organisations(current_user),
                           kind_labels=KIND_LABELS)


def _data(form: OrganisationForm) -> services.OrganisationData:
    return services.OrganisationData(name=form.name.data, short_name=form.short_name.data,
                                     country=form.country.data, kind=form.kind.data)


def _page(form: OrganisationForm, organisation=None):
    return render_template("organisations/form.html", form=form, organisation=organisation), (
        422 if form.errors else 200)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(current_user, Action.MANAGE_ORGANISATIONS)
    form = OrganisationForm()
    offer_networks(form, services.secretariat_networks(current_user))
    if form.validate_on_submit():
        with refusals_shown_on(form):
            organisation = services.create_organisation(
                current_user, services.acting_network(current_user, chosen_network_id(form)), _data(form))
        if not form.errors:
            flash(_("%(name)s is saved.", name=organisation.name), "success")
            return redirect(url_for("organisations.index"))
    return _page(form)


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def edit(organisation_id: int):
    require(current_user, Action.MANAGE_ORGANISATIONS)
    organisation = services.get_organisation(current_user, organisation_id)
    form = OrganisationForm(obj=organisation)
    del form.network_id  # membership does not change here
    if form.validate_on_submit():
        with refusals_shown_on(form):
            services.update_organisation(current_user, organisation.id, _data(form),
                                         expected_version=to_id(form.version.data))
        if not form.errors:
            flash(_("%(name)s is saved.", name=organisation.name), "success")
            return redirect(url_for("organisations.index"))
    return _page(form, organisation)
