from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from peerreview.mail.models import FAILED, QUEUED, SENT, STORED
from peerreview.mail.services import list_outbox

bp = Blueprint("mail", __name__, url_prefix="/outbox")

MAIL_STATE_LABELS = {QUEUED: _l("queued for delivery"), SENT: _l("sent"), FAILED: _l("delivery failed"),
                     STORED: _l("kept here only (no mail server configured)")}


@bp.route("/")
@login_required
def outbox():
    return render_template("mail/outbox.html", messages=list_outbox(current_user),
                           MAIL_STATE_LABELS=MAIL_STATE_LABELS)
