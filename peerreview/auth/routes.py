from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import _
from flask_login import current_user, login_required, login_user, logout_user

from peerreview.auth import services
from peerreview.auth.forms import ForgotPasswordForm, LanguageForm, LoginForm, SetPasswordForm, UserForm
from peerreview.auth.models import ROLE_LABELS
from peerreview.errors import ValidationFailed, keep_writes_despite_error
from peerreview.extensions import limiter
from peerreview.forms_support import choices, refusals_shown_on, safe_next
from peerreview.i18n import supported
from peerreview.organisations.forms import chosen_network_id, offer_networks
from peerreview.organisations.services import acting_network, list_organisations, secretariat_networks
from peerreview.permissions import Action, require

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _limits_off() -> bool:
    # Decided per application: the limiter object is shared by every app in the process.
    return not current_app.config.get("RATELIMIT_ENABLED", True)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], exempt_when=_limits_off)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("public.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.sign_in(form.email.data, form.password.data, request.headers.get("User-Agent"))
        if user is not None:
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("public.index"))
        keep_writes_despite_error()  # the audit event of the failed sign-in
        # Same message whether the address is unknown or the password wrong.
        form.password.errors = [_("The e-mail address or the password is not correct.")]
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        services.sign_out(current_user)
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("public.index"))


@bp.route("/language", methods=["POST"])
def language():
    """The language switcher in the header: kept with the account once signed in, in the session before."""
    chosen = supported(request.form.get("locale"))
    if chosen:
        session["locale"] = chosen
        if current_user.is_authenticated:
            services.set_locale(current_user, chosen)
    return redirect(safe_next(request.form.get("next")) or url_for("public.index"))


@bp.route("/account/language", methods=["GET", "POST"])
@login_required
def account_language():
    """The language of one's pages and e-mails, or the browser's preference."""
    form = LanguageForm(data={"locale": current_user.locale or ""})
    form.offer(current_app.config["LANGUAGES"])
    if form.validate_on_submit():
        with refusals_shown_on(form):
            services.set_locale(current_user, form.locale.data or None)
        if not form.errors:
            session.pop("locale", None)  # the account's choice (or the browser) decides from now on
            flash(_("Your language is saved."), "success")
            return redirect(url_for("auth.account_language"))
    return render_template("auth/language.html", form=form), 422 if form.errors else 200


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], exempt_when=_limits_off)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(_("If %(email)s belongs to an account, a link to reset the password is on its way. "
                "It works once, for one hour.", email=form.email.data), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/password/set/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], exempt_when=_limits_off)
def set_password(token: str):
    try:
        user = services.user_for_token(token)
    except ValidationFailed as failed:
        return render_template("auth/token_invalid.html", message=failed.message), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        with refusals_shown_on(form):
            services.set_password_with_token(token, form.password.data)
        if not form.errors:
            flash(_("Your password is saved. Sign in with it now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user), 422 if form.errors else 200


@bp.route("/users")
@login_required
def users():
    require(current_user, Action.MANAGE_USERS)
    return render_template("auth/users.html", users=services.list_users(current_user), role_labels=ROLE_LABELS,
                           own_networks=current_user.secretariat_network_ids)


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    require(current_user, Action.MANAGE_USERS)
    form = UserForm()
    form.organisation_id.choices = choices([(0, _("Choose an organisation"))] + [
        (o.id, f"{o.name} ({o.country})") for o in list_organisations(current_user)])
    offer_networks(form, secretariat_networks(current_user))
    if form.validate_on_submit():
        chosen = chosen_network_id(form)
        with refusals_shown_on(form):
            services.create_user(current_user, services.NewUser(
                email=form.email.data, name=form.name.data, role=form.role.data,
                organisation_id=form.organisation_id.data, network_id=acting_network(current_user, chosen).id))
        if not form.errors:
            # The same words whether the account is new or already existed elsewhere.
            flash(_("%(email)s was given the role and told by e-mail.", email=form.email.data), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form), 422 if form.errors else 200


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@login_required
def toggle_user(user_id: int):
    require(current_user, Action.MANAGE_USERS)
    activate = request.form.get("active") == "1"
    user = services.set_user_active(current_user, user_id, activate)
    flash(_("%(name)s can sign in again.", name=user.name) if activate
          else _("%(name)s can no longer sign in.", name=user.name), "success")
    return redirect(url_for("auth.users"))


@bp.route("/users/roles/<int:grant_id>/revoke", methods=["POST"])
@login_required
def revoke_role(grant_id: int):
    require(current_user, Action.MANAGE_USERS)
    grant = services.revoke_role(current_user, grant_id)
    flash(_("%(name)s no longer has this role in %(network)s.", name=grant.user.name,
            network=grant.network.short_name), "success")
    return redirect(url_for("auth.users"))
