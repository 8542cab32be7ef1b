"""Completeness and lateness of submissions, rule by rule (peerreview/submissions/completeness.py)."""
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from peerreview.submissions.completeness import (
    SORTS,
    CompletenessRow,
    completeness_rows,
    days_late,
    submitted_count,
)

DEADLINE = date(2026, 3, 31)


def sub(id_, name, status="draft", submitted_on=None):
    submitted_at = datetime(*submitted_on, 23, 59, tzinfo=UTC) if submitted_on else None
    return SimpleNamespace(id=id_, status=status, submitted_at=submitted_at,
                           organisation=SimpleNamespace(name=name))


@pytest.mark.parametrize(("submission", "today", "expected"), [
    (sub(1, "A", "submitted", (2026, 3, 31)), date(2026, 5, 1), 0),   # on the deadline day: on time
    (sub(1, "A", "submitted", (2026, 4, 1)), date(2026, 5, 1), 1),    # a day after
    (sub(1, "A", "submitted", (2026, 3, 1)), date(2026, 5, 1), 0),    # early
    (sub(1, "A"), date(2026, 3, 31), 0),                              # a draft on the deadline day
    (sub(1, "A"), date(2026, 4, 10), 10),                             # a draft counts until today
    (sub(1, "A"), date(2026, 1, 1), 0),                               # before the deadline
])
def test_days_late(submission, today, expected):
    assert days_late(submission, DEADLINE, today) == expected


def test_no_deadline_is_never_late():
    assert days_late(sub(1, "A"), None, date(2030, 1, 1)) == 0


def test_percent_is_rounded_down_and_zero_without_a_grid():
    assert CompletenessRow(sub(1, "A"), 125, 126, 0).percent == 99
    assert CompletenessRow(sub(1, "A"), 126, 126, 0).percent == 100
    assert CompletenessRow(sub(1, "A"), 0, 0, 0).percent == 0


SUBS = [sub(1, "b PES", "submitted", (2026, 4, 2)), sub(2, "A PES"), sub(3, "C PES", "submitted", (2026, 3, 1)),
        sub(4, "d PES")]
COUNTS = {1: 100, 2: 30, 3: 126}  # 4 has none
TODAY = date(2026, 4, 5)


@pytest.mark.parametrize(("sort", "order"), [
    ("organisation", [2, 1, 3, 4]),   # alphabetical, ignoring case
    ("completeness", [4, 2, 1, 3]),   # least complete first
    ("status", [2, 4, 1, 3]),         # drafts first, then alphabetical
    ("lateness", [2, 4, 1, 3]),       # 5, 5, 2, 0 days late; ties alphabetical
    ("nonsense", [2, 1, 3, 4]),
])
def test_sorting(sort, order):
    rows = completeness_rows(SUBS, COUNTS, 126, DEADLINE, TODAY, sort)
    assert [r.submission.id for r in rows] == order


def test_rows_carry_the_figures_and_the_count_of_submitted():
    rows = completeness_rows(SUBS, COUNTS, 126, DEADLINE, TODAY)
    assert [(r.filled, r.expected, r.days_late, r.submitted) for r in rows] == [
        (30, 126, 5, False), (100, 126, 2, True), (126, 126, 0, True), (0, 126, 5, False)]
    assert submitted_count(rows) == 2
    assert SORTS == ("organisation", "completeness", "required", "status", "lateness")


def test_required_values_missing_sort_first():
    rows = completeness_rows(SUBS, COUNTS, 126, DEADLINE, TODAY, "required", {1: 10, 2: 12, 3: 12}, 12)
    assert [(r.submission.id, r.required_there, r.required_missing) for r in rows] == [
        (4, 0, 12), (1, 10, 2), (2, 12, 0), (3, 12, 0)]
    assert CompletenessRow(sub(1, "A"), 0, 0, 0, 13, 12).required_missing == 0
    assert CompletenessRow(sub(1, "A"), 0, 0, 0).required_missing == 0
