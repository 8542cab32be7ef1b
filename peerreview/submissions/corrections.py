"""Values the delegation corrected after submitting, in answer to clarification requests.

Such a correction (channel "clarification" of `services.save_values`) keeps the submission submitted
and is recorded in the value history (an audit event "submission.values"). Reviewers see the cell
as "changed since submission", with the value it was submitted with and the value it has now.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from peerreview.audit.models import AuditEvent
from peerreview.extensions import db
from peerreview.submissions.models import SUBMITTED, Submission

Cell = tuple[int, str, int]  # indicator id, breakdown code, year


@dataclass(frozen=True)
class Correction:
    """One cell changed since submission: the value it was submitted with, the one it has now ("" = none)."""

    submitted: str
    now: str


def parse_cell_name(name: str) -> Cell | None:
    """v-<indicator>-<breakdown>-<year> (services.cell_name) back to its key; None for anything else."""
    if not name.startswith("v-"):
        return None
    indicator, _sep, rest = name[2:].partition("-")
    breakdown, _sep, year = rest.rpartition("-")
    if not (indicator.isdigit() and year.isdigit() and breakdown):
        return None
    return int(indicator), breakdown, int(year)


def changed_since_submission(submissions: list[Submission]) -> dict[int, dict[Cell, Correction]]:
    """{submission id: {cell: Correction}} for the submitted submissions given, in one query.

    Only corrections made since the submission was last submitted count; a cell corrected and then
    corrected back to the value it was submitted with is not listed.
    """
    submitted = {s.id: s for s in submissions if s.status == SUBMITTED and s.submitted_at is not None}
    if not submitted:
        return {}
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "submission", AuditEvent.action == "submission.values",
                                 AuditEvent.object_id.in_(sorted(submitted)))
        .order_by(AuditEvent.at, AuditEvent.id))
    first: dict[int, dict[Cell, str]] = {}
    last: dict[int, dict[Cell, str]] = {}
    for event in events:
        after = event.after or {}
        submission = submitted[event.object_id]
        if after.get("channel") != "clarification" or event.at < submission.submitted_at:
            continue
        for name, new in after.items():
            cell = parse_cell_name(name)
            if cell is None:
                continue
            first.setdefault(event.object_id, {}).setdefault(cell, (event.before or {}).get(name) or "")
            last.setdefault(event.object_id, {})[cell] = new or ""
    result: dict[int, dict[Cell, Correction]] = {}
    for submission_id, cells in first.items():
        for cell, old in cells.items():
            new = last[submission_id][cell]
            if new != old:
                result.setdefault(submission_id, {})[cell] = Correction(submitted=old, now=new)
    return result
