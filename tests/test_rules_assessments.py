"""Structured assessment: scores and findings per excellence area, completion, consolidation."""
import pytest

from peerreview.audit.models import AuditEvent
from peerreview.errors import Conflict, PermissionDenied, ValidationFailed
from peerreview.extensions import db
from peerreview.reviews.assessments import (
    AreaInput,
    consolidate,
    consolidated_assessment,
    mark_review_complete,
    reopen_review,
    review_complete,
    save_consolidated,
    save_reviewer_assessment,
    save_self_scores,
)
from peerreview.reviews.services import make_lead
from tests.factories import (
    AreaFactory,
    AssignmentFactory,
    OrganisationFactory,
    UserFactory,
    build_world,
)


@pytest.fixture()
def world(db):
    return build_world()


def _area(world):
    return world.indicator.area


def _full(area, score="3", **texts):
    return AreaInput(area_id=area.id, score=score, **texts)


def _second_reviewer(world):
    reviewer = UserFactory(role="reviewer", network=world.network, organisation=OrganisationFactory(country="AT"))
    return reviewer, AssignmentFactory(submission=world.own_submission, reviewer=reviewer,
                                       assigned_by_id=world.secretariat.id)


def test_a_reviewer_saves_scores_and_findings_and_every_problem_is_reported_at_once(world):
    area = _area(world)
    second = AreaFactory(framework=world.framework, code="D", name="Relations with employers")
    with pytest.raises(ValidationFailed) as refused:
        save_reviewer_assessment(world.reviewer, world.own_submission, [
            _full(area, "6"), _full(second, "abc", strengths="x" * 10_001)])
    assert refused.value.errors == {
        f"score-{area.id}": "Choose a maturity level from 1 to 5.",
        f"score-{second.id}": "Choose a maturity level from 1 to 5.",
        f"strengths-{second.id}": "A text may have at most 10000 characters.",
    }
    rows = save_reviewer_assessment(world.reviewer, world.own_submission, [
        _full(area, "4", strengths=" Strong employer services. "), _full(second, "")])
    assert [(r.score, r.strengths) for r in rows] == [(4, "Strong employer services."), (None, "")]
    assert db.session.query(AuditEvent).filter_by(action="assessment.save_reviewer").count() == 1


def test_only_assigned_reviewers_assess_and_only_while_in_review(world):
    area = _area(world)
    for outsider in (world.unassigned_reviewer, world.delegate, world.secretariat):
        with pytest.raises(PermissionDenied):
            save_reviewer_assessment(outsider, world.own_submission, [_full(area)])
    world.cycle.status = "open"
    with pytest.raises(Conflict, match="while the cycle is in review or reporting"):
        save_reviewer_assessment(world.reviewer, world.own_submission, [_full(area)])


def test_a_stale_form_does_not_overwrite_a_newer_save(world):
    area = _area(world)
    (row,) = save_reviewer_assessment(world.reviewer, world.own_submission, [_full(area, "2")])
    version = row.version
    save_reviewer_assessment(world.reviewer, world.own_submission, [AreaInput(area.id, "3", version=version)])
    with pytest.raises(Conflict, match="Someone else changed this"):
        save_reviewer_assessment(world.reviewer, world.own_submission, [AreaInput(area.id, "5", version=version)])
    assert row.score == 3


def test_the_delegation_scores_itself_while_it_may_change_its_submission(world):
    area = _area(world)
    world.own_submission.status = "draft"
    world.cycle.status = "open"
    (row,) = save_self_scores(world.delegate, world.own_submission, [_full(area, "2", strengths="ignored")])
    assert (row.score, row.kind, row.strengths) == (2, "self", "")
    with pytest.raises(PermissionDenied):
        save_self_scores(world.other_delegate, world.own_submission, [_full(area, "2")])
    world.own_submission.status = "submitted"
    with pytest.raises(Conflict, match="read-only"):
        save_self_scores(world.delegate, world.own_submission, [_full(area, "5")])


def test_a_review_is_complete_only_when_every_reviewer_is_done_and_the_lead_consolidated(world):
    area = _area(world)
    submission = world.own_submission
    second, second_assignment = _second_reviewer(world)
    assert not review_complete(submission)
    with pytest.raises(Conflict, match=r"Give a maturity score for every excellence area first \(missing: C\)"):
        mark_review_complete(world.reviewer, submission)
    save_reviewer_assessment(world.reviewer, submission, [_full(area, "3")])
    world.shared_comment.is_request = True  # an open clarification request by this reviewer
    db.session.flush()
    with pytest.raises(Conflict, match="You have 1 open clarification request"):
        mark_review_complete(world.reviewer, submission)
    world.shared_comment.resolved_at = world.shared_comment.created_at
    mark_review_complete(world.reviewer, submission)
    with pytest.raises(Conflict, match="You marked your review complete; reopen it"):
        save_reviewer_assessment(world.reviewer, submission, [_full(area, "4")])
    # The lead consolidates; not before every reviewer is done.
    make_lead(world.secretariat, world.assignment.id)
    with pytest.raises(PermissionDenied):
        save_consolidated(second, submission, [_full(area)])
    save_consolidated(world.reviewer, submission, [_full(area, "3", recommendations="Look to **Austria**.")])
    with pytest.raises(Conflict, match="1 reviewer\\(s\\) of the team, you included, have not marked"):
        consolidate(world.reviewer, submission)
    save_reviewer_assessment(second, submission, [_full(area, "2")])
    mark_review_complete(second, submission)
    assert not review_complete(submission)
    assert consolidated_assessment(submission.id) is None  # nothing for the reports before consolidation
    consolidate(world.reviewer, submission)
    assert review_complete(submission)
    data = consolidated_assessment(submission.id)
    assert data["areas"] == [{
        "code": "C", "name": area.name, "score": 3, "level": "3 – Established", "strengths": "",
        "strengths_html": "", "improvements": "", "improvements_html": "",
        "recommendations": "Look to **Austria**.",
        "recommendations_html": "<p>Look to <strong>Austria</strong>.</p>\n",
        "good_practices": "", "good_practices_html": ""}]
    # Reopening takes the consolidation back.
    reopen_review(world.reviewer, submission)
    assert not review_complete(submission) and consolidated_assessment(submission.id) is None


def test_consolidation_needs_every_area_scored(world):
    area = _area(world)
    make_lead(world.secretariat, world.assignment.id)
    save_reviewer_assessment(world.reviewer, world.own_submission, [_full(area, "3")])
    mark_review_complete(world.reviewer, world.own_submission)
    save_consolidated(world.reviewer, world.own_submission, [_full(area, "")])
    with pytest.raises(Conflict, match=r"consolidated maturity score for every excellence area first \(missing: C\)"):
        consolidate(world.reviewer, world.own_submission)


def test_the_lead_cannot_change_once_they_consolidated(world):
    area = _area(world)
    second, second_assignment = _second_reviewer(world)
    make_lead(world.secretariat, world.assignment.id)
    for reviewer in (world.reviewer, second):
        save_reviewer_assessment(reviewer, world.own_submission, [_full(area, "3")])
        mark_review_complete(reviewer, world.own_submission)
    save_consolidated(world.reviewer, world.own_submission, [_full(area, "3")])
    consolidate(world.reviewer, world.own_submission)
    with pytest.raises(Conflict, match="has already consolidated"):
        make_lead(world.secretariat, second_assignment.id)
    reopen_review(world.reviewer, world.own_submission)
    make_lead(world.secretariat, second_assignment.id)
    assert (world.assignment.is_lead, second_assignment.is_lead) == (False, True)


def test_reopen_needs_something_to_reopen(world):
    with pytest.raises(Conflict, match="nothing to reopen"):
        reopen_review(world.reviewer, world.own_submission)


# --- through the pages: who sees which scores ------------------------------------------

def test_individual_scores_stay_within_the_review_team(client, login, world):
    area = _area(world)
    save_reviewer_assessment(world.reviewer, world.own_submission, [_full(area, "4", strengths="TEAM-ONLY")])
    db.session.commit()
    for user in (world.reviewer, world.secretariat):
        login(user)
        page = client.get(f"/submissions/{world.own_submission.id}/assessment/consolidated")
        assert page.status_code == 200 and "TEAM-ONLY" in page.get_data(as_text=True)
    for user in (world.delegate, world.unassigned_reviewer, world.other_delegate):
        login(user)
        assert client.get(f"/submissions/{world.own_submission.id}/assessment/consolidated").status_code == 403
        assert "TEAM-ONLY" not in client.get(f"/submissions/{world.own_submission.id}").get_data(as_text=True)


def test_the_scale_is_described_where_the_score_is_entered_and_self_scores_are_beside(client, login, world):
    area = _area(world)
    world.own_submission.status, world.cycle.status = "draft", "open"
    save_self_scores(world.delegate, world.own_submission, [_full(area, "5")])
    world.own_submission.status, world.cycle.status = "submitted", "in_review"
    db.session.commit()
    login(world.reviewer)
    page = client.get(f"/submissions/{world.own_submission.id}/assessment").get_data(as_text=True)
    assert "The practice is defined and applied across the service" in page  # level 3's description
    assert f'id="self-{area.id}"' in page and "<strong>5</strong>" in page
    assert f'<label class="govuk-label" for="strengths-{area.id}">' in page  # a visible label per field


def test_a_refused_assessment_keeps_what_was_typed_and_shows_the_errors(client, login, world):
    area = _area(world)
    login(world.reviewer)
    response = client.post(f"/submissions/{world.own_submission.id}/assessment", data={
        f"score-{area.id}": "9", f"strengths-{area.id}": "Typed text kept"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose a maturity level from 1 to 5." in page and "Typed text kept" in page
    assert "govuk-error-summary" in page
    response = client.post(f"/submissions/{world.own_submission.id}/assessment", data={
        f"score-{area.id}": "3", f"strengths-{area.id}": "Good"})
    assert response.status_code == 302
    response = client.post(f"/submissions/{world.own_submission.id}/assessment/complete")
    assert response.status_code == 302
    db.session.refresh(world.assignment)
    assert world.assignment.completed_at is not None


def test_a_reviewer_added_after_consolidation_makes_the_review_incomplete_again(world):
    area = _area(world)
    make_lead(world.secretariat, world.assignment.id)
    save_reviewer_assessment(world.reviewer, world.own_submission, [_full(area, "3")])
    mark_review_complete(world.reviewer, world.own_submission)
    save_consolidated(world.reviewer, world.own_submission, [_full(area, "3")])
    consolidate(world.reviewer, world.own_submission)
    assert review_complete(world.own_submission)
    _second_reviewer(world)  # assigned afterwards, not complete
    assert not review_complete(world.own_submission)
    assert not review_complete(world.other_submission)  # nobody assigned: not complete


def test_the_consolidated_assessment_lists_areas_by_code_with_the_moment_of_consolidation(world):
    from peerreview.reviews.assessments import level_label

    area_c = _area(world)
    area_a = AreaFactory(framework=world.framework, code="A", name="Strategic performance management")
    submission = world.own_submission
    assert consolidated_assessment(submission.id) is None  # no lead at all
    make_lead(world.secretariat, world.assignment.id)
    save_reviewer_assessment(world.reviewer, submission, [_full(area_c, "3"), _full(area_a, "5")])
    mark_review_complete(world.reviewer, submission)
    save_consolidated(world.reviewer, submission, [_full(area_c, "2", strengths="*Coaches*"),
                                                    _full(area_a, "5", good_practices="Targets")])
    assert consolidated_assessment(submission.id) is None  # a lead, not yet consolidated
    lead = consolidate(world.reviewer, submission)
    data = consolidated_assessment(submission.id)
    assert data["consolidated_at"] == lead.consolidated_at is not None
    assert [(a["code"], a["name"], a["score"], a["level"]) for a in data["areas"]] == [
        ("A", "Strategic performance management", 5, "5 – Leading"), ("C", area_c.name, 2, "2 – Developing")]
    assert data["areas"][0]["good_practices_html"] == "<p>Targets</p>\n"
    assert data["areas"][1]["strengths_html"] == "<p><em>Coaches</em></p>\n"
    assert (level_label(None), level_label(1), level_label(4)) == ("", "1 – Starting", "4 – Advanced")


def test_what_stops_a_consolidation_counts_only_this_submissions_team(world):
    from peerreview.reviews.assessments import consolidate_problem

    area = _area(world)
    submission = world.own_submission
    # Another submission's reviewer has not finished: that does not hold up this team.
    AssignmentFactory(submission=world.other_submission, reviewer=world.unassigned_reviewer,
                      assigned_by_id=world.secretariat.id)
    make_lead(world.secretariat, world.assignment.id)
    save_reviewer_assessment(world.reviewer, submission, [_full(area, "3")])
    mark_review_complete(world.reviewer, submission)
    save_consolidated(world.reviewer, submission, [_full(area, "3")])
    assert consolidate_problem(submission) is None
    consolidate(world.reviewer, submission)
    assert consolidate_problem(submission) == "The assessment is consolidated; reopen your review to change it."
    reopen_review(world.reviewer, submission)
    world.cycle.status = "closed"
    assert consolidate_problem(submission) == (
        "Comments can be written while the cycle is in review or reporting; it is Closed.")


def test_completion_and_consolidation_refusals_word_for_word_with_areas_in_code_order(world):
    from peerreview.reviews.assessments import completion_problem, consolidate_problem

    area_c = _area(world)
    area_a = AreaFactory(framework=world.framework, code="A", name="Strategy")  # made after C: a higher id
    submission = world.own_submission
    make_lead(world.secretariat, world.assignment.id)
    assert completion_problem(world.reviewer, submission) == (
        "Give a maturity score for every excellence area first (missing: A, C).")
    assert consolidate_problem(submission) == (
        "1 reviewer(s) of the team, you included, have not marked their review complete yet.")
    save_reviewer_assessment(world.reviewer, submission, [_full(area_c, "3"), _full(area_a, "2")])
    assert completion_problem(world.reviewer, submission) is None
    mark_review_complete(world.reviewer, submission)
    assert completion_problem(world.reviewer, submission) == (
        "You marked your review complete; reopen it to change your assessment.")
    assert consolidate_problem(submission) == (
        "Give the consolidated maturity score for every excellence area first (missing: A, C).")


def test_the_open_request_refusal_word_for_word_and_the_completion_map_says_false(world):
    from peerreview.reviews.assessments import completion_problem, review_completion

    save_reviewer_assessment(world.reviewer, world.own_submission, [_full(_area(world), "3")])
    world.shared_comment.is_request = True
    db.session.flush()
    assert completion_problem(world.reviewer, world.own_submission) == (
        "You have 1 open clarification request(s); resolve them before you mark the review complete.")
    completion = review_completion([world.own_submission.id, world.other_submission.id])
    assert completion == {world.own_submission.id: False, world.other_submission.id: False}
    assert all(value is False for value in completion.values())
