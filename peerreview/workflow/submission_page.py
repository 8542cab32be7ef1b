"""The submission page: values, self-assessment, threads, reviewers and history together.

A composite page of the submissions and reviews features. Its routes are registered on
their blueprints, so endpoints and URLs stay `submissions.detail` and `reviews.comment`.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from peerreview.audit.services import submission_history
from peerreview.auth.replay import cycle_of_submission, replayable
from peerreview.cycles.models import Cycle
from peerreview.errors import ValidationFailed
from peerreview.extensions import db
from peerreview.forms_support import apply_errors
from peerreview.framework.breakdowns import BY_CODE
from peerreview.framework.services import framework_areas, framework_indicators
from peerreview.markdown import render_markdown
from peerreview.numbers import format_plain
from peerreview.organisations.models import Organisation
from peerreview.page_cache import cached_page, cached_part, data_versions, digest, with_versions
from peerreview.permissions import Action, can
from peerreview.reviews import clarifications
from peerreview.reviews.cells import cell_indicator, network_context
from peerreview.reviews.forms import CommentForm, CorrectionForm, ReplyForm, anchor_choices, parse_anchor
from peerreview.reviews.routes import bp as reviews_bp
from peerreview.reviews.services import (
    add_comment,
    assignments_for,
    comment_problem,
    eligible_reviewers,
    get_comment_to_answer,
    thread,
    visible_comments,
)
from peerreview.reviews.services import reply as add_reply
from peerreview.submissions.comparability import notes_of
from peerreview.submissions.corrections import changed_since_submission
from peerreview.submissions.documents import documents_of
from peerreview.submissions.flags import CONFIDENTIAL
from peerreview.submissions.forms import ReturnForm
from peerreview.submissions.history import change_words
from peerreview.submissions.models import Submission
from peerreview.submissions.narratives import narratives_for
from peerreview.submissions.plausibility import check_submission
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
@replayable(cycle_of_submission())
@login_required
def detail(submission_id: int):
    # The submission, its cycle and organisation, and the data versions in one query; the service
    # below finds them in the session and checks the permission.
    query = with_versions(select(Submission).join(Submission.cycle).where(Submission.id == submission_id)
                          .options(joinedload(Submission.cycle),
                                   joinedload(Submission.organisation).lazyload(Organisation.networks)),
                          Cycle.id, Cycle.network_id)
    row = db.session.execute(query).first()
    submission = get_submission(current_user, submission_id)
    return render_submission_page(submission, versions=(row[1], row[2]) if row else None)


# The permission answers the submission page shows or hides things by: all of them are in its cache key.
_PAGE_ACTIONS = (Action.EDIT_SUBMISSION, Action.EXCHANGE_VALUES, Action.ATTACH_DOCUMENT, Action.REVIEW_SUBMISSION,
                 Action.VIEW_TEAM_ASSESSMENTS, Action.VIEW_INTERNAL_COMMENTS, Action.READ_CONFIDENTIAL_VALUES)


def render_submission_page(submission, comment_form: CommentForm | None = None, status: int = 200, *,
                           comment_preview=None, reply_preview: tuple[int, str] | None = None,
                           versions: tuple[int, int] | None = None):
    """The submission with its values, comments and (for the secretariat) reviewers.

    Also used by the comment action to show a rejected comment again, as typed, and by the Preview
    buttons without JavaScript: `comment_preview` (sanitised HTML of the new comment) or
    `reply_preview` (the comment answered and the reply as typed); those pages are never cached.
    Otherwise the content is kept in the page cache for this reader until the cycle's data changes: it
    holds the reader's own edit links and reply rights, so its key holds the reader's id and permission
    answers.
    """
    if comment_form is not None or reply_preview is not None:
        content = Markup(_submission_part(submission, comment_form, comment_preview,  # noqa: S704 (autoescaped)
                                          reply_preview))
        return render_template("submissions/detail.html", submission=submission, content=content), status
    cycle = submission.cycle
    answers = tuple(can(current_user, action, submission) for action in _PAGE_ACTIONS)
    versions = versions or data_versions(cycle.id, cycle.network_id)
    key = ("submission", submission.id, versions, current_user.id, answers,
           can(current_user, Action.MANAGE_CYCLE, cycle), request.args.get("anchor", "submission")[:40])
    return cached_page(current_user.id, key, lambda: render_template(
        "submissions/detail.html", submission=submission,
        content=Markup(_submission_part(submission, None)))), status  # noqa: S704 (an autoescaped template)


def _submission_part(submission, comment_form: CommentForm | None, comment_preview=None,
                     reply_preview: tuple[int, str] | None = None) -> str:
    indicators = framework_indicators(submission.cycle.framework_id)
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
    values = value_map(submission.id)
    filled, expected = completeness(submission, indicators, values)
    # The comparison with the network (a sort of every submitted value of the cycle) is the check page's.
    checks = check_submission(submission, indicators, values, against_network=False)
    secret = not can(current_user, Action.READ_CONFIDENTIAL_VALUES, submission)
    labels = cell_labels(indicators, submission.cycle.years)
    hidden = {cell_name(*key) for key, v in values.items() if v.flag == CONFIDENTIAL} if secret else set()
    comparability = notes_of(submission.id)
    problem = comment_problem(submission)
    comment_links = comment_form is not None and not problem
    cycle = submission.cycle
    changed = changed_since_submission([submission]).get(submission.id, {})
    # The grid is the same for every reader with the same right to read confidential values, the same
    # comment counts and the same right to comment.
    grid = cached_part(("values", submission.id, data_versions(cycle.id, cycle.network_id), secret, comment_links,
                        digest(f"{k}={n}" for k, n in by_anchor.items())), lambda: render_template(
        "submissions/_values.html", submission=submission, indicators=indicators, values=values, secret=secret,
        comparability=comparability, by_anchor=by_anchor, comment_links=comment_links, warned=checks.by_cell,
        changed=changed))
    return render_template(
        "submissions/_detail.html", submission=submission, indicators=indicators, values_part=grid,
        threads=thread(comments), by_anchor=by_anchor, comment_form=comment_form, reply_form=ReplyForm(),
        comment_problem=problem, edit_problem=edit_problem(submission),
        assignments=assignments_for(submission.id) if manage else [],
        candidates=eligible_reviewers(submission) if manage else [], manage=manage,
        return_form=ReturnForm(), format_plain=format_plain,
        filled=filled, expected=expected, checks=checks, history=submission_history(current_user, submission),
        cell_labels=labels, areas=areas, secret=secret, comparability=comparability,
        value_words=lambda e: change_words(e.before or {}, e.after or {}, labels, hidden),
        narratives=narratives_for(submission.id), documents=documents_of(current_user, submission),
        changed=changed, comment_preview=comment_preview,
        reply_preview=(reply_preview[0], reply_preview[1], render_markdown(reply_preview[1])) if reply_preview
        else None,
        hide_reviewer_names=submission.cycle.hide_reviewer_names
        and not can(current_user, Action.VIEW_INTERNAL_COMMENTS, submission))


@reviews_bp.route("/submissions/<int:submission_id>/comments", methods=["POST"])
@login_required
def comment(submission_id: int):
    submission = get_submission(current_user, submission_id, Action.REVIEW_SUBMISSION)
    form = CommentForm()
    if request.form.get("preview"):  # the Preview button without JavaScript: the page again, nothing saved
        return render_submission_page(submission, form, comment_preview=render_markdown(form.body.data or ""))
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


@reviews_bp.route("/comments/<int:comment_id>/reply", methods=["POST"])
@login_required
def reply(comment_id: int):
    parent = get_comment_to_answer(current_user, comment_id)
    form = ReplyForm()
    if request.form.get("preview"):  # the Preview button without JavaScript: the page again, nothing saved
        return render_submission_page(parent.submission, reply_preview=(comment_id, form.body.data or ""))
    try:
        add_reply(current_user, comment_id, body=form.body.data or "")
    except ValidationFailed as failed:
        flash(_("The reply was not saved: %(why)s", why=" ".join(failed.errors.values()) or failed.message),
              "error")
        return _to_comment(parent.submission_id, comment_id)
    flash(_("Your reply is saved."), "success")
    return _to_comment(parent.submission_id, comment_id)


def _to_comment(submission_id: int, comment_id: int):
    return redirect(url_for("submissions.detail", submission_id=submission_id, _anchor=f"comment-{comment_id}"))


@reviews_bp.route("/submissions/<int:submission_id>/cells/<int:indicator_id>/<breakdown>/<int:year>")
@login_required
def cell(submission_id: int, indicator_id: int, breakdown: str, year: int):
    """One cell: its value beside the network's median and quartiles, its threads, a comment form."""
    submission = get_submission(current_user, submission_id)
    indicator = cell_indicator(submission, indicator_id, breakdown, year)
    return render_cell_page(submission, indicator, breakdown, year)


def render_cell_page(submission, indicator, breakdown: str, year: int, failed: tuple | None = None,
                     status: int = 200):
    """The cell page; `failed` is (request id, CorrectionForm) of a correction shown again with its errors."""
    value = value_map(submission.id).get((indicator.id, breakdown, year))
    threads = [(root, replies) for root, replies in thread(visible_comments(current_user, submission))
               if (root.indicator_id, root.breakdown, root.year) == (indicator.id, breakdown, year)]
    form = None
    if can(current_user, Action.REVIEW_SUBMISSION, submission) and comment_problem(submission) is None:
        form = CommentForm(formdata=None)
    corrections = {}  # request id: the form that corrects the value in answer to it
    for root, _replies in threads:
        if can(current_user, Action.CORRECT_VALUE, root):
            if failed and failed[0] == root.id:
                corrections[root.id] = failed[1]
            else:
                shown = format_plain(value.value) if value else ""
                corrections[root.id] = CorrectionForm(formdata=None, prefix=f"c{root.id}",
                                                      data={"value": shown, "started_from": shown})
    changed = changed_since_submission([submission]).get(submission.id, {})
    return render_template(
        "reviews/cell.html", submission=submission, indicator=indicator, breakdown=BY_CODE[breakdown], year=year,
        value=value, secret=not can(current_user, Action.READ_CONFIDENTIAL_VALUES, submission),
        comparability=notes_of(submission.id).get(indicator.id),
        context=network_context(submission, indicator.id, breakdown, year), threads=threads,
        comment_form=form, format_plain=format_plain, corrections=corrections,
        changed=changed.get((indicator.id, breakdown, year)),
        anchor=f"{indicator.id}/{breakdown}/{year}",
        hide_reviewer_names=submission.cycle.hide_reviewer_names
        and not can(current_user, Action.VIEW_INTERNAL_COMMENTS, submission)), status


@reviews_bp.route("/comments/<int:comment_id>/correct", methods=["POST"])
@login_required
def correct_value(comment_id: int):
    """The delegation corrects the value a clarification request asks about, and answers in the thread."""
    request_comment = clarifications.get_request(current_user, comment_id)
    form = CorrectionForm(prefix=f"c{comment_id}")
    if not form.validate_on_submit():
        abort(400)
    try:
        clarifications.correct_value(current_user, comment_id, clarifications.CorrectionInput(
            value=form.value.data or "", started_from=form.started_from.data or "", body=form.body.data or ""))
    except ValidationFailed as failed:
        apply_errors(form, failed.errors)
        submission = request_comment.submission
        return render_cell_page(submission, request_comment.indicator, request_comment.breakdown,
                                request_comment.year, failed=(comment_id, form), status=422)
    flash(_("The value is corrected and your answer is in the thread; the reviewer will resolve the request or "
            "reopen it."), "success")
    return redirect(url_for("reviews.cell", submission_id=request_comment.submission_id,
                            indicator_id=request_comment.indicator_id, breakdown=request_comment.breakdown,
                            year=request_comment.year, _anchor=f"comment-{comment_id}"))
