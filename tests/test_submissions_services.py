"""Saving values: valid kept, invalid reported per cell, locks and conflicts explained."""
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerreview.errors import Conflict, PermissionDenied, ValidationFailed
from peerreview.submissions import services
from peerreview.submissions.services import CellChange, cell_name
from tests.factories import CycleFactory, IndicatorFactory, SubmissionFactory, UserFactory


def cells(ind, entries: dict, started: dict | None = None) -> list[CellChange]:
    """CellChanges of one indicator: {(breakdown, year): text}, started from `started` (else empty)."""
    started = started or {}
    return [CellChange(ind.id, b, y, text, started.get((b, y), "")) for (b, y), text in entries.items()]


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
    raw = cells(ind, {("_T", 2024): "45,5", ("SEX_F", 2024): "abc", ("SEX_M", 2024): "101", ("_T", 2023): "12.34"})
    result = services.save_values(delegate, submission, raw)
    assert result.saved == 1
    assert set(result.errors) == {cell_name(ind.id, "SEX_F", 2024), cell_name(ind.id, "SEX_M", 2024),
                                  cell_name(ind.id, "_T", 2023)}
    assert "at most 100" in result.errors[cell_name(ind.id, "SEX_M", 2024)]
    assert "decimal" in result.errors[cell_name(ind.id, "_T", 2023)]
    stored = services.value_map(submission.id)
    assert stored[(ind.id, "_T", 2024)].value == Decimal("45.5")


def test_clearing_a_cell_removes_the_value(draft):
    submission, ind, delegate = draft
    services.save_values(delegate, submission, cells(ind, {("_T", 2024): "10"}))
    result = services.save_values(delegate, submission, cells(ind, {("_T", 2024): ""}, {("_T", 2024): "10"}))
    assert result.cleared == 1 and services.value_map(submission.id) == {}


def test_a_cell_changed_meanwhile_is_offered_not_overwritten_and_the_rest_is_saved(draft):
    submission, ind, delegate = draft
    colleague = UserFactory(network=submission.cycle.network, organisation=submission.organisation,
                            name="Colleague Carla")
    services.save_values(delegate, submission, cells(ind, {("_T", 2024): "10", ("SEX_F", 2024): "4"}))
    loaded = {("_T", 2024): "10", ("SEX_F", 2024): "4"}  # both open the form now
    services.save_values(colleague, submission, cells(ind, {("_T", 2024): "12,5"}, loaded))
    result = services.save_values(delegate, submission, cells(
        ind, {("_T", 2024): "20", ("SEX_F", 2024): "5", ("SEX_M", 2024): "6"}, loaded))
    stored = services.value_map(submission.id)
    assert stored[(ind.id, "_T", 2024)].value == Decimal("12.5")  # the colleague's value stays
    assert stored[(ind.id, "SEX_F", 2024)].value == Decimal("5")  # the other cells are saved
    assert stored[(ind.id, "SEX_M", 2024)].value == Decimal("6")
    assert result.saved == 2 and result.errors == {}
    (conflict,) = result.conflicts
    assert (conflict.cell, conflict.theirs, conflict.yours, conflict.changed_by) == (
        cell_name(ind.id, "_T", 2024), "12.5", "20", "Colleague Carla")
    assert conflict.label == f"{ind.code} Total 2024"
    # Keeping one's own value: send it again, started from theirs.
    again = services.save_values(delegate, submission, cells(ind, {("_T", 2024): "20"}, {("_T", 2024): "12.5"}))
    assert again.conflicts == [] and stored[(ind.id, "_T", 2024)].value == Decimal("20")


def test_unchanged_cells_are_not_written_even_if_someone_changed_them(draft):
    submission, ind, delegate = draft
    colleague = UserFactory(network=submission.cycle.network, organisation=submission.organisation)
    services.save_values(delegate, submission, cells(ind, {("_T", 2024): "10"}))
    services.save_values(colleague, submission, cells(ind, {("_T", 2024): "11"}, {("_T", 2024): "10"}))
    # The form still shows 10 (typed as 10,0): the person did not change the cell, so no conflict.
    result = services.save_values(delegate, submission, cells(ind, {("_T", 2024): "10,0"}, {("_T", 2024): "10"}))
    assert result.conflicts == [] and result.saved == 0
    assert services.value_map(submission.id)[(ind.id, "_T", 2024)].value == Decimal("11")


def test_a_cell_emptied_meanwhile_is_a_conflict_too(draft):
    submission, ind, delegate = draft
    services.save_values(delegate, submission, cells(ind, {("_T", 2024): "10"}))
    services.save_values(delegate, submission, cells(ind, {("_T", 2024): ""}, {("_T", 2024): "10"}))
    result = services.save_values(delegate, submission, cells(ind, {("_T", 2024): "30"}, {("_T", 2024): "10"}))
    assert [(c.theirs, c.yours) for c in result.conflicts] == [("", "30")]
    assert services.value_map(submission.id) == {}
    # A cell sent without the value it started from counts as started from empty: never a blind overwrite.
    services.save_values(delegate, submission, cells(ind, {("_T", 2024): "7"}))
    result = services.save_values(delegate, submission, cells(ind, {("_T", 2024): "8"}))
    assert [(c.theirs, c.yours) for c in result.conflicts] == [("7", "8")]


def test_the_same_change_made_twice_is_no_conflict(draft):
    submission, ind, delegate = draft
    services.save_values(delegate, submission, cells(ind, {("_T", 2024): "10"}))
    result = services.save_values(delegate, submission, cells(ind, {("_T", 2024): "10"}))
    assert result.conflicts == [] and result.saved == 0


def test_a_value_save_does_not_move_the_submission_version(draft):
    submission, ind, delegate = draft
    from peerreview.extensions import db

    db.session.flush()
    before = submission.version
    services.save_values(delegate, submission, cells(ind, {("_T", 2024): "10"}))
    assert submission.version == before and submission.last_saved_by_id == delegate.id


def test_unknown_channel_is_a_programming_error(draft):
    submission, ind, delegate = draft
    with pytest.raises(ValueError, match="channel"):
        services.save_values(delegate, submission, [], channel="fax")


def test_the_channel_is_recorded_with_the_change(draft):
    submission, ind, delegate = draft
    from sqlalchemy import select

    from peerreview.audit.models import AuditEvent
    from peerreview.extensions import db

    services.save_values(delegate, submission, cells(ind, {("_T", 2024): "10"}), channel="upload")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "submission.values")).one()
    assert event.after == {cell_name(ind.id, "_T", 2024): "10", "channel": "upload"}


def test_submit_locks_the_values_with_an_explanation(draft):
    submission, ind, delegate = draft
    with pytest.raises(ValidationFailed, match="at least one value"):
        services.submit(delegate, submission)
    services.save_values(delegate, submission, cells(ind, {("_T", 2024): "10"}))
    with pytest.raises(ValidationFailed) as gaps:  # 8 of 9 cells empty: not one click
        services.submit(delegate, submission)
    assert gaps.value.errors == {"confirm_gaps": "8 values are missing. Fill them in, or confirm that you submit "
                                                 "without them."}
    assert submission.status == "draft"
    services.submit(delegate, submission, gaps_confirmed=True)
    assert submission.status == "submitted"
    with pytest.raises(Conflict, match="ask the network secretariat to return"):
        services.save_values(delegate, submission, cells(ind, {("_T", 2024): "11"}, {("_T", 2024): "10"}))


def test_secretariat_returns_with_a_reason(draft):
    submission, ind, delegate = draft
    sec = UserFactory(role="secretariat", network=submission.cycle.network)
    services.save_values(delegate, submission, cells(ind, {("_T", 2024): "10"}))
    services.submit(delegate, submission, gaps_confirmed=True)
    with pytest.raises(ValidationFailed):
        services.return_for_revision(sec, submission, "  ")
    services.return_for_revision(sec, submission, "  Please add the breakdown by sex. ")
    assert submission.status == "draft"
    assert submission.returned_reason == "Please add the breakdown by sex." and submission.returned_at is not None
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
        services.save_values(stranger, submission, [])


def test_values_cannot_change_outside_the_open_phase(draft):
    submission, ind, delegate = draft
    submission.cycle.status = "in_review"
    with pytest.raises(Conflict, match="open for submissions"):
        services.save_values(delegate, submission, [])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.dictionaries(
    keys=st.tuples(st.sampled_from(["_T", "SEX_F", "SEX_M", "Y_GE50", "BOGUS"]), st.sampled_from([2021, 2022, 2024])),
    values=st.one_of(st.text(max_size=30), st.decimals(allow_nan=True).map(str), st.floats().map(str)),
    max_size=12))
def test_random_grid_input_never_crashes_and_only_valid_values_are_stored(draft, entries):
    """Whatever a browser sends, the save reports problems per cell and stores only valid numbers."""
    submission, ind, delegate = draft
    raw = {cell_name(ind.id, breakdown, year): text for (breakdown, year), text in entries.items()}
    result = services.save_values(delegate, submission, cells(ind, entries))
    for value in services.value_map(submission.id).values():
        assert value.value.is_finite() and Decimal(0) <= value.value <= Decimal(100)
        assert value.breakdown in {"_T", "SEX_F", "SEX_M"} and value.year in (2022, 2023, 2024)
    assert set(result.errors) <= set(raw)


def test_a_complete_submission_needs_no_confirmation_and_one_gap_is_said_in_the_singular(draft):
    submission, ind, delegate = draft
    entries = {(b, y): "10" for b in ("_T", "SEX_F", "SEX_M") for y in (2022, 2023, 2024)}
    del entries[("SEX_M", 2023)]
    services.save_values(delegate, submission, cells(ind, entries))
    with pytest.raises(ValidationFailed) as gap:
        services.submit(delegate, submission)
    assert gap.value.errors["confirm_gaps"] == ("1 value is missing. Fill it in, or confirm that you submit "
                                                "without it.")
    indicators = [ind]
    missing = services.missing_cells(submission, indicators, services.value_map(submission.id))
    assert [(i.code, empty) for i, empty in missing] == [(ind.code, ["Men 2023"])]
    services.save_values(delegate, submission, cells(ind, {("SEX_M", 2023): "10"}))
    services.submit(delegate, submission)
    assert submission.status == "submitted"


def test_resubmitting_clears_the_return_reason(draft):
    submission, ind, delegate = draft
    sec = UserFactory(role="secretariat", network=submission.cycle.network)
    services.save_values(delegate, submission, cells(ind, {("_T", 2024): "10"}))
    services.submit(delegate, submission, gaps_confirmed=True)
    services.return_for_revision(sec, submission, "Add 2023.")
    services.submit(delegate, submission, gaps_confirmed=True)
    assert (submission.returned_reason, submission.returned_at) == ("", None)


def test_accept_locks_and_only_an_unlock_with_a_reason_frees_it(draft):
    submission, ind, delegate = draft
    sec = UserFactory(role="secretariat", network=submission.cycle.network, name="Sam Sec")
    with pytest.raises(Conflict, match="Only a submitted submission can be accepted"):
        services.accept(sec, submission)
    services.save_values(delegate, submission, cells(ind, {("_T", 2024): "10"}))
    services.submit(delegate, submission, gaps_confirmed=True)
    with pytest.raises(PermissionDenied):
        services.accept(delegate, submission)
    services.accept(sec, submission)
    assert submission.accepted_by_id == sec.id and submission.accepted_at is not None
    with pytest.raises(Conflict, match="Sam Sec accepted this submission"):
        services.accept(sec, submission)
    with pytest.raises(Conflict, match="Unlock it first, with a reason"):
        services.return_for_revision(sec, submission, "Add 2023.")
    with pytest.raises(ValidationFailed) as no_reason:
        services.unlock(sec, submission, "  ")
    assert no_reason.value.errors == {"unlock_reason": "Say why the accepted submission is unlocked."}
    assert submission.accepted_at is not None
    services.unlock(sec, submission, "The reviewers found a typo in 1a.")
    assert (submission.accepted_at, submission.accepted_by_id, submission.status) == (None, None, "submitted")
    with pytest.raises(Conflict, match="nothing to unlock"):
        services.unlock(sec, submission, "again")
    services.return_for_revision(sec, submission, "Correct 1a.")
    assert submission.status == "draft"
