"""Benchmarking statistics: the network median, the spread, and what may be compared.

Only submitted values take part in any comparison: a delegation's draft is nobody
else's business. The median is the middle value (the mean of the two middle values
for an even count), never the mean of all values: one outlier must not move it.
Every expected figure below is worked out by hand in the comment beside it.
"""
from decimal import Decimal

import pytest

from peerreview.submissions.benchmarking import Spread, compare_indicator, spreads, total_values
from tests.factories import CycleFactory, IndicatorFactory, OrganisationFactory, SubmissionFactory, ValueFactory


def _spread_of(numbers: list[str]) -> Spread:
    values = {(org, 7, 2024): Decimal(n) for org, n in enumerate(numbers, start=1)}
    return spreads(values)[(7, 2024)]


@pytest.mark.parametrize(("numbers", "median"), [
    (["40.5", "50.1"], "45.3"),                   # two values: their mean is also the median
    (["3", "1", "2"], "2"),                       # odd count: the middle one, whatever the order
    (["10", "20", "30", "1000"], "25"),           # even count with an outlier: (20+30)/2, the mean would be 265
    (["1", "2", "1000"], "2"),                    # odd count with an outlier: the mean would be 334.33...
    (["5", "5", "5", "100"], "5"),                # ties: (5+5)/2, the mean would be 28.75
    (["7", "7", "9", "9"], "8"),                  # ties on both sides: (7+9)/2
    (["-4", "0", "0", "2", "900"], "0"),          # negative values and ties: the third of five
    (["12.5"], "12.5"),                           # one value is its own median
])
def test_network_median_is_the_middle_value_not_the_mean(numbers, median):
    assert _spread_of(numbers).median == Decimal(median)


def test_spread_counts_organisations_and_takes_the_lowest_and_highest():
    spread = _spread_of(["30", "-2.5", "1000", "7"])
    assert (spread.n, spread.low, spread.high, spread.median) == (4, Decimal("-2.5"), Decimal("1000"),
                                                                  Decimal("18.5"))  # (7+30)/2
    # sorted -2.5, 7, 30, 1000: q1 at position 0.75 -> -2.5 + 0.75*9.5 = 4.625; q3 at 2.25 -> 30 + 0.25*970
    assert (spread.q1, spread.q3) == (Decimal("4.625"), Decimal("272.5"))


def test_spreads_are_kept_apart_per_indicator_and_year():
    values = {
        (1, 10, 2023): Decimal("1"), (2, 10, 2023): Decimal("3"),
        (1, 10, 2024): Decimal("100"),
        (1, 11, 2023): Decimal("50"), (2, 11, 2023): Decimal("60"), (3, 11, 2023): Decimal("70"),
    }
    result = spreads(values)
    assert result == {
        (10, 2023): Spread(2, Decimal("2"), Decimal("1"), Decimal("3"), Decimal("1.5"), Decimal("2.5")),
        (10, 2024): Spread(1, Decimal("100"), Decimal("100"), Decimal("100"), Decimal("100"), Decimal("100")),
        (11, 2023): Spread(3, Decimal("60"), Decimal("50"), Decimal("70"), Decimal("55"), Decimal("65")),
    }


@pytest.fixture()
def cycle_with_values(db):
    """Three organisations submitted, one is still drafting (with an extreme value), all in one cycle."""
    cycle = CycleFactory(status="in_review")
    share = IndicatorFactory(framework=cycle.framework, code="1a")
    other = IndicatorFactory(framework=cycle.framework, code="3a")
    orgs = {name: OrganisationFactory(name=name) for name in ("Hello Work", "Arbetsförmedlingen", "ESDC", "Drafting")}
    subs = {name: SubmissionFactory(cycle=cycle, organisation=org,
                                    status="draft" if name == "Drafting" else "submitted")
            for name, org in orgs.items()}
    for name, year, value in (("Hello Work", 2024, "40"), ("Arbetsförmedlingen", 2024, "50"), ("ESDC", 2024, "90"),
                              ("Hello Work", 2023, "10"), ("ESDC", 2023, "20"),
                              ("Drafting", 2024, "0"), ("Drafting", 2023, "5000")):
        ValueFactory(submission_id=subs[name].id, indicator_id=share.id, year=year, value=Decimal(value))
    # values that must stay out of the comparison of the share's totals:
    ValueFactory(submission_id=subs["ESDC"].id, indicator_id=share.id, year=2024, breakdown="SEX_F",
                 value=Decimal("99"))
    ValueFactory(submission_id=subs["ESDC"].id, indicator_id=other.id, year=2024, value=Decimal("12345"))
    elsewhere = CycleFactory(status="in_review", network=cycle.network, framework=cycle.framework)
    ValueFactory(submission_id=SubmissionFactory(cycle=elsewhere, organisation=orgs["ESDC"], status="submitted").id,
                 indicator_id=share.id, year=2024, value=Decimal("1"))
    return cycle, share, other, orgs


def test_only_submitted_values_of_the_cycle_are_read(cycle_with_values):
    cycle, share, other, orgs = cycle_with_values
    hw, af, esdc = orgs["Hello Work"].id, orgs["Arbetsförmedlingen"].id, orgs["ESDC"].id
    assert total_values(cycle.id) == {
        (hw, share.id, 2024): Decimal("40"), (af, share.id, 2024): Decimal("50"), (esdc, share.id, 2024): Decimal("90"),
        (hw, share.id, 2023): Decimal("10"), (esdc, share.id, 2023): Decimal("20"),
        (esdc, other.id, 2024): Decimal("12345"),
    }
    assert total_values(cycle.id, indicator_id=share.id, breakdown="SEX_F") == {(esdc, share.id, 2024): Decimal("99")}


def test_draft_values_never_enter_a_comparison(cycle_with_values):
    cycle, share, _other, orgs = cycle_with_values
    rows, per_year = compare_indicator(cycle, share)
    assert [row.organisation.name for row in rows] == ["Arbetsförmedlingen", "ESDC", "Hello Work"]  # by name
    assert "Drafting" not in {row.organisation.name for row in rows}
    assert [row.values for row in rows] == [{2024: Decimal("50")},
                                            {2024: Decimal("90"), 2023: Decimal("20")},
                                            {2024: Decimal("40"), 2023: Decimal("10")}]
    # 2024: 40, 50, 90 -> median 50 (with the draft's 0 it would be 45); 2023: 10, 20 -> 15 (with 5000: 20)
    # quartiles: 40, 50, 90 -> 40 + 0.5*10 = 45 and 50 + 0.5*40 = 70; 10, 20 -> 12.5 and 17.5
    assert per_year == {2024: Spread(3, Decimal("50"), Decimal("40"), Decimal("90"), Decimal("45"), Decimal("70")),
                        2023: Spread(2, Decimal("15"), Decimal("10"), Decimal("20"), Decimal("12.5"), Decimal("17.5"))}


def test_a_submission_returned_to_draft_leaves_the_comparison(cycle_with_values):
    cycle, share, _other, orgs = cycle_with_values
    from peerreview.extensions import db
    from peerreview.submissions.models import Submission

    esdc = db.session.query(Submission).filter_by(cycle_id=cycle.id, organisation_id=orgs["ESDC"].id).one()
    esdc.status = "draft"
    db.session.flush()
    rows, per_year = compare_indicator(cycle, share)
    assert [row.organisation.name for row in rows] == ["Arbetsförmedlingen", "Hello Work"]
    assert per_year == {2024: Spread(2, Decimal("45"), Decimal("40"), Decimal("50"), Decimal("42.5"), Decimal("47.5")),
                        2023: Spread(1, Decimal("10"), Decimal("10"), Decimal("10"), Decimal("10"), Decimal("10"))}


def test_comparison_by_breakdown(cycle_with_values):
    cycle, share, _other, orgs = cycle_with_values
    rows, per_year = compare_indicator(cycle, share, "SEX_F")
    assert [(row.organisation.name, row.values) for row in rows] == [("ESDC", {2024: Decimal("99")})]
    assert per_year == {2024: Spread(1, Decimal("99"), Decimal("99"), Decimal("99"), Decimal("99"), Decimal("99"))}


def test_an_indicator_nobody_submitted_has_no_rows(cycle_with_values):
    cycle, _share, _other, _orgs = cycle_with_values
    lonely = IndicatorFactory(framework=cycle.framework, code="4b")
    assert compare_indicator(cycle, lonely) == ([], {})
