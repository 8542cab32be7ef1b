"""One value of a submission, as a reviewer looks at it: the network's median and quartiles, and the
threads on that cell. The page for a comment on one cell (instead of a 1,800-option list)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from statistics import median, quantiles

from peerreview.framework.models import Indicator
from peerreview.submissions.benchmarking import total_values
from peerreview.submissions.models import Submission
from peerreview.submissions.services import grid_indicator


@dataclass
class NetworkContext:
    """The submitted values of the cycle for one indicator, breakdown and year (every organisation)."""

    n: int
    median: Decimal | None
    lower_quartile: Decimal | None
    upper_quartile: Decimal | None


def network_context(submission: Submission, indicator_id: int, breakdown: str, year: int) -> NetworkContext:
    values = sorted(value for (_org, _ind, value_year), value in total_values(
        submission.cycle_id, indicator_id=indicator_id, breakdown=breakdown).items() if value_year == year)
    if not values:
        return NetworkContext(0, None, None, None)
    if len(values) == 1:
        return NetworkContext(1, values[0], values[0], values[0])
    lower, _middle, upper = quantiles(values, n=4, method="inclusive")
    return NetworkContext(len(values), median(values), Decimal(lower), Decimal(upper))


def cell_indicator(submission: Submission, indicator_id: int, breakdown: str, year: int) -> Indicator:
    """The indicator of a cell of this submission, or NotFound for a cell the cycle does not collect."""
    return grid_indicator(submission, indicator_id, breakdown, year)
