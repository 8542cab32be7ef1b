from flask import Blueprint, render_template
from flask_login import current_user

from peerreview.cycles.services import visible_cycles
from peerreview.reviews.services import assigned_submissions
from peerreview.submissions.corrections import changed_since_submission
from peerreview.submissions.services import submissions_for_delegate

bp = Blueprint("public", __name__)


@bp.route("/")
def index():
    """The start page: what is waiting for the signed-in person, or what the service is."""
    if not current_user.is_authenticated:
        return render_template("public/index.html")
    context = {"cycles": visible_cycles(current_user)}
    if current_user.is_delegate:
        context["submissions"] = submissions_for_delegate(current_user)
    if current_user.is_reviewer:
        context["submissions"] = assigned_submissions(current_user)
        # Values corrected on request since the submission was submitted, for the reviewer to look at again.
        context["changed"] = changed_since_submission(context["submissions"])
    return render_template("public/dashboard.html", **context)
