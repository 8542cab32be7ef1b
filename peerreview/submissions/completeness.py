"""Completeness and lateness of a cycle's submissions: the secretariat's progress table."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from peerreview.submissions.models import SUBMITTED, Submission

SORTS = ("organisation", "completeness", "required", "status", "lateness")


@dataclass(frozen=True)
class CompletenessRow:
    submission: Submission
    filled: int
    expected: int
    days_late: int  # 0: on time (or the deadline has not passed yet)
    required_there: int = 0  # required values filled in or flagged not available / not applicable
    required_expected: int = 0

    @property
    def required_missing(self) -> int:
        return max(self.required_expected - self.required_there, 0)

    @property
    def percent(self) -> int:
        """Share of the grid filled, rounded down, so that 100 means every value is there."""
        return 100 * self.filled // self.expected if self.expected else 0

    @property
    def submitted(self) -> bool:
        return self.submission.status == SUBMITTED


def days_late(submission: Submission, deadline: date | None, today: date) -> int:
    """Days past the submission deadline: until submitting, or until today while still a draft."""
    if deadline is None:
        return 0
    until = submission.submitted_at.date() if submission.status == SUBMITTED and submission.submitted_at else today
    return max((until - deadline).days, 0)


def completeness_rows(submissions: list[Submission], value_counts: dict[int, int], expected: int,
                      deadline: date | None, today: date, sort: str = "organisation",
                      required_counts: dict[int, int] | None = None,
                      required_expected: int = 0) -> list[CompletenessRow]:
    """One row per submission, sorted by `sort` (one of SORTS; anything else sorts by organisation).

    completeness: least complete first; required: the most required values missing first; status:
    drafts first; lateness: the latest first. Ties keep the organisations' alphabetical order.
    `required_counts`: {submission id: required values there}, of `required_expected` each.
    """
    required_counts = required_counts or {}
    rows = [CompletenessRow(s, value_counts.get(s.id, 0), expected, days_late(s, deadline, today),
                            required_counts.get(s.id, 0), required_expected)
            for s in sorted(submissions, key=lambda s: s.organisation.name.lower())]
    keys = {
        "completeness": lambda r: r.filled,
        "required": lambda r: -r.required_missing,
        "status": lambda r: r.submitted,
        "lateness": lambda r: -r.days_late,
    }
    if sort in keys:
        rows.sort(key=keys[sort])
    return rows


def submitted_count(rows: list[CompletenessRow]) -> int:
    return sum(1 for r in rows if r.submitted)
