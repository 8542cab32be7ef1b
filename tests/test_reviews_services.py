"""Assignments with conflict-of-interest checks; comment visibility."""
import pytest

from peerreview.errors import Conflict, PermissionDenied, ValidationFailed
from peerreview.reviews import services
from tests.factories import OrganisationFactory, UserFactory


def test_reviewer_from_the_reviewed_organisation_is_refused(world):
    colleague = UserFactory(role="reviewer", organisation=world.own_org, name="Insider Ida", network=world.network)
    with pytest.raises(ValidationFailed) as failed:
        services.assign_reviewer(world.secretariat, world.own_submission, colleague.id)
    assert "works for Bundesagentur für Arbeit, the organisation under review" in failed.value.errors["reviewer_id"]


def test_reviewer_from_the_same_country_is_refused(world):
    compatriot = UserFactory(role="reviewer", organisation=OrganisationFactory(country="DE", name="IAB"),
                             network=world.network)
    with pytest.raises(ValidationFailed) as failed:
        services.assign_reviewer(world.secretariat, world.own_submission, compatriot.id)
    assert "same country (DE)" in failed.value.errors["reviewer_id"]


def test_eligible_list_gives_reasons(world):
    UserFactory(role="reviewer", organisation=world.own_org, name="Insider Ida", network=world.network)
    reasons = {u.name: why for u, why in services.eligible_reviewers(world.own_submission)}
    assert reasons["Björn Reviewer"] is None
    assert "organisation under review" in reasons["Insider Ida"]
    assert "Marie Reviewer" not in reasons  # already assigned


def test_delegate_sees_only_shared_comments(world):
    bodies = {c.body for c in services.visible_comments(world.delegate, world.own_submission)}
    assert any("SHARED-COMMENT" in b for b in bodies)
    assert not any("INTERNAL-COMMENT" in b for b in bodies)
    reviewer_bodies = {c.body for c in services.visible_comments(world.reviewer, world.own_submission)}
    assert any("INTERNAL-COMMENT" in b for b in reviewer_bodies)


def test_comment_needs_an_explicit_visibility(world):
    with pytest.raises(ValidationFailed) as failed:
        services.add_comment(world.reviewer, world.own_submission, body="Hello", visibility="")
    assert "visibility" in failed.value.errors


def test_unassigned_reviewer_cannot_comment(world):
    with pytest.raises(PermissionDenied):
        services.add_comment(world.unassigned_reviewer, world.own_submission, body="x", visibility="shared")


def test_reply_inherits_visibility_and_delegate_cannot_reply_to_internal(world):
    reply = services.reply(world.reviewer, world.internal_comment.id, body="Agreed.")
    assert reply.visibility == "internal"
    with pytest.raises(PermissionDenied):
        services.reply(world.delegate, world.internal_comment.id, body="What is this?")
    answer = services.reply(world.delegate, world.shared_comment.id, body="Because of wage subsidies.")
    assert answer.visibility == "shared" and answer.parent_id == world.shared_comment.id


def test_reply_to_a_reply_joins_the_thread(world):
    first = services.reply(world.delegate, world.shared_comment.id, body="First")
    second = services.reply(world.reviewer, first.id, body="Second")
    assert second.parent_id == world.shared_comment.id


def test_comments_closed_outside_review(world):
    world.cycle.status = "open"
    with pytest.raises(Conflict, match="in review or reporting"):
        services.add_comment(world.reviewer, world.own_submission, body="x", visibility="shared")


def test_reviewer_with_comments_stays_assigned(world):
    with pytest.raises(Conflict, match="already commented"):
        services.unassign_reviewer(world.secretariat, world.assignment.id)
    fresh = UserFactory(role="reviewer", organisation=OrganisationFactory(country="NZ"), network=world.network)
    assignment = services.assign_reviewer(world.secretariat, world.own_submission, fresh.id)
    services.unassign_reviewer(world.secretariat, assignment.id)


