from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import _
from flask_login import current_user, login_required

from peerreview.errors import ValidationFailed
from peerreview.forms_support import to_id
from peerreview.permissions import Action, require
from peerreview.reviews import services
from peerreview.reviews.forms import ReplyForm
from peerreview.submissions.services import get_submission

bp = Blueprint("reviews", __name__)


def _back(submission_id: int, anchor: str = "comments"):
    return redirect(url_for("submissions.detail", submission_id=submission_id, _anchor=anchor))


@bp.route("/submissions/<int:submission_id>/reviewers", methods=["POST"])
@login_required
def assign(submission_id: int):
    submission = get_submission(current_user, submission_id)
    require(current_user, Action.MANAGE_CYCLE, submission.cycle)
    try:
        assignment = services.assign_reviewer(current_user, submission, to_id(request.form.get("reviewer_id")))
    except ValidationFailed as failed:
        flash(" ".join(failed.errors.values()) or failed.message, "error")
        return _back(submission.id, "reviewers")
    flash(_("%(name)s is assigned to review %(org)s.", name=assignment.reviewer.name,
            org=submission.organisation.name), "success")
    return _back(submission.id, "reviewers")


@bp.route("/assignments/<int:assignment_id>/delete", methods=["POST"])
@login_required
def unassign(assignment_id: int):
    submission_id = services.get_assignment(current_user, assignment_id).submission_id
    services.unassign_reviewer(current_user, assignment_id)
    flash(_("The reviewer is no longer assigned."), "success")
    return _back(submission_id, "reviewers")


@bp.route("/comments/<int:comment_id>/reply", methods=["POST"])
@login_required
def reply(comment_id: int):
    parent = services.get_comment_to_answer(current_user, comment_id)
    form = ReplyForm()
    try:
        services.reply(current_user, comment_id, body=form.body.data or "")
    except ValidationFailed as failed:
        flash(_("The reply was not saved: %(why)s", why=" ".join(failed.errors.values()) or failed.message),
              "error")
        return _back(parent.submission_id, f"comment-{comment_id}")
    flash(_("Your reply is saved."), "success")
    return _back(parent.submission_id, f"comment-{comment_id}")
