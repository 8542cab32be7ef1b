from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import _, ngettext
from flask_login import current_user, login_required

from peerreview.errors import ValidationFailed
from peerreview.forms_support import apply_errors, choices, refusals_shown_on, to_id
from peerreview.framework.services import framework_areas
from peerreview.markdown import render_markdown
from peerreview.organisations.services import acting_network, network_organisations
from peerreview.permissions import Action, require
from peerreview.reviews import assessments, notifications, services, threads
from peerreview.reviews.forms import (
    ASSESSMENT_TEXT_LABELS,
    AssessmentForm,
    ConflictForm,
    EditCommentForm,
    MailPreferenceForm,
    ProfileForm,
    ShareForm,
    assessment_inputs,
)
from peerreview.reviews.pool import (
    ConflictInput,
    ProfileInput,
    declare_conflict,
    declared_conflicts,
    declaring_networks,
    reviewer_pool,
    save_profile,
)
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


# --- Markdown preview -----------------------------------------------------------------------

MAX_PREVIEW_LENGTH = 20_000  # longer than any comment or assessment text may be


@bp.route("/markdown/preview", methods=["POST"])
@login_required
def preview_markdown():
    """The sanitised HTML of a text being written, for the Preview buttons (CSRF-protected like every POST)."""
    text = request.form.get("text", "")
    if len(text) > MAX_PREVIEW_LENGTH:
        abort(413)
    return render_template("reviews/_preview.html", preview=render_markdown(text))


def previews_of(formdata, names) -> dict[str, object]:
    """{field name: sanitised HTML} for a form sent with its Preview button (name=preview), else {}.

    Without JavaScript the Preview button submits the whole form: nothing is saved, and the page comes
    back with every text as typed and the preview of each that has text.
    """
    if not formdata.get("preview"):
        return {}
    return {name: render_markdown(formdata.get(name, "")) for name in names if formdata.get(name, "").strip()}


# --- structured assessment ---------------------------------------------------------------

def _assessment_page(submission, *, mode: str, errors: dict | None = None, typed: list | None = None,
                     status: int = 200, previews: dict | None = None):
    page = assessments.assessment_page_data(current_user, submission, mode=mode, typed=typed)
    return render_template("reviews/assessment.html", submission=submission, mode=mode, errors=errors or {},
                           form=AssessmentForm(), text_labels=ASSESSMENT_TEXT_LABELS, previews=previews or {},
                           levels=assessments.MATURITY_LEVELS, **page), status


def _save_assessment_page(submission, *, mode: str, save, with_texts: bool, saved: str, endpoint: str):
    """The assessment pages' one way of saving: every problem beside its area, what was typed kept."""
    if request.method == "POST":
        if not AssessmentForm().validate_on_submit():
            abort(400)
        areas = framework_areas(submission.cycle.framework_id)
        typed = assessment_inputs(request.form, areas, with_texts=with_texts)
        if request.form.get("preview"):  # the Preview button without JavaScript: show, save nothing
            names = [f"{name}-{area.id}" for area in areas for name in ASSESSMENT_TEXT_LABELS]
            return _assessment_page(submission, mode=mode, typed=typed, previews=previews_of(request.form, names))
        try:
            save(current_user, submission, typed)
        except ValidationFailed as failed:
            return _assessment_page(submission, mode=mode, errors=failed.errors, typed=typed, status=422)
        flash(saved, "success")
        return redirect(url_for(endpoint, submission_id=submission.id))
    return _assessment_page(submission, mode=mode)


@bp.route("/submissions/<int:submission_id>/assessment", methods=["GET", "POST"])
@login_required
def assessment(submission_id: int):
    """The reviewer's own assessment: a score and findings per excellence area."""
    submission = get_submission(current_user, submission_id, Action.REVIEW_SUBMISSION)
    return _save_assessment_page(submission, mode="reviewer", save=assessments.save_reviewer_assessment,
                                 with_texts=True, saved=_("Your assessment is saved."), endpoint="reviews.assessment")


@bp.route("/submissions/<int:submission_id>/assessment/consolidated", methods=["GET", "POST"])
@login_required
def consolidated(submission_id: int):
    """The team's scores side by side; the lead reviewer writes the submission's assessment."""
    submission = get_submission(current_user, submission_id, Action.VIEW_TEAM_ASSESSMENTS)
    if request.method == "POST":
        require(current_user, Action.CONSOLIDATE_ASSESSMENT, submission)
    return _save_assessment_page(submission, mode="consolidated", save=assessments.save_consolidated,
                                 with_texts=True, saved=_("The consolidated assessment is saved."),
                                 endpoint="reviews.consolidated")


@bp.route("/submissions/<int:submission_id>/self-scores", methods=["GET", "POST"])
@login_required
def self_scores(submission_id: int):
    """The delegation scores itself on the same maturity scale."""
    submission = get_submission(current_user, submission_id, Action.EDIT_SUBMISSION)
    return _save_assessment_page(submission, mode="self", save=assessments.save_self_scores, with_texts=False,
                                 saved=_("Your self-assessment scores are saved."), endpoint="reviews.self_scores")


@bp.route("/submissions/<int:submission_id>/assessment/complete", methods=["POST"])
@login_required
def complete_review(submission_id: int):
    submission = get_submission(current_user, submission_id, Action.REVIEW_SUBMISSION)
    assessments.mark_review_complete(current_user, submission)
    flash(_("Your review is marked complete."), "success")
    return redirect(url_for("reviews.assessment", submission_id=submission.id))


@bp.route("/submissions/<int:submission_id>/assessment/reopen", methods=["POST"])
@login_required
def reopen_review(submission_id: int):
    submission = get_submission(current_user, submission_id, Action.REVIEW_SUBMISSION)
    assessments.reopen_review(current_user, submission)
    flash(_("Your review is open again."), "success")
    return redirect(url_for("reviews.assessment", submission_id=submission.id))


@bp.route("/submissions/<int:submission_id>/assessment/consolidate", methods=["POST"])
@login_required
def consolidate(submission_id: int):
    submission = get_submission(current_user, submission_id, Action.CONSOLIDATE_ASSESSMENT)
    assessments.consolidate(current_user, submission)
    flash(_("The assessment is consolidated; the review of %(org)s is complete once every reviewer has "
            "marked theirs complete.", org=submission.organisation.name), "success")
    return redirect(url_for("reviews.consolidated", submission_id=submission.id))


@bp.route("/assignments/<int:assignment_id>/lead", methods=["POST"])
@login_required
def make_lead(assignment_id: int):
    assignment = services.make_lead(current_user, assignment_id)
    flash(_("%(name)s is the lead reviewer.", name=assignment.reviewer.name), "success")
    return _back(assignment.submission_id, "reviewers")


# --- reviewer pool and declared conflicts ------------------------------------------------

@bp.route("/reviewers")
@login_required
def pool():
    network = acting_network(current_user, to_id(request.args.get("network")))
    return render_template("reviews/pool.html", network=network, rows=reviewer_pool(current_user, network))


@bp.route("/reviewers/<int:user_id>/profile", methods=["GET", "POST"])
@login_required
def edit_profile(user_id: int):
    network = acting_network(current_user, to_id(request.args.get("network")))
    require(current_user, Action.MANAGE_REVIEWER_POOL, network)
    row = next((r for r in reviewer_pool(current_user, network) if r.reviewer.id == user_id), None)
    if row is None:
        abort(404)
    form = ProfileForm(data={"languages": row.languages, "expertise": row.expertise})
    if form.validate_on_submit():
        with refusals_shown_on(form):
            save_profile(current_user, network, user_id, ProfileInput(form.languages.data or "",
                                                                      form.expertise.data or ""))
        if not form.errors:
            flash(_("The profile of %(name)s is saved.", name=row.reviewer.name), "success")
            return redirect(url_for("reviews.pool", network=network.id))
    return render_template("reviews/profile.html", form=form, reviewer=row.reviewer,
                           network=network), 422 if form.errors else 200


def _conflict_targets(user) -> list[tuple[str, str]]:
    """(network id:organisation id, label) for every organisation of the person's networks but their own."""
    targets = []
    for network in sorted(declaring_networks(user), key=lambda n: n.short_name):
        for organisation in network_organisations(network.id):
            if organisation.id != user.organisation_id:
                targets.append((f"{network.id}:{organisation.id}", f"{organisation.name} ({network.short_name})"))
    return targets


@bp.route("/conflicts", methods=["GET", "POST"])
@login_required
def conflicts():
    """Reviewers and delegations declare conflicts of interest with organisations (never people)."""
    form = ConflictForm()
    roles = [(role, label) for role, label in (("reviewer", _("as a peer reviewer: I will not review it")),
                                               ("delegation", _("for my delegation: nobody of it reviews us")))
             if current_user.network_ids("reviewer" if role == "reviewer" else "delegate")]
    form.declared_as.choices = choices(roles)
    form.target.choices = choices([("", _("Choose an organisation"))] + _conflict_targets(current_user))
    if roles and form.validate_on_submit():
        network_id, _sep, organisation_id = (form.target.data or "").partition(":")
        try:
            declare_conflict(current_user, ConflictInput(
                network_id=to_id(network_id), with_organisation_id=to_id(organisation_id),
                reason=form.reason.data or "", for_delegation=form.declared_as.data == "delegation"))
        except ValidationFailed as failed:
            apply_errors(form, {("target" if k == "with_organisation_id" else k): v for k, v in failed.errors.items()})
        else:
            flash(_("The conflict of interest is declared; the secretariat will not assign across it."), "success")
            return redirect(url_for("reviews.conflicts"))
    return render_template("reviews/conflicts.html", form=form if roles else None,
                           declared=declared_conflicts(current_user)), 422 if form.errors else 200


# --- threads ---------------------------------------------------------------------------------

@bp.route("/comments/<int:comment_id>/resolve", methods=["POST"])
@login_required
def resolve(comment_id: int):
    root = threads.resolve_thread(current_user, comment_id)
    flash(_("The thread is resolved."), "success")
    return _back(root.submission_id, f"comment-{root.id}")


@bp.route("/comments/<int:comment_id>/reopen", methods=["POST"])
@login_required
def reopen(comment_id: int):
    root = threads.reopen_thread(current_user, comment_id)
    flash(_("The thread is open again."), "success")
    return _back(root.submission_id, f"comment-{root.id}")


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(comment_id: int):
    """The author edits their comment; the earlier text stays visible to every reader."""
    comment = threads.get_own_comment(current_user, comment_id)
    form = EditCommentForm(data={"body": comment.body})
    preview = None
    if request.form.get("preview"):  # the Preview button without JavaScript: the form again, nothing saved
        preview = render_markdown(form.body.data or "")
    elif form.validate_on_submit():
        with refusals_shown_on(form):
            threads.edit_comment(current_user, comment_id, form.body.data or "")
        if not form.errors:
            flash(_("Your comment is changed; the earlier text stays visible."), "success")
            return _back(comment.submission_id, f"comment-{comment.id}")
    return render_template("reviews/edit_comment.html", form=form, comment=comment,
                           preview=preview), 422 if form.errors else 200


@bp.route("/comments/<int:comment_id>/share", methods=["GET", "POST"])
@login_required
def share(comment_id: int):
    """Sharing an internal thread with the delegation: a confirmation page, then the recorded change."""
    form = ShareForm()
    if form.validate_on_submit():
        root = threads.share_thread(current_user, comment_id, confirmed=bool(form.confirm.data))
        flash(_("The thread is shared with the delegation."), "success")
        return _back(root.submission_id, f"comment-{root.id}")
    root, replies = threads.preview_share(current_user, comment_id)
    return render_template("reviews/share.html", form=form, root=root, replies=replies), \
        422 if form.errors else 200


# --- mail preference and reminders --------------------------------------------------------

@bp.route("/account/mail", methods=["GET", "POST"])
@login_required
def mail_preferences():
    form = MailPreferenceForm(data={"delivery": "digest" if current_user.daily_digest else "immediate"})
    if form.validate_on_submit():
        notifications.set_daily_digest(current_user, form.delivery.data == "digest")
        flash(_("Your choice is saved."), "success")
        return redirect(url_for("reviews.mail_preferences"))
    return render_template("reviews/mail_preferences.html", form=form), 422 if form.errors else 200


@bp.route("/submissions/<int:submission_id>/remind", methods=["POST"])
@login_required
def remind(submission_id: int):
    """The one-click reminder from the cycle page, to the delegation or to the reviewers not done."""
    submission = get_submission(current_user, submission_id)
    who = "reviewers" if request.form.get("who") == "reviewers" else "delegation"
    count = notifications.remind_now(current_user, submission, who)
    flash(ngettext("%(num)d reminder is sent.", "%(num)d reminders are sent.", count), "success")
    return redirect(url_for("cycles.detail", cycle_id=submission.cycle_id, _anchor="participants"))
