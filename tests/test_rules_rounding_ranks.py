"""One rounding rule, ranks that respect the direction, and every participant's standing.

Rounding: Decimal half away from zero to the indicator's decimals, once, at display. The
finding it fixes: a chart said 48.2 and its table 48.1 for a true median of 48.15 (a float
and a half-even rounding). Every expected figure is worked out by hand beside it.
"""
from decimal import Decimal

import pytest

from peerreview.numbers import format_number, format_plain, round_half_up
from peerreview.submissions.benchmarking import (
    CONFIDENTIAL,
    MISSING,
    NOT_AVAILABLE,
    VALUE,
    Observation,
    compare_year,
    quantile,
    ranks,
    spread_of,
)


@pytest.mark.parametrize(("value", "decimals", "shown"), [
    ("48.15", 1, "48.2"),     # half-up; half-even would give 48.2 here but ...
    ("48.25", 1, "48.3"),     # ... 48.2 here: the rule must not depend on the digit before
    ("42.149", 1, "42.1"),    # below the half: down
    ("-2.5", 0, "-3"),        # half away from zero for negatives
    ("0.05", 1, "0.1"),
    ("7", 2, "7.00"),         # always the indicator's decimals
    ("1234.5", 0, "1235"),
])
def test_rounding_is_half_up_to_the_indicators_decimals(value, decimals, shown):
    assert str(round_half_up(Decimal(value), decimals)) == shown
    assert format_plain(Decimal(value), decimals) == shown


def test_the_median_of_48_1_and_48_2_is_shown_as_48_2_everywhere():
    median = spread_of([Decimal("48.1"), Decimal("48.2")]).median
    assert median == Decimal("48.15")  # kept exact until display
    assert format_number(median, 1) == format_plain(median, 1) == "48.2"


@pytest.mark.parametrize(("locale", "shown"), [
    ("en", "61,404.5"), ("de", "61.404,5"), ("fr", "61\u202f404,5"), ("ja", "61,404.5"),
])
def test_thousands_separators_follow_the_locale(locale, shown):
    assert format_number(Decimal("61404.45"), 1, locale) == shown


def test_format_number_groups_whole_numbers_and_leaves_none_empty():
    assert format_number(Decimal("249820"), 0, "en") == "249,820"
    assert format_number(Decimal("999.5"), 0, "en") == "1,000"
    assert format_number(None, 1, "en") == ""


@pytest.mark.parametrize(("numbers", "q1", "median", "q3"), [
    (["1", "2", "3", "4"], "1.75", "2.5", "3.25"),        # positions 0.75, 1.5, 2.25
    (["1", "2", "3", "4", "5"], "2", "3", "4"),           # exact positions 1, 2, 3
    (["10"], "10", "10", "10"),
    (["5", "5", "5", "9"], "5", "5", "6"),                # ties: q3 at 2.25 -> 5 + 0.25*4
    (["40", "10", "30", "20"], "17.5", "25", "32.5"),     # unsorted input
])
def test_quartiles_interpolate_between_closest_ranks(numbers, q1, median, q3):
    spread = spread_of(Decimal(n) for n in numbers)
    assert (spread.q1, spread.median, spread.q3) == (Decimal(q1), Decimal(median), Decimal(q3))


def test_quantile_at_the_ends_is_the_minimum_and_maximum():
    ordered = [Decimal("1"), Decimal("4"), Decimal("9")]
    assert quantile(ordered, Decimal(0)) == Decimal("1")
    assert quantile(ordered, Decimal(1)) == Decimal("9")


def test_no_values_no_spread():
    assert spread_of([]) is None


def test_ranks_follow_the_direction_and_share_places_on_ties():
    values = {1: Decimal("50"), 2: Decimal("70"), 3: Decimal("50"), 4: Decimal("10")}
    assert ranks(values, "higher") == {2: 1, 1: 2, 3: 2, 4: 4}   # 70, 50, 50, 10: the next place is 4
    assert ranks(values, "lower") == {4: 1, 1: 2, 3: 2, 2: 4}    # 10, 50, 50, 70
    assert ranks(values, "neutral") == {}                        # no better or worse
    assert ranks({}, "higher") == {}


def _obs(org, year, value=None, flag=VALUE):
    return Observation(org, year, Decimal(value) if value is not None else None, flag)


def test_every_participant_stands_somewhere_and_confidential_values_stay_out():
    observations = [
        _obs(1, 2024, "40"), _obs(1, 2023, "35"),
        _obs(2, 2024, "60"), _obs(2, 2023, "62.5"),
        _obs(3, 2024, "99", CONFIDENTIAL), _obs(3, 2023, "1"),
        _obs(4, 2024, None, NOT_AVAILABLE),
        _obs(5, 2024, "60"), _obs(5, 2023, "7", CONFIDENTIAL),
        # 6 took part but sent nothing for 2024
        _obs(6, 2023, "12"),
    ]
    result = compare_year(observations, [1, 2, 3, 4, 5, 6], 2024, "higher")
    by_org = {s.organisation_id: s for s in result.standings}
    assert [s.organisation_id for s in result.standings] == [1, 2, 3, 4, 5, 6]  # the given order
    # usable 2024 values: 40, 60, 60 (99 is confidential) -> median 60, q1 50, q3 60
    assert (result.spread.n, result.spread.median, result.spread.low, result.spread.high) == (
        3, Decimal("60"), Decimal("40"), Decimal("60"))
    assert (result.spread.q1, result.spread.q3) == (Decimal("50"), Decimal("60"))
    assert (by_org[2].rank, by_org[5].rank, by_org[1].rank) == (1, 1, 3)   # a tie at the top
    assert (by_org[1].previous, by_org[1].change) == (Decimal("35"), Decimal("5"))
    assert by_org[2].change == Decimal("-2.5")
    assert (by_org[5].previous, by_org[5].change) == (None, None)          # last year's figure is confidential
    assert (by_org[3].state, by_org[3].value, by_org[3].rank) == (CONFIDENTIAL, None, None)
    assert (by_org[4].state, by_org[4].value) == (NOT_AVAILABLE, None)
    assert (by_org[6].state, by_org[6].value) == (MISSING, None)


def test_only_the_owner_sees_its_confidential_value_and_it_gets_no_rank():
    observations = [_obs(1, 2024, "10"), _obs(3, 2024, "99", CONFIDENTIAL)]
    own = {s.organisation_id: s for s in compare_year(observations, [1, 3], 2024, "lower",
                                                      viewer_organisation_id=3).standings}
    assert (own[3].state, own[3].value, own[3].rank) == (CONFIDENTIAL, Decimal("99"), None)
    assert own[1].rank == 1


def test_lower_is_better_ranks_the_smallest_first_and_neutral_has_no_rank():
    observations = [_obs(1, 2024, "3"), _obs(2, 2024, "1"), _obs(3, 2024, "2")]
    lower = {s.organisation_id: s.rank for s in compare_year(observations, [1, 2, 3], 2024, "lower").standings}
    assert lower == {2: 1, 3: 2, 1: 3}
    neutral = compare_year(observations, [1, 2, 3], 2024, "neutral")
    assert [s.rank for s in neutral.standings] == [None, None, None]


def test_a_year_without_values_has_no_spread():
    result = compare_year([_obs(1, 2023, "5")], [1], 2024, "higher")
    assert result.spread is None
    assert result.standings[0].state == MISSING
