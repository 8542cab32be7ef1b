"""Answering a clarification request by correcting the value in place.

The delegation answers in the thread and corrects the value the request asks about; the submission
stays submitted (and in the comparisons). The value goes through `submissions.services.save_values`
(channel "clarification": the rule `Action.CORRECT_VALUE`, only that cell), is recorded in the value
history, and reviewers see the cell as changed since submission. The reviewer then resolves the
request or reopens it.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import _

from peerreview.errors import Conflict, NotFound, ValidationFailed
from peerreview.extensions import db
from peerreview.numbers import ValueProblem, format_plain, parse_indicator_value
from peerreview.permissions import Action, can, require
from peerreview.reviews.models import Comment
from peerreview.reviews.services import _clean_body, reply
from peerreview.submissions.services import CellChange, save_values


@dataclass(frozen=True)
class CorrectionInput:
    value: str  # the corrected value as typed
    started_from: str  # the value the form showed (numbers.format_plain), for the lost-update rule
    body: str  # the answer: what was corrected and why


def get_request(actor, comment_id: int) -> Comment:
    """A clarification request this person may read (others, other tenants' included, are not found)."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or not can(actor, Action.VIEW_COMMENT, comment):
        raise NotFound(_("No such comment."))
    return comment


def correct_value(actor, comment_id: int, typed: CorrectionInput) -> Comment:
    """Correct the requested value and answer in the thread; every problem at once. Returns the answer."""
    request = get_request(actor, comment_id)
    require(actor, Action.CORRECT_VALUE, request)
    errors: dict[str, str] = {}
    value = None
    try:
        value = parse_indicator_value(typed.value, request.indicator)
    except ValueProblem as problem:
        errors["value"] = str(problem)
    if value is None and "value" not in errors:
        errors["value"] = _("Type the corrected value. To answer without correcting it, reply in the thread.")
    try:
        body = _clean_body(typed.body)
    except ValidationFailed as failed:
        errors["body"] = _("Say what you corrected and why.") if typed.body.strip() == "" else failed.errors["body"]
    if errors:
        raise ValidationFailed(_("The value was not corrected."), errors=errors)
    submission = request.submission
    change = CellChange(request.indicator_id, request.breakdown, request.year, typed.value, typed.started_from)
    result = save_values(actor, submission, [change], channel="clarification", clarification=request)
    if result.conflicts:
        conflict = result.conflicts[0]
        raise Conflict(_("%(who)s changed this value meanwhile; it is now %(theirs)s. Nothing was saved: look at "
                         "it again before correcting it.", who=conflict.changed_by, theirs=conflict.theirs or "–"))
    if result.saved == 0:
        raise ValidationFailed(_("The value was not corrected."), errors={
            "value": _("This is the value already submitted. To answer without correcting it, reply in the "
                       "thread.")})
    note = _("Value corrected: %(before)s → %(after)s.", before=typed.started_from or "–",
             after=format_plain(value, request.indicator.decimals))
    return reply(actor, request.id, body=f"{note}\n\n{body}")
