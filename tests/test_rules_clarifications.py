"""Clarification requests answered by correcting the value in place (issue 8, "Threads").

The delegation corrects the value a request asks about: only while the request is open, only that
cell, only its own submission, only in review; the submission stays submitted and in the comparisons;
the change is in the value history and reviewers see it as changed since submission.
"""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from peerreview.audit.models import AuditEvent
from peerreview.db_types import utcnow
from peerreview.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from peerreview.extensions import db
from peerreview.reviews.clarifications import CorrectionInput, correct_value
from peerreview.reviews.models import Comment, Notification
from peerreview.reviews.threads import reopen_thread, resolve_thread
from peerreview.submissions.benchmarking import total_values
from peerreview.submissions.corrections import Correction, changed_since_submission, parse_cell_name
from peerreview.submissions.models import IndicatorValue
from peerreview.submissions.services import CellChange, save_values
from tests.factories import ValueFactory, build_world


@pytest.fixture()
def world(db):
    world = build_world()
    # The shared comment (on 1a, aged 50 and over, 2024) becomes an open clarification request on a stored value.
    world.shared_comment.is_request = True
    ValueFactory(submission_id=world.own_submission.id, indicator_id=world.indicator.id, breakdown="Y_GE50",
                 year=2024, value=Decimal("31.2"))
    db.session.commit()
    return world


def _cell_value(world, breakdown="Y_GE50"):
    return db.session.scalar(select(IndicatorValue.value).where(
        IndicatorValue.submission_id == world.own_submission.id, IndicatorValue.indicator_id == world.indicator.id,
        IndicatorValue.breakdown == breakdown, IndicatorValue.year == 2024))


def _correct(world, user=None, value="33.4", started="31.2", body="The 2024 figure double-counted March."):
    return correct_value(user or world.delegate, world.shared_comment.id, CorrectionInput(value, started, body))


def test_the_delegation_corrects_the_value_and_the_submission_stays_submitted_and_compared(world):
    answer = _correct(world)
    assert _cell_value(world) == Decimal("33.4")
    assert world.own_submission.status == "submitted"
    compared = total_values(world.cycle.id, indicator_id=world.indicator.id, breakdown="Y_GE50")
    assert compared[(world.own_org.id, world.indicator.id, 2024)] == Decimal("33.4")
    # The answer is in the thread, under the request, with the change in words.
    assert answer.parent_id == world.shared_comment.id and answer.visibility == "shared"
    assert answer.body.startswith("Value corrected: 31.2 → 33.4.\n\nThe 2024 figure double-counted March.")
    # The value history records the change, its channel and the request it answers.
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "submission.values")).one()
    cell = f"v-{world.indicator.id}-Y_GE50-2024"
    assert event.before == {cell: "31.2"}
    assert event.after == {cell: "33.4", "channel": "clarification", "request": world.shared_comment.id}
    assert event.actor_id == world.delegate.id
    # The reviewer who asked is told; the request stays open for them to resolve or reopen.
    told = db.session.scalars(select(Notification).where(Notification.user_id == world.reviewer.id)).all()
    assert [n.subject for n in told] == ["Bundesagentur für Arbeit answered your comment"]
    assert world.shared_comment.resolved_at is None
    resolve_thread(world.reviewer, world.shared_comment.id)
    reopen_thread(world.reviewer, world.shared_comment.id)
    assert world.shared_comment.resolved_at is None


def test_reviewers_see_the_cell_as_changed_since_submission_with_both_values(world):
    assert changed_since_submission([world.own_submission]) == {}
    _correct(world)
    _correct(world, value="34", started="33.4", body="And rounded.")
    changed = changed_since_submission([world.own_submission, world.other_submission])
    assert changed == {world.own_submission.id: {(world.indicator.id, "Y_GE50", 2024): Correction("31.2", "34")}}


def test_a_value_corrected_back_to_what_was_submitted_is_not_shown_as_changed(world):
    _correct(world)
    _correct(world, value="31.2", started="33.4", body="Back again: the first figure was right.")
    assert changed_since_submission([world.own_submission]) == {}


def test_corrections_before_the_last_submission_do_not_count(world):
    _correct(world)
    world.own_submission.submitted_at = utcnow() + timedelta(minutes=1)  # returned and submitted again later
    assert changed_since_submission([world.own_submission]) == {}
    world.own_submission.status = "draft"
    assert changed_since_submission([world.own_submission]) == {}


def test_a_resolved_request_can_no_longer_be_answered_with_a_correction(world):
    resolve_thread(world.reviewer, world.shared_comment.id)
    with pytest.raises(PermissionDenied):
        _correct(world)
    assert _cell_value(world) == Decimal("31.2")


def test_a_plain_comment_or_an_internal_one_is_not_a_request_to_correct(world):
    world.shared_comment.is_request = False
    with pytest.raises(PermissionDenied):
        _correct(world)
    world.shared_comment.is_request = True
    world.shared_comment.visibility = "internal"  # (requests are always shared; the rule checks it anyway)
    with pytest.raises(NotFound):
        _correct(world)
    assert _cell_value(world) == Decimal("31.2")


def test_a_request_on_the_whole_submission_corrects_no_value(world):
    world.shared_comment.indicator_id = None
    world.shared_comment.breakdown = None
    world.shared_comment.year = None
    with pytest.raises(PermissionDenied):
        _correct(world)


def test_a_reply_in_the_thread_is_not_a_request(world):
    reply = Comment(submission_id=world.own_submission.id, author_id=world.reviewer.id,
                    parent_id=world.shared_comment.id, visibility="shared", body="Also this?", is_request=True,
                    indicator_id=world.indicator.id, breakdown="Y_GE50", year=2024)
    db.session.add(reply)
    db.session.flush()
    with pytest.raises(PermissionDenied):
        correct_value(world.delegate, reply.id, CorrectionInput("33.4", "31.2", "Corrected."))


def test_only_the_cell_the_request_asks_about_can_change(world):
    other_cell = CellChange(world.indicator.id, "_T", 2024, "41", "40.5")
    with pytest.raises(PermissionDenied) as refused:
        save_values(world.delegate, world.own_submission, [other_cell], channel="clarification",
                    clarification=world.shared_comment)
    assert str(refused.value.message) == "Only the value the clarification request asks about can be corrected."
    both = [CellChange(world.indicator.id, "Y_GE50", 2024, "33.4", "31.2"), other_cell]
    with pytest.raises(PermissionDenied):
        save_values(world.delegate, world.own_submission, both, channel="clarification",
                    clarification=world.shared_comment)
    assert _cell_value(world) == Decimal("31.2") and _cell_value(world, "_T") == Decimal("40.5")


def test_the_clarification_channel_needs_a_request_of_that_submission(world):
    change = [CellChange(world.indicator.id, "Y_GE50", 2024, "33.4", "31.2")]
    with pytest.raises(PermissionDenied):
        save_values(world.delegate, world.own_submission, change, channel="clarification")
    world.other_comment.is_request = True
    world.other_comment.indicator_id = world.indicator.id
    world.other_comment.breakdown, world.other_comment.year = "Y_GE50", 2024
    with pytest.raises(PermissionDenied):
        save_values(world.delegate, world.own_submission, change, channel="clarification",
                    clarification=world.other_comment)
    assert _cell_value(world) == Decimal("31.2")


@pytest.mark.parametrize("who", ["reviewer", "secretariat", "unassigned_reviewer"])
def test_only_the_delegation_of_the_submission_corrects(world, who):
    with pytest.raises((PermissionDenied, NotFound)):
        _correct(world, user=getattr(world, who))
    assert _cell_value(world) == Decimal("31.2")


@pytest.mark.parametrize("who", ["other_delegate", "other_secretariat"])
def test_another_delegation_or_tenant_does_not_find_the_request(world, who):
    with pytest.raises(NotFound):
        _correct(world, user=getattr(world, who))


@pytest.mark.parametrize("phase", ["open", "reporting", "closed"])
def test_corrections_only_while_the_cycle_is_in_review(world, phase):
    world.cycle.status = phase
    with pytest.raises(PermissionDenied):
        _correct(world)
    assert _cell_value(world) == Decimal("31.2")


def test_a_submission_returned_to_draft_is_corrected_through_the_form_not_on_request(world):
    world.own_submission.status = "draft"
    with pytest.raises(PermissionDenied):
        _correct(world)


def test_an_accepted_and_locked_submission_is_not_corrected(world):
    world.own_submission.accepted_at = utcnow()
    with pytest.raises(Conflict) as refused:
        _correct(world)
    assert "unlock" in str(refused.value.message)
    assert _cell_value(world) == Decimal("31.2")


def test_every_problem_at_once_and_nothing_saved(world):
    with pytest.raises(ValidationFailed) as refused:
        _correct(world, value="150", body="  ")
    assert refused.value.errors == {"value": refused.value.errors["value"], "body": "Say what you corrected and why."}
    assert "100" in refused.value.errors["value"]  # the indicator's range, in words
    with pytest.raises(ValidationFailed) as refused:
        _correct(world, value="")
    assert refused.value.errors == {
        "value": "Type the corrected value. To answer without correcting it, reply in the thread."}
    with pytest.raises(ValidationFailed) as refused:
        _correct(world, value="31,2")  # the value as submitted, typed with a decimal comma
    assert list(refused.value.errors) == ["value"]
    assert db.session.scalars(select(Comment).where(Comment.parent_id == world.shared_comment.id)).all() == []
    assert _cell_value(world) == Decimal("31.2")


def test_a_value_changed_meanwhile_is_not_overwritten(world):
    with pytest.raises(Conflict) as refused:
        _correct(world, started="30.0")
    assert "31.2" in str(refused.value.message)
    assert _cell_value(world) == Decimal("31.2")


def test_cell_names_read_back():
    assert parse_cell_name("v-12-Y_GE50-2024") == (12, "Y_GE50", 2024)
    assert parse_cell_name("v-12-A-B-2024") == (12, "A-B", 2024)
    for name in ("channel", "request", "v-x-_T-2024", "v-12-_T-20x4", "v-12--2024", "w-12-_T-2024"):
        assert parse_cell_name(name) is None


# --- through the pages ------------------------------------------------------------------------

def _cell_url(world):
    return f"/submissions/{world.own_submission.id}/cells/{world.indicator.id}/Y_GE50/2024"


def test_the_delegation_corrects_from_the_cell_page_and_reviewers_see_the_change(world, client, login):
    login(world.delegate)
    page = client.get(_cell_url(world)).get_data(as_text=True)
    assert "Answer by correcting the value" in page and 'value="31.2"' in page
    detail = client.get(f"/submissions/{world.own_submission.id}").get_data(as_text=True)
    assert "Answer by correcting the value" in detail
    prefix = f"c{world.shared_comment.id}-"
    response = client.post(f"/comments/{world.shared_comment.id}/correct", data={
        prefix + "value": "33,4", prefix + "started_from": "31.2", prefix + "body": "March was counted twice."})
    assert response.status_code == 302
    login(world.reviewer)
    page = client.get(_cell_url(world)).get_data(as_text=True)
    assert "Changed since submission" in page and "31.2 → 33.4" in page
    assert "Answer by correcting the value" not in page
    detail = client.get(f"/submissions/{world.own_submission.id}").get_data(as_text=True)
    assert "changed since submission" in detail and "31.2 → 33.4" in detail
    assert "corrected after submitting, in answer to a clarification request" in detail  # the value history
    home = client.get("/").get_data(as_text=True)
    assert "1 value changed since submission" in home
    login(world.secretariat)  # the audit log says it in words
    audit = client.get("/audit/").get_data(as_text=True)
    assert ("Dora Delegate corrected a value of Bundesagentur für Arbeit&#39;s submitted submission in answer to a "
            "clarification request") in audit


def test_a_refused_correction_is_shown_again_with_the_errors_beside_the_fields(world, client, login):
    login(world.delegate)
    prefix = f"c{world.shared_comment.id}-"
    response = client.post(f"/comments/{world.shared_comment.id}/correct", data={
        prefix + "value": "abc", prefix + "started_from": "31.2", prefix + "body": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page and "Say what you corrected and why." in page
    assert 'value="abc"' in page  # what was typed is kept
    assert _cell_value(world) == Decimal("31.2")


def test_the_page_offers_no_correction_once_the_request_is_resolved(world, client, login):
    resolve_thread(world.reviewer, world.shared_comment.id)
    db.session.commit()
    login(world.delegate)
    assert "Answer by correcting the value" not in client.get(_cell_url(world)).get_data(as_text=True)
    prefix = f"c{world.shared_comment.id}-"
    response = client.post(f"/comments/{world.shared_comment.id}/correct", data={
        prefix + "value": "33.4", prefix + "started_from": "31.2", prefix + "body": "Late."})
    assert response.status_code == 403
