"""The same organisation's values of its previous cycle, as stored: read by the value form, the copy and the checks.

Below the services (it imports none of them), so that submitting, which runs the checks, can read them.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from peerreview.cycles.models import Cycle
from peerreview.extensions import db
from peerreview.framework.models import Indicator
from peerreview.submissions.models import SUBMITTED, IndicatorValue, Submission


def previous_submission(submission: Submission) -> Submission | None:
    """The organisation's latest submitted submission of an earlier cycle of the same network."""
    cycle = submission.cycle
    query = (select(Submission).join(Cycle, Cycle.id == Submission.cycle_id)
             .where(Submission.organisation_id == submission.organisation_id, Submission.status == SUBMITTED,
                    Cycle.network_id == cycle.network_id, Cycle.id != cycle.id,
                    Cycle.first_year <= cycle.first_year)
             .order_by(Cycle.last_year.desc(), Cycle.id.desc()).limit(1))
    return db.session.scalars(query).first()


def previous_cells(submission: Submission, indicators: list[Indicator]) -> dict[tuple[int, str, int], IndicatorValue]:
    """{(indicator id of this cycle, breakdown, year): stored cell} of the previous cycle, matched by indicator code."""
    previous = previous_submission(submission)
    if previous is None:
        return {}
    by_code = {i.code: i.id for i in indicators}
    rows = db.session.execute(select(Indicator.code, IndicatorValue)
                              .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
                              .where(IndicatorValue.submission_id == previous.id))
    return {(by_code[code], cell.breakdown, cell.year): cell for code, cell in rows if code in by_code}


def previous_numbers(submission: Submission, indicators: list[Indicator]) -> dict[tuple[int, str, int], Decimal]:
    """The previous cycle's numbers per cell (cells flagged without a number left out): for the year-on-year check."""
    return {key: Decimal(cell.value) for key, cell in previous_cells(submission, indicators).items()
            if cell.value is not None}
