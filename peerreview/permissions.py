"""THE one place that decides who may do what.

`can(user, action, obj)` answers for one object; services call `require(...)`,
templates call `can(...)` to show or hide buttons. `scope(user, action)` answers
the same question for a list: it returns the SQL condition that selects exactly
the rows `can()` allows (tests/test_tenancy_scopes.py checks both directions for
every list, every role and two networks). Whether an action makes sense *now* (a
cycle's phase, a submission's status) is a domain rule and lives in the services.

A network is a tenant: every rule goes through the roles a person holds *in the
network the object belongs to* (RoleGrant), never through a role held elsewhere.

Every endpoint of the app is listed in docs/access-matrix.md and exercised by
tests/test_access_matrix.py, so a new route cannot ship without a decision.

Every rule here is decided from rows whose changes move a data version (peerreview/page_cache.py):
the person's account and roles, their organisation, the object's cycle and network. That is what lets
peerreview/auth/replay.py show a reader a page these rules allowed for that same reader at the same
versions without asking again; a rule that reads anything else (the clock beyond the quarter hour,
a row outside those scopes) must move a version when it changes, or the replayed pages must not use it.
"""
from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from flask import g, has_request_context
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from sqlalchemy import and_, exists, false, or_, select
from sqlalchemy.sql.elements import ColumnElement

from peerreview.api.models import SCOPE_READ, SCOPE_SUBMIT, AccessToken
from peerreview.audit.models import AuditEvent
from peerreview.auth.models import ROLE_DELEGATE, ROLE_REVIEWER, ROLE_SECRETARIAT, RoleGrant, User
from peerreview.cycles.models import IN_REVIEW, Cycle
from peerreview.errors import PermissionDenied
from peerreview.extensions import db
from peerreview.framework.models import Framework
from peerreview.mail.models import OutboxMessage
from peerreview.organisations.models import Organisation, network_membership
from peerreview.reports.models import (
    FEEDBACK,
    SYNTHESIS,
    TIER_FACTUAL_CHECK,
    TIER_NETWORK,
    TIER_PUBLIC,
    VERSION_WITHDRAWN,
    Report,
    ReportVersion,
)
from peerreview.reviews.models import SHARED, Comment, DeclaredConflict, ReviewerAssignment
from peerreview.submissions.models import SUBMITTED, Submission, SubmissionDocument


class Action(Enum):
    MANAGE_ORGANISATIONS = "manage_organisations"  # no obj: open the organisations pages
    VIEW_ORGANISATION = "view_organisation"  # obj: Organisation (listable)
    EDIT_ORGANISATION = "edit_organisation"  # obj: Organisation
    CREATE_ORGANISATION = "create_organisation"  # obj: Network
    MANAGE_USERS = "manage_users"  # no obj: open the users pages
    VIEW_USER = "view_user"  # obj: User (listable)
    DEACTIVATE_USER = "deactivate_user"  # obj: User
    GRANT_ROLE = "grant_role"  # obj: Network (create accounts, grant and revoke roles there)
    READ_OUTBOX = "read_outbox"  # no obj: open the outbox
    READ_MAIL = "read_mail"  # obj: OutboxMessage (listable)
    VIEW_AUDIT = "view_audit"  # obj: Network
    VIEW_AUDIT_EVENT = "view_audit_event"  # obj: AuditEvent (listable)
    MANAGE_FRAMEWORK = "manage_framework"  # obj: Network
    CREATE_CYCLE = "create_cycle"  # obj: Network
    VIEW_CYCLE = "view_cycle"  # obj: Cycle (listable)
    MANAGE_CYCLE = "manage_cycle"  # obj: Cycle (edit, invite, move phase, assign)
    COMPARE_INDICATORS = "compare_indicators"  # obj: Cycle
    VIEW_SUBMISSION = "view_submission"  # obj: Submission (listable)
    EDIT_SUBMISSION = "edit_submission"  # obj: Submission (delegate of the organisation)
    REVIEW_SUBMISSION = "review_submission"  # obj: Submission (assigned reviewer)
    VIEW_INTERNAL_COMMENTS = "view_internal_comments"  # obj: Submission
    VIEW_COMMENT = "view_comment"  # obj: Comment (listable)
    REPLY_TO_COMMENT = "reply_to_comment"  # obj: Comment
    CORRECT_VALUE = "correct_value"  # obj: Comment (an open clarification request on a value: the delegation)
    VIEW_TEAM_ASSESSMENTS = "view_team_assessments"  # obj: Submission (individual scores: review team)
    CONSOLIDATE_ASSESSMENT = "consolidate_assessment"  # obj: Submission (lead reviewer)
    MANAGE_REVIEWER_POOL = "manage_reviewer_pool"  # obj: Network (profiles, load)
    DECLARE_REVIEWER_CONFLICT = "declare_reviewer_conflict"  # obj: Network (a reviewer there)
    DECLARE_DELEGATION_CONFLICT = "declare_delegation_conflict"  # obj: Network (a delegate there)
    VIEW_DECLARED_CONFLICT = "view_declared_conflict"  # obj: DeclaredConflict (listable)
    MANAGE_REPORTS = "manage_reports"  # obj: Cycle
    DOWNLOAD_REPORT = "download_report"  # obj: Report (listable): its working draft, per tier
    DOWNLOAD_REPORT_VERSION = "download_report_version"  # obj: ReportVersion (listable): a published copy
    FLAG_FACTUAL_ERROR = "flag_factual_error"  # obj: Report (the delegation, at the factual check)
    CHOOSE_NAMING = "choose_naming"  # obj: Submission (named or anonymous code in others' reports)
    EXCHANGE_VALUES = "exchange_values"  # obj: Submission (spreadsheets: delegation, or secretariat on its behalf)
    ATTACH_DOCUMENT = "attach_document"  # obj: Submission (delegation, or secretariat on its behalf)
    DOWNLOAD_DOCUMENT = "download_document"  # obj: SubmissionDocument (listable)
    VIEW_FRAMEWORK = "view_framework"  # obj: Framework (listable: its network's secretariat, its cycles' people)
    MANAGE_ACCESS_TOKEN = "manage_access_token"  # noqa: S105 obj: AccessToken (listable: owner only)
    READ_PUBLISHED_DATA = "read_published_data"  # obj: Cycle (its synthesis report is public: SDMX export)
    READ_CONFIDENTIAL_VALUES = "read_confidential_values"  # obj: Submission (its delegation and the secretariat)


def _authenticated(user) -> bool:
    return user is not None and not isinstance(user, AnonymousUserMixin) and user.is_authenticated


def _networks(user, role: str) -> set[int]:
    return user.network_ids(role) if _authenticated(user) else set()


def is_secretariat_of(user, network_id: int | None) -> bool:
    return _authenticated(user) and user.has_role(ROLE_SECRETARIAT, network_id)


def is_delegate_of(user, organisation_id: int, network_id: int) -> bool:
    """A delegate speaks for their own organisation, in the networks where they hold the role."""
    return (_authenticated(user) and user.organisation_id == organisation_id
            and user.has_role(ROLE_DELEGATE, network_id))


def is_assigned_reviewer(user, submission) -> bool:
    """Asked once per request and submission: a page checks it for every comment it shows."""
    if not (_authenticated(user) and user.has_role(ROLE_REVIEWER, submission.cycle.network_id)):
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
    return db.session.scalar(select(exists().where(
        ReviewerAssignment.submission_id == submission_id, ReviewerAssignment.reviewer_id == user_id)))


def is_lead_reviewer(user, submission) -> bool:
    if not (_authenticated(user) and user.has_role(ROLE_REVIEWER, submission.cycle.network_id)):
        return False
    return db.session.scalar(select(exists().where(
        ReviewerAssignment.submission_id == submission.id, ReviewerAssignment.reviewer_id == user.id,
        ReviewerAssignment.is_lead.is_(True))))


def is_reviewer_in_cycle(user, cycle) -> bool:
    if not (_authenticated(user) and user.has_role(ROLE_REVIEWER, cycle.network_id)):
        return False
    return db.session.scalar(select(exists().where(
        ReviewerAssignment.reviewer_id == user.id, ReviewerAssignment.submission_id == Submission.id,
        Submission.cycle_id == cycle.id)))


def is_participant_delegate(user, cycle) -> bool:
    if not (_authenticated(user) and user.has_role(ROLE_DELEGATE, cycle.network_id)):
        return False
    return db.session.scalar(select(exists().where(
        Submission.cycle_id == cycle.id, Submission.organisation_id == user.organisation_id)))


# --- rules for one object -------------------------------------------------------------

def _any_secretariat(user, obj) -> bool:
    return _authenticated(user) and user.is_secretariat


def _secretariat_of_network(user, network) -> bool:
    return network is not None and is_secretariat_of(user, network.id)


def _secretariat_of_cycle(user, cycle) -> bool:
    return is_secretariat_of(user, cycle.network_id)


def _view_organisation(user, organisation) -> bool:
    # Shared organisations (members of several networks) are seen and edited by the
    # secretariat of any of their networks; the change shows in each network's audit.
    return bool(_networks(user, ROLE_SECRETARIAT) & organisation.network_ids)


def _view_user(user, target) -> bool:
    return bool(_networks(user, ROLE_SECRETARIAT) & target.network_ids())


def _deactivate_user(user, target) -> bool:
    # An account is one sign-in for all its networks: only a secretariat of every network
    # where the person holds a role may close it. Others revoke the roles in their network.
    networks = target.network_ids()
    return bool(networks) and networks <= _networks(user, ROLE_SECRETARIAT)


def _read_mail(user, message) -> bool:
    return not message.sensitive and is_secretariat_of(user, message.network_id)


def _view_audit_event(user, event) -> bool:
    return is_secretariat_of(user, event.network_id)


def _view_cycle(user, cycle) -> bool:
    return (is_secretariat_of(user, cycle.network_id) or is_participant_delegate(user, cycle)
            or is_reviewer_in_cycle(user, cycle))


def _view_submission(user, submission) -> bool:
    network_id = submission.cycle.network_id
    return (is_secretariat_of(user, network_id) or is_delegate_of(user, submission.organisation_id, network_id)
            or is_assigned_reviewer(user, submission))


def _edit_submission(user, submission) -> bool:
    return is_delegate_of(user, submission.organisation_id, submission.cycle.network_id)


def _review_submission(user, submission) -> bool:
    return is_assigned_reviewer(user, submission)


def _view_internal(user, submission) -> bool:
    return is_secretariat_of(user, submission.cycle.network_id) or is_assigned_reviewer(user, submission)


def _view_comment(user, comment) -> bool:
    submission = comment.submission
    if comment.visibility == SHARED:
        return _view_submission(user, submission)
    return _view_internal(user, submission)


def _reply_to_comment(user, comment) -> bool:
    # Delegates reply only to comments shared with them; reviewers and the
    # secretariat reply within what they may read.
    submission = comment.submission
    if is_delegate_of(user, submission.organisation_id, submission.cycle.network_id):
        return comment.is_shared
    return _view_internal(user, submission)


def _correct_value(user, request) -> bool:
    # The delegation corrects the value a clarification request asks about, in place and while the request
    # is open and the cycle in review: the submission stays submitted (and in the comparisons).
    submission = request.submission
    return (request.is_request and request.parent_id is None and request.resolved_at is None
            and request.is_shared and request.indicator_id is not None
            and submission.status == SUBMITTED and submission.cycle.status == IN_REVIEW
            and is_delegate_of(user, submission.organisation_id, submission.cycle.network_id))


def _view_declared_conflict(user, conflict) -> bool:
    # The secretariat of the network, the reviewer who declared it, the delegation that declared it.
    return (is_secretariat_of(user, conflict.network_id)
            or (_authenticated(user) and conflict.reviewer_id == user.id
                and user.has_role(ROLE_REVIEWER, conflict.network_id))
            or (conflict.organisation_id is not None
                and is_delegate_of(user, conflict.organisation_id, conflict.network_id)))


def _review_team_of_report(user, report) -> bool:
    """Reviewers assigned in the cycle (synthesis) or to the organisation's submission (feedback)."""
    if not (_authenticated(user) and user.has_role(ROLE_REVIEWER, report.cycle.network_id)):
        return False
    condition = [ReviewerAssignment.reviewer_id == user.id, ReviewerAssignment.submission_id == Submission.id,
                 Submission.cycle_id == report.cycle_id]
    if report.kind != SYNTHESIS:
        condition.append(Submission.organisation_id == report.organisation_id)
    return db.session.scalar(select(exists().where(*condition)))


def _flag_factual_error(user, report) -> bool:
    return (report.kind == FEEDBACK and report.tier == TIER_FACTUAL_CHECK
            and is_delegate_of(user, report.organisation_id, report.cycle.network_id))


def _download_report(user, report) -> bool:
    """The working draft (watermarked): the secretariat and the review team; at the factual check
    also the delegation concerned."""
    return (is_secretariat_of(user, report.cycle.network_id) or _review_team_of_report(user, report)
            or _flag_factual_error(user, report))


def _download_report_version(user, version) -> bool:
    """A published copy: public ones for everyone, network ones for everyone taking part in the
    cycle; a withdrawn one only for the secretariat (the record stays listed with its reason)."""
    report = version.report
    if is_secretariat_of(user, report.cycle.network_id):
        return True
    if version.state == VERSION_WITHDRAWN:
        return False
    if report.tier == TIER_PUBLIC:
        return True
    return report.tier == TIER_NETWORK and (is_participant_delegate(user, report.cycle)
                                            or is_reviewer_in_cycle(user, report.cycle))


def _view_framework(user, framework) -> bool:
    # The secretariat of its network, and everyone who takes part in a cycle that collects it.
    return is_secretariat_of(user, framework.network_id) or bool(_authenticated(user) and db.session.scalar(
        select(exists().where(Cycle.framework_id == framework.id, _scope_cycles(user)))))


def _read_published_data(user, cycle) -> bool:
    return db.session.scalar(select(exists().where(_public_synthesis(cycle.id))))


def _public_synthesis(cycle_id):
    """The cycle's synthesis report is public and has a version not withdrawn."""
    return and_(Report.cycle_id == cycle_id, Report.kind == SYNTHESIS, Report.tier == TIER_PUBLIC,
                Report.id.in_(select(ReportVersion.report_id).where(ReportVersion.state != VERSION_WITHDRAWN)))


def _exchange_values(user, submission) -> bool:
    # Reviewers are left out on purpose: the files carry every value, confidential ones included.
    network_id = submission.cycle.network_id
    return is_secretariat_of(user, network_id) or is_delegate_of(user, submission.organisation_id, network_id)


def _download_document(user, document) -> bool:
    return _view_submission(user, document.submission)


RULES: dict[Action, Callable[[Any, Any], bool]] = {
    Action.MANAGE_ORGANISATIONS: _any_secretariat,
    Action.VIEW_ORGANISATION: _view_organisation,
    Action.EDIT_ORGANISATION: _view_organisation,
    Action.CREATE_ORGANISATION: _secretariat_of_network,
    Action.MANAGE_USERS: _any_secretariat,
    Action.VIEW_USER: _view_user,
    Action.DEACTIVATE_USER: _deactivate_user,
    Action.GRANT_ROLE: _secretariat_of_network,
    Action.READ_OUTBOX: _any_secretariat,
    Action.READ_MAIL: _read_mail,
    Action.VIEW_AUDIT: _secretariat_of_network,
    Action.VIEW_AUDIT_EVENT: _view_audit_event,
    Action.MANAGE_FRAMEWORK: _secretariat_of_network,
    Action.CREATE_CYCLE: _secretariat_of_network,
    Action.VIEW_CYCLE: _view_cycle,
    Action.MANAGE_CYCLE: _secretariat_of_cycle,
    Action.COMPARE_INDICATORS: _view_cycle,
    Action.VIEW_SUBMISSION: _view_submission,
    Action.EDIT_SUBMISSION: _edit_submission,
    Action.REVIEW_SUBMISSION: _review_submission,
    Action.VIEW_INTERNAL_COMMENTS: _view_internal,
    Action.VIEW_COMMENT: _view_comment,
    Action.REPLY_TO_COMMENT: _reply_to_comment,
    Action.CORRECT_VALUE: _correct_value,
    Action.VIEW_TEAM_ASSESSMENTS: _view_internal,
    Action.CONSOLIDATE_ASSESSMENT: lambda user, submission: is_lead_reviewer(user, submission),
    Action.MANAGE_REVIEWER_POOL: _secretariat_of_network,
    Action.DECLARE_REVIEWER_CONFLICT: lambda user, network: network is not None and network.id in _networks(
        user, ROLE_REVIEWER),
    Action.DECLARE_DELEGATION_CONFLICT: lambda user, network: network is not None and network.id in _networks(
        user, ROLE_DELEGATE),
    Action.VIEW_DECLARED_CONFLICT: _view_declared_conflict,
    Action.MANAGE_REPORTS: _secretariat_of_cycle,
    Action.DOWNLOAD_REPORT: _download_report,
    Action.DOWNLOAD_REPORT_VERSION: _download_report_version,
    Action.FLAG_FACTUAL_ERROR: _flag_factual_error,
    Action.CHOOSE_NAMING: lambda user, submission: _exchange_values(user, submission),
    Action.EXCHANGE_VALUES: _exchange_values,
    Action.ATTACH_DOCUMENT: _exchange_values,
    Action.DOWNLOAD_DOCUMENT: _download_document,
    Action.VIEW_FRAMEWORK: _view_framework,
    Action.MANAGE_ACCESS_TOKEN: lambda user, token: _authenticated(user) and token.user_id == user.id,
    Action.READ_PUBLISHED_DATA: _read_published_data,
    # A value flagged confidential is never shown to another organisation, its reviewers included.
    Action.READ_CONFIDENTIAL_VALUES: _exchange_values,
}


# --- personal access tokens (the API) ----------------------------------------------------

# What a token's scopes let a program do; within that, only what its owner may (the rules above).
# Everything else (managing cycles, users, reports, reviewing...) stays with the pages.
TOKEN_ACTIONS: dict[str, frozenset[Action]] = {
    SCOPE_READ: frozenset({Action.VIEW_FRAMEWORK, Action.VIEW_CYCLE, Action.COMPARE_INDICATORS,
                           Action.VIEW_SUBMISSION, Action.READ_CONFIDENTIAL_VALUES,
                           Action.DOWNLOAD_REPORT_VERSION, Action.READ_PUBLISHED_DATA}),
    SCOPE_SUBMIT: frozenset({Action.EDIT_SUBMISSION, Action.EXCHANGE_VALUES}),
}


def token_allows(token: AccessToken, action: Action) -> bool:
    """Does one of the token's scopes cover the action? (Not whether its owner may: can() asks both.)"""
    return any(action in TOKEN_ACTIONS.get(name, frozenset()) for name in token.scope_set)


def required_scope(action: Action) -> str | None:
    """The scope a token needs for the action; None when no token may do it."""
    return next((name for name, actions in TOKEN_ACTIONS.items() if action in actions), None)


def _request_token() -> AccessToken | None:
    """The token the current request was made with (set by the API), None for the pages."""
    return g.get("api_token") if has_request_context() else None


def can(user, action: Action, obj: Any = None) -> bool:
    token = _request_token()
    if token is not None and not token_allows(token, action):
        return False
    return RULES[action](user, obj)


def require(user, action: Action, obj: Any = None) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(_("You do not have permission to do this."))


# --- the same rules for lists ---------------------------------------------------------

def _in(column, ids: set[int]) -> ColumnElement[bool]:
    return column.in_(sorted(ids)) if ids else false()


def _cycles_in(network_ids: set[int]):
    return select(Cycle.id).where(_in(Cycle.network_id, network_ids))


def _assigned_submission_ids(user):
    """Submissions the user is assigned to review, in networks where they are a reviewer."""
    return (select(ReviewerAssignment.submission_id)
            .join(Submission, Submission.id == ReviewerAssignment.submission_id)
            .where(ReviewerAssignment.reviewer_id == user.id,
                   Submission.cycle_id.in_(_cycles_in(_networks(user, ROLE_REVIEWER)))))


def _own_submission_ids(user):
    """Submissions of the delegate's organisation, in networks where they are a delegate."""
    return select(Submission.id).where(Submission.organisation_id == user.organisation_id,
                                       Submission.cycle_id.in_(_cycles_in(_networks(user, ROLE_DELEGATE))))


def _scope_submissions(user) -> ColumnElement[bool]:
    return or_(Submission.cycle_id.in_(_cycles_in(_networks(user, ROLE_SECRETARIAT))),
               Submission.id.in_(_own_submission_ids(user)), Submission.id.in_(_assigned_submission_ids(user)))


def _scope_internal_submissions(user):
    return or_(Submission.cycle_id.in_(_cycles_in(_networks(user, ROLE_SECRETARIAT))),
               Submission.id.in_(_assigned_submission_ids(user)))


def _scope_cycles(user) -> ColumnElement[bool]:
    taking_part = (select(Submission.cycle_id).where(Submission.id.in_(_own_submission_ids(user))))
    reviewing = select(Submission.cycle_id).where(Submission.id.in_(_assigned_submission_ids(user)))
    return or_(_in(Cycle.network_id, _networks(user, ROLE_SECRETARIAT)), Cycle.id.in_(taking_part),
               Cycle.id.in_(reviewing))


def _scope_comments(user) -> ColumnElement[bool]:
    visible = select(Submission.id).where(_scope_submissions(user))
    internal_ok = select(Submission.id).where(_scope_internal_submissions(user))
    return or_(and_(Comment.visibility == SHARED, Comment.submission_id.in_(visible)),
               Comment.submission_id.in_(internal_ok))


def _scope_users(user) -> ColumnElement[bool]:
    networks = _networks(user, ROLE_SECRETARIAT)
    return User.id.in_(select(RoleGrant.user_id).where(_in(RoleGrant.network_id, networks)))


def _scope_organisations(user) -> ColumnElement[bool]:
    networks = _networks(user, ROLE_SECRETARIAT)
    return Organisation.id.in_(select(network_membership.c.organisation_id)
                               .where(_in(network_membership.c.network_id, networks)))


def _scope_declared_conflicts(user) -> ColumnElement[bool]:
    return or_(_in(DeclaredConflict.network_id, _networks(user, ROLE_SECRETARIAT)),
               and_(DeclaredConflict.reviewer_id == user.id,
                    _in(DeclaredConflict.network_id, _networks(user, ROLE_REVIEWER))),
               and_(DeclaredConflict.organisation_id == user.organisation_id,
                    _in(DeclaredConflict.network_id, _networks(user, ROLE_DELEGATE))))


def _scope_report_drafts(user) -> ColumnElement[bool]:
    reviewing = exists().where(
        Submission.id.in_(_assigned_submission_ids(user)), Submission.cycle_id == Report.cycle_id,
        or_(Report.kind == SYNTHESIS, Submission.organisation_id == Report.organisation_id))
    factual_check = and_(Report.kind == FEEDBACK, Report.tier == TIER_FACTUAL_CHECK,
                         Report.organisation_id == user.organisation_id,
                         Report.cycle_id.in_(_cycles_in(_networks(user, ROLE_DELEGATE))))
    return or_(Report.cycle_id.in_(_cycles_in(_networks(user, ROLE_SECRETARIAT))), reviewing, factual_check)


def _scope_public_versions() -> ColumnElement[bool]:
    return and_(ReportVersion.state != VERSION_WITHDRAWN,
                ReportVersion.report_id.in_(select(Report.id).where(Report.tier == TIER_PUBLIC)))


def _scope_report_versions(user) -> ColumnElement[bool]:
    taking_part = select(Submission.cycle_id).where(or_(Submission.id.in_(_own_submission_ids(user)),
                                                        Submission.id.in_(_assigned_submission_ids(user))))
    network_tier = and_(ReportVersion.state != VERSION_WITHDRAWN, ReportVersion.report_id.in_(
        select(Report.id).where(Report.tier == TIER_NETWORK, Report.cycle_id.in_(taking_part))))
    secretariat = ReportVersion.report_id.in_(select(Report.id).where(
        Report.cycle_id.in_(_cycles_in(_networks(user, ROLE_SECRETARIAT)))))
    return or_(secretariat, _scope_public_versions(), network_tier)


SCOPES: dict[Action, Callable[[Any], ColumnElement[bool]]] = {
    Action.VIEW_ORGANISATION: _scope_organisations,
    Action.VIEW_USER: _scope_users,
    Action.READ_MAIL: lambda user: and_(OutboxMessage.sensitive.is_(False),
                                        _in(OutboxMessage.network_id, _networks(user, ROLE_SECRETARIAT))),
    Action.VIEW_AUDIT_EVENT: lambda user: _in(AuditEvent.network_id, _networks(user, ROLE_SECRETARIAT)),
    Action.VIEW_CYCLE: _scope_cycles,
    Action.VIEW_SUBMISSION: _scope_submissions,
    Action.VIEW_COMMENT: _scope_comments,
    Action.VIEW_DECLARED_CONFLICT: _scope_declared_conflicts,
    Action.DOWNLOAD_REPORT: lambda user: _scope_report_drafts(user),
    Action.DOWNLOAD_REPORT_VERSION: lambda user: _scope_report_versions(user),
    Action.DOWNLOAD_DOCUMENT: lambda user: SubmissionDocument.submission_id.in_(
        select(Submission.id).where(_scope_submissions(user))),
    Action.VIEW_FRAMEWORK: lambda user: or_(
        _in(Framework.network_id, _networks(user, ROLE_SECRETARIAT)),
        Framework.id.in_(select(Cycle.framework_id).where(_scope_cycles(user)))),
    Action.MANAGE_ACCESS_TOKEN: lambda user: AccessToken.user_id == user.id,
}


def scope(user, action: Action) -> ColumnElement[bool]:
    """The SQL condition selecting every row `can(user, action, row)` allows, and no other."""
    token = _request_token()
    if token is not None and not token_allows(token, action):
        return false()
    if action is Action.DOWNLOAD_REPORT_VERSION and not _authenticated(user):
        return _scope_public_versions()
    if not _authenticated(user):
        return false()
    return SCOPES[action](user)

