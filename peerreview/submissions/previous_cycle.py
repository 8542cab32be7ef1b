"""The same organisation's values of its previous cycle: read by the value form, the copy and the checks."""
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


def previous_values(submission: Submission, indicators: list[Indicator]) -> dict[tuple[int, str, int], Decimal]:
    """{(indicator id of this cycle, breakdown, year): value} from the previous cycle, matched by indicator code.

    Cells without a number (flagged not available) are left out.
    """
    previous = previous_submission(submission)
    if previous is None:
        return {}
    by_code = {i.code: i.id for i in indicators}
    rows = db.session.execute(select(Indicator.code, IndicatorValue.breakdown, IndicatorValue.year,
                                     IndicatorValue.value)
                              .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
                              .where(IndicatorValue.submission_id == previous.id))
    return {(by_code[code], breakdown, year): Decimal(value) for code, breakdown, year, value in rows
            if code in by_code and value is not None}
