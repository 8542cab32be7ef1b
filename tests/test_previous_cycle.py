"""The same organisation's values of the previous cycle beside the new ones, and copied as a starting point."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from peerreview.audit.models import AuditEvent
from peerreview.errors import Conflict
from peerreview.submissions import previous, services
from tests.factories import (
    CycleFactory,
    IndicatorFactory,
    OrganisationFactory,
    SubmissionFactory,
    UserFactory,
    ValueFactory,
)


@pytest.fixture()
def two_cycles(db):
    old = CycleFactory(status="closed", first_year=2021, last_year=2023)
    new = CycleFactory(status="open", network=old.network, first_year=2022, last_year=2024)
    organisation = OrganisationFactory(network=old.network)
    old_ind = IndicatorFactory(framework=old.framework, code="1a", dimensions="")
    old_other = IndicatorFactory(framework=old.framework, code="9z", dimensions="")  # not collected any more
    new_ind = IndicatorFactory(framework=new.framework, code="1a", dimensions="")
    old_sub = SubmissionFactory(cycle=old, organisation=organisation, status="submitted")
    new_sub = SubmissionFactory(cycle=new, organisation=organisation)
    for year, value in ((2021, "40"), (2022, "41.5"), (2023, "42")):
        ValueFactory(submission_id=old_sub.id, indicator_id=old_ind.id, year=year, value=Decimal(value))
    ValueFactory(submission_id=old_sub.id, indicator_id=old_other.id, year=2022, value=Decimal("7"))
    # Another organisation's earlier values are never offered.
    stranger = SubmissionFactory(cycle=old, organisation=OrganisationFactory(network=old.network), status="submitted")
    ValueFactory(submission_id=stranger.id, indicator_id=old_ind.id, year=2024, value=Decimal("99"))
    delegate = UserFactory(network=new.network, organisation=organisation, name="Dora Delegate")
    db.session.flush()
    return new_sub, new_ind, delegate


def test_previous_values_are_matched_by_indicator_code(two_cycles):
    submission, ind, _delegate = two_cycles
    values = previous.previous_values(submission, [ind])
    assert values == {(ind.id, "_T", 2021): "40", (ind.id, "_T", 2022): "41.5", (ind.id, "_T", 2023): "42"}


def test_only_a_submitted_submission_of_an_earlier_cycle_of_the_network_counts(two_cycles, db):
    submission, ind, _delegate = two_cycles
    earlier = previous.previous_submission(submission)
    earlier.status = "draft"
    db.session.flush()
    assert previous.previous_submission(submission) is None
    assert previous.previous_values(submission, [ind]) == {}


def test_copy_fills_only_empty_cells_of_this_cycles_years_recorded_as_copy(two_cycles, db):
    submission, ind, delegate = two_cycles
    services.save_values(delegate, submission, [services.CellChange(ind.id, "_T", 2023, "50")])
    result = previous.copy_previous_values(delegate, submission)
    assert result.saved == 1  # 2022 only: 2021 is not a year of this cycle, 2023 is filled already
    stored = {key: Decimal(v.value) for key, v in services.value_map(submission.id).items()}
    assert stored == {(ind.id, "_T", 2022): Decimal("41.5"), (ind.id, "_T", 2023): Decimal("50")}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "submission.values")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.after["channel"] == "copy"


def test_copy_carries_flags_and_source_notes_and_the_form_shows_the_flag(two_cycles, db):
    submission, ind, delegate = two_cycles
    earlier = previous.previous_submission(submission)
    cells = {v.year: v for v in services.value_map(earlier.id).values() if v.value != Decimal("7")}  # not 9z
    cells[2022].flag, cells[2022].note = "estimated", "LFS, second quarter"
    cells[2023].value, cells[2023].flag, cells[2023].note = None, "not_available", "Register moved in 2023"
    db.session.flush()
    assert previous.previous_values(submission, [ind])[(ind.id, "_T", 2023)] == "not available"
    assert previous.previous_values(submission, [ind])[(ind.id, "_T", 2022)] == "41.5, estimated"
    result = previous.copy_previous_values(delegate, submission)
    assert result.saved == 2 and not result.errors
    stored = {key[2]: (v.value, v.flag, v.note) for key, v in services.value_map(submission.id).items()}
    assert stored == {2022: (Decimal("41.5"), "estimated", "LFS, second quarter"),
                      2023: (None, "not_available", "Register moved in 2023")}


def test_nothing_to_copy_is_said(db):
    cycle = CycleFactory(status="open")
    IndicatorFactory(framework=cycle.framework, dimensions="")
    submission = SubmissionFactory(cycle=cycle)
    delegate = UserFactory(network=cycle.network, organisation=submission.organisation)
    with pytest.raises(Conflict, match="no values of an earlier cycle"):
        previous.copy_previous_values(delegate, submission)


def test_the_form_shows_the_previous_values_and_copies_them(two_cycles, client, login, db):
    submission, ind, delegate = two_cycles
    db.session.commit()
    login(delegate)
    html = client.get(f"/submissions/{submission.id}/edit").get_data(as_text=True)
    assert html.count("previous cycle: ") == 2 and "previous cycle: 41.5" in html and "previous cycle: 99" not in html
    assert "values into empty cells</button>" in html
    answer = client.post(f"/submissions/{submission.id}/copy-previous")
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "2 values copied from the previous cycle into empty cells." in page
    assert f'id="v-{ind.id}-_T-2022"' in page and 'value="41.5"' in page


def test_a_stranger_cannot_copy(two_cycles, client, login, db):
    submission, _ind, _delegate = two_cycles
    other = UserFactory(network=submission.cycle.network, organisation=OrganisationFactory(
        network=submission.cycle.network))
    db.session.commit()
    login(other)
    assert client.post(f"/submissions/{submission.id}/copy-previous").status_code == 403


def test_the_history_says_how_values_came_in(two_cycles, client, login, db):
    submission, ind, delegate = two_cycles
    db.session.commit()
    login(delegate)
    client.post(f"/submissions/{submission.id}/copy-previous")
    html = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "2 values changed (copied from the previous cycle):" in html
    assert f"{ind.code} Total 2022: – → 41.5" in html and "channel" not in html
