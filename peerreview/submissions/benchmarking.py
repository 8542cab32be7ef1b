"""Benchmarking statistics, in one place for pages, charts and PDFs.

Only submitted values take part: a delegation's draft is nobody else's business.
A value flagged confidential is left out of everything others see, the statistics
included (a median of three can give one away); a value flagged not available is
shown as such and counts nowhere. Statistics keep full Decimal precision: rounding
happens once, at display (peerreview.numbers.format_number).

Quartiles use linear interpolation between closest ranks (Hyndman & Fan type 7: Excel's
QUARTILE.INC, numpy's default), so the second quartile is the ordinary median.
Ranks are competition ranks ("1, 2, 2, 4") in the indicator's direction; a neutral
indicator has no ranks. Each function reads what it needs in one query.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, or_, select

from peerreview.extensions import db
from peerreview.framework.breakdowns import TOTAL
from peerreview.organisations.models import Organisation
from peerreview.organisations.services import organisations_by_id
from peerreview.submissions import flags
from peerreview.submissions.models import SUBMITTED, IndicatorValue, Submission

# What a cell holds, beside a number.
VALUE = "value"
CONFIDENTIAL = "confidential"
NOT_AVAILABLE = flags.NOT_AVAILABLE
NOT_APPLICABLE = flags.NOT_APPLICABLE
MISSING = "missing"

STATE_LABELS = {CONFIDENTIAL: _l("confidential"), NOT_AVAILABLE: _l("not available"),
                NOT_APPLICABLE: _l("not applicable"), MISSING: _l("not submitted")}

HIGHER = "higher"
LOWER = "lower"


def quantile(ordered: list[Decimal], p: Decimal) -> Decimal:
    """Type-7 quantile of values sorted ascending (p between 0 and 1)."""
    h = (len(ordered) - 1) * p
    below = int(h)
    fraction = h - below
    if fraction == 0 or below + 1 >= len(ordered):
        return ordered[below]
    return ordered[below] + fraction * (ordered[below + 1] - ordered[below])


@dataclass
class Spread:
    n: int
    median: Decimal | None
    low: Decimal | None
    high: Decimal | None
    q1: Decimal | None = None
    q3: Decimal | None = None


def spread_of(values: Iterable[Decimal]) -> Spread | None:
    ordered = sorted(values)
    if not ordered:
        return None
    return Spread(len(ordered), quantile(ordered, Decimal("0.5")), ordered[0], ordered[-1],
                  quantile(ordered, Decimal("0.25")), quantile(ordered, Decimal("0.75")))


def ranks(values: dict[int, Decimal], direction: str) -> dict[int, int]:
    """{key: rank}, 1 the best; equal values share a rank and the next rank is skipped."""
    if direction not in (HIGHER, LOWER):
        return {}
    best_first = sorted(values.values(), reverse=direction == HIGHER)
    first_place: dict[Decimal, int] = {}
    for position, value in enumerate(best_first, start=1):
        first_place.setdefault(value, position)
    return {key: first_place[value] for key, value in values.items()}


def values_others_may_see(cycle_id: int, *columns):
    """SELECT (organisation id, *columns) over the values of a cycle that other organisations may see.

    THE one filter for everything others see (comparisons, statistics, ranks, charts, profiles,
    reviewers' context, reports): submitted submissions only, a number present (not "not available"
    or "not applicable"), not flagged confidential (submissions.flags.shown_to_others in SQL).
    """
    return (select(Submission.organisation_id, *columns)
            .join(Submission, Submission.id == IndicatorValue.submission_id)
            .where(Submission.cycle_id == cycle_id, Submission.status == SUBMITTED,
                   IndicatorValue.value.is_not(None), IndicatorValue.flag != flags.CONFIDENTIAL))


def total_values(cycle_id: int, *, indicator_id: int | None = None,
                 breakdown: str = TOTAL.code) -> dict[tuple[int, int, int], Decimal]:
    """{(organisation_id, indicator_id, year): value} that others may see (values_others_may_see)."""
    query = values_others_may_see(cycle_id, IndicatorValue.indicator_id, IndicatorValue.year,
                                  IndicatorValue.value).where(IndicatorValue.breakdown == breakdown)
    if indicator_id is not None:
        query = query.where(IndicatorValue.indicator_id == indicator_id)
    return {(org, ind, year): Decimal(value) for org, ind, year, value in db.session.execute(query)}


def breakdown_values(cycle_id: int, year: int) -> dict[tuple[int, int, str], Decimal]:
    """{(organisation_id, indicator_id, breakdown): value} of one year, every breakdown but the
    total, that others may see: one query for every indicator's breakdowns (sex, age groups incl. 50+)."""
    query = values_others_may_see(cycle_id, IndicatorValue.indicator_id, IndicatorValue.breakdown,
                                  IndicatorValue.value).where(IndicatorValue.year == year,
                                                              IndicatorValue.breakdown != TOTAL.code)
    return {(org, ind, code): Decimal(value) for org, ind, code, value in db.session.execute(query)}


def spreads(values: dict[tuple[int, int, int], Decimal]) -> dict[tuple[int, int], Spread]:
    """{(indicator_id, year): Spread} across organisations."""
    grouped: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for (_org, indicator_id, year), value in values.items():
        grouped[(indicator_id, year)].append(value)
    return {key: spread_of(v) for key, v in grouped.items()}


@dataclass
class ComparisonRow:
    organisation: Organisation
    values: dict[int, Decimal]  # year -> value


def compare_indicator(cycle, indicator, breakdown: str = TOTAL.code):
    """Rows per organisation (sorted by name) and the spread per year."""
    values = total_values(cycle.id, indicator_id=indicator.id, breakdown=breakdown)
    organisations = organisations_by_id(org for org, _ind, _year in values)
    rows: dict[int, ComparisonRow] = {}
    for (org, _ind, year), value in values.items():
        rows.setdefault(org, ComparisonRow(organisations[org], {})).values[year] = value
    ordered = sorted(rows.values(), key=lambda r: r.organisation.name)
    per_year = {year: spread for (_ind, year), spread in spreads(values).items()}
    return ordered, per_year


# --- one indicator, one year: every participant against the network ---------------------

@dataclass
class Observation:
    """What one organisation submitted for one cell: a number, or a flag instead of one."""
    organisation_id: int
    year: int
    value: Decimal | None
    flag: str = VALUE  # VALUE, CONFIDENTIAL or NOT_AVAILABLE


@dataclass
class Standing:
    organisation_id: int
    state: str  # VALUE, CONFIDENTIAL (value set for the viewer's own only), NOT_AVAILABLE or MISSING
    value: Decimal | None = None
    rank: int | None = None
    previous: Decimal | None = None
    change: Decimal | None = None


@dataclass
class YearComparison:
    year: int
    spread: Spread | None
    standings: list[Standing] = field(default_factory=list)  # one per participant, in the given order


def compare_year(observations: Iterable[Observation], participants: list[int], year: int, direction: str,
                 *, viewer_organisation_id: int | None = None) -> YearComparison:
    """Every participant's standing in `year`: value, rank, change since `year - 1`.

    Confidential values are left out of the spread, the ranks and the changes; only the
    viewer's own organisation sees its own confidential value (without a rank).
    """
    cells: dict[tuple[int, int], Observation] = {(o.organisation_id, o.year): o for o in observations}
    usable = {org: cells[(org, year)].value for org in participants
              if (org, year) in cells and cells[(org, year)].flag == VALUE and cells[(org, year)].value is not None}
    rank_of = ranks(usable, direction)
    standings = []
    for org in participants:
        cell = cells.get((org, year))
        if cell is None or (cell.flag == VALUE and cell.value is None):
            standings.append(Standing(org, MISSING))
        elif cell.flag in (NOT_AVAILABLE, NOT_APPLICABLE):
            standings.append(Standing(org, cell.flag))
        elif cell.flag == CONFIDENTIAL:
            # Others learn only that a figure exists and is not theirs to read.
            own = org == viewer_organisation_id
            standings.append(Standing(org, CONFIDENTIAL, value=cell.value if own else None))
        else:
            before = cells.get((org, year - 1))
            previous = before.value if before is not None and before.flag == VALUE else None
            standings.append(Standing(org, VALUE, value=cell.value, rank=rank_of.get(org), previous=previous,
                                      change=cell.value - previous if previous is not None else None))
    return YearComparison(year, spread_of(usable.values()), standings)


def observations(cycle_id: int, indicator_id: int, breakdown: str = TOTAL.code, *,
                 viewer_organisation_id: int | None = None) -> list[Observation]:
    """Submitted cells of one indicator and breakdown, every year: the numbers others may see, and the
    cells flagged instead (not available, not applicable, confidential) without their number, except
    the viewer's own confidential one. Two queries."""
    cells = [Observation(org, year, value)
             for (org, _ind, year), value in total_values(cycle_id, indicator_id=indicator_id,
                                                          breakdown=breakdown).items()]
    own_value = case((Submission.organisation_id == (viewer_organisation_id or 0), IndicatorValue.value), else_=None)
    flagged = (select(Submission.organisation_id, IndicatorValue.year, IndicatorValue.flag, own_value)
               .join(Submission, Submission.id == IndicatorValue.submission_id)
               .where(Submission.cycle_id == cycle_id, Submission.status == SUBMITTED,
                      IndicatorValue.indicator_id == indicator_id, IndicatorValue.breakdown == breakdown,
                      or_(IndicatorValue.value.is_(None), IndicatorValue.flag == flags.CONFIDENTIAL)))
    for org, year, flag, value in db.session.execute(flagged):
        if flag == flags.CONFIDENTIAL:
            cells.append(Observation(org, year, Decimal(value) if value is not None else None, CONFIDENTIAL))
        else:
            cells.append(Observation(org, year, None, NOT_APPLICABLE if flag == NOT_APPLICABLE else NOT_AVAILABLE))
    return cells


@dataclass
class ComparedRow:
    organisation: Organisation
    standing: Standing


@dataclass
class IndicatorComparison:
    year: int
    spread: Spread | None
    previous_spread: Spread | None
    rows: list[ComparedRow]  # best first (ranked ones by rank, then the others), ties by name


def indicator_comparison(cycle, indicator, breakdown: str, year: int, *,
                         viewer_organisation_id: int | None = None) -> IndicatorComparison:
    """Every participant of the cycle in one indicator, breakdown and year: four queries."""
    cells = observations(cycle.id, indicator.id, breakdown, viewer_organisation_id=viewer_organisation_id)
    participants = list(db.session.scalars(select(Submission.organisation_id)
                                           .where(Submission.cycle_id == cycle.id)))
    organisations = organisations_by_id(participants)
    now = compare_year(cells, participants, year, indicator.direction,
                       viewer_organisation_id=viewer_organisation_id)
    before = spread_of(c.value for c in cells if c.year == year - 1 and c.flag == VALUE and c.value is not None)
    rows = [ComparedRow(organisations[s.organisation_id], s) for s in now.standings]
    rows.sort(key=_best_first)
    return IndicatorComparison(year, now.spread, before, rows)


def _best_first(row: ComparedRow):
    standing = row.standing
    if standing.state != VALUE:
        return (1, Decimal(0), row.organisation.name)
    # Ranked by the indicator's direction; a neutral indicator simply from highest to lowest.
    return (0, Decimal(standing.rank) if standing.rank is not None else -standing.value, row.organisation.name)


# --- one organisation against the network, every indicator ------------------------------

@dataclass
class ProfileLine:
    indicator: object  # framework Indicator
    spread: Spread | None
    value: Decimal | None
    rank: int | None
    position: Decimal | None  # 1 = the best, 0 = the last; None without a rank
    values: list[Decimal]
    leaders: list[Organisation]  # the best three (peers to learn from)


@dataclass
class Profile:
    organisation: Organisation
    year: int
    lines: list[ProfileLine]
    strongest: list[ProfileLine]
    weakest: list[ProfileLine]


def position_of(rank: int, n: int) -> Decimal:
    """Where a rank sits between the last (0) and the best (1); alone, one is the best."""
    return Decimal(1) if n <= 1 else Decimal(n - rank) / Decimal(n - 1)


def organisation_profile(cycle, organisation: Organisation, indicators: list, year: int,
                         *, show=3) -> Profile:
    """Each indicator's total in `year` against the network; strongest and weakest positions and,
    where it is weakest, the organisations that do best. Two queries, whatever the network's size."""
    values = total_values(cycle.id)
    by_indicator: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for (org, indicator_id, y), value in values.items():
        if y == year:
            by_indicator[indicator_id][org] = value
    organisations = organisations_by_id({org for org, _i, _y in values})
    lines = []
    for indicator in indicators:
        cell = by_indicator.get(indicator.id, {})
        rank_of = ranks(cell, indicator.direction)
        spread = spread_of(cell.values())
        rank = rank_of.get(organisation.id)
        best = sorted(rank_of, key=lambda org: (rank_of[org], organisations[org].name))
        lines.append(ProfileLine(indicator, spread, cell.get(organisation.id), rank,
                                 position_of(rank, spread.n) if rank is not None else None, list(cell.values()),
                                 [organisations[org] for org in best if org != organisation.id][:show]))
    ranked = [line for line in lines if line.position is not None and line.spread.n > 1]
    by_position = sorted(ranked, key=lambda line: (-line.position, line.indicator.code))
    strongest = [line for line in by_position if line.position >= Decimal("0.5")][:show]
    weakest = [line for line in reversed(by_position) if line.position < Decimal("0.5")][:show]
    return Profile(organisation, year, lines, strongest, weakest)


def participant(cycle_id: int, organisation_id: int | None) -> Organisation | None:
    """The organisation, if it takes part in the cycle."""
    return db.session.scalar(select(Organisation).join(Submission, Submission.organisation_id == Organisation.id)
                             .where(Submission.cycle_id == cycle_id, Organisation.id == (organisation_id or 0)))
