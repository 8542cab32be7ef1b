"""The checks on a submission's values before it is submitted (issue 7): pure rules, no database.

Two kinds (docs/checks.md):

- **hard errors** block: a value that is not a number, out of range or with too many decimals is
  refused at its cell when saved (peerreview.numbers); a *required* value that is missing blocks
  submitting. Which values are required is set per indicator in the framework (`Indicator.required`):
  none, the total of every reference year (the default) or every breakdown of every year. A required
  value is there when it holds a number or is flagged not available / not applicable.
- **plausibility warnings** never block, but each must be explained (`IndicatorValue.explanation`)
  before submitting:
  a) `SUM`: for an indicator the framework declares additive, the members of each breakdown
     dimension (women + men; the age groups; the qualification levels) add up to the total of the
     same year within the tolerance `sum_tolerance` (the larger of one unit of the indicator's last
     decimal place and 0.5 % of the total). Checked only when the total and every member are filled;
     the warning sits on the total.
  b) `CHANGE`: the change from the previous year, in per cent of the previous value, is beyond the
     indicator's `change_threshold`. The previous year's value comes from the same submission, or for
     the first reference year from the organisation's previous cycle. From 0 to anything else is
     always beyond the threshold.
  c) `OUTLIER`: the value is outside the interquartile fences (Q1 - 1.5 IQR, Q3 + 1.5 IQR) of the
     OTHER organisations' submitted, non-confidential values of the same indicator, breakdown and
     year, computed only when at least `MIN_NETWORK_VALUES` (5) of them exist. The warning says
     "unusually high/low compared with the network" and never shows their values or the fences.

Every function takes plain mappings, so each rule is tested without a database; a cell is the key
(indicator id, breakdown code, year) and a stored value anything with `.value`, `.flag` and
`.explanation` (an IndicatorValue).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import _

from peerreview.framework.breakdowns import DIMENSIONS, TOTAL
from peerreview.framework.models import REQUIRED_ALL, REQUIRED_TOTAL, Indicator
from peerreview.numbers import format_plain
from peerreview.submissions.benchmarking import quantile
from peerreview.submissions.flags import WITHOUT_VALUE

Cell = tuple[int, str, int]  # (indicator id, breakdown code, year)

SUM = "sum"
CHANGE = "change"
OUTLIER = "outlier"
HIGH = "high"
LOW = "low"

MIN_NETWORK_VALUES = 5
SUM_SHARE = Decimal("0.005")  # 0.5 % of the total
FENCE = Decimal("1.5")


@dataclass(frozen=True)
class PlausibilityWarning:
    """One reason why a value looks odd; `message` says it in words the delegate can act on."""

    kind: str
    cell: Cell
    message: str


def number(stored) -> Decimal | None:
    """The number a stored value holds, or None (an empty or flagged-only cell)."""
    if stored is None or stored.value is None:
        return None
    return Decimal(stored.value)


# --- hard errors: required values ------------------------------------------------------------------

def required_cells(indicator: Indicator, years: Iterable[int]) -> list[tuple[str, int]]:
    """(breakdown code, year) of the values that must be there before submitting, in grid order."""
    if indicator.required == REQUIRED_TOTAL:
        return [(TOTAL.code, y) for y in years]
    if indicator.required == REQUIRED_ALL:
        return [(b.code, y) for b in indicator.breakdowns for y in years]
    return []


def is_answered(stored) -> bool:
    """A value is there: a number, or a flag that says why there is none."""
    return stored is not None and (stored.value is not None or stored.flag in WITHOUT_VALUE)


def missing_required(indicators: Iterable[Indicator], years: list[int],
                     values: Mapping[Cell, object]) -> list[tuple[Indicator, list[Cell]]]:
    """The required values not there yet, per indicator (in the order given): [(indicator, [cells])]."""
    missing = []
    for indicator in indicators:
        cells = [(indicator.id, b, y) for b, y in required_cells(indicator, years)
                 if not is_answered(values.get((indicator.id, b, y)))]
        if cells:
            missing.append((indicator, cells))
    return missing


# --- warning a): breakdowns that do not add up ----------------------------------------------------

def sum_tolerance(total: Decimal, decimals: int) -> Decimal:
    """How far the members may be off the total: one unit of the last decimal place or 0.5 % of the total."""
    return max(Decimal(1).scaleb(-decimals), abs(total) * SUM_SHARE)


def sum_warnings(indicator: Indicator, years: Iterable[int],
                 values: Mapping[Cell, object]) -> list[PlausibilityWarning]:
    if not indicator.additive:
        return []
    chosen = set(indicator.dimensions.split())
    warnings = []
    for year in years:
        total = number(values.get((indicator.id, TOTAL.code, year)))
        if total is None:
            continue
        for name, (label, members) in DIMENSIONS.items():
            if name not in chosen:
                continue
            parts = [number(values.get((indicator.id, m.code, year))) for m in members]
            if any(p is None for p in parts):
                continue  # not all filled: nothing to compare yet
            added = sum(parts, Decimal(0))
            if abs(added - total) > sum_tolerance(total, indicator.decimals):
                warnings.append(PlausibilityWarning(SUM, (indicator.id, TOTAL.code, year), _(
                    "%(dimension)s, the breakdowns add up to %(sum)s, not to the total %(total)s.",
                    dimension=label, sum=format_plain(added, indicator.decimals),
                    total=format_plain(total, indicator.decimals))))
    return warnings


# --- warning b): year-on-year change --------------------------------------------------------------

def change_percent(previous: Decimal, current: Decimal) -> Decimal | None:
    """The change in per cent of the previous value; None from 0 (any change from 0 is unbounded)."""
    if previous == 0:
        return None
    return (current - previous) / abs(previous) * 100


def change_warnings(indicator: Indicator, years: list[int], values: Mapping[Cell, object],
                    earlier: Mapping[Cell, Decimal]) -> list[PlausibilityWarning]:
    """`earlier`: the organisation's values of its previous cycle, {cell: number}, for the first year."""
    if indicator.change_threshold is None:
        return []
    threshold = Decimal(indicator.change_threshold)
    warnings = []
    for b in indicator.breakdowns:
        for year in years:
            current = number(values.get((indicator.id, b.code, year)))
            if current is None:
                continue
            before_cell = (indicator.id, b.code, year - 1)
            before = number(values.get(before_cell)) if year - 1 in years else earlier.get(before_cell)
            if before is None or before == current:
                continue
            percent = change_percent(before, current)
            if percent is not None and abs(percent) <= threshold:
                continue
            if percent is None:
                message = _("Changed from 0 in %(year)s to %(value)s.", year=year - 1,
                            value=format_plain(current, indicator.decimals))
            else:
                message = _("Changed by %(percent)s %% since %(year)s (from %(before)s to %(value)s); more than "
                            "the %(threshold)s %% the framework expects.", percent=format_plain(percent, 1),
                            year=year - 1, before=format_plain(before, indicator.decimals),
                            value=format_plain(current, indicator.decimals),
                            threshold=format_plain(threshold))
            warnings.append(PlausibilityWarning(CHANGE, (indicator.id, b.code, year), message))
    return warnings


# --- warning c): outside the network's distribution -----------------------------------------------

def fence_pair(q1: Decimal, q3: Decimal) -> tuple[Decimal, Decimal]:
    """(Q1 - 1.5 IQR, Q3 + 1.5 IQR)."""
    spread = q3 - q1
    return q1 - FENCE * spread, q3 + FENCE * spread


def fences(others: list[Decimal]) -> tuple[Decimal, Decimal] | None:
    """(low, high) interquartile fences of the others' values; None with fewer than five of them."""
    if len(others) < MIN_NETWORK_VALUES:
        return None
    ordered = sorted(others)
    return fence_pair(quantile(ordered, Decimal("0.25")), quantile(ordered, Decimal("0.75")))


def quartile_positions(n: int) -> set[int]:
    """The 0-based ranks whose values the first and third quartiles of n sorted values need (type 7)."""
    low, high = (n - 1) // 4, (n - 1) * 3 // 4
    return {low, low + 1, high, high + 1}


def fences_from_ranks(n: int, at: Mapping[int, Decimal]) -> tuple[Decimal, Decimal] | None:
    """The fences of n sorted values of which only those at `quartile_positions(n)` are known ({rank: value}).

    The same figures as `fences` on the whole list: the database sends four values per cell, not all of them.
    """
    if n < MIN_NETWORK_VALUES:
        return None

    def quartile(p: Decimal) -> Decimal:
        h = (n - 1) * p
        below = int(h)
        fraction = h - below
        return at[below] if fraction == 0 else at[below] + fraction * (at[below + 1] - at[below])

    return fence_pair(quartile(Decimal("0.25")), quartile(Decimal("0.75")))


def outlier_side(value: Decimal, limits: tuple[Decimal, Decimal] | None) -> str | None:
    """HIGH or LOW when the value is outside the fences (None: no fences, too few others), else None."""
    if limits is None:
        return None
    if value > limits[1]:
        return HIGH
    if value < limits[0]:
        return LOW
    return None


def outlier_warnings(indicator: Indicator, years: Iterable[int], values: Mapping[Cell, object],
                     network: Mapping[Cell, tuple[Decimal, Decimal]]) -> list[PlausibilityWarning]:
    """`network`: the fences of the other organisations' submitted, non-confidential numbers, per cell."""
    warnings = []
    for b in indicator.breakdowns:
        for year in years:
            cell = (indicator.id, b.code, year)
            value = number(values.get(cell))
            side = None if value is None else outlier_side(value, network.get(cell))
            if side == HIGH:
                warnings.append(PlausibilityWarning(OUTLIER, cell, _(
                    "Unusually high compared with the network's other submitted values.")))
            elif side == LOW:
                warnings.append(PlausibilityWarning(OUTLIER, cell, _(
                    "Unusually low compared with the network's other submitted values.")))
    return warnings


# --- all of them ------------------------------------------------------------------------------------

def plausibility_warnings(indicators: Iterable[Indicator], years: list[int], values: Mapping[Cell, object],
                          earlier: Mapping[Cell, Decimal],
                          network: Mapping[Cell, tuple[Decimal, Decimal]]) -> list[PlausibilityWarning]:
    """Every warning of a submission, per indicator in the order given, then sum, change, outlier."""
    warnings = []
    for indicator in indicators:
        warnings += sum_warnings(indicator, years, values)
        warnings += change_warnings(indicator, years, values, earlier)
        warnings += outlier_warnings(indicator, years, values, network)
    return warnings


def unexplained(warnings: Iterable[PlausibilityWarning], values: Mapping[Cell, object]) -> list[Cell]:
    """The cells with a warning but no explanation yet, each once, in the warnings' order."""
    cells: dict[Cell, None] = {}
    for warning in warnings:
        stored = values.get(warning.cell)
        if stored is None or not (stored.explanation or "").strip():
            cells.setdefault(warning.cell)
    return list(cells)


def warnings_by_cell(warnings: Iterable[PlausibilityWarning]) -> dict[Cell, list[PlausibilityWarning]]:
    """The warnings grouped per cell (one explanation answers all warnings of its cell)."""
    grouped: dict[Cell, list[PlausibilityWarning]] = {}
    for warning in warnings:
        grouped.setdefault(warning.cell, []).append(warning)
    return grouped
