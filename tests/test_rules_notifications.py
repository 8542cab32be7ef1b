"""Notifications and reminders: who is told what, when, once; anonymity in mails; digests."""
from datetime import date

import pytest
from sqlalchemy import select

from peerreview.extensions import db
from peerreview.mail.models import OutboxMessage
from peerreview.reviews import services
from peerreview.reviews.assessments import (
    AreaInput,
    consolidate,
    mark_review_complete,
    save_consolidated,
    save_reviewer_assessment,
)
from peerreview.reviews.models import SentReminder
from peerreview.reviews.notifications import send_scheduled_reminders
from peerreview.workflow.deadlines import ExtensionInput, extend_deadline
from peerreview.workflow.phases import move_cycle
from tests.factories import OrganisationFactory, UserFactory, build_world


@pytest.fixture()
def world(db):
    return build_world()


def _mails(recipient=None):
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient)
    return list(db.session.scalars(query))


def _subjects(recipient):
    return [m.subject for m in _mails(recipient)]


def test_an_assignment_is_mailed_to_the_reviewer_in_the_networks_outbox(world):
    reviewer = UserFactory(role="reviewer", network=world.network, email="anna@ams.example",
                           organisation=OrganisationFactory(country="AT"))
    services.assign_reviewer(world.secretariat, world.own_submission, reviewer.id)
    (mail,) = _mails("anna@ams.example")
    assert mail.subject == "You are asked to review Bundesagentur für Arbeit"
    assert mail.network_id == world.network.id
    assert f"/submissions/{world.own_submission.id}" in mail.body and "not an audit" in mail.body


def test_a_shared_comment_or_request_reaches_the_delegation_an_internal_one_does_not(world):
    services.add_comment(world.reviewer, world.own_submission, body="INTERNAL-NOTE", visibility="internal")
    assert _mails(world.delegate.email) == []
    services.add_comment(world.reviewer, world.own_submission, body="Which source?", visibility="shared",
                         is_request=True)
    (mail,) = _mails(world.delegate.email)
    assert mail.subject == "A clarification request about your submission to WAPES Global Peer Review"
    assert "Marie Reviewer asks your delegation" in mail.body and "Which source?" in mail.body
    assert _mails(world.other_delegate.email) == []  # another organisation's delegate hears nothing


def test_mails_to_the_delegation_hide_reviewer_names_where_the_cycle_says_so(world):
    world.cycle.hide_reviewer_names = True
    services.add_comment(world.reviewer, world.own_submission, body="Shared", visibility="shared")
    (mail,) = _mails(world.delegate.email)
    assert "Marie" not in mail.body and "A peer reviewer shared a comment" in mail.body


def test_an_answer_is_mailed_to_the_author_of_the_comment(world):
    services.reply(world.delegate, world.shared_comment.id, body="Wage subsidies.")
    (mail,) = _mails(world.reviewer.email)
    assert mail.subject == "Bundesagentur für Arbeit answered your comment" and "Wage subsidies." in mail.body


def test_a_phase_move_is_mailed_to_delegations_and_assigned_reviewers(world):
    world.cycle.status = "in_review"
    move_cycle(world.secretariat, world.cycle, "reporting", reason="Due")
    for user in (world.delegate, world.other_delegate, world.reviewer):
        assert _subjects(user.email) == ["WAPES Global Peer Review is now: Reporting"]
    assert _mails(world.unassigned_reviewer.email) == []


def test_the_secretariat_hears_when_all_reviews_of_a_submission_and_of_the_cycle_are_in(world):
    area = world.indicator.area
    services.make_lead(world.secretariat, world.assignment.id)
    save_reviewer_assessment(world.reviewer, world.own_submission, [AreaInput(area.id, "3")])
    mark_review_complete(world.reviewer, world.own_submission)
    assert _mails(world.secretariat.email) == []  # not consolidated yet
    save_consolidated(world.reviewer, world.own_submission, [AreaInput(area.id, "3")])
    consolidate(world.reviewer, world.own_submission)
    (mail,) = _mails(world.secretariat.email)
    assert mail.subject == "All reviews of Bundesagentur für Arbeit are in"
    assert "every submitted submission" not in mail.body  # Hello Work's review is not complete


def test_reminders_fall_7_and_2_days_before_and_once_when_overdue_never_twice(world):
    world.cycle.status = "open"
    world.own_submission.status = "draft"  # Hello Work has submitted: no reminder for it
    world.cycle.submission_deadline = date(2026, 12, 15)
    calendar = {}
    for day in range(1, 32):
        today = date(2026, 12, day)
        send_scheduled_reminders(today)
        send_scheduled_reminders(today)  # a second run the same day sends nothing more
        calendar[today] = _subjects(world.delegate.email)
    sent = _subjects(world.delegate.email)
    assert sent == ["7 days left: WAPES Global Peer Review", "2 days left: WAPES Global Peer Review",
                    "Overdue: WAPES Global Peer Review"]
    assert len(calendar[date(2026, 12, 7)]) == 0 and len(calendar[date(2026, 12, 8)]) == 1
    assert len(calendar[date(2026, 12, 13)]) == 2 and len(calendar[date(2026, 12, 15)]) == 2
    assert len(calendar[date(2026, 12, 16)]) == 3
    assert _mails(world.other_delegate.email) == []
    assert db.session.query(SentReminder).count() == 3


def test_an_extension_moves_the_reminders_of_that_organisation_only(world):
    world.cycle.status = "open"
    world.own_submission.status = world.other_submission.status = "draft"
    world.cycle.submission_deadline = date(2026, 12, 15)
    extend_deadline(world.secretariat, world.cycle, ExtensionInput(world.own_org.id, date(2026, 12, 22), "IT"))
    send_scheduled_reminders(date(2026, 12, 8))
    assert _subjects(world.delegate.email) == [] and len(_subjects(world.other_delegate.email)) == 1
    send_scheduled_reminders(date(2026, 12, 15))
    assert _subjects(world.delegate.email) == ["7 days left: WAPES Global Peer Review"]


def test_reviewers_not_done_are_reminded_of_the_review_deadline(world):
    world.cycle.review_deadline = date(2027, 2, 15)
    send_scheduled_reminders(date(2027, 2, 13))
    assert _subjects(world.reviewer.email) == ["2 days left: WAPES Global Peer Review"]
    world.assignment.completed_at = world.assignment.assigned_at
    send_scheduled_reminders(date(2027, 2, 16))
    assert len(_subjects(world.reviewer.email)) == 1  # done: no overdue reminder


def test_a_daily_digest_gathers_notices_into_one_mail(world):
    world.delegate.daily_digest = True
    services.add_comment(world.reviewer, world.own_submission, body="FIRST", visibility="shared")
    services.add_comment(world.reviewer, world.own_submission, body="SECOND", visibility="shared")
    assert _mails(world.delegate.email) == []
    run = send_scheduled_reminders(date(2027, 1, 5))
    assert run.digests == 1
    (mail,) = _mails(world.delegate.email)
    assert mail.subject == "Your daily summary (2 notices)" and "FIRST" in mail.body and "SECOND" in mail.body
    send_scheduled_reminders(date(2027, 1, 6))
    assert len(_mails(world.delegate.email)) == 1


def test_the_send_reminders_command_takes_a_day_and_is_idempotent(app, world, runner):
    world.cycle.status = "open"
    world.own_submission.status = "draft"
    world.cycle.submission_deadline = date(2026, 12, 15)
    db.session.commit()
    result = runner.invoke(args=["send-reminders", "--today", "2026-12-08"])
    assert result.exit_code == 0 and "2026-12-08: 1 reminder(s), 0 digest(s) sent." in result.output
    result = runner.invoke(args=["send-reminders", "--today", "2026-12-08"])
    assert "2026-12-08: 0 reminder(s)" in result.output


def test_one_click_reminders_from_the_cycle_page(world, client, login):
    world.cycle.status = "open"
    world.own_submission.status = "draft"
    db.session.commit()
    login(world.secretariat)
    page = client.get(f"/cycles/{world.cycle.id}").get_data(as_text=True)
    assert "Remind the delegation" in page
    response = client.post(f"/submissions/{world.own_submission.id}/remind", data={"who": "delegation"})
    assert response.status_code == 302
    assert _subjects(world.delegate.email) == ["A reminder from the WAPES secretariat"]
    login(world.delegate)
    assert client.post(f"/submissions/{world.own_submission.id}/remind", data={"who": "delegation"}).status_code == 403


def test_each_person_chooses_immediate_mails_or_a_digest(world, client, login):
    login(world.delegate)
    assert client.post("/account/mail", data={"delivery": "digest"}).status_code == 302
    db.session.refresh(world.delegate)
    assert world.delegate.daily_digest is True
    assert client.post("/account/mail", data={"delivery": "weekly"}).status_code == 422


def _calendar(world, first: date, days: int, recipient: str) -> dict[date, int]:
    """Run the reminders every day (twice) from `first`; the number of mails the recipient has after each day."""
    counts = {}
    for offset in range(days):
        today = date.fromordinal(first.toordinal() + offset)
        send_scheduled_reminders(today)
        send_scheduled_reminders(today)
        counts[today] = len(_subjects(recipient))
    return counts


def test_review_deadline_reminders_7_and_2_days_before_and_once_overdue(world):
    world.cycle.review_deadline = date(2027, 2, 15)
    counts = _calendar(world, date(2027, 2, 1), 25, world.reviewer.email)
    assert _subjects(world.reviewer.email) == ["7 days left: WAPES Global Peer Review",
                                               "2 days left: WAPES Global Peer Review",
                                               "Overdue: WAPES Global Peer Review"]
    assert (counts[date(2027, 2, 7)], counts[date(2027, 2, 8)], counts[date(2027, 2, 13)],
            counts[date(2027, 2, 15)], counts[date(2027, 2, 16)], counts[date(2027, 2, 25)]) == (0, 1, 2, 2, 3, 3)
    (overdue,) = [m for m in _mails(world.reviewer.email) if m.subject.startswith("Overdue")]
    assert "was due on 2027-02-15 and is not marked complete yet" in overdue.body
    assert _mails(world.unassigned_reviewer.email) == []


def test_reporting_deadline_reminders_go_to_the_secretariat_while_the_cycle_is_in_reporting(world):
    world.cycle.status = "reporting"
    world.cycle.reporting_deadline = date(2027, 4, 30)
    counts = _calendar(world, date(2027, 4, 20), 15, world.secretariat.email)
    assert _subjects(world.secretariat.email) == ["7 days left: WAPES Global Peer Review",
                                                  "2 days left: WAPES Global Peer Review",
                                                  "Overdue: WAPES Global Peer Review"]
    assert (counts[date(2027, 4, 22)], counts[date(2027, 4, 23)], counts[date(2027, 4, 28)],
            counts[date(2027, 5, 1)]) == (0, 1, 2, 3)
    first, _second, overdue = _mails(world.secretariat.email)
    assert "The reports of WAPES Global Peer Review are due in 7 days, on 2027-04-30" in first.body
    assert f"/cycles/{world.cycle.id}" in first.body
    assert "were due on 2027-04-30" in overdue.body
    # Nobody else is reminded of the reporting deadline; the other network's secretariat hears nothing.
    for user in (world.delegate, world.reviewer, world.other_secretariat):
        assert _mails(user.email) == []


def test_no_reporting_reminder_without_a_reporting_deadline_or_outside_reporting(world):
    world.cycle.status = "reporting"
    world.cycle.reporting_deadline = None
    _calendar(world, date(2027, 4, 20), 15, world.secretariat.email)
    assert _mails(world.secretariat.email) == []
    world.cycle.reporting_deadline = date(2027, 4, 30)
    world.cycle.status = "closed"
    _calendar(world, date(2027, 4, 20), 15, world.secretariat.email)
    assert _mails(world.secretariat.email) == []
