"""After the load test: every value the writers saved is in the database, once."""
from __future__ import annotations

import json
import os
import sys
from decimal import Decimal

from sqlalchemy import func, select

from config import DevelopmentConfig
from peerreview import create_app
from peerreview.extensions import db
from peerreview.submissions.models import IndicatorValue


def main(expected_path: str) -> int:
    expected = json.load(open(expected_path))
    app = create_app(DevelopmentConfig)
    with app.app_context():
        lost = []
        checked = 0
        for submission_id, cells in expected.items():
            for cell, value in cells.items():
                _v, indicator, rest = cell.split("-", 2)
                breakdown, year = rest.rsplit("-", 1)
                stored = db.session.scalar(select(IndicatorValue.value).where(
                    IndicatorValue.submission_id == int(submission_id), IndicatorValue.indicator_id == int(indicator),
                    IndicatorValue.breakdown == breakdown, IndicatorValue.year == int(year)))
                checked += 1
                if stored is None or Decimal(stored) != Decimal(value):
                    lost.append((submission_id, cell, value, stored))
        duplicates = db.session.execute(
            select(func.count()).select_from(
                select(IndicatorValue.submission_id).group_by(
                    IndicatorValue.submission_id, IndicatorValue.indicator_id, IndicatorValue.breakdown,
                    IndicatorValue.year).having(func.count() > 1).subquery())).scalar()
    print(f"values checked: {checked}, lost or different: {len(lost)}, duplicated cells: {duplicates}")
    for item in lost[:10]:
        print("  lost:", item)
    return 0 if not lost and not duplicates and checked > 0 else 1


if __name__ == "__main__":
    os.environ.setdefault("PEERREVIEW_CONFIG", "development")
    sys.exit(main(sys.argv[1]))
