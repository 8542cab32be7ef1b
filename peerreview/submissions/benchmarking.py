"""Comparing organisations: medians and one indicator across a cycle.

Only submitted values take part: a delegation's draft is nobody else's business.
Each function reads what it needs in one query, whatever the cycle's size.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from statistics import median

from sqlalchemy import select

from peerreview.extensions import db
from peerreview.framework.breakdowns import TOTAL
from peerreview.organisations.models import Organisation
from peerreview.organisations.services import organisations_by_id
from peerreview.submissions.models import SUBMITTED, IndicatorValue, Submission


def _median(values: list[Decimal]) -> Decimal | None:
    return median(values) if values else None


def total_values(cycle_id: int, *, indicator_id: int | None = None,
                 breakdown: str = TOTAL.code) -> dict[tuple[int, int, int], Decimal]:
    """{(organisation_id, indicator_id, year): value} for submitted submissions."""
    query = (select(Submission.organisation_id, IndicatorValue.indicator_id, IndicatorValue.year,
                    IndicatorValue.value)
             .join(Submission, Submission.id == IndicatorValue.submission_id)
             .where(Submission.cycle_id == cycle_id, Submission.status == SUBMITTED,
                    IndicatorValue.breakdown == breakdown))
    if indicator_id is not None:
        query = query.where(IndicatorValue.indicator_id == indicator_id)
    return {(org, ind, year): Decimal(value) for org, ind, year, value in db.session.execute(query)}


@dataclass
class Spread:
    n: int
    median: Decimal | None
    low: Decimal | None
    high: Decimal | None


def spreads(values: dict[tuple[int, int, int], Decimal]) -> dict[tuple[int, int], Spread]:
    """{(indicator_id, year): Spread} across organisations."""
    grouped: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for (_org, indicator_id, year), value in values.items():
        grouped[(indicator_id, year)].append(value)
    return {key: Spread(len(v), _median(v), min(v), max(v)) for key, v in grouped.items()}


@dataclass
class ComparisonRow:
    organisation: Organisation
    values: dict[int, Decimal]  # year -> value


def compare_indicator(cycle, indicator, breakdown: str = TOTAL.code):
    """Rows per organisation (sorted by name) and the spread per year."""
    values = total_values(cycle.id, indicator_id=indicator.id, breakdown=breakdown)
    organisations = organisations_by_id(org for org, _ind, _year in values)
    rows: dict[int, ComparisonRow] = {}
    for (org, _ind, year), value in values.items():
        rows.setdefault(org, ComparisonRow(organisations[org], {})).values[year] = value
    ordered = sorted(rows.values(), key=lambda r: r.organisation.name)
    per_year = {year: spread for (_ind, year), spread in spreads(values).items()}
    return ordered, per_year
