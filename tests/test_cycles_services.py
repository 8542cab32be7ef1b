"""Cycle workflow: phases move one at a time and refuse with a reason."""
import pytest

from peerreview.audit.models import AuditEvent
from peerreview.cycles import services
from peerreview.errors import Conflict, PermissionDenied, ValidationFailed
from peerreview.extensions import db
from peerreview.submissions import services as submissions
from peerreview.workflow import phases
from tests.factories import CycleFactory, IndicatorFactory, OrganisationFactory, UserFactory


@pytest.fixture()
def setup(db):
    cycle = CycleFactory()
    secretariat = UserFactory(role="secretariat", network=cycle.network)
    return cycle, secretariat


def test_opening_needs_indicators_and_participants(setup):
    cycle, sec = setup
    with pytest.raises(Conflict, match="no indicators"):
        phases.move_cycle(sec, cycle, "open")
    IndicatorFactory(framework=cycle.framework)
    with pytest.raises(Conflict, match="Invite at least one organisation"):
        phases.move_cycle(sec, cycle, "open")
    submissions.invite_organisation(sec, cycle, OrganisationFactory(network=cycle.network).id)
    phases.move_cycle(sec, cycle, "open")
    assert cycle.status == "open"


def test_phases_cannot_be_skipped_and_closing_needs_a_published_report(setup):
    cycle, sec = setup
    cycle.status = "reporting"
    with pytest.raises(Conflict, match="one phase at a time"):
        phases.move_cycle(sec, cycle, "draft")
    with pytest.raises(Conflict, match="Publish at least one report"):
        phases.move_cycle(sec, cycle, "closed")


def test_review_needs_a_submission(setup):
    cycle, sec = setup
    cycle.status = "open"
    with pytest.raises(Conflict, match="No organisation has submitted"):
        phases.move_cycle(sec, cycle, "in_review")


def test_every_move_is_recorded_with_who_from_and_to(setup):
    cycle, sec = setup
    IndicatorFactory(framework=cycle.framework)
    submissions.invite_organisation(sec, cycle, OrganisationFactory(network=cycle.network).id)
    phases.move_cycle(sec, cycle, "open")
    event = db.session.query(AuditEvent).filter_by(action="cycle.transition").one()
    assert (event.actor_id, event.before, event.after) == (sec.id, {"status": "draft"}, {"status": "open"})
    assert event.at.tzinfo is not None


def test_other_network_secretariat_cannot_move_the_cycle(setup):
    cycle, _sec = setup
    stranger = UserFactory(role="secretariat", network=CycleFactory().network)
    with pytest.raises(PermissionDenied):
        phases.move_cycle(stranger, cycle, "open")


def test_invite_refuses_twice_and_non_pes(setup):
    cycle, sec = setup
    org = OrganisationFactory(network=cycle.network)
    submissions.invite_organisation(sec, cycle, org.id)
    with pytest.raises(Conflict) as failed:
        submissions.invite_organisation(sec, cycle, org.id)
    assert f"{org.name} already takes part in this cycle" in failed.value.message
    with pytest.raises(ValidationFailed):
        submissions.invite_organisation(sec, cycle, OrganisationFactory(kind="secretariat", network=cycle.network).id)


def test_only_members_of_the_cycles_network_can_be_invited(setup):
    cycle, sec = setup
    outsider = OrganisationFactory(network=CycleFactory().network)
    with pytest.raises(ValidationFailed) as failed:
        submissions.invite_organisation(sec, cycle, outsider.id)
    assert "of this network" in failed.value.errors["organisation_id"]
    assert outsider not in submissions.invitable_organisations(cycle)


def test_cycle_validation_reports_all_problems_at_once(setup):
    cycle, sec = setup
    from datetime import date

    with pytest.raises(ValidationFailed) as failed:
        services.save_cycle(sec, cycle.network, services.CycleData(**{
            "title": "", "framework_id": 0, "first_year": 2024, "last_year": 2020,
            "kickoff_start": date(2026, 10, 14), "kickoff_end": date(2026, 10, 13),
            "submission_deadline": date(2027, 1, 1), "review_deadline": date(2026, 1, 1)}))
    assert set(failed.value.errors) == {"title", "framework_id", "last_year", "kickoff_end", "review_deadline"}


def test_concurrent_edit_of_a_cycle_is_refused(setup):
    cycle, sec = setup
    data = services.CycleData(**{key: getattr(cycle, key) for key in services.CYCLE_FIELDS})
    services.save_cycle(sec, cycle.network, data, cycle.id, expected_version=cycle.version)
    db.session.flush()
    with pytest.raises(Conflict, match="Someone else changed this"):
        services.save_cycle(sec, cycle.network, data, cycle.id, expected_version=cycle.version - 1)
