"""can(user, action, obj) for the roles of the standard world."""
import pytest

from peerreview.permissions import Action, can

CASES = [
    # action, object attribute of the world, roles that may
    (Action.VIEW_SUBMISSION, "own_submission", {"delegate_own", "reviewer_assigned", "secretariat"}),
    (Action.EDIT_SUBMISSION, "own_submission", {"delegate_own"}),
    (Action.REVIEW_SUBMISSION, "own_submission", {"reviewer_assigned"}),
    (Action.VIEW_INTERNAL_COMMENTS, "own_submission", {"reviewer_assigned", "secretariat"}),
    (Action.REPLY_TO_COMMENT, "shared_comment", {"delegate_own", "reviewer_assigned", "secretariat"}),
    (Action.REPLY_TO_COMMENT, "internal_comment", {"reviewer_assigned", "secretariat"}),
    (Action.MANAGE_CYCLE, "cycle", {"secretariat"}),
    (Action.VIEW_CYCLE, "cycle", {"delegate_own", "delegate_other", "reviewer_assigned", "secretariat"}),
    (Action.MANAGE_REPORTS, "cycle", {"secretariat"}),
    (Action.DOWNLOAD_REPORT, "draft_report", {"secretariat"}),
    # The working draft: the secretariat and the review team (the reviewer is assigned to the own organisation).
    (Action.DOWNLOAD_REPORT, "published_report", {"reviewer_assigned", "secretariat"}),
    (Action.FLAG_FACTUAL_ERROR, "published_report", set()),
    (Action.CHOOSE_NAMING, "own_submission", {"delegate_own", "secretariat"}),
    (Action.CHOOSE_NAMING, "other_submission", {"delegate_other", "secretariat"}),
    (Action.MANAGE_FRAMEWORK, "network", {"secretariat"}),
    (Action.VIEW_AUDIT, "network", {"secretariat"}),
    (Action.MANAGE_USERS, None, {"secretariat", "secretariat_other"}),
    # Spreadsheets carry every value: the delegation and its network's secretariat, no reviewer.
    (Action.EXCHANGE_VALUES, "own_submission", {"delegate_own", "secretariat"}),
    (Action.EXCHANGE_VALUES, "other_submission", {"delegate_other", "secretariat"}),
    (Action.ATTACH_DOCUMENT, "own_submission", {"delegate_own", "secretariat"}),
    (Action.ATTACH_DOCUMENT, "other_submission", {"delegate_other", "secretariat"}),
    (Action.DOWNLOAD_DOCUMENT, "document", {"delegate_own", "reviewer_assigned", "secretariat"}),
    # Confidential numbers: the organisation's own delegation and the secretariat, never its reviewers.
    (Action.READ_CONFIDENTIAL_VALUES, "own_submission", {"delegate_own", "secretariat"}),
]


@pytest.mark.parametrize(("action", "attribute", "allowed"), CASES,
                         ids=[f"{a.value}-{o}" for a, o, _r in CASES])
def test_can(world, action, attribute, allowed):
    from flask_login import AnonymousUserMixin

    obj = getattr(world, attribute) if attribute else None
    for role, user in world.users().items():
        assert can(user or AnonymousUserMixin(), action, obj) == (role in allowed), role


def test_every_action_has_a_rule():
    from peerreview.permissions import RULES

    assert set(RULES) == set(Action)


def test_deactivated_users_cannot_sign_in(client, world, db):
    world.delegate.active = False
    db.session.commit()
    r = client.post("/login", data={"email": world.delegate.email, "password": "correct horse battery"})
    assert r.status_code == 422


def test_the_per_request_assignment_answer_is_forgotten_when_assignments_change(app, world):
    """A page asks "is this reviewer assigned?" once per request; assigning must refresh it."""
    from peerreview.permissions import is_assigned_reviewer
    from peerreview.reviews.services import assign_reviewer, unassign_reviewer

    with app.test_request_context("/"):
        reviewer = world.unassigned_reviewer
        reviewer.grants[0].network_id = world.network.id
        assert not is_assigned_reviewer(reviewer, world.other_submission)
        assignment = assign_reviewer(world.secretariat, world.other_submission, reviewer.id)
        assert is_assigned_reviewer(reviewer, world.other_submission)
        unassign_reviewer(world.secretariat, assignment.id)
        assert not is_assigned_reviewer(reviewer, world.other_submission)


def test_the_answer_is_forgotten_between_requests(client, login, world, db):
    """An assignment removed between two requests is no longer honoured by the second."""
    login(world.reviewer)
    assert client.get(f"/submissions/{world.own_submission.id}").status_code == 200
    db.session.delete(world.assignment)
    db.session.commit()
    assert client.get(f"/submissions/{world.own_submission.id}").status_code == 403


def test_require_refuses_with_a_message(world):
    from peerreview.errors import PermissionDenied
    from peerreview.permissions import require

    with pytest.raises(PermissionDenied) as refused:
        require(world.delegate, Action.MANAGE_CYCLE, world.cycle)
    assert refused.value.message == "You do not have permission to do this."
    require(world.secretariat, Action.MANAGE_CYCLE, world.cycle)  # allowed: no exception


def test_an_account_is_closed_only_by_a_secretariat_of_every_network_it_takes_part_in(world, db):
    from peerreview.auth.models import RoleGrant

    assert can(world.secretariat, Action.DEACTIVATE_USER, world.other_delegate)
    assert not can(world.other_secretariat, Action.DEACTIVATE_USER, world.other_delegate)
    # A role in network B as well: network A's secretariat alone may no longer close the account.
    db.session.add(RoleGrant(user_id=world.other_delegate.id, network_id=world.other_network.id, role="reviewer"))
    db.session.flush()
    db.session.refresh(world.other_delegate)
    assert not can(world.secretariat, Action.DEACTIVATE_USER, world.other_delegate)
    assert not can(world.other_secretariat, Action.DEACTIVATE_USER, world.other_delegate)
    # Someone who runs both networks may.
    db.session.add(RoleGrant(user_id=world.secretariat.id, network_id=world.other_network.id, role="secretariat"))
    db.session.flush()
    db.session.refresh(world.secretariat)
    assert can(world.secretariat, Action.DEACTIVATE_USER, world.other_delegate)
    # An account without any role is closed by nobody but the command line.
    db.session.query(RoleGrant).filter_by(user_id=world.other_delegate.id).delete()
    db.session.flush()
    db.session.refresh(world.other_delegate)
    assert not can(world.secretariat, Action.DEACTIVATE_USER, world.other_delegate)
    assert not can(None, Action.DEACTIVATE_USER, world.other_delegate)


def test_taking_part_in_one_cycle_opens_no_other_cycle_of_the_network(world):
    from peerreview.permissions import scope
    from tests.factories import AssignmentFactory, CycleFactory, SubmissionFactory

    later = CycleFactory(network=world.network, framework=world.framework, title="Later cycle")
    japan = SubmissionFactory(cycle=later, organisation=world.other_org)
    AssignmentFactory(submission=japan, reviewer=world.unassigned_reviewer, assigned_by_id=world.secretariat.id)
    # Germany's delegate and the reviewer assigned in the first cycle have nothing to do with the later one.
    assert not can(world.delegate, Action.VIEW_CYCLE, later)
    assert not can(world.reviewer, Action.VIEW_CYCLE, later)
    assert can(world.other_delegate, Action.VIEW_CYCLE, later)
    assert can(world.unassigned_reviewer, Action.VIEW_CYCLE, later)
    from peerreview.cycles.models import Cycle
    from peerreview.extensions import db

    for user, expected in ((world.delegate, {world.cycle.id}), (world.reviewer, {world.cycle.id}),
                           (world.unassigned_reviewer, {later.id})):
        assert set(db.session.scalars(db.select(Cycle.id).where(scope(user, Action.VIEW_CYCLE)))) == expected


def test_a_role_revoked_in_a_network_closes_its_assignments_there_while_others_stay(world, db):
    """A reviewer assigned in network A whose only remaining role is in network B (which has work
    of its own) sees nothing of A, in the object rule and in the list rule."""
    from peerreview.auth.models import RoleGrant
    from peerreview.permissions import scope
    from peerreview.submissions.models import Submission
    from tests.factories import CycleFactory, SubmissionFactory

    b_cycle = CycleFactory(network=world.other_network, title="B cycle")
    SubmissionFactory(cycle=b_cycle, organisation=world.own_org)
    db.session.add(RoleGrant(user_id=world.reviewer.id, network_id=world.other_network.id, role="reviewer"))
    db.session.query(RoleGrant).filter_by(user_id=world.reviewer.id, network_id=world.network.id).delete()
    db.session.flush()
    db.session.refresh(world.reviewer)
    assert not can(world.reviewer, Action.VIEW_SUBMISSION, world.own_submission)
    assert not can(world.reviewer, Action.VIEW_CYCLE, world.cycle)
    assert list(db.session.scalars(db.select(Submission.id).where(scope(world.reviewer, Action.VIEW_SUBMISSION)))) == []


def test_a_delegate_role_is_needed_in_the_network_of_the_submission(world, db):
    """Germany's delegate in network A who reviews in network B does not speak for Germany in B."""
    from peerreview.auth.models import RoleGrant
    from peerreview.permissions import scope
    from peerreview.submissions.models import Submission
    from tests.factories import CycleFactory, SubmissionFactory

    b_submission = SubmissionFactory(cycle=CycleFactory(network=world.other_network, title="B cycle"),
                                     organisation=world.own_org)
    db.session.add(RoleGrant(user_id=world.delegate.id, network_id=world.other_network.id, role="reviewer"))
    db.session.flush()
    db.session.refresh(world.delegate)
    assert not can(world.delegate, Action.VIEW_SUBMISSION, b_submission)
    listed = set(db.session.scalars(db.select(Submission.id).where(scope(world.delegate, Action.VIEW_SUBMISSION))))
    assert listed == {world.own_submission.id}


def test_assignment_answers_are_kept_per_submission_within_a_request(app, world):
    from peerreview.permissions import is_assigned_reviewer

    with app.test_request_context("/"):
        assert is_assigned_reviewer(world.reviewer, world.own_submission)
        assert not is_assigned_reviewer(world.reviewer, world.other_submission)
        assert is_assigned_reviewer(world.reviewer, world.own_submission)


def test_outside_a_request_the_assignment_is_asked_every_time(world, db):
    from peerreview.permissions import is_assigned_reviewer
    from tests.factories import AssignmentFactory

    assert not is_assigned_reviewer(world.reviewer, world.other_submission)
    AssignmentFactory(submission=world.other_submission, reviewer=world.reviewer, assigned_by_id=world.secretariat.id)
    assert is_assigned_reviewer(world.reviewer, world.other_submission)


def test_only_a_secretariat_role_closes_accounts_and_only_a_reviewer_role_opens_assignments(world, db):
    from peerreview.auth.models import RoleGrant

    # A delegate of network A closes nobody's account in network A.
    assert not can(world.delegate, Action.DEACTIVATE_USER, world.other_delegate)
    # The assigned reviewer stays a member of network A as a delegate only: the assignment opens nothing.
    db.session.query(RoleGrant).filter_by(user_id=world.reviewer.id).delete()
    db.session.add(RoleGrant(user_id=world.reviewer.id, network_id=world.network.id, role="delegate"))
    db.session.flush()
    db.session.refresh(world.reviewer)
    from peerreview.permissions import scope
    from peerreview.submissions.models import Submission

    assert not can(world.reviewer, Action.VIEW_SUBMISSION, world.own_submission)
    assert list(db.session.scalars(db.select(Submission.id).where(scope(world.reviewer, Action.VIEW_SUBMISSION)))) == []


def test_spreadsheets_and_documents_need_the_role_in_the_submissions_network(world, db):
    """Germany's delegate with a delegate role in network B only, or a secretariat role there, gets nothing in A."""
    from peerreview.auth.models import RoleGrant
    from tests.factories import UserFactory

    b_delegate = UserFactory(organisation=world.own_org, network=world.other_network)
    b_secretariat = UserFactory(organisation=world.own_org, role="secretariat", network=world.other_network)
    a_reviewer_of_own_org = UserFactory(organisation=world.own_org, role="reviewer", network=world.network)
    for person in (b_delegate, b_secretariat, a_reviewer_of_own_org):
        for action in (Action.EXCHANGE_VALUES, Action.ATTACH_DOCUMENT):
            assert not can(person, action, world.own_submission), (person.email, action)
        assert not can(person, Action.DOWNLOAD_DOCUMENT, world.document), person.email
    db.session.add(RoleGrant(user_id=b_delegate.id, network_id=world.network.id, role="delegate"))
    db.session.flush()
    db.session.refresh(b_delegate)
    assert can(b_delegate, Action.EXCHANGE_VALUES, world.own_submission)
    assert can(b_delegate, Action.DOWNLOAD_DOCUMENT, world.document)
