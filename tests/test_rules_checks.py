"""The checks before submitting (peerreview/submissions/checks.py), rule by rule, with figures worked out by hand."""
from dataclasses import dataclass
from decimal import Decimal

import pytest

from peerreview.framework.models import Indicator
from peerreview.submissions import checks


@dataclass
class V:
    value: Decimal | None
    flag: str = ""
    explanation: str = ""


def ind(id_=1, dimensions="sex", required="total", additive=False, decimals=0, threshold=None, code="1a"):
    return Indicator(id=id_, code=code, dimensions=dimensions, required=required, additive=additive,
                     decimals=decimals, change_threshold=None if threshold is None else Decimal(threshold))


def vals(indicator, cells: dict) -> dict:
    return {(indicator.id, b, y): V(Decimal(v) if isinstance(v, str) else v) for (b, y), v in cells.items()}


YEARS = [2022, 2023, 2024]


@pytest.fixture(autouse=True)
def _context(app):
    with app.test_request_context():
        yield


# --- required values --------------------------------------------------------------------------------

def test_required_cells_per_setting():
    assert checks.required_cells(ind(required="none"), YEARS) == []
    assert checks.required_cells(ind(required="total"), YEARS) == [("_T", 2022), ("_T", 2023), ("_T", 2024)]
    assert checks.required_cells(ind(required="all"), [2024]) == [("_T", 2024), ("SEX_F", 2024), ("SEX_M", 2024)]
    assert checks.required_cells(ind(required="bogus"), YEARS) == []


def test_a_required_value_is_there_as_a_number_or_flagged_without_value():
    assert checks.is_answered(V(Decimal("0")))
    assert checks.is_answered(V(None, "not_available")) and checks.is_answered(V(None, "not_applicable"))
    assert not checks.is_answered(V(None, "estimated"))
    assert not checks.is_answered(V(None, ""))
    assert not checks.is_answered(None)


def test_missing_required_lists_only_the_missing_cells_per_indicator():
    a, b, c = ind(1, required="total"), ind(2, required="all", code="2a"), ind(3, required="none", code="3a")
    values = {**vals(a, {("_T", 2022): "1", ("_T", 2024): "3"}),
              **{(2, "_T", 2024): V(None, "not_applicable"), (2, "SEX_F", 2024): V(Decimal(1))}}
    missing = checks.missing_required([a, b, c], [2022, 2023, 2024], values)
    assert [(i.code, cells) for i, cells in missing] == [
        ("1a", [(1, "_T", 2023)]),
        ("2a", [(2, "_T", 2022), (2, "_T", 2023), (2, "SEX_F", 2022), (2, "SEX_F", 2023), (2, "SEX_M", 2022),
                (2, "SEX_M", 2023), (2, "SEX_M", 2024)])]
    assert checks.missing_required([c], YEARS, {}) == []


# --- breakdowns that do not add up ------------------------------------------------------------------

def test_sum_tolerance_is_one_unit_of_the_last_place_or_half_a_per_cent():
    assert checks.sum_tolerance(Decimal(100), 0) == Decimal(1)
    assert checks.sum_tolerance(Decimal(1000), 0) == Decimal(5)
    assert checks.sum_tolerance(Decimal(-1000), 0) == Decimal(5)
    assert checks.sum_tolerance(Decimal(10), 1) == Decimal("0.1")
    assert checks.sum_tolerance(Decimal(30), 2) == Decimal("0.15")


def test_sum_warning_beyond_the_tolerance_only():
    i = ind(additive=True, dimensions="sex age")
    at_limit = vals(i, {("_T", 2024): "1000", ("SEX_F", 2024): "400", ("SEX_M", 2024): "595"})
    assert checks.sum_warnings(i, [2024], at_limit) == []
    beyond = vals(i, {("_T", 2024): "1000", ("SEX_F", 2024): "400", ("SEX_M", 2024): "594"})
    assert checks.sum_warnings(i, [2024], beyond) == [checks.PlausibilityWarning(
        "sum", (1, "_T", 2024), "By sex, the breakdowns add up to 994, not to the total 1000.")]
    above = vals(i, {("_T", 2024): "1000", ("SEX_F", 2024): "400", ("SEX_M", 2024): "606"})
    assert [w.message for w in checks.sum_warnings(i, [2024], above)] == [
        "By sex, the breakdowns add up to 1006, not to the total 1000."]


def test_sum_checked_per_dimension_only_when_complete_and_only_for_additive_indicators():
    i = ind(additive=True, dimensions="sex age")
    cells = {("_T", 2024): "100", ("SEX_F", 2024): "50", ("SEX_M", 2024): "50",
             ("Y_LT25", 2024): "10", ("Y25-49", 2024): "10", ("Y_GE50", 2024): "10"}
    assert [w.message for w in checks.sum_warnings(i, [2024], vals(i, cells))] == [
        "By age group, the breakdowns add up to 30, not to the total 100."]
    del cells[("Y_GE50", 2024)]
    assert checks.sum_warnings(i, [2024], vals(i, cells)) == []  # age groups not all filled
    assert checks.sum_warnings(ind(additive=False), [2024], vals(i, {("_T", 2024): "100", ("SEX_F", 2024): "1",
                                                                      ("SEX_M", 2024): "1"})) == []
    no_total = vals(i, {("SEX_F", 2024): "1", ("SEX_M", 2024): "1"})
    assert checks.sum_warnings(i, [2024], no_total) == []
    flagged_total = {**no_total, (1, "_T", 2024): V(None, "not_available")}
    assert checks.sum_warnings(i, [2024], flagged_total) == []


def test_qualification_levels_add_up_like_the_other_dimensions():
    i = ind(additive=True, dimensions="qualification", decimals=1)
    cells = {("_T", 2023): "10.0", ("ED0-2", 2023): "3.0", ("ED3_4", 2023): "3.0", ("ED5-8", 2023): "3.8"}
    assert [w.message for w in checks.sum_warnings(i, [2023], vals(i, cells))] == [
        "By qualification level, the breakdowns add up to 9.8, not to the total 10.0."]
    cells[("ED5-8", 2023)] = "3.9"
    assert checks.sum_warnings(i, [2023], vals(i, cells)) == []  # 0.1 off: one unit of the last place


# --- year-on-year change ----------------------------------------------------------------------------

def test_change_percent():
    assert checks.change_percent(Decimal(100), Decimal(150)) == Decimal(50)
    assert checks.change_percent(Decimal(-100), Decimal(-50)) == Decimal(50)
    assert checks.change_percent(Decimal(0), Decimal(5)) is None


def test_change_beyond_the_threshold_within_the_submission():
    i = ind(threshold="50", dimensions="")
    at_limit = vals(i, {("_T", 2023): "100", ("_T", 2024): "150"})
    assert checks.change_warnings(i, YEARS, at_limit, {}) == []
    beyond = vals(i, {("_T", 2023): "100", ("_T", 2024): "151"})
    assert checks.change_warnings(i, YEARS, beyond, {}) == [checks.PlausibilityWarning(
        "change", (1, "_T", 2024), "Changed by 51.0 % since 2023 (from 100 to 151); more than the 50 % the "
                                   "framework expects.")]
    down = vals(i, {("_T", 2023): "100", ("_T", 2024): "49"})
    assert [w.message for w in checks.change_warnings(i, YEARS, down, {})] == [
        "Changed by -51.0 % since 2023 (from 100 to 49); more than the 50 % the framework expects."]
    down_at_limit = vals(i, {("_T", 2023): "100", ("_T", 2024): "50"})
    assert checks.change_warnings(i, YEARS, down_at_limit, {}) == []


def test_change_of_the_first_year_against_the_previous_cycle_and_from_zero():
    i = ind(threshold="10", dimensions="")
    values = vals(i, {("_T", 2022): "200"})
    assert [w.cell for w in checks.change_warnings(i, YEARS, values, {(1, "_T", 2021): Decimal(100)})] == [
        (1, "_T", 2022)]
    assert checks.change_warnings(i, YEARS, values, {}) == []  # no previous cycle
    # The previous cycle's value of a year inside this cycle does not count: this cycle's own value does.
    assert checks.change_warnings(i, YEARS, vals(i, {("_T", 2023): "200"}), {(1, "_T", 2022): Decimal(1)}) == []
    zero = vals(i, {("_T", 2023): "0", ("_T", 2024): "7"})
    assert [w.message for w in checks.change_warnings(i, YEARS, zero, {})] == ["Changed from 0 in 2023 to 7."]
    same = vals(i, {("_T", 2023): "0", ("_T", 2024): "0"})
    assert checks.change_warnings(i, YEARS, same, {}) == []
    assert checks.change_warnings(ind(threshold=None), YEARS, vals(i, {("_T", 2023): "1", ("_T", 2024): "9"}),
                                  {}) == []


def test_change_per_breakdown():
    i = ind(threshold="20", dimensions="sex")
    values = vals(i, {("SEX_F", 2023): "10", ("SEX_F", 2024): "13", ("SEX_M", 2023): "10", ("SEX_M", 2024): "11"})
    assert [w.cell for w in checks.change_warnings(i, YEARS, values, {})] == [(1, "SEX_F", 2024)]


# --- outside the network's distribution -------------------------------------------------------------

def test_fences_need_five_other_values():
    assert checks.fences([Decimal(v) for v in (10, 20, 30, 40)]) is None
    assert checks.fences([Decimal(v) for v in (10, 20, 30, 40, 50)]) == (Decimal(-10), Decimal(70))
    # Type-7 quartiles: 6 values 1..6 -> Q1 2.25, Q3 4.75, IQR 2.5, fences -1.5 and 8.5.
    assert checks.fences([Decimal(v) for v in (6, 1, 5, 2, 4, 3)]) == (Decimal("-1.5"), Decimal("8.5"))


def test_fences_from_the_ranks_the_database_sends_equal_the_fences_of_the_whole_list():
    import random

    rng = random.Random(7)
    for n in range(5, 40):
        values = sorted(Decimal(rng.randint(-500, 500)) / 10 for _ in range(n))
        ranks = {pos: values[pos] for pos in checks.quartile_positions(n) if pos < n}
        assert checks.fences_from_ranks(n, ranks) == checks.fences(values), n
    assert checks.quartile_positions(5) == {1, 2, 3, 4}
    assert checks.quartile_positions(6) == {1, 2, 3, 4}
    assert checks.quartile_positions(9) == {2, 3, 6, 7}
    assert checks.fences_from_ranks(4, {0: Decimal(1), 1: Decimal(2), 2: Decimal(3), 3: Decimal(4)}) is None


def test_outlier_side_at_and_beyond_the_fences():
    limits = checks.fences([Decimal(v) for v in (10, 20, 30, 40, 50)])
    assert checks.outlier_side(Decimal(70), limits) is None
    assert checks.outlier_side(Decimal("70.1"), limits) == "high"
    assert checks.outlier_side(Decimal(-10), limits) is None
    assert checks.outlier_side(Decimal("-10.1"), limits) == "low"
    assert checks.outlier_side(Decimal(1000), None) is None


def test_outlier_warning_never_reveals_the_network():
    i = ind(dimensions="")
    network = {(1, "_T", 2024): checks.fences([Decimal(v) for v in (10, 20, 30, 40, 50)])}
    high = checks.outlier_warnings(i, [2024], vals(i, {("_T", 2024): "71"}), network)
    low = checks.outlier_warnings(i, [2024], vals(i, {("_T", 2024): "-11"}), network)
    assert [w.message for w in high] == ["Unusually high compared with the network's other submitted values."]
    assert [w.message for w in low] == ["Unusually low compared with the network's other submitted values."]
    for text in (high[0].message, low[0].message):
        assert not any(ch.isdigit() for ch in text)
    assert checks.outlier_warnings(i, [2024], vals(i, {("_T", 2024): "50"}), network) == []
    assert checks.outlier_warnings(i, [2023], vals(i, {("_T", 2023): "500"}), network) == []  # other year: none


# --- all of them, and which are explained ----------------------------------------------------------

def test_all_warnings_in_order_and_unexplained_cells_once():
    i = ind(additive=True, threshold="10")
    values = vals(i, {("_T", 2023): "100", ("_T", 2024): "200", ("SEX_F", 2024): "1", ("SEX_M", 2024): "1"})
    network = {(1, "_T", 2024): checks.fences([Decimal(v) for v in (10, 11, 12, 13, 14)])}
    warnings = checks.plausibility_warnings([i], YEARS, values, {}, network)
    assert [(w.kind, w.cell) for w in warnings] == [("sum", (1, "_T", 2024)), ("change", (1, "_T", 2024)),
                                                    ("outlier", (1, "_T", 2024))]
    assert checks.unexplained(warnings, values) == [(1, "_T", 2024)]
    assert list(checks.warnings_by_cell(warnings)) == [(1, "_T", 2024)]
    values[(1, "_T", 2024)].explanation = "   "
    assert checks.unexplained(warnings, values) == [(1, "_T", 2024)]
    values[(1, "_T", 2024)].explanation = "A reform doubled the caseload."
    assert checks.unexplained(warnings, values) == []
    assert checks.unexplained(warnings, {}) == [(1, "_T", 2024)]


# --- found by mutation testing (make mutate) --------------------------------------------------------

def test_a_change_within_the_threshold_does_not_hide_a_later_one():
    i = ind(threshold="20", dimensions="")
    values = vals(i, {("_T", 2022): "100", ("_T", 2023): "110", ("_T", 2024): "200"})
    assert [w.cell for w in checks.change_warnings(i, YEARS, values, {})] == [(1, "_T", 2024)]


def test_figures_in_messages_keep_the_indicators_decimals():
    i = ind(threshold="10", dimensions="sex", additive=True, decimals=2)
    values = vals(i, {("_T", 2023): "10.00", ("_T", 2024): "20.00", ("SEX_F", 2024): "4.50", ("SEX_M", 2024): "4.30"})
    assert [w.message for w in checks.plausibility_warnings([i], YEARS, values, {}, {})] == [
        "By sex, the breakdowns add up to 8.80, not to the total 20.00.",
        "Changed by 100.0 % since 2023 (from 10.00 to 20.00); more than the 10 % the framework expects."]


def test_an_incomplete_dimension_does_not_hide_the_next_one():
    i = ind(additive=True, dimensions="sex age")
    values = vals(i, {("_T", 2024): "100", ("SEX_F", 2024): "50",
                      ("Y_LT25", 2024): "10", ("Y25-49", 2024): "10", ("Y_GE50", 2024): "10"})
    assert [w.message for w in checks.sum_warnings(i, [2024], values)] == [
        "By age group, the breakdowns add up to 30, not to the total 100."]


def test_an_empty_cell_is_never_an_outlier():
    i = ind(dimensions="")
    network = {(1, "_T", 2024): checks.fences([Decimal(v) for v in (10, 20, 30, 40, 50)])}
    assert checks.outlier_warnings(i, [2024], {(1, "_T", 2024): V(None, "not_available")}, network) == []
    assert checks.outlier_warnings(i, [2024], {}, network) == []
    low = checks.outlier_warnings(i, [2024], vals(i, {("_T", 2024): "-11"}), network)
    assert [(w.kind, w.cell) for w in low] == [("outlier", (1, "_T", 2024))]


def test_warnings_of_every_indicator_are_kept_and_the_previous_cycle_is_read():
    a, b = ind(1, additive=True, threshold="10"), ind(2, additive=True, threshold="10", code="2a")
    values = {**vals(a, {("_T", 2022): "200", ("SEX_F", 2022): "1", ("SEX_M", 2022): "1"}),
              **vals(b, {("_T", 2022): "200", ("SEX_F", 2022): "1", ("SEX_M", 2022): "1"})}
    warnings = checks.plausibility_warnings([a, b], YEARS, values, {(1, "_T", 2021): Decimal(100)}, {})
    assert [(w.kind, w.cell) for w in warnings] == [("sum", (1, "_T", 2022)), ("change", (1, "_T", 2022)),
                                                    ("sum", (2, "_T", 2022))]
    grouped = checks.warnings_by_cell(warnings)
    assert grouped == {(1, "_T", 2022): warnings[:2], (2, "_T", 2022): warnings[2:]}


def test_a_change_from_zero_keeps_the_indicators_decimals():
    i = ind(threshold="10", dimensions="", decimals=2)
    values = vals(i, {("_T", 2023): "0", ("_T", 2024): "7"})
    assert [w.message for w in checks.change_warnings(i, YEARS, values, {})] == ["Changed from 0 in 2023 to 7.00."]
