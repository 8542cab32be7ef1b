"""What the API shows of values others submitted: network statistics and the published values.

Both go through submissions.benchmarking.values_others_may_see, the one filter for everything
others see (submitted, a number, never confidential). The SDMX export adds the cells that say
there is no number (not available, not applicable): that a figure does not exist is no secret.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from peerreview.extensions import db
from peerreview.submissions.benchmarking import Spread, spread_of, values_others_may_see
from peerreview.submissions.flags import WITHOUT_VALUE
from peerreview.submissions.models import SUBMITTED, IndicatorValue, Submission

_COLUMNS = (IndicatorValue.indicator_id, IndicatorValue.breakdown, IndicatorValue.year, IndicatorValue.value,
            IndicatorValue.flag, IndicatorValue.note)


@dataclass(frozen=True)
class SharedValue:
    organisation_id: int
    indicator_id: int
    breakdown: str
    year: int
    value: Decimal | None  # None only with a flag that says there is no value
    flag: str
    note: str


def _rows(query) -> list[SharedValue]:
    return [SharedValue(org, ind, breakdown, year, None if value is None else Decimal(value), flag or "", note or "")
            for org, ind, breakdown, year, value, flag, note in db.session.execute(query)]


def shareable_values(cycle_id: int, indicator_ids: list[int] | None = None) -> list[SharedValue]:
    """The numbers others may see, in a stable order."""
    query = values_others_may_see(cycle_id, *_COLUMNS)
    if indicator_ids is not None:
        query = query.where(IndicatorValue.indicator_id.in_(indicator_ids))
    return _rows(query.order_by(Submission.organisation_id, *_COLUMNS[:3]))


def published_values(cycle_id: int) -> list[SharedValue]:
    """shareable_values, and the submitted cells flagged as having no number, in a stable order."""
    missing = (select(Submission.organisation_id, *_COLUMNS)
               .join(Submission, Submission.id == IndicatorValue.submission_id)
               .where(Submission.cycle_id == cycle_id, Submission.status == SUBMITTED,
                      IndicatorValue.value.is_(None), IndicatorValue.flag.in_(sorted(WITHOUT_VALUE))))
    rows = shareable_values(cycle_id) + _rows(missing)
    return sorted(rows, key=lambda v: (v.organisation_id, v.indicator_id, v.breakdown, v.year))


def network_statistics(cycle_id: int, indicator_ids: list[int]) -> dict[tuple[int, str, int], Spread]:
    """{(indicator_id, breakdown, year): Spread} over the numbers others may see."""
    grouped: dict[tuple[int, str, int], list[Decimal]] = defaultdict(list)
    for v in shareable_values(cycle_id, indicator_ids):
        grouped[(v.indicator_id, v.breakdown, v.year)].append(v.value)
    return {key: spread_of(values) for key, values in grouped.items()}
