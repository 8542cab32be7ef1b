"""Saving values: valid kept, invalid reported per cell, locks and conflicts explained."""
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerreview.errors import Conflict, PermissionDenied, ValidationFailed
from peerreview.submissions import services
from peerreview.submissions.services import cell_name
from tests.factories import CycleFactory, IndicatorFactory, SubmissionFactory, UserFactory


@pytest.fixture()
def draft(db):
    cycle = CycleFactory(status="open")
    indicator = IndicatorFactory(framework=cycle.framework, decimals=1, min_value=Decimal(0),
                                 max_value=Decimal(100), dimensions="sex")
    submission = SubmissionFactory(cycle=cycle)
    delegate = UserFactory(network=submission.cycle.network, organisation=submission.organisation)
    return submission, indicator, delegate


def test_valid_values_are_saved_and_every_invalid_one_reported(draft):
    submission, ind, delegate = draft
    raw = {cell_name(ind.id, "_T", 2024): "45,5", cell_name(ind.id, "SEX_F", 2024): "abc",
           cell_name(ind.id, "SEX_M", 2024): "101", cell_name(ind.id, "_T", 2023): "12.345"}
    result = services.save_values(delegate, submission, raw, expected_version=submission.version)
    assert result.saved == 1
    assert set(result.errors) == {cell_name(ind.id, "SEX_F", 2024), cell_name(ind.id, "SEX_M", 2024),
                                  cell_name(ind.id, "_T", 2023)}
    assert "at most 100" in result.errors[cell_name(ind.id, "SEX_M", 2024)]
    assert "decimal" in result.errors[cell_name(ind.id, "_T", 2023)]
    stored = services.value_map(submission.id)
    assert stored[(ind.id, "_T", 2024)].value == Decimal("45.5")


def test_clearing_a_cell_removes_the_value(draft):
    submission, ind, delegate = draft
    name = cell_name(ind.id, "_T", 2024)
    services.save_values(delegate, submission, {name: "10"}, expected_version=None)
    result = services.save_values(delegate, submission, {name: ""}, expected_version=None)
    assert result.cleared == 1 and services.value_map(submission.id) == {}


def test_stale_version_is_refused_and_names_who_saved(draft):
    submission, ind, delegate = draft
    colleague = UserFactory(network=submission.cycle.network, organisation=submission.organisation,
                            name="Colleague Carla")
    opened = submission.version
    services.save_values(colleague, submission, {cell_name(ind.id, "_T", 2024): "10"}, expected_version=opened)
    from peerreview.extensions import db

    db.session.flush()
    with pytest.raises(Conflict, match="Colleague Carla saved this submission"):
        services.save_values(delegate, submission, {cell_name(ind.id, "_T", 2024): "20"}, expected_version=opened)


def test_submit_locks_the_values_with_an_explanation(draft):
    submission, ind, delegate = draft
    with pytest.raises(ValidationFailed, match="at least one value"):
        services.submit(delegate, submission)
    services.save_values(delegate, submission, {cell_name(ind.id, "_T", 2024): "10"}, expected_version=None)
    services.submit(delegate, submission)
    assert submission.status == "submitted"
    with pytest.raises(Conflict, match="ask the network secretariat to return"):
        services.save_values(delegate, submission, {cell_name(ind.id, "_T", 2024): "11"}, expected_version=None)


def test_secretariat_returns_with_a_reason(draft):
    submission, ind, delegate = draft
    sec = UserFactory(role="secretariat", network=submission.cycle.network)
    services.save_values(delegate, submission, {cell_name(ind.id, "_T", 2024): "10"}, expected_version=None)
    services.submit(delegate, submission)
    with pytest.raises(ValidationFailed):
        services.return_for_revision(sec, submission, "  ")
    services.return_for_revision(sec, submission, "Please add the breakdown by sex.")
    assert submission.status == "draft"
    from sqlalchemy import select

    from peerreview.extensions import db
    from peerreview.mail.models import OutboxMessage

    mails = {m.recipient: m for m in db.session.scalars(select(OutboxMessage))}
    assert "submitted to" in mails[sec.email].subject  # the secretariat heard of the submission
    assert "Please add the breakdown by sex." in mails[delegate.email].body  # the delegation of the return


def test_delegate_of_another_organisation_cannot_save(draft):
    submission, ind, _delegate = draft
    stranger = UserFactory()
    with pytest.raises(PermissionDenied):
        services.save_values(stranger, submission, {}, expected_version=None)


def test_values_cannot_change_outside_the_open_phase(draft):
    submission, ind, delegate = draft
    submission.cycle.status = "in_review"
    with pytest.raises(Conflict, match="open for submissions"):
        services.save_values(delegate, submission, {}, expected_version=None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.dictionaries(
    keys=st.tuples(st.sampled_from(["_T", "SEX_F", "SEX_M", "Y_GE50", "BOGUS"]), st.sampled_from([2021, 2022, 2024])),
    values=st.one_of(st.text(max_size=30), st.decimals(allow_nan=True).map(str), st.floats().map(str)),
    max_size=12))
def test_random_grid_input_never_crashes_and_only_valid_values_are_stored(draft, entries):
    """Whatever a browser sends, the save reports problems per cell and stores only valid numbers."""
    submission, ind, delegate = draft
    raw = {cell_name(ind.id, breakdown, year): text for (breakdown, year), text in entries.items()}
    result = services.save_values(delegate, submission, raw, expected_version=None)
    for value in services.value_map(submission.id).values():
        assert value.value.is_finite() and Decimal(0) <= value.value <= Decimal(100)
        assert value.breakdown in {"_T", "SEX_F", "SEX_M"} and value.year in (2022, 2023, 2024)
    assert set(result.errors) <= set(raw)
