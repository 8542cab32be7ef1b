"""The comparison queries of the statistics module against hand-built cycles: which cells one
indicator's comparison reads (submitted, this cycle, this indicator and breakdown; numbers others
may see, flags without their number), the order of its rows, last year's spread, the breakdowns
a feedback report prints, an organisation's profile, and who takes part.

Every expected figure is worked out by hand beside it.
"""
from decimal import Decimal

import pytest
from sqlalchemy import select

from peerreview.organisations.models import Organisation
from peerreview.submissions.benchmarking import (
    CONFIDENTIAL,
    MISSING,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    VALUE,
    Observation,
    Spread,
    breakdown_values,
    compare_year,
    indicator_comparison,
    observations,
    organisation_profile,
    participant,
    position_of,
)
from peerreview.submissions.models import Submission
from tests.factories import CycleFactory, IndicatorFactory, OrganisationFactory, SubmissionFactory, ValueFactory


def _value(submission, indicator, year, value=None, flag="", breakdown="_T"):
    return ValueFactory(submission_id=submission.id, indicator_id=indicator.id, year=year, breakdown=breakdown,
                        value=Decimal(value) if value is not None else None, flag=flag)


def _organisation_one(db, cycle) -> tuple[Organisation, object]:
    """The organisation whose id is 1 (the fallback for "no viewer" must never pick it), taking
    part in `cycle`."""
    organisation = db.session.get(Organisation, 1) or OrganisationFactory(id=1, name="Organisation one")
    submission = db.session.scalar(select(Submission).where(Submission.cycle_id == cycle.id,
                                                            Submission.organisation_id == organisation.id))
    return organisation, submission or SubmissionFactory(cycle=cycle, organisation=organisation, status="submitted")


@pytest.fixture()
def comparison(db):
    """One indicator (higher is better) in a cycle in review: four organisations submitted, one drafts;
    besides, another indicator, a breakdown and another cycle whose cells must stay out."""
    cycle = CycleFactory(status="in_review")
    share = IndicatorFactory(framework=cycle.framework, code="1a", direction="higher")
    other = IndicatorFactory(framework=cycle.framework, code="3a")
    names = ("Arbetsförmedlingen", "ESDC", "Hello Work", "NAV", "VDAB")
    orgs = {name: OrganisationFactory(name=name) for name in names}
    subs = {name: SubmissionFactory(cycle=cycle, organisation=orgs[name], status="submitted") for name in names}
    drafting = SubmissionFactory(cycle=cycle, organisation=OrganisationFactory(name="Drafting"), status="draft")
    # 2024: AF 50, ESDC 90, HW 40; NAV not available; VDAB confidential 99.
    # 2023: AF 30, HW 10, ESDC not applicable, NAV confidential 7, VDAB 20.
    for name, year, value, flag in (("Arbetsförmedlingen", 2024, "50", ""), ("ESDC", 2024, "90", ""),
                                    ("Hello Work", 2024, "40", ""), ("NAV", 2024, None, NOT_AVAILABLE),
                                    ("VDAB", 2024, "99", "confidential"),
                                    ("Arbetsförmedlingen", 2023, "30", ""), ("Hello Work", 2023, "10", ""),
                                    ("ESDC", 2023, None, NOT_APPLICABLE), ("NAV", 2023, "7", "confidential"),
                                    ("VDAB", 2023, "20", "")):
        _value(subs[name], share, year, value, flag)
    # Cells that must stay out of the comparison of 1a's totals:
    _value(drafting, share, 2024, "0")
    _value(drafting, share, 2023, None, NOT_AVAILABLE)
    _value(subs["ESDC"], share, 2024, "61", breakdown="SEX_F")
    _value(subs["NAV"], share, 2024, None, NOT_APPLICABLE, breakdown="SEX_F")
    _value(subs["ESDC"], other, 2024, "12345")
    _value(subs["Hello Work"], other, 2024, None, NOT_AVAILABLE)
    elsewhere = CycleFactory(status="in_review", network=cycle.network, framework=cycle.framework)
    _value(SubmissionFactory(cycle=elsewhere, organisation=orgs["VDAB"], status="submitted"), share, 2024, None,
           NOT_AVAILABLE)
    _value(SubmissionFactory(cycle=elsewhere, organisation=orgs["NAV"], status="submitted"), share, 2024, "1")
    return cycle, share, other, orgs, subs


def _cells(found: list[Observation], orgs) -> set[tuple]:
    names = {o.id: name for name, o in orgs.items()}
    return {(names.get(c.organisation_id, c.organisation_id), c.year, c.value, c.flag) for c in found}


def test_observations_read_one_indicator_and_breakdown_of_the_submitted_cells_of_the_cycle(comparison):
    cycle, share, _other, orgs, _subs = comparison
    assert _cells(observations(cycle.id, share.id), orgs) == {
        ("Arbetsförmedlingen", 2024, Decimal("50"), VALUE), ("ESDC", 2024, Decimal("90"), VALUE),
        ("Hello Work", 2024, Decimal("40"), VALUE), ("NAV", 2024, None, NOT_AVAILABLE),
        ("VDAB", 2024, None, CONFIDENTIAL),  # the number is not read for others
        ("Arbetsförmedlingen", 2023, Decimal("30"), VALUE), ("Hello Work", 2023, Decimal("10"), VALUE),
        ("ESDC", 2023, None, NOT_APPLICABLE), ("NAV", 2023, None, CONFIDENTIAL),
        ("VDAB", 2023, Decimal("20"), VALUE),
    }
    assert _cells(observations(cycle.id, share.id, "SEX_F"), orgs) == {
        ("ESDC", 2024, Decimal("61"), VALUE), ("NAV", 2024, None, NOT_APPLICABLE)}


def test_the_viewer_reads_its_own_confidential_number_and_no_one_else_does(comparison, db):
    cycle, share, _other, orgs, _subs = comparison
    own = _cells(observations(cycle.id, share.id, viewer_organisation_id=orgs["VDAB"].id), orgs)
    assert ("VDAB", 2024, Decimal("99"), CONFIDENTIAL) in own and ("NAV", 2023, None, CONFIDENTIAL) in own
    # Without a viewer, not even the organisation whose id happens to be 1 has its number read.
    one, submission = _organisation_one(db, cycle)
    _value(submission, share, 2022, "55", "confidential")
    cells = observations(cycle.id, share.id)
    assert [(c.value, c.flag) for c in cells if c.organisation_id == one.id and c.year == 2022] == [
        (None, CONFIDENTIAL)]


def test_a_comparison_runs_best_first_then_the_rest_by_name_with_last_years_spread(comparison):
    cycle, share, _other, orgs, _subs = comparison
    result = indicator_comparison(cycle, share, "_T", 2024)
    assert result.year == 2024
    assert [(r.organisation.name, r.standing.state, r.standing.rank) for r in result.rows] == [
        ("ESDC", VALUE, 1), ("Arbetsförmedlingen", VALUE, 2), ("Hello Work", VALUE, 3),
        ("Drafting", MISSING, None), ("NAV", NOT_AVAILABLE, None),
        ("VDAB", CONFIDENTIAL, None)]  # no figure to compare (a draft's values are nobody's): last, by name
    # 2024: 40, 50, 90 -> median 50, quartiles 45 and 70
    assert result.spread == Spread(3, Decimal("50"), Decimal("40"), Decimal("90"), Decimal("45"), Decimal("70"))
    # 2023: AF 30, HW 10, VDAB 20 (NAV's confidential 7 and ESDC's "not applicable" stay out) -> 10, 20, 30
    assert result.previous_spread == Spread(3, Decimal("20"), Decimal("10"), Decimal("30"), Decimal("15"),
                                            Decimal("25"))
    # NAV reads its own confidential 2023 figure, which still stays out of the network's spread.
    own = indicator_comparison(cycle, share, "_T", 2024, viewer_organisation_id=orgs["NAV"].id)
    assert own.previous_spread == result.previous_spread


def test_a_year_without_a_previous_year_has_no_previous_spread(comparison):
    cycle, share, _other, _orgs, _subs = comparison
    assert indicator_comparison(cycle, share, "_T", 2023).previous_spread is None  # nothing in 2022


def test_a_comparison_by_breakdown_reads_that_breakdown(comparison):
    cycle, share, _other, _orgs, _subs = comparison
    result = indicator_comparison(cycle, share, "SEX_F", 2024)
    assert [(r.organisation.name, r.standing.state, r.standing.value) for r in result.rows] == [
        ("ESDC", VALUE, Decimal("61")), ("Arbetsförmedlingen", MISSING, None), ("Drafting", MISSING, None),
        ("Hello Work", MISSING, None), ("NAV", NOT_APPLICABLE, None), ("VDAB", MISSING, None)]


def test_lower_is_better_puts_the_smallest_first(comparison, db):
    cycle, share, _other, _orgs, _subs = comparison
    share.direction = "lower"
    db.session.flush()
    rows = indicator_comparison(cycle, share, "_T", 2024).rows
    assert [(r.organisation.name, r.standing.rank) for r in rows][:3] == [
        ("Hello Work", 1), ("Arbetsförmedlingen", 2), ("ESDC", 3)]


def test_a_neutral_indicator_runs_from_the_highest_to_the_lowest_without_ranks(comparison, db):
    cycle, share, _other, _orgs, _subs = comparison
    share.direction = "neutral"
    db.session.flush()
    rows = indicator_comparison(cycle, share, "_T", 2024).rows
    assert [(r.organisation.name, r.standing.rank) for r in rows] == [
        ("ESDC", None), ("Arbetsförmedlingen", None), ("Hello Work", None), ("Drafting", None), ("NAV", None),
        ("VDAB", None)]


def test_compare_year_says_its_year():
    assert compare_year([Observation(1, 2024, Decimal("5"))], [1], 2024, "higher").year == 2024


def test_breakdown_values_are_one_years_breakdowns_that_others_may_see(comparison):
    cycle, share, other, orgs, subs = comparison
    _value(subs["Hello Work"], other, 2024, "300", breakdown="Y_GE50")
    _value(subs["Hello Work"], other, 2023, "250", breakdown="Y_GE50")  # another year
    _value(subs["VDAB"], other, 2024, "8", "confidential", breakdown="Y_GE50")
    assert breakdown_values(cycle.id, 2024) == {
        (orgs["ESDC"].id, share.id, "SEX_F"): Decimal("61"),
        (orgs["Hello Work"].id, other.id, "Y_GE50"): Decimal("300"),
    }
    assert breakdown_values(cycle.id, 2023) == {(orgs["Hello Work"].id, other.id, "Y_GE50"): Decimal("250")}


def test_position_of_the_last_of_two_is_zero():
    assert position_of(2, 2) == 0 and position_of(1, 2) == 1


@pytest.fixture()
def profile_world(db):
    """Five indicators, the own organisation (OWN) at different positions:
    i1 (higher): OWN 50 of 10, 20, 50, 40, 60 -> rank 2 of 5, position (5-2)/4 = 0.75
    i2 (higher): OWN 30 of 10, 20, 30, 40, 50 -> rank 3 of 5, position 0.5 (strongest, not weakest)
    i3 (higher): OWN 90, alone                -> rank 1 of 1: neither strongest nor weakest
    i4 (higher): OWN 5 of 5, 9               -> rank 2 of 2, position 0 (weakest)
    i5 (higher): OWN 70 of 10, 20, 30, 70, 40 -> rank 1 of 5, position 1
    """
    cycle = CycleFactory(status="in_review")
    indicators = [IndicatorFactory(framework=cycle.framework, code=f"i{n}") for n in range(1, 6)]
    own = OrganisationFactory(name="OWN")
    others = [OrganisationFactory(name=f"P{n}") for n in range(1, 5)]
    own_sub = SubmissionFactory(cycle=cycle, organisation=own, status="submitted")
    other_subs = [SubmissionFactory(cycle=cycle, organisation=o, status="submitted") for o in others]
    table = {0: ("50", ["10", "20", "40", "60"]), 1: ("30", ["10", "20", "40", "50"]), 2: ("90", []),
             3: ("5", ["9"]), 4: ("70", ["10", "20", "30", "40"])}
    for i, (mine, theirs) in table.items():
        _value(own_sub, indicators[i], 2024, mine)
        for submission, value in zip(other_subs, theirs, strict=False):
            _value(submission, indicators[i], 2024, value)
    return cycle, indicators, own


def test_profile_orders_strongest_by_position_and_puts_the_middle_among_the_strongest(profile_world):
    cycle, indicators, own = profile_world
    profile = organisation_profile(cycle, own, indicators, 2024)
    assert (profile.organisation, profile.year) == (own, 2024)
    lines = {line.indicator.code: line for line in profile.lines}
    assert {code: line.value for code, line in lines.items()} == {
        "i1": Decimal("50"), "i2": Decimal("30"), "i3": Decimal("90"), "i4": Decimal("5"), "i5": Decimal("70")}
    assert {code: line.position for code, line in lines.items()} == {
        "i1": Decimal("0.75"), "i2": Decimal("0.5"), "i3": Decimal(1), "i4": Decimal(0), "i5": Decimal(1)}
    assert [line.indicator.code for line in profile.strongest] == ["i5", "i1", "i2"]  # 1, 0.75, 0.5
    assert [line.indicator.code for line in profile.weakest] == ["i4"]  # of two: still a comparison


def test_participant_is_only_an_organisation_of_the_cycle(comparison, db):
    cycle, _share, _other, orgs, _subs = comparison
    assert participant(cycle.id, orgs["ESDC"].id) == orgs["ESDC"]
    outsider = OrganisationFactory(name="Elsewhere only")
    elsewhere = CycleFactory(status="in_review")
    SubmissionFactory(cycle=elsewhere, organisation=outsider, status="submitted")
    assert participant(cycle.id, outsider.id) is None
    assert participant(elsewhere.id, outsider.id) == outsider
    _organisation_one(db, cycle)  # a participant whose id is 1: "no organisation" must not find it
    assert participant(cycle.id, None) is None
