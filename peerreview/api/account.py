"""The person's own API tokens: the pages (signed in with a session, CSRF-protected forms)."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import _
from flask_login import current_user, login_required

from peerreview.api import tokens
from peerreview.api.forms import TokenForm
from peerreview.errors import ValidationFailed
from peerreview.forms_support import apply_errors

bp = Blueprint("api_tokens", __name__)


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def index():
    form = TokenForm()
    new_secret = None
    status = 200
    if form.is_submitted():
        try:
            token, new_secret = tokens.create_token(current_user, form.service_data())
        except ValidationFailed as failed:
            apply_errors(form, failed.errors)
            status = 422
        else:
            flash(_("Token %(name)s made. Copy it now: it is shown only this once.", name=token.name), "success")
            form = TokenForm(formdata=None)
    return render_template("api/tokens.html", form=form, tokens=tokens.own_tokens(current_user),
                           new_secret=new_secret, now=tokens.utcnow()), status


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    token = tokens.revoke_token(current_user, token_id)
    flash(_("Token %(name)s is revoked: programs using it are refused from now on.", name=token.name), "success")
    return redirect(url_for("api_tokens.index"))
