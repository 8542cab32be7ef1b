"""The same organisation's values of the previous cycle: shown beside the new ones, copied as a starting point."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import _

from peerreview.errors import Conflict
from peerreview.framework.models import Indicator
from peerreview.framework.services import framework_indicators
from peerreview.numbers import format_plain
from peerreview.permissions import Action, require
from peerreview.submissions.flags import flag_label
from peerreview.submissions.models import Submission
from peerreview.submissions.previous_cycle import previous_cells, previous_submission
from peerreview.submissions.services import CellChange, SaveResult, save_values, value_map

__all__ = ["copy_previous_values", "previous_cells", "previous_submission", "previous_values"]


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
