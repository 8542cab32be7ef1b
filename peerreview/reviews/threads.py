"""Threads: resolve and reopen, edits that keep the earlier text, sharing an internal thread
on purpose, and the threads as nested plain data for the reports."""
from __future__ import annotations

from flask_babel import _, format_datetime
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from peerreview.audit.services import record
from peerreview.auth.models import User
from peerreview.db_types import utcnow
from peerreview.errors import Conflict, NotFound, PermissionDenied
from peerreview.extensions import db
from peerreview.markdown import render_markdown
from peerreview.permissions import Action, can, require
from peerreview.reviews.models import INTERNAL, SHARED, Comment, CommentRevision
from peerreview.reviews.services import _clean_body, anchor_label, comment_problem
from peerreview.submissions.models import Submission


def _root(actor, comment_id: int, action: Action) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None or not can(actor, Action.VIEW_COMMENT, comment):
        raise NotFound(_("No such comment."))
    require(actor, action, comment.submission)
    if comment.parent_id is not None:
        raise Conflict(_("Resolve, reopen or share the thread at its first comment."))
    return comment


def resolve_thread(actor, comment_id: int) -> Comment:
    """A reviewer (or the secretariat) marks a thread, or a clarification request, as resolved."""
    root = _root(actor, comment_id, Action.VIEW_INTERNAL_COMMENTS)
    if root.resolved_at is not None:
        raise Conflict(_("The thread is already resolved."))
    root.resolved_at = utcnow()
    root.resolved_by_id = actor.id
    record(actor, "comment.resolve", root, after={"submission_id": root.submission_id},
           network_id=root.submission.cycle.network_id, cycle_id=root.submission.cycle_id)
    db.session.flush()
    return root


def reopen_thread(actor, comment_id: int) -> Comment:
    root = _root(actor, comment_id, Action.VIEW_INTERNAL_COMMENTS)
    if root.resolved_at is None:
        raise Conflict(_("The thread is open; there is nothing to reopen."))
    root.resolved_at = None
    root.resolved_by_id = None
    record(actor, "comment.reopen", root, after={"submission_id": root.submission_id},
           network_id=root.submission.cycle.network_id, cycle_id=root.submission.cycle_id)
    db.session.flush()
    return root


def get_own_comment(actor, comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None or not can(actor, Action.VIEW_COMMENT, comment):
        raise NotFound(_("No such comment."))
    if comment.author_id != getattr(actor, "id", None):
        raise PermissionDenied(_("Only the author can edit a comment."))
    return comment


def edit_comment(actor, comment_id: int, body: str) -> Comment:
    """The author changes their text; the earlier text is kept and stays visible."""
    comment = get_own_comment(actor, comment_id)
    problem = comment_problem(comment.submission)
    if problem:
        raise Conflict(problem)
    body = _clean_body(body)
    if body == comment.body:
        return comment
    db.session.add(CommentRevision(comment_id=comment.id, body=comment.body,
                                   written_at=comment.edited_at or comment.created_at))
    comment.body = body
    comment.edited_at = utcnow()
    record(actor, "comment.edit", comment, after={"submission_id": comment.submission_id},
           network_id=comment.submission.cycle.network_id, cycle_id=comment.submission.cycle_id)
    db.session.flush()
    db.session.expire(comment, ["revisions"])
    return comment


def preview_share(actor, comment_id: int) -> tuple[Comment, list[Comment]]:
    """The internal thread that sharing would show to the delegation."""
    root = _root(actor, comment_id, Action.VIEW_INTERNAL_COMMENTS)
    if root.visibility != INTERNAL:
        raise Conflict(_("The thread is already shared with the delegation."))
    replies = list(db.session.scalars(select(Comment).where(Comment.parent_id == root.id).order_by(Comment.id)))
    return root, replies


def share_thread(actor, comment_id: int, *, confirmed: bool) -> Comment:
    """Make an internal thread (its first comment and every reply) visible to the delegation.

    Takes an explicit confirmation, and is recorded: a thread once shared cannot be taken back.
    """
    root = _root(actor, comment_id, Action.VIEW_INTERNAL_COMMENTS)
    if root.visibility != INTERNAL:
        raise Conflict(_("The thread is already shared with the delegation."))
    if not confirmed:
        raise Conflict(_("Confirm that the delegation may read the whole thread, replies included."))
    replies = list(db.session.scalars(select(Comment).where(Comment.parent_id == root.id)))
    for comment in [root, *replies]:
        comment.visibility = SHARED
    record(actor, "comment.share", root, before={"visibility": INTERNAL},
           after={"visibility": SHARED, "replies": len(replies), "anchor": anchor_label(root)},
           network_id=root.submission.cycle.network_id, cycle_id=root.submission.cycle_id)
    db.session.flush()
    return root


def reviewer_label(comment: Comment, hide_reviewer_names: bool) -> str:
    """The author's name, or "a peer reviewer" where the cycle hides reviewers from the delegation."""
    if hide_reviewer_names and comment.author.organisation_id != comment.submission.organisation_id:
        return str(_("A peer reviewer"))
    return comment.author.name


def threads_for_report(cycle_id: int, organisation_id: int | None = None, *,
                       hide_reviewer_names: bool = False) -> list[dict]:
    """The threads shared with the delegations, each reply under the comment it answers.

    [{"organisation", "anchor", "author", "date", "body", "body_html", "resolved", "is_request",
    "replies": [{... the same keys, without "replies"}]}], threads in the order they were started.
    """
    query = (select(Comment).join(Submission, Submission.id == Comment.submission_id)
             .where(Submission.cycle_id == cycle_id, Comment.visibility == SHARED)
             .options(selectinload(Comment.author).selectinload(User.organisation),
                      selectinload(Comment.indicator), selectinload(Comment.area),
                      selectinload(Comment.submission).selectinload(Submission.organisation))
             .order_by(Comment.created_at, Comment.id))
    if organisation_id is not None:
        query = query.where(Submission.organisation_id == organisation_id)
    comments = list(db.session.scalars(query))

    def item(c: Comment) -> dict:
        return {"organisation": c.submission.organisation.name, "organisation_id": c.submission.organisation_id,
                "anchor": anchor_label(c),
                "author": reviewer_label(c, hide_reviewer_names), "date": format_datetime(c.created_at, "d MMM y"),
                "body": c.body, "body_html": str(render_markdown(c.body)), "resolved": c.resolved_at is not None,
                "is_request": c.is_request, "edited": c.edited_at is not None}

    roots: dict[int, dict] = {}
    for c in comments:
        if c.parent_id is None:
            roots[c.id] = {**item(c), "replies": []}
    for c in comments:
        if c.parent_id is not None and c.parent_id in roots:
            roots[c.parent_id]["replies"].append(item(c))
    return list(roots.values())
