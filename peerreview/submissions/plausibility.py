"""What the checks of a submission need from the database, read in a fixed number of queries.

The rules are in checks.py; this module gathers their inputs (the previous cycle's values, the
other organisations' submitted values) and returns one CheckReport that the check page, submitting
and the completeness figures share. However many cells, indicators or organisations: the previous
cycle costs two queries and the network one.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, func, or_, select

from peerreview.extensions import db
from peerreview.framework.breakdowns import TOTAL
from peerreview.framework.models import REQUIRED_ALL, REQUIRED_TOTAL, Indicator
from peerreview.submissions.checks import (
    MIN_NETWORK_VALUES,
    Cell,
    PlausibilityWarning,
    fences_from_ranks,
    missing_required,
    plausibility_warnings,
    required_cells,
    unexplained,
    warnings_by_cell,
)
from peerreview.submissions.flags import CONFIDENTIAL, WITHOUT_VALUE
from peerreview.submissions.models import SUBMITTED, IndicatorValue, Submission
from peerreview.submissions.previous_cycle import previous_numbers


@dataclass
class CheckReport:
    """The checks of one submission: required values missing, warnings, and which are unexplained."""

    missing: list[tuple[Indicator, list[Cell]]]
    warnings: list[PlausibilityWarning]
    unexplained: list[Cell]
    required_total: int = 0  # how many values the framework requires

    @property
    def required_there(self) -> int:
        return self.required_total - self.missing_count

    @property
    def warned_cells(self) -> int:
        return len(self.by_cell)

    @property
    def missing_count(self) -> int:
        return sum(len(cells) for _indicator, cells in self.missing)

    @property
    def by_cell(self) -> dict[Cell, list[PlausibilityWarning]]:
        return warnings_by_cell(self.warnings)

    @property
    def blocking(self) -> bool:
        """Submitting is refused while a required value is missing or a warning is unexplained."""
        return bool(self.missing or self.unexplained)


def network_fences(cycle_id: int, organisation_id: int) -> dict[Cell, tuple[Decimal, Decimal]]:
    """The interquartile fences of the OTHER organisations' submitted, non-confidential numbers, per cell.

    One query. The database ranks the values of each cell and sends only the (at most four) values the
    quartiles need, for cells with at least five of them: a few thousand rows, not every value of the cycle.
    """
    cell = (IndicatorValue.indicator_id, IndicatorValue.breakdown, IndicatorValue.year)
    ranked = (select(*cell, IndicatorValue.value,
                     (func.row_number().over(partition_by=cell, order_by=IndicatorValue.value) - 1).label("pos"),
                     func.count().over(partition_by=cell).label("n"))
              .join(Submission, Submission.id == IndicatorValue.submission_id)
              .where(Submission.cycle_id == cycle_id, Submission.status == SUBMITTED,
                     Submission.organisation_id != organisation_id, IndicatorValue.value.is_not(None),
                     IndicatorValue.flag != CONFIDENTIAL)
              .subquery())
    low, high = (ranked.c.n - 1) // 4, (ranked.c.n - 1) * 3 // 4
    query = (select(ranked.c.indicator_id, ranked.c.breakdown, ranked.c.year, ranked.c.n, ranked.c.pos,
                    ranked.c.value)
             .where(ranked.c.n >= MIN_NETWORK_VALUES,
                    or_(ranked.c.pos == low, ranked.c.pos == low + 1, ranked.c.pos == high, ranked.c.pos == high + 1)))
    counts: dict[Cell, int] = {}
    ranks: dict[Cell, dict[int, Decimal]] = defaultdict(dict)
    for indicator_id, breakdown, year, n, pos, value in db.session.execute(query):
        key = (indicator_id, breakdown, year)
        counts[key] = n
        ranks[key][pos] = Decimal(value)
    return {key: fences_from_ranks(n, ranks[key]) for key, n in counts.items()}


def required_counts(submission_ids: list[int], years: list[int]) -> dict[int, int]:
    """{submission id: required values there (a number, or flagged not available / not applicable)}, one query.

    The same rule as checks.required_cells and checks.is_answered, counted by the database for a whole cycle.
    """
    if not submission_ids:
        return {}
    answered = or_(IndicatorValue.value.is_not(None), IndicatorValue.flag.in_(sorted(WITHOUT_VALUE)))
    required = or_(Indicator.required == REQUIRED_ALL,
                   and_(Indicator.required == REQUIRED_TOTAL, IndicatorValue.breakdown == TOTAL.code))
    query = (select(IndicatorValue.submission_id, func.count())
             .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
             .where(IndicatorValue.submission_id.in_(submission_ids), IndicatorValue.year.in_(years),
                    answered, required)
             .group_by(IndicatorValue.submission_id))
    return dict(db.session.execute(query).all())


def required_expected(indicators: list[Indicator], years: list[int]) -> int:
    """How many values the framework requires of each submission."""
    return sum(len(required_cells(i, years)) for i in indicators)


def check_submission(submission: Submission, indicators: list[Indicator], values: Mapping[Cell, IndicatorValue],
                     *, against_network: bool = True) -> CheckReport:
    """Every check of the submission; `values` as services.value_map returns them (one to three more queries).

    `against_network=False` leaves out the comparison with the network (no outlier warnings): the one check
    that reads the other organisations' values, a sort of every submitted value of the cycle in the database
    (2 to 4 s for 150 organisations x 1,800 cells). The entry form and the submission page do without it;
    the check page and submitting never do.
    """
    years = submission.cycle.years
    # The previous cycle is read only when some indicator checks the change (two queries, or none).
    earlier = (previous_numbers(submission, indicators)
               if any(i.change_threshold is not None for i in indicators) else {})
    network = network_fences(submission.cycle_id, submission.organisation_id) if against_network else {}
    warnings = plausibility_warnings(indicators, years, values, earlier, network)
    return CheckReport(missing_required(indicators, years, values), warnings, unexplained(warnings, values),
                       required_expected(indicators, years))
