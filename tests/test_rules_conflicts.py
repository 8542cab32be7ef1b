"""Conflicts of interest, checked before anyone is assigned; each refusal names its rule."""
import pytest

from peerreview.audit.models import AuditEvent
from peerreview.errors import PermissionDenied, ValidationFailed
from peerreview.extensions import db
from peerreview.reviews import services
from peerreview.reviews.models import DeclaredConflict
from peerreview.reviews.pool import ConflictInput, ProfileInput, declare_conflict, reviewer_pool, save_profile
from tests.factories import AssignmentFactory, OrganisationFactory, SubmissionFactory, UserFactory, build_world


@pytest.fixture()
def world(db):
    return build_world()


def _refusal(world, reviewer, submission=None):
    with pytest.raises(ValidationFailed) as refused:
        services.assign_reviewer(world.secretariat, submission or world.own_submission, reviewer.id)
    return refused.value.errors["reviewer_id"]


def _reviewer(world, country="AT", name="Anna Reviewer", organisation=None):
    organisation = organisation or OrganisationFactory(country=country, name=f"PES {country}", network=world.network)
    return UserFactory(role="reviewer", network=world.network, organisation=organisation, name=name)


def test_same_organisation_is_refused_by_name(world):
    insider = _reviewer(world, organisation=world.own_org, name="Insider Ida")
    assert _refusal(world, insider) == ("Same organisation: Insider Ida works for Bundesagentur für Arbeit, the "
                                        "organisation under review.")


def test_same_country_is_refused_by_name(world):
    compatriot = _reviewer(world, country="DE", name="Dieter")
    assert _refusal(world, compatriot) == ("Same country: Dieter works for PES DE in the same country (DE) as the "
                                           "organisation under review.")


def test_a_conflict_declared_by_the_reviewer_is_refused_with_its_reason(world):
    anna = _reviewer(world)
    declare_conflict(anna, ConflictInput(world.network.id, world.own_org.id, "Worked there until 2024", False))
    assert _refusal(world, anna) == ("Declared conflict: Anna Reviewer declared a conflict of interest with "
                                     "Bundesagentur für Arbeit (Worked there until 2024).")
    services.assign_reviewer(world.secretariat, world.other_submission, anna.id)  # other organisations: fine


def test_a_conflict_declared_by_the_delegation_names_an_organisation_and_refuses_its_people(world):
    anna = _reviewer(world)
    declare_conflict(world.delegate, ConflictInput(world.network.id, anna.organisation_id, "Joint project", True))
    conflict = db.session.query(DeclaredConflict).one()
    assert (conflict.organisation_id, conflict.reviewer_id) == (world.own_org.id, None)  # never a person
    assert _refusal(world, anna) == ("Declared conflict: the delegation of Bundesagentur für Arbeit declared a "
                                     "conflict of interest with PES AT (Joint project).")
    colleague = _reviewer(world, organisation=anna.organisation, name="Colleague")
    assert _refusal(world, colleague).startswith("Declared conflict: the delegation")
    assert db.session.query(AuditEvent).filter_by(action="conflict.declare").count() == 1


def test_reciprocal_reviews_are_refused_only_where_the_cycle_forbids_them(world):
    # Someone of Hello Work (the other organisation) reviews Germany's submission...
    hello_reviewer = _reviewer(world, organisation=world.other_org, name="Hiro R")
    AssignmentFactory(submission=world.own_submission, reviewer=hello_reviewer, assigned_by_id=world.secretariat.id)
    # ...so someone of Germany's PES reviewing Hello Work would make them review each other.
    german = _reviewer(world, organisation=world.own_org, name="Greta")
    assert services.conflict_of_interest(german, world.other_submission) is None
    world.cycle.forbid_reciprocal_reviews = True
    db.session.flush()
    assert _refusal(world, german, world.other_submission) == (
        "Reciprocal review: people of Hello Work already review Bundesagentur für Arbeit in this cycle, and the "
        "cycle does not allow two organisations to review each other.")
    # A third organisation is still fine, and other cycles are not concerned.
    assert services.conflict_of_interest(_reviewer(world, country="SE", name="Sven"), world.other_submission) is None


def test_declarations_report_every_problem_and_need_the_role(world):
    anna = _reviewer(world)
    with pytest.raises(ValidationFailed) as refused:
        declare_conflict(anna, ConflictInput(world.network.id, anna.organisation_id, "  ", False))
    assert refused.value.errors == {"with_organisation_id": "Choose another organisation of this network.",
                                    "reason": "Say what the conflict of interest is."}
    stranger = OrganisationFactory(network=world.other_network)
    with pytest.raises(ValidationFailed):
        declare_conflict(anna, ConflictInput(world.network.id, stranger.id, "x", False))
    with pytest.raises(PermissionDenied):  # a reviewer does not declare for a delegation
        declare_conflict(anna, ConflictInput(world.network.id, world.other_org.id, "x", True))
    with pytest.raises(PermissionDenied):  # nor in a network where they do not review
        declare_conflict(anna, ConflictInput(world.other_network.id, world.other_org.id, "x", False))


def test_the_pool_shows_profile_and_load_of_each_reviewer(world):
    save_profile(world.secretariat, world.network, world.reviewer.id, ProfileInput("en, fr,", "c, d"))
    SubmissionFactory(cycle=world.cycle)  # not assigned: no load
    rows = {r.reviewer.name: r for r in reviewer_pool(world.secretariat, world.network)}
    assert (rows["Marie Reviewer"].languages, rows["Marie Reviewer"].expertise, rows["Marie Reviewer"].load) == (
        "en, fr", "C, D", 1)
    assert rows["Björn Reviewer"].load == 0
    world.cycle.status = "closed"
    db.session.flush()
    assert {r.reviewer.name: r.load for r in reviewer_pool(world.secretariat, world.network)}["Marie Reviewer"] == 0
    with pytest.raises(PermissionDenied):
        reviewer_pool(world.other_secretariat, world.network)
    with pytest.raises(ValidationFailed):
        save_profile(world.secretariat, world.network, world.delegate.id, ProfileInput("", ""))


def test_the_conflicts_page_declares_and_lists_for_a_delegate(client, login, world):
    login(world.delegate)
    page = client.get("/conflicts").get_data(as_text=True)
    assert "Hello Work (WAPES)" in page
    assert "Marie Reviewer" not in page  # a delegation names organisations, never people
    response = client.post("/conflicts", data={"target": f"{world.network.id}:{world.other_org.id}",
                                               "declared_as": "delegation", "reason": ""})
    assert response.status_code == 422 and "Say what the conflict of interest is." in response.get_data(as_text=True)
    response = client.post("/conflicts", data={"target": f"{world.network.id}:{world.other_org.id}",
                                               "declared_as": "delegation", "reason": "Twinning project"})
    assert response.status_code == 302
    assert "Hello Work: Twinning project" in client.get("/conflicts").get_data(as_text=True)
    login(world.other_delegate)
    assert "Twinning project" not in client.get("/conflicts").get_data(as_text=True)
