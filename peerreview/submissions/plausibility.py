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
    Cell,
    PlausibilityWarning,
    missing_required,
    plausibility_warnings,
    required_cells,
    unexplained,
    warnings_by_cell,
)
from peerreview.submissions.flags import CONFIDENTIAL, WITHOUT_VALUE
from peerreview.submissions.models import SUBMITTED, IndicatorValue, Submission
from peerreview.submissions.previous_cycle import previous_values


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


def network_values(cycle_id: int, organisation_id: int) -> dict[Cell, list[Decimal]]:
    """The OTHER organisations' submitted, non-confidential numbers of a cycle per cell, in one query."""
    query = (select(IndicatorValue.indicator_id, IndicatorValue.breakdown, IndicatorValue.year, IndicatorValue.value)
             .join(Submission, Submission.id == IndicatorValue.submission_id)
             .where(Submission.cycle_id == cycle_id, Submission.status == SUBMITTED,
                    Submission.organisation_id != organisation_id, IndicatorValue.value.is_not(None),
                    IndicatorValue.flag != CONFIDENTIAL))
    grouped: dict[Cell, list[Decimal]] = defaultdict(list)
    for indicator_id, breakdown, year, value in db.session.execute(query):
        grouped[(indicator_id, breakdown, year)].append(Decimal(value))
    return grouped


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


def check_submission(submission: Submission, indicators: list[Indicator],
                     values: Mapping[Cell, IndicatorValue]) -> CheckReport:
    """Every check of the submission; `values` as services.value_map returns them (one to three more queries)."""
    years = submission.cycle.years
    # The previous cycle is read only when some indicator checks the change (two queries, or none).
    earlier = (previous_values(submission, indicators)
               if any(i.change_threshold is not None for i in indicators) else {})
    warnings = plausibility_warnings(indicators, years, values, earlier,
                                     network_values(submission.cycle_id, submission.organisation_id))
    return CheckReport(missing_required(indicators, years, values), warnings, unexplained(warnings, values),
                       required_expected(indicators, years))
