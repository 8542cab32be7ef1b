"""The submission page: values, self-assessment, threads, reviewers and history together.

A composite page of the submissions and reviews features. Its routes are registered on
their blueprints, so endpoints and URLs stay `submissions.detail` and `reviews.comment`.
"""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import _
from flask_login import current_user, login_required

from peerreview.audit.services import submission_history
from peerreview.errors import ValidationFailed
from peerreview.forms_support import apply_errors
from peerreview.framework.breakdowns import BY_CODE
from peerreview.framework.services import framework_areas, framework_indicators
from peerreview.numbers import format_plain
from peerreview.permissions import Action, can
from peerreview.reviews.cells import cell_indicator, network_context
from peerreview.reviews.forms import CommentForm, ReplyForm, anchor_choices, parse_anchor
from peerreview.reviews.routes import bp as reviews_bp
from peerreview.reviews.services import (
    add_comment,
    assignments_for,
    comment_problem,
    eligible_reviewers,
    thread,
    visible_comments,
)
from peerreview.submissions.comparability import notes_of
from peerreview.submissions.documents import documents_of
from peerreview.submissions.flags import CONFIDENTIAL
from peerreview.submissions.forms import ReturnForm
from peerreview.submissions.history import change_words
from peerreview.submissions.narratives import narratives_for
from peerreview.submissions.routes import bp as submissions_bp
from peerreview.submissions.services import (
    cell_labels,
    cell_name,
    completeness,
    edit_problem,
    get_submission,
    value_map,
)


@submissions_bp.route("/<int:submission_id>")
@login_required
def detail(submission_id: int):
    submission = get_submission(current_user, submission_id)
    return render_submission_page(submission)


def render_submission_page(submission, comment_form: CommentForm | None = None, status: int = 200):
    """The submission with its values, comments and (for the secretariat) reviewers.

    Also used by the comment action to show a rejected comment again, as typed.
    """
    indicators = framework_indicators(submission.cycle.framework_id)
    values = value_map(submission.id)
    comments = visible_comments(current_user, submission)
    areas = framework_areas(submission.cycle.framework_id)
    by_anchor: dict = {}
    for c in comments:
        key = ("area", c.area_id) if c.area_id else (c.indicator_id, c.breakdown, c.year)
        by_anchor[key] = by_anchor.get(key, 0) + 1
    reviewer = can(current_user, Action.REVIEW_SUBMISSION, submission)
    if not reviewer:
        comment_form = None
    if reviewer and comment_form is None:
        comment_form = CommentForm(formdata=None)
        comment_form.anchor.data = request.args.get("anchor", "submission")
    if comment_form is not None:
        comment_form.anchor.choices = anchor_choices(indicators, submission.cycle.years, areas)
    manage = can(current_user, Action.MANAGE_CYCLE, submission.cycle)
    filled, expected = completeness(submission, indicators, values)
    secret = not can(current_user, Action.READ_CONFIDENTIAL_VALUES, submission)
    labels = cell_labels(indicators, submission.cycle.years)
    hidden = {cell_name(*key) for key, v in values.items() if v.flag == CONFIDENTIAL} if secret else set()
    return render_template(
        "submissions/detail.html", submission=submission, indicators=indicators, values=values,
        threads=thread(comments), by_anchor=by_anchor, comment_form=comment_form, reply_form=ReplyForm(),
        comment_problem=comment_problem(submission), edit_problem=edit_problem(submission),
        assignments=assignments_for(submission.id) if manage else [],
        candidates=eligible_reviewers(submission) if manage else [], manage=manage,
        return_form=ReturnForm(), format_plain=format_plain,
        filled=filled, expected=expected, history=submission_history(current_user, submission),
        cell_labels=labels, areas=areas, secret=secret, comparability=notes_of(submission.id),
        value_words=lambda e: change_words(e.before or {}, e.after or {}, labels, hidden),
        narratives=narratives_for(submission.id), documents=documents_of(current_user, submission),
        hide_reviewer_names=submission.cycle.hide_reviewer_names
        and not can(current_user, Action.VIEW_INTERNAL_COMMENTS, submission)), status


@reviews_bp.route("/submissions/<int:submission_id>/comments", methods=["POST"])
@login_required
def comment(submission_id: int):
    submission = get_submission(current_user, submission_id, Action.REVIEW_SUBMISSION)
    form = CommentForm()
    try:
        add_comment(current_user, submission, body=form.body.data or "",
                             visibility=form.visibility.data or "", is_request=bool(form.is_request.data),
                             **parse_anchor(form.anchor.data))
    except ValidationFailed as failed:
        # Shown again with the text as typed, the errors beside the fields and in the summary.
        apply_errors(form, failed.errors)
        return render_submission_page(submission, form, 422)
    flash(_("Your comment is saved."), "success")
    return redirect(url_for("submissions.detail", submission_id=submission.id, _anchor="comments"))


@reviews_bp.route("/submissions/<int:submission_id>/cells/<int:indicator_id>/<breakdown>/<int:year>")
@login_required
def cell(submission_id: int, indicator_id: int, breakdown: str, year: int):
    """One cell: its value beside the network's median and quartiles, its threads, a comment form."""
    submission = get_submission(current_user, submission_id)
    indicator = cell_indicator(submission, indicator_id, breakdown, year)
    value = value_map(submission.id).get((indicator.id, breakdown, year))
    threads = [(root, replies) for root, replies in thread(visible_comments(current_user, submission))
               if (root.indicator_id, root.breakdown, root.year) == (indicator.id, breakdown, year)]
    form = None
    if can(current_user, Action.REVIEW_SUBMISSION, submission) and comment_problem(submission) is None:
        form = CommentForm(formdata=None)
    return render_template(
        "reviews/cell.html", submission=submission, indicator=indicator, breakdown=BY_CODE[breakdown], year=year,
        value=value, secret=not can(current_user, Action.READ_CONFIDENTIAL_VALUES, submission),
        comparability=notes_of(submission.id).get(indicator.id),
        context=network_context(submission, indicator.id, breakdown, year), threads=threads,
        comment_form=form, format_plain=format_plain,
        anchor=f"{indicator.id}/{breakdown}/{year}",
        hide_reviewer_names=submission.cycle.hide_reviewer_names
        and not can(current_user, Action.VIEW_INTERNAL_COMMENTS, submission))
