from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import _
from flask_login import current_user, login_required

from peerreview.errors import Conflict, ValidationFailed
from peerreview.forms_support import apply_errors, to_id
from peerreview.organisations import services
from peerreview.organisations.forms import KIND_LABELS, OrganisationForm
from peerreview.permissions import Action, require

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


@bp.route("/")
@login_required
def index():
    require(current_user, Action.MANAGE_ORGANISATIONS)
    return render_template("organisations/index.html", organisations=services.list_organisations(current_user),
                           kind_labels=KIND_LABELS)


def _save(form: OrganisationForm, organisation_id: int | None):
    if form.validate_on_submit():
        try:
            organisation = services.save_organisation(
                current_user, name=form.name.data, short_name=form.short_name.data, country=form.country.data,
                kind=form.kind.data, organisation_id=organisation_id,
                expected_version=to_id(form.version.data))
        except ValidationFailed as failed:
            apply_errors(form, failed.errors)
        except Conflict as conflict:
            form.form_errors.append(conflict.message)
        else:
            flash(_("%(name)s is saved.", name=organisation.name), "success")
            return redirect(url_for("organisations.index"))
    return render_template("organisations/form.html", form=form, organisation_id=organisation_id), (
        422 if form.errors else 200)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(current_user, Action.MANAGE_ORGANISATIONS)
    return _save(OrganisationForm(), None)


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def edit(organisation_id: int):
    organisation = services.get_organisation(current_user, organisation_id)
    return _save(OrganisationForm(obj=organisation), organisation.id)
