from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import _
from flask_login import current_user, login_required

from peerreview.forms_support import (
    choices,
    fill_translations,
    refusals_shown_on,
    to_id,
    translations_from_form,
)
from peerreview.framework import services
from peerreview.framework.forms import DIRECTION_LABELS, AreaForm, FrameworkForm, IndicatorForm
from peerreview.framework.models import Indicator
from peerreview.numbers import format_plain
from peerreview.organisations.services import acting_network
from peerreview.permissions import Action, require

bp = Blueprint("framework", __name__, url_prefix="/frameworks")


def _own_network():
    """The network whose frameworks the signed-in secretariat user manages."""
    network = acting_network(current_user, to_id(request.args.get("network")))
    require(current_user, Action.MANAGE_FRAMEWORK, network)
    return network


@bp.route("/")
@login_required
def index():
    network = _own_network()
    return render_template("framework/index.html", frameworks=services.list_frameworks(current_user, network),
                           network=network)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    network = _own_network()
    form = FrameworkForm()
    if form.validate_on_submit():
        with refusals_shown_on(form):
            framework = services.create_framework(current_user, network, name=form.name.data,
                                                  description=form.description.data,
                                                  translations=translations_from_form(form))
        if not form.errors:
            flash(_("The framework is created. Add its indicators now."), "success")
            return redirect(url_for("framework.detail", framework_id=framework.id))
    return render_template("framework/form.html", form=form, framework=None), 422 if form.errors else 200


@bp.route("/<int:framework_id>")
@login_required
def detail(framework_id: int):
    framework = services.get_framework(current_user, framework_id)
    return render_template("framework/detail.html", framework=framework,
                           indicators=services.framework_indicators(framework.id),
                           areas=services.framework_areas(framework.id),
                           direction_labels=DIRECTION_LABELS, format_plain=format_plain)


@bp.route("/<int:framework_id>/edit", methods=["GET", "POST"])
@login_required
def edit(framework_id: int):
    """The framework's name and description, and their translations."""
    framework = services.get_framework(current_user, framework_id)
    form = FrameworkForm(obj=framework)
    fill_translations(form, framework.translations)
    if form.validate_on_submit():
        with refusals_shown_on(form):
            services.update_framework(current_user, framework, name=form.name.data,
                                      description=form.description.data, translations=translations_from_form(form),
                                      expected_version=to_id(form.version.data))
        if not form.errors:
            flash(_("The framework is saved."), "success")
            return redirect(url_for("framework.detail", framework_id=framework.id))
    return render_template("framework/form.html", form=form, framework=framework), 422 if form.errors else 200


@bp.route("/<int:framework_id>/areas/<int:area_id>/edit", methods=["GET", "POST"])
@login_required
def edit_area(framework_id: int, area_id: int):
    """An excellence area's name and its translations."""
    framework = services.get_framework(current_user, framework_id)
    area = services.get_area(framework, area_id)
    form = AreaForm(obj=area)
    fill_translations(form, area.translations)
    if form.validate_on_submit():
        with refusals_shown_on(form):
            services.update_area(current_user, framework, area, name=form.name.data,
                                 translations=translations_from_form(form), expected_version=to_id(form.version.data))
        if not form.errors:
            flash(_("Excellence area %(code)s is saved.", code=area.code), "success")
            return redirect(url_for("framework.detail", framework_id=framework.id, _anchor="areas"))
    return render_template("framework/area_form.html", form=form, framework=framework, area=area), \
        422 if form.errors else 200


def _indicator_form(framework, indicator: Indicator | None) -> IndicatorForm:
    form = IndicatorForm(obj=indicator)
    if indicator is not None and not form.is_submitted():
        form.min_value.data = format_plain(indicator.min_value)
        form.max_value.data = format_plain(indicator.max_value)
        form.dimensions.data = indicator.dimensions.split()
        form.change_threshold.data = format_plain(indicator.change_threshold)
    fill_translations(form, indicator.translations if indicator else None)
    form.area_id.choices = choices([(0, _("No excellence area"))]
                                   + [(a.id, f"{a.code} {a.name}") for a in framework.areas])
    return form


def _save_indicator(framework, indicator: Indicator | None):
    form = _indicator_form(framework, indicator)
    if form.validate_on_submit():
        with refusals_shown_on(form):
            services.save_indicator(current_user, framework, form.service_data(),
                                    indicator.id if indicator else None, to_id(form.version.data))
        if not form.errors:
            flash(_("Indicator %(code)s is saved.", code=form.code.data), "success")
            return redirect(url_for("framework.detail", framework_id=framework.id))
    return render_template("framework/indicator_form.html", form=form, framework=framework,
                           indicator=indicator), 422 if form.errors else 200


@bp.route("/<int:framework_id>/indicators/new", methods=["GET", "POST"])
@login_required
def new_indicator(framework_id: int):
    framework = services.get_framework(current_user, framework_id)
    return _save_indicator(framework, None)


@bp.route("/<int:framework_id>/indicators/<int:indicator_id>/edit", methods=["GET", "POST"])
@login_required
def edit_indicator(framework_id: int, indicator_id: int):
    framework = services.get_framework(current_user, framework_id)
    return _save_indicator(framework, services.get_indicator(framework, indicator_id))
