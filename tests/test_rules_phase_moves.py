"""Phase moves that can be checked and undone: previews, reverts, deadlines in the network's zone."""
from datetime import UTC, date, datetime

import pytest

from peerreview.audit.models import AuditEvent
from peerreview.cycles.models import DeadlineExtension, PhaseMove
from peerreview.errors import Conflict, PermissionDenied, ValidationFailed
from peerreview.extensions import db
from peerreview.workflow.deadlines import ExtensionInput, deadline_end, extend_deadline, submission_deadline_for
from peerreview.workflow.phases import move_cycle, preview_move, preview_revert, revert_cycle
from tests.factories import CycleFactory, IndicatorFactory, OrganisationFactory, SubmissionFactory, UserFactory

BEFORE_DEADLINE = datetime(2026, 12, 1, tzinfo=UTC)
AFTER_DEADLINE = datetime(2027, 1, 10, tzinfo=UTC)


@pytest.fixture()
def cycle(db):
    cycle = CycleFactory(status="open", submission_deadline=date(2026, 12, 15))
    IndicatorFactory(framework=cycle.framework)
    return cycle


def _org(name):
    return OrganisationFactory(name=name)


def _secretariat(cycle):
    return UserFactory(role="secretariat", network=cycle.network)


def test_the_preview_says_which_drafts_the_move_to_review_locks(cycle):
    for name, status in (("Slovenia", "draft"), ("Austria", "submitted"), ("Croatia", "draft")):
        SubmissionFactory(cycle=cycle, organisation=_org(name), status=status)
    preview = preview_move(_secretariat(cycle), cycle, "in_review", now=BEFORE_DEADLINE)
    assert preview.problem is None
    assert preview.consequences == [
        "2 draft(s) will be locked and cannot be submitted any more: Croatia, Slovenia.",
        "1 submitted submission(s) go to the peer reviewers.",
        "The submission deadline (2026-12-15, Europe/Brussels) has not passed yet.",
    ]
    assert "has not passed" not in " ".join(preview_move(_secretariat(cycle), cycle, "in_review",
                                                         now=AFTER_DEADLINE).consequences)
    assert cycle.status == "open"  # a preview changes nothing
    assert db.session.query(PhaseMove).count() == 0


def test_the_preview_names_organisations_whose_extension_has_not_passed(cycle):
    secretariat = _secretariat(cycle)
    slovenia = SubmissionFactory(cycle=cycle, organisation=_org("Slovenia"), status="draft")
    SubmissionFactory(cycle=cycle, organisation=_org("Austria"), status="submitted")
    extend_deadline(secretariat, cycle, ExtensionInput(slovenia.organisation_id, date(2027, 1, 31), "Strike"))
    lines = preview_move(secretariat, cycle, "in_review", now=AFTER_DEADLINE).consequences
    assert "Slovenia had more time (an extended deadline that has not passed yet)." in lines
    lines = preview_move(secretariat, cycle, "in_review", now=datetime(2027, 2, 1, tzinfo=UTC)).consequences
    assert not any("more time" in line for line in lines)


def test_a_preview_shows_a_refusal_instead_of_consequences(cycle):
    SubmissionFactory(cycle=cycle, status="draft")
    preview = preview_move(_secretariat(cycle), cycle, "in_review")
    assert preview.problem == "No organisation has submitted yet; there is nothing to review."
    assert preview.consequences == []


def test_only_the_networks_secretariat_previews_and_reverts(cycle):
    outsider = UserFactory(role="secretariat", network=CycleFactory().network)
    with pytest.raises(PermissionDenied):
        preview_move(outsider, cycle, "in_review")
    with pytest.raises(PermissionDenied):
        revert_cycle(outsider, cycle, reason="no")


def test_reverting_reopens_the_drafts_the_move_locked_and_keeps_submitted_ones(cycle):
    secretariat = _secretariat(cycle)
    draft = SubmissionFactory(cycle=cycle, organisation=_org("Slovenia"), status="draft")
    submitted = SubmissionFactory(cycle=cycle, organisation=_org("Austria"), status="submitted")
    move_cycle(secretariat, cycle, "in_review")
    assert preview_revert(secretariat, cycle) == [
        "The cycle goes back from In review to Open for submissions.",
        "1 draft(s) locked by the move open again for their delegations: Slovenia.",
        "Submitted submissions stay submitted; comments and assessments are kept.",
    ]
    with pytest.raises(ValidationFailed) as refused:
        revert_cycle(secretariat, cycle, reason="")
    assert refused.value.errors == {"reason": "Give the reason; it is recorded."}
    assert cycle.status == "in_review"
    revert_cycle(secretariat, cycle, reason="Moved two months early by mistake.")
    assert cycle.status == "open"
    assert (draft.status, submitted.status) == ("draft", "submitted")
    from peerreview.submissions.services import edit_problem
    assert edit_problem(draft) is None  # the delegation can enter values again
    moves = db.session.query(PhaseMove).order_by(PhaseMove.id).all()
    assert [(m.from_status, m.to_status, m.reverted) for m in moves] == [
        ("open", "in_review", False), ("in_review", "open", True)]
    assert moves[1].reason == "Moved two months early by mistake."
    event = db.session.query(AuditEvent).filter_by(action="cycle.revert").one()
    assert event.before == {"status": "in_review"}
    assert event.after == {"status": "open", "reason": "Moved two months early by mistake."}


def test_a_draft_cycle_cannot_be_reverted(db):
    cycle = CycleFactory(status="draft")
    with pytest.raises(Conflict, match="A draft cycle has no earlier phase."):
        revert_cycle(_secretariat(cycle), cycle, reason="why not")


def test_a_move_from_a_stale_confirmation_page_is_refused(cycle):
    SubmissionFactory(cycle=cycle, status="submitted")
    with pytest.raises(Conflict, match="has moved to Open for submissions since you opened"):
        move_cycle(_secretariat(cycle), cycle, "in_review", expected_status="draft")
    with pytest.raises(Conflict, match="since you opened the confirmation page"):
        revert_cycle(_secretariat(cycle), cycle, reason="x", expected_status="in_review")
    assert cycle.status == "open"


def test_a_deadline_ends_at_midnight_in_the_networks_time_zone(cycle):
    assert cycle.network.time_zone == "Europe/Brussels"
    # 15 December ends at midnight in Brussels: 23:00 UTC in winter.
    assert deadline_end(cycle, date(2026, 12, 15)) == datetime(2026, 12, 15, 23, 0, tzinfo=UTC)
    assert deadline_end(cycle, date(2026, 7, 15)) == datetime(2026, 7, 15, 22, 0, tzinfo=UTC)  # summer time
    cycle.network.time_zone = "Asia/Tokyo"
    assert deadline_end(cycle, date(2026, 12, 15)) == datetime(2026, 12, 15, 15, 0, tzinfo=UTC)
    assert deadline_end(cycle, None) is None


def test_an_extension_gives_one_organisation_a_later_deadline_with_a_reason(cycle):
    secretariat = _secretariat(cycle)
    slovenia = SubmissionFactory(cycle=cycle, organisation=_org("Slovenia"))
    austria = SubmissionFactory(cycle=cycle, organisation=_org("Austria"))
    extend_deadline(secretariat, cycle, ExtensionInput(slovenia.organisation_id, date(2027, 1, 15), " IT outage "))
    assert submission_deadline_for(cycle, slovenia.organisation_id) == date(2027, 1, 15)
    assert submission_deadline_for(cycle, austria.organisation_id) == date(2026, 12, 15)
    extension = db.session.query(DeadlineExtension).one()
    assert extension.reason == "IT outage"
    extend_deadline(secretariat, cycle, ExtensionInput(slovenia.organisation_id, date(2027, 1, 20), "Longer"))
    assert db.session.query(DeadlineExtension).one().submission_deadline == date(2027, 1, 20)
    events = db.session.query(AuditEvent).filter_by(action="cycle.extend_deadline").order_by(AuditEvent.id).all()
    assert events[1].before == {"submission_deadline": "2027-01-15"}


def test_an_extension_reports_every_problem_at_once(cycle):
    stranger = OrganisationFactory()
    with pytest.raises(ValidationFailed) as refused:
        extend_deadline(_secretariat(cycle), cycle, ExtensionInput(stranger.id, date(2026, 12, 15), ""))
    assert refused.value.errors == {
        "organisation_id": "Choose an organisation taking part in this cycle.",
        "submission_deadline": "An extension ends after the cycle's deadline (2026-12-15).",
        "reason": "Say why the organisation gets more time.",
    }
    with pytest.raises(ValidationFailed) as refused:
        extend_deadline(_secretariat(cycle), cycle, ExtensionInput(None, None, "x" * 2001))
    assert refused.value.errors["submission_deadline"] == "Enter the new deadline as day, month and year."
    assert refused.value.errors["reason"] == "A reason may have at most 2000 characters."


def test_closed_cycles_get_no_extension(db):
    cycle = CycleFactory(status="closed")
    with pytest.raises(Conflict):
        extend_deadline(_secretariat(cycle), cycle, ExtensionInput(1, date(2027, 1, 1), "x"))


# --- through the pages ------------------------------------------------------------------

def test_the_confirmation_page_shows_the_consequences_before_anything_moves(client, login, cycle):
    secretariat = _secretariat(cycle)
    SubmissionFactory(cycle=cycle, organisation=_org("Slovenia"), status="draft")
    SubmissionFactory(cycle=cycle, organisation=_org("Austria"), status="submitted")
    db.session.commit()
    login(secretariat)
    page = client.get(f"/cycles/{cycle.id}/move?target=in_review").get_data(as_text=True)
    assert "1 draft(s) will be locked and cannot be submitted any more: Slovenia." in page
    assert "Confirm the move" in page
    db.session.refresh(cycle)
    assert cycle.status == "open"
    response = client.post(f"/cycles/{cycle.id}/transition", data={"target": "in_review",
                                                                   "expected_status": "open"})
    assert response.status_code == 302
    db.session.refresh(cycle)
    assert cycle.status == "in_review"


def test_reporting_without_a_reason_shows_the_page_again_with_the_error_beside_the_field(client, login, cycle):
    cycle.status = "in_review"
    secretariat = _secretariat(cycle)
    SubmissionFactory(cycle=cycle, organisation=_org("Slovenia"), status="submitted")
    db.session.commit()
    login(secretariat)
    page = client.get(f"/cycles/{cycle.id}/move?target=reporting").get_data(as_text=True)
    assert "1 submission(s) have no complete review: Slovenia." in page
    assert 'name="reason"' in page
    response = client.post(f"/cycles/{cycle.id}/transition", data={"target": "reporting",
                                                                   "expected_status": "in_review"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "govuk-error-summary" in page and "Give the reason; it is recorded." in page
    response = client.post(f"/cycles/{cycle.id}/transition", data={
        "target": "reporting", "expected_status": "in_review", "reason": "Visit report due"})
    assert response.status_code == 302
    db.session.refresh(cycle)
    assert cycle.status == "reporting"


def test_the_revert_page_asks_for_a_reason_then_reverts(client, login, cycle):
    cycle.status = "in_review"
    secretariat = _secretariat(cycle)
    SubmissionFactory(cycle=cycle, organisation=_org("Slovenia"), status="draft")
    db.session.commit()
    login(secretariat)
    page = client.get(f"/cycles/{cycle.id}/revert").get_data(as_text=True)
    assert "1 draft(s) locked by the move open again for their delegations: Slovenia." in page
    response = client.post(f"/cycles/{cycle.id}/revert", data={"expected_status": "in_review", "reason": ""})
    assert response.status_code == 422
    assert "Give the reason; it is recorded." in response.get_data(as_text=True)
    response = client.post(f"/cycles/{cycle.id}/revert", data={"expected_status": "in_review",
                                                               "reason": "Too early"})
    assert response.status_code == 302
    db.session.refresh(cycle)
    assert cycle.status == "open"
    page = client.get(f"/cycles/{cycle.id}").get_data(as_text=True)
    assert "reverted from In review to Open for submissions" in page and "Too early" in page


def test_the_extension_page_keeps_valid_input_and_shows_every_error(client, login, cycle):
    secretariat = _secretariat(cycle)
    slovenia = SubmissionFactory(cycle=cycle, organisation=_org("Slovenia"))
    db.session.commit()
    login(secretariat)
    response = client.post(f"/cycles/{cycle.id}/extensions", data={
        "organisation_id": str(slovenia.organisation_id), "submission_deadline": ["1", "12", "2026"],
        "reason": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "An extension ends after the cycle&#39;s deadline (2026-12-15)." in page
    assert "Say why the organisation gets more time." in page
    response = client.post(f"/cycles/{cycle.id}/extensions", data={
        "organisation_id": str(slovenia.organisation_id), "submission_deadline": ["20", "1", "2027"],
        "reason": "Strike"})
    assert response.status_code == 302
    page = client.get(f"/cycles/{cycle.id}").get_data(as_text=True)
    assert "Slovenia: until 20 Jan 2027 (Strike)" in page
    assert "16 Dec 2026, 00:00 Central European Standard Time" in page  # shown in the zone, with its name


def test_the_confirmation_page_posts_to_itself(client, login, cycle):
    secretariat = _secretariat(cycle)
    SubmissionFactory(cycle=cycle, status="submitted")
    db.session.commit()
    login(secretariat)
    response = client.post(f"/cycles/{cycle.id}/move?target=in_review",
                           data={"target": "in_review", "expected_status": "open"})
    assert response.status_code == 302
    db.session.refresh(cycle)
    assert cycle.status == "in_review"
