"""The same organisation's values of the previous cycle: shown beside the new ones, copied as a starting point."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import _
from sqlalchemy import select

from peerreview.cycles.models import Cycle
from peerreview.errors import Conflict
from peerreview.extensions import db
from peerreview.framework.models import Indicator
from peerreview.framework.services import framework_indicators
from peerreview.numbers import format_plain
from peerreview.permissions import Action, require
from peerreview.submissions.flags import flag_label
from peerreview.submissions.models import SUBMITTED, IndicatorValue, Submission
from peerreview.submissions.services import CellChange, SaveResult, save_values, value_map


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


def previous_values(submission: Submission, indicators: list[Indicator]) -> dict[tuple[int, str, int], str]:
    """{cell key: the previous cycle's value as shown under the cell}: the number, or its flag in words."""
    shown = {}
    for key, cell in previous_cells(submission, indicators).items():
        number = format_plain(Decimal(cell.value)) if cell.value is not None else ""
        shown[key] = ", ".join(part for part in (number, flag_label(cell.flag)) if part)
    return shown


def copy_previous_values(actor, submission: Submission) -> SaveResult:
    """Copy the previous cycle's values, with their flags and source notes, into the cells still empty (channel "copy").

    Never replaces a value: each copied cell starts from empty, so a cell filled meanwhile comes
    back as a conflict, like any other save.
    """
    require(actor, Action.EDIT_SUBMISSION, submission)
    indicators = framework_indicators(submission.cycle.framework_id)
    previous = previous_cells(submission, indicators)
    if not previous:
        raise Conflict(_("There are no values of an earlier cycle of your organisation to copy."))
    filled = value_map(submission.id)
    years = set(submission.cycle.years)
    changes = [CellChange(ind_id, breakdown, year, format_plain(cell.value), "", cell.flag or "", cell.note or "")
               for (ind_id, breakdown, year), cell in previous.items()
               if year in years and (ind_id, breakdown, year) not in filled]
    return save_values(actor, submission, changes, channel="copy", indicators=indicators)
