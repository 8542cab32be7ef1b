from flask import Blueprint, render_template
from flask_login import current_user, login_required

from peerreview.mail.services import list_outbox

bp = Blueprint("mail", __name__, url_prefix="/outbox")


@bp.route("/")
@login_required
def outbox():
    return render_template("mail/outbox.html", messages=list_outbox(current_user))
