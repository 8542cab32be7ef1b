"""What the API shows of values others submitted: network statistics and the published values.

Both read one query: submitted values only (a draft is nobody else's business), never a value
flagged confidential (a median of three can give one away).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select

from peerreview.extensions import db
from peerreview.submissions.benchmarking import Spread, spread_of
from peerreview.submissions.flags import CONFIDENTIAL, WITHOUT_VALUE
from peerreview.submissions.models import SUBMITTED, IndicatorValue, Submission


@dataclass(frozen=True)
class SharedValue:
    organisation_id: int
    indicator_id: int
    breakdown: str
    year: int
    value: Decimal | None  # None only with a flag that says there is no value
    flag: str
    note: str


def shareable_values(cycle_id: int, indicator_ids: list[int] | None = None) -> list[SharedValue]:
    """The submitted values of a cycle others may see: numbers, and flags that say there is none."""
    query = (select(Submission.organisation_id, IndicatorValue.indicator_id, IndicatorValue.breakdown,
                    IndicatorValue.year, IndicatorValue.value, IndicatorValue.flag, IndicatorValue.note)
             .join(Submission, Submission.id == IndicatorValue.submission_id)
             .where(Submission.cycle_id == cycle_id, Submission.status == SUBMITTED,
                    IndicatorValue.flag != CONFIDENTIAL,
                    or_(IndicatorValue.value.is_not(None), IndicatorValue.flag.in_(sorted(WITHOUT_VALUE))))
             .order_by(Submission.organisation_id, IndicatorValue.indicator_id, IndicatorValue.breakdown,
                       IndicatorValue.year))
    if indicator_ids is not None:
        query = query.where(IndicatorValue.indicator_id.in_(indicator_ids))
    return [SharedValue(org, ind, breakdown, year, None if value is None else Decimal(value), flag or "", note or "")
            for org, ind, breakdown, year, value, flag, note in db.session.execute(query)]


def network_statistics(cycle_id: int, indicator_ids: list[int]) -> dict[tuple[int, str, int], Spread]:
    """{(indicator_id, breakdown, year): Spread} over the numbers of shareable_values."""
    grouped: dict[tuple[int, str, int], list[Decimal]] = defaultdict(list)
    for v in shareable_values(cycle_id, indicator_ids):
        if v.value is not None:
            grouped[(v.indicator_id, v.breakdown, v.year)].append(v.value)
    return {key: spread_of(values) for key, values in grouped.items()}
