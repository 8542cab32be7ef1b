"""Peer review: assignments with conflict-of-interest checks, comments and replies."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from peerreview.audit.services import record
from peerreview.auth.models import ROLE_REVIEWER, RoleGrant, User
from peerreview.cycles.models import CLOSED, IN_REVIEW, PHASE_LABELS, REPORTING
from peerreview.errors import Conflict, NotFound, ValidationFailed, refuse_simultaneous_change
from peerreview.extensions import db
from peerreview.framework.breakdowns import BY_CODE
from peerreview.framework.models import ExcellenceArea, Indicator
from peerreview.permissions import Action, forget_assignments, require, scope
from peerreview.queries import count_per
from peerreview.reviews import notifications
from peerreview.reviews.models import SHARED, VISIBILITIES, Comment, DeclaredConflict, ReviewerAssignment
from peerreview.submissions.models import SUBMITTED, Submission

MAX_COMMENT_LENGTH = 10_000


@dataclass
class ConflictFacts:
    """What the conflict rules need about one submission, read in three queries."""

    reviewer_declared: dict[int, str]  # reviewer id -> reason they gave (conflict with the reviewed org)
    delegation_declared: dict[int, str]  # organisation id -> reason the delegation gave
    reciprocal: set[int]  # organisations whose submissions people of the reviewed organisation review


def conflict_facts(submission: Submission) -> ConflictFacts:
    network_id = submission.cycle.network_id
    reviewer_declared = {c.reviewer_id: c.reason for c in db.session.scalars(select(DeclaredConflict).where(
        DeclaredConflict.network_id == network_id, DeclaredConflict.reviewer_id.is_not(None),
        DeclaredConflict.with_organisation_id == submission.organisation_id))}
    delegation_declared = {c.with_organisation_id: c.reason for c in db.session.scalars(select(DeclaredConflict).where(
        DeclaredConflict.network_id == network_id, DeclaredConflict.organisation_id == submission.organisation_id))}
    reciprocal: set[int] = set()
    if submission.cycle.forbid_reciprocal_reviews:
        # Organisations whose submissions in this cycle are reviewed by people of the reviewed organisation:
        # a reviewer from one of them would make the two organisations review each other.
        reviewed_by_us = (select(Submission.organisation_id)
                          .join(ReviewerAssignment, ReviewerAssignment.submission_id == Submission.id)
                          .join(User, User.id == ReviewerAssignment.reviewer_id)
                          .where(Submission.cycle_id == submission.cycle_id,
                                 User.organisation_id == submission.organisation_id))
        reciprocal = set(db.session.scalars(reviewed_by_us))
    return ConflictFacts(reviewer_declared, delegation_declared, reciprocal)


def conflict_of_interest(reviewer: User, submission: Submission, facts: ConflictFacts | None = None) -> str | None:
    """Why this person may not review this submission (the rule, named), or None."""
    if not reviewer.has_role(ROLE_REVIEWER, submission.cycle.network_id):
        return _("%(name)s is not a peer reviewer in this network.", name=reviewer.name)
    if not reviewer.active:
        return _("%(name)s's account is deactivated.", name=reviewer.name)
    if reviewer.organisation_id == submission.organisation_id:
        return _("Same organisation: %(name)s works for %(org)s, the organisation under review.",
                 name=reviewer.name, org=submission.organisation.name)
    if reviewer.organisation.country == submission.organisation.country:
        return _("Same country: %(name)s works for %(org)s in the same country (%(country)s) as the "
                 "organisation under review.", name=reviewer.name, org=reviewer.organisation.name,
                 country=reviewer.organisation.country)
    facts = facts or conflict_facts(submission)
    if reviewer.id in facts.reviewer_declared:
        return _("Declared conflict: %(name)s declared a conflict of interest with %(org)s (%(reason)s).",
                 name=reviewer.name, org=submission.organisation.name, reason=facts.reviewer_declared[reviewer.id])
    if reviewer.organisation_id in facts.delegation_declared:
        return _("Declared conflict: the delegation of %(org)s declared a conflict of interest with %(other)s "
                 "(%(reason)s).", org=submission.organisation.name, other=reviewer.organisation.name,
                 reason=facts.delegation_declared[reviewer.organisation_id])
    if reviewer.organisation_id in facts.reciprocal:
        return _("Reciprocal review: people of %(org)s already review %(other)s in this cycle, and the cycle "
                 "does not allow two organisations to review each other.", org=submission.organisation.name,
                 other=reviewer.organisation.name)
    return None


def assignments_for(submission_id: int) -> list[ReviewerAssignment]:
    query = (select(ReviewerAssignment).where(ReviewerAssignment.submission_id == submission_id)
             .options(selectinload(ReviewerAssignment.reviewer).selectinload(User.organisation)))
    return list(db.session.scalars(query))


def reviewer_counts(submission_ids: list[int]) -> dict[int, int]:
    """{submission id: number of assigned reviewers}, in one query."""
    return count_per(ReviewerAssignment.submission_id, submission_ids)


def eligible_reviewers(submission: Submission) -> list[tuple[User, str | None]]:
    """Every reviewer with the reason they cannot be assigned (None if they can)."""
    query = (select(User).join(RoleGrant, RoleGrant.user_id == User.id)
             .where(RoleGrant.role == ROLE_REVIEWER, RoleGrant.network_id == submission.cycle.network_id,
                    User.active.is_(True))
             .options(selectinload(User.organisation)).order_by(User.name))
    assigned = {a.reviewer_id for a in assignments_for(submission.id)}
    facts = conflict_facts(submission)
    return [(u, conflict_of_interest(u, submission, facts)) for u in db.session.scalars(query)
            if u.id not in assigned]


def assign_reviewer(actor, submission: Submission, reviewer_id: int) -> ReviewerAssignment:
    require(actor, Action.MANAGE_CYCLE, submission.cycle)
    if submission.cycle.status == CLOSED:
        raise Conflict(_("The cycle is closed; reviewers can no longer be assigned."))
    reviewer = db.session.get(User, reviewer_id or 0)
    if reviewer is None:
        raise ValidationFailed(_("The reviewer was not assigned."),
                               errors={"reviewer_id": _("Choose a peer reviewer.")})
    problem = conflict_of_interest(reviewer, submission)
    if problem:
        raise ValidationFailed(_("The reviewer was not assigned."), errors={"reviewer_id": problem})

    def already_assigned() -> ValidationFailed | None:
        if not db.session.scalar(select(ReviewerAssignment.id).where(
                ReviewerAssignment.submission_id == submission.id,
                ReviewerAssignment.reviewer_id == reviewer.id)):
            return None
        return ValidationFailed(_("The reviewer was not assigned."), errors={
            "reviewer_id": _("%(name)s is already assigned.", name=reviewer.name)})

    refusal = already_assigned()
    if refusal is not None:
        raise refusal
    assignment = ReviewerAssignment(submission_id=submission.id, reviewer_id=reviewer.id,
                                    assigned_by_id=actor.id)
    with refuse_simultaneous_change(explain=already_assigned):  # assigned by someone else at the same moment
        db.session.add(assignment)
        db.session.flush()
    forget_assignments()
    notifications.on_assignment(assignment)
    record(actor, "review.assign", assignment, after={"reviewer": reviewer.email,
                                                      "submission_id": submission.id},
           network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
    return assignment


def make_lead(actor, assignment_id: int) -> ReviewerAssignment:
    """The lead reviewer consolidates the team's assessments; one per submission."""
    assignment = get_assignment(actor, assignment_id)
    submission = assignment.submission
    if submission.cycle.status == CLOSED:
        raise Conflict(_("The cycle is closed; the review team no longer changes."))
    for other in assignments_for(submission.id):
        if other.is_lead and other.id != assignment.id:
            if other.consolidated_at is not None:
                raise Conflict(_("%(name)s has already consolidated the assessment as lead reviewer; they "
                                 "must reopen their review before the lead changes.", name=other.reviewer.name))
            other.is_lead = False
    assignment.is_lead = True
    record(actor, "review.make_lead", assignment, after={"submission_id": submission.id},
           network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
    db.session.flush()
    return assignment


def get_assignment(actor, assignment_id: int) -> ReviewerAssignment:
    assignment = db.session.get(ReviewerAssignment, assignment_id)
    if assignment is None:
        raise NotFound(_("No such assignment."))
    require(actor, Action.MANAGE_CYCLE, assignment.submission.cycle)
    return assignment


def unassign_reviewer(actor, assignment_id: int) -> None:
    assignment = get_assignment(actor, assignment_id)
    submission = assignment.submission
    has_comments = db.session.scalar(select(Comment.id).where(
        Comment.submission_id == submission.id, Comment.author_id == assignment.reviewer_id).limit(1))
    if has_comments:
        raise Conflict(_("%(name)s has already commented on this submission; the assignment stays so "
                         "that their comments keep their context.", name=assignment.reviewer.name))
    record(actor, "review.unassign", assignment, before={"reviewer": assignment.reviewer.email},
           network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
    db.session.delete(assignment)
    forget_assignments()


def assigned_submissions(actor) -> list[Submission]:
    query = (select(Submission).join(ReviewerAssignment, ReviewerAssignment.submission_id == Submission.id)
             .where(ReviewerAssignment.reviewer_id == actor.id, scope(actor, Action.VIEW_SUBMISSION))
             .options(selectinload(Submission.cycle), selectinload(Submission.organisation)))
    return list(db.session.scalars(query))


def visible_comments(actor, submission: Submission) -> list[Comment]:
    """Comments this user may read: delegates see only shared ones, in one query."""
    query = (select(Comment).where(Comment.submission_id == submission.id, scope(actor, Action.VIEW_COMMENT))
             .options(selectinload(Comment.author).selectinload(User.organisation),
                      selectinload(Comment.indicator), selectinload(Comment.area))
             .order_by(Comment.created_at, Comment.id))
    return list(db.session.scalars(query))


def comment_problem(submission: Submission) -> str | None:
    if submission.status != SUBMITTED:
        return _("Comments can be written once the delegation has submitted.")
    if submission.cycle.status not in (IN_REVIEW, REPORTING):
        return _("Comments can be written while the cycle is in review or reporting; it is %(phase)s.",
                 phase=PHASE_LABELS[submission.cycle.status])
    return None


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("The comment was not saved."), errors={"body": _("Write a comment.")})
    if len(body) > MAX_COMMENT_LENGTH:
        raise ValidationFailed(_("The comment was not saved."), errors={
            "body": _("A comment may have at most %(n)d characters.", n=MAX_COMMENT_LENGTH)})
    return body


def add_comment(actor, submission: Submission, *, body: str, visibility: str,
                indicator_id: int | None = None, breakdown: str | None = None,
                year: int | None = None, area_id: int | None = None, is_request: bool = False) -> Comment:
    require(actor, Action.REVIEW_SUBMISSION, submission)
    problem = comment_problem(submission)
    if problem:
        raise Conflict(problem)
    errors = {}
    if visibility not in VISIBILITIES:
        errors["visibility"] = _("Choose who may read the comment.")
    elif is_request and visibility != SHARED:
        errors["visibility"] = _("A clarification request asks the delegation, so it must be shared with it.")
    if area_id:
        area = db.session.get(ExcellenceArea, area_id) if area_id > 0 else None
        if area is None or area.framework_id != submission.cycle.framework_id:
            errors["anchor"] = _("Choose an excellence area of this submission.")
        indicator_id = breakdown = year = None
    elif indicator_id:
        indicator = db.session.get(Indicator, indicator_id) if indicator_id > 0 else None
        if indicator is None or indicator.framework_id != submission.cycle.framework_id:
            errors["anchor"] = _("Choose a value of this submission.")
        elif breakdown not in {b.code for b in indicator.breakdowns} or year not in submission.cycle.years:
            errors["anchor"] = _("Choose a breakdown and year collected for this indicator.")
    else:
        breakdown = year = None
    try:
        body = _clean_body(body)
    except ValidationFailed as failed:
        errors.update(failed.errors)
    if errors:
        raise ValidationFailed(_("The comment was not saved."), errors=errors)
    comment = Comment(submission_id=submission.id, author_id=actor.id, body=body, visibility=visibility,
                      indicator_id=indicator_id or None, breakdown=breakdown, year=year, area_id=area_id or None,
                      is_request=is_request)
    db.session.add(comment)
    db.session.flush()
    notifications.on_comment(comment)
    record(actor, "comment.create", comment, after={"visibility": visibility, "anchor": anchor_key(comment),
                                                    "request": is_request},
           network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
    return comment


def get_comment_to_answer(actor, comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(_("No such comment."))
    require(actor, Action.REPLY_TO_COMMENT, comment)
    return comment


def reply(actor, parent_id: int, *, body: str) -> Comment:
    parent = get_comment_to_answer(actor, parent_id)
    submission = parent.submission
    problem = comment_problem(submission)
    if problem:
        raise Conflict(problem)
    body = _clean_body(body)
    root = parent if parent.parent_id is None else db.session.get(Comment, parent.parent_id)
    # A reply inherits the visibility of what it answers: a reply to an internal
    # comment can never leak to the delegation.
    comment = Comment(submission_id=submission.id, author_id=actor.id, parent_id=root.id, body=body,
                      visibility=parent.visibility, indicator_id=parent.indicator_id,
                      breakdown=parent.breakdown, year=parent.year, area_id=parent.area_id)
    db.session.add(comment)
    db.session.flush()
    notifications.on_answer(comment, root)
    record(actor, "comment.reply", comment, after={"parent_id": parent.id, "visibility": comment.visibility},
           network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
    return comment


def anchor_key(comment: Comment) -> str:
    if comment.area_id is not None:
        return f"area/{comment.area_id}"
    if comment.indicator_id is None:
        return "submission"
    return f"{comment.indicator_id}/{comment.breakdown}/{comment.year}"


def anchor_label(comment: Comment) -> str:
    if comment.area is not None:
        return f"{_('Self-assessment')} · {comment.area.code} {comment.area.name}"
    if comment.indicator is None:
        return str(_("The submission as a whole"))
    breakdown = BY_CODE.get(comment.breakdown)
    label = breakdown.label if breakdown else ""
    return f"{comment.indicator.code} {comment.indicator.name} · {label} · {comment.year}"


def thread(comments: list[Comment]) -> list[tuple[Comment, list[Comment]]]:
    """Top-level comments with their replies, in order."""
    replies: dict[int, list[Comment]] = {}
    roots = []
    for c in comments:
        if c.parent_id is None:
            roots.append(c)
        else:
            replies.setdefault(c.parent_id, []).append(c)
    return [(root, replies.get(root.id, [])) for root in roots]

