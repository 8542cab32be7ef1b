"""The same organisation's values of the previous cycle: shown beside the new ones, copied as a starting point.

Reading them is in previous_cycle.py (the checks read them too, below the services).
"""
from __future__ import annotations

from flask_babel import _

from peerreview.errors import Conflict
from peerreview.framework.services import framework_indicators
from peerreview.numbers import format_plain
from peerreview.permissions import Action, require
from peerreview.submissions.models import Submission
from peerreview.submissions.previous_cycle import previous_submission, previous_values
from peerreview.submissions.services import CellChange, SaveResult, save_values, value_map

__all__ = ["copy_previous_values", "previous_submission", "previous_values"]


def copy_previous_values(actor, submission: Submission) -> SaveResult:
    """Copy the previous cycle's values into the cells that are still empty (channel "copy").

    Never replaces a value: each copied cell starts from empty, so a cell filled meanwhile comes
    back as a conflict, like any other save.
    """
    require(actor, Action.EDIT_SUBMISSION, submission)
    indicators = framework_indicators(submission.cycle.framework_id)
    previous = previous_values(submission, indicators)
    if not previous:
        raise Conflict(_("There are no values of an earlier cycle of your organisation to copy."))
    filled = value_map(submission.id)
    years = set(submission.cycle.years)
    changes = [CellChange(ind_id, breakdown, year, format_plain(value), "")
               for (ind_id, breakdown, year), value in previous.items()
               if year in years and (ind_id, breakdown, year) not in filled]
    return save_values(actor, submission, changes, channel="copy", indicators=indicators)
