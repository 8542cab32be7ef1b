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
    (Action.DOWNLOAD_REPORT, "published_report", {"anonymous", "delegate_own", "delegate_other",
                                                  "reviewer_assigned", "reviewer_unassigned", "secretariat",
                                                  "secretariat_other"}),
    (Action.MANAGE_FRAMEWORK, "network", {"secretariat"}),
    (Action.VIEW_AUDIT, "network", {"secretariat"}),
    (Action.MANAGE_USERS, None, {"secretariat", "secretariat_other"}),
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
