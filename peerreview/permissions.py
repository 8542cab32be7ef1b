"""THE one place that decides who may do what.

`can(user, action, obj)` answers who may act on what; services call
`require(...)`, templates call `can(...)` to show or hide buttons. Whether an
action makes sense *now* (a cycle's phase, a submission's status) is a domain
rule and lives in the services, which say why when they refuse.

Every endpoint of the app is listed in docs/access-matrix.md and exercised by
tests/test_access_matrix.py, so a new route cannot ship without a decision.
"""
from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from flask import g, has_request_context
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from sqlalchemy import exists, select

from peerreview.errors import PermissionDenied
from peerreview.extensions import db


class Action(Enum):
    MANAGE_ORGANISATIONS = "manage_organisations"
    MANAGE_USERS = "manage_users"
    READ_OUTBOX = "read_outbox"
    VIEW_AUDIT = "view_audit"  # obj: Network
    MANAGE_FRAMEWORK = "manage_framework"  # obj: Network
    CREATE_CYCLE = "create_cycle"  # obj: Network
    VIEW_CYCLE = "view_cycle"  # obj: Cycle
    MANAGE_CYCLE = "manage_cycle"  # obj: Cycle (edit, invite, move phase, assign)
    COMPARE_INDICATORS = "compare_indicators"  # obj: Cycle
    VIEW_SUBMISSION = "view_submission"  # obj: Submission
    EDIT_SUBMISSION = "edit_submission"  # obj: Submission (delegate of the organisation)
    REVIEW_SUBMISSION = "review_submission"  # obj: Submission (assigned reviewer)
    VIEW_INTERNAL_COMMENTS = "view_internal_comments"  # obj: Submission
    REPLY_TO_COMMENT = "reply_to_comment"  # obj: Comment
    MANAGE_REPORTS = "manage_reports"  # obj: Cycle
    DOWNLOAD_REPORT = "download_report"  # obj: Report


def _authenticated(user) -> bool:
    return user is not None and not isinstance(user, AnonymousUserMixin) and user.is_authenticated


def is_secretariat_of(user, network_id: int | None) -> bool:
    return _authenticated(user) and user.is_secretariat and user.network_id == network_id


def is_delegate_of(user, organisation_id: int) -> bool:
    return _authenticated(user) and user.is_delegate and user.organisation_id == organisation_id


def is_assigned_reviewer(user, submission) -> bool:
    """Asked once per request and submission: a page checks it for every comment it shows."""
    if not (_authenticated(user) and user.is_reviewer):
        return False
    if not has_request_context():
        return _assignment_exists(user.id, submission.id)
    answers = g.setdefault("_assigned_reviewer", {})
    key = (user.id, submission.id)
    if key not in answers:
        answers[key] = _assignment_exists(user.id, submission.id)
    return answers[key]


def forget_assignments() -> None:
    """Drop the per-request answers (called when assignments change, and before each request)."""
    if has_request_context():
        g.pop("_assigned_reviewer", None)


def _assignment_exists(user_id: int, submission_id: int) -> bool:
    from peerreview.reviews.models import ReviewerAssignment

    return db.session.scalar(
        select(
            exists().where(
                ReviewerAssignment.submission_id == submission_id,
                ReviewerAssignment.reviewer_id == user_id,
            )
        )
    )


def is_reviewer_in_cycle(user, cycle) -> bool:
    from peerreview.reviews.models import ReviewerAssignment
    from peerreview.submissions.models import Submission

    if not (_authenticated(user) and user.is_reviewer):
        return False
    return db.session.scalar(
        select(
            exists()
            .where(ReviewerAssignment.reviewer_id == user.id)
            .where(ReviewerAssignment.submission_id == Submission.id)
            .where(Submission.cycle_id == cycle.id)
        )
    )


def is_participant_delegate(user, cycle) -> bool:
    from peerreview.submissions.models import Submission

    if not (_authenticated(user) and user.is_delegate):
        return False
    return db.session.scalar(
        select(
            exists().where(
                Submission.cycle_id == cycle.id, Submission.organisation_id == user.organisation_id
            )
        )
    )


def _any_secretariat(user, obj) -> bool:
    return _authenticated(user) and user.is_secretariat


def _secretariat_of_network(user, network) -> bool:
    return is_secretariat_of(user, network.id)


def _secretariat_of_cycle(user, cycle) -> bool:
    return is_secretariat_of(user, cycle.network_id)


def _view_cycle(user, cycle) -> bool:
    return (
        is_secretariat_of(user, cycle.network_id)
        or is_participant_delegate(user, cycle)
        or is_reviewer_in_cycle(user, cycle)
    )


def _view_submission(user, submission) -> bool:
    return (
        is_secretariat_of(user, submission.cycle.network_id)
        or is_delegate_of(user, submission.organisation_id)
        or is_assigned_reviewer(user, submission)
    )


def _edit_submission(user, submission) -> bool:
    return is_delegate_of(user, submission.organisation_id)


def _review_submission(user, submission) -> bool:
    return is_assigned_reviewer(user, submission)


def _view_internal(user, submission) -> bool:
    return is_secretariat_of(user, submission.cycle.network_id) or is_assigned_reviewer(
        user, submission
    )


def _reply_to_comment(user, comment) -> bool:
    # Delegates reply only to comments shared with them; reviewers and the
    # secretariat reply within what they may read.
    submission = comment.submission
    if is_delegate_of(user, submission.organisation_id):
        return comment.is_shared
    return _view_internal(user, submission)


def _download_report(user, report) -> bool:
    return report.is_published or is_secretariat_of(user, report.cycle.network_id)


RULES: dict[Action, Callable[[Any, Any], bool]] = {
    Action.MANAGE_ORGANISATIONS: _any_secretariat,
    Action.MANAGE_USERS: _any_secretariat,
    Action.READ_OUTBOX: _any_secretariat,
    Action.VIEW_AUDIT: _secretariat_of_network,
    Action.MANAGE_FRAMEWORK: _secretariat_of_network,
    Action.CREATE_CYCLE: _secretariat_of_network,
    Action.VIEW_CYCLE: _view_cycle,
    Action.MANAGE_CYCLE: _secretariat_of_cycle,
    Action.COMPARE_INDICATORS: _view_cycle,
    Action.VIEW_SUBMISSION: _view_submission,
    Action.EDIT_SUBMISSION: _edit_submission,
    Action.REVIEW_SUBMISSION: _review_submission,
    Action.VIEW_INTERNAL_COMMENTS: _view_internal,
    Action.REPLY_TO_COMMENT: _reply_to_comment,
    Action.MANAGE_REPORTS: _secretariat_of_cycle,
    Action.DOWNLOAD_REPORT: _download_report,
}


def can(user, action: Action, obj: Any = None) -> bool:
    return RULES[action](user, obj)


def require(user, action: Action, obj: Any = None) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(_("You do not have permission to do this."))
