"""A comment on one cell without the 1,800-option list: the cell page with the network context."""
from decimal import Decimal

import pytest

from peerreview.extensions import db
from peerreview.reviews.cells import network_context
from tests.factories import OrganisationFactory, SubmissionFactory, ValueFactory, build_world


@pytest.fixture()
def world(db):
    return build_world()


def test_the_network_context_is_median_and_quartiles_of_submitted_values(world):
    ind = world.indicator
    for value, status in (("10", "submitted"), ("30", "submitted"), ("99", "draft")):
        submission = SubmissionFactory(cycle=world.cycle, organisation=OrganisationFactory(), status=status)
        ValueFactory(submission_id=submission.id, indicator_id=ind.id, value=Decimal(value))
    # Submitted: 40.5 and 50.1 (the world) and 10, 30; the draft's 99 is not compared.
    context = network_context(world.own_submission, ind.id, "_T", 2024)
    assert context.n == 4
    assert context.median == Decimal("35.25")
    assert (context.lower_quartile, context.upper_quartile) == (Decimal("25"), Decimal("42.9"))
    empty = network_context(world.own_submission, ind.id, "_T", 2022)
    assert (empty.n, empty.median) == (0, None)


def test_the_cell_page_shows_the_value_its_context_its_threads_and_a_comment_form(world, client, login):
    db.session.commit()
    login(world.reviewer)
    url = f"/submissions/{world.own_submission.id}/cells/{world.indicator.id}/Y_GE50/2024"
    page = client.get(url).get_data(as_text=True)
    assert "SHARED-COMMENT" in page and "Network median" in page
    assert f'name="anchor" value="{world.indicator.id}/Y_GE50/2024"' in page
    assert "<select" not in page  # no list of every cell
    total = client.get(f"/submissions/{world.own_submission.id}/cells/{world.indicator.id}/_T/2024").get_data(
        as_text=True)
    assert "45.3" in total and "SHARED-COMMENT" not in total  # the median of 40.5 and 50.1; another cell
    assert client.get(f"/submissions/{world.own_submission.id}/cells/{world.indicator.id}/NOPE/2024"
                      ).status_code == 404
    login(world.delegate)
    page = client.get(url).get_data(as_text=True)
    assert "SHARED-COMMENT" in page and "Add a comment on this value" not in page


def test_cells_with_threads_carry_a_marker_linking_to_them(world, client, login):
    db.session.commit()
    for user in (world.reviewer, world.delegate):
        login(user)
        page = client.get(f"/submissions/{world.own_submission.id}").get_data(as_text=True)
        assert (f'pr-marker" href="/submissions/{world.own_submission.id}/cells/{world.indicator.id}/Y_GE50/2024"'
                in page)


def test_the_cell_page_shows_the_flag_note_explanation_and_comparability_note(world, client, login):
    from sqlalchemy import select

    from peerreview.submissions.models import ComparabilityNote, IndicatorValue

    value = db.session.scalars(select(IndicatorValue).where(
        IndicatorValue.submission_id == world.own_submission.id, IndicatorValue.breakdown == "_T")).one()
    value.flag, value.note = "estimated", "SOURCE-NOTE: register data, March"
    value.explanation = "EXPLANATION: a new programme for people over 50 started in 2024"
    db.session.add(ComparabilityNote(submission_id=world.own_submission.id, indicator_id=world.indicator.id,
                                     body="COMPARABILITY: counts only transitions into jobs of 15 hours or more"))
    db.session.commit()
    login(world.reviewer)
    url = f"/submissions/{world.own_submission.id}/cells/{world.indicator.id}/_T/2024"
    page = client.get(url).get_data(as_text=True)
    for shown in ("estimated", "SOURCE-NOTE", "Explanation of the value", "EXPLANATION: a new programme",
                  "Comparability note", "COMPARABILITY: counts only", "Network median", "45.3"):
        assert shown in page, shown
    # Another organisation's note stays with its own submission; an unflagged value shows no flag row.
    other = client.get(f"/submissions/{world.own_submission.id}/cells/{world.indicator.id}/Y_GE50/2024")
    text = other.get_data(as_text=True)
    assert "COMPARABILITY" in text  # the note is per indicator, for every breakdown and year
    assert "estimated" not in text and "EXPLANATION" not in text
    login(world.other_delegate)  # Hello Work's delegate may not open Germany's cell at all
    assert client.get(url).status_code == 403
