"""After the load test: every save the app acknowledged is in the database, with its values, once.

    python -m benchmarks.check_load EXPECTED.json

EXPECTED.json is written by the Locust users (benchmarks/locustfile.py): per submission the last value
acknowledged for each cell, the number of acknowledged saves, and the deadline cycle's submissions.
Checked here, reading the database: each cell holds the last value acknowledged for it; each
acknowledged save left its audit record ("submission.values", written in the same transaction as the
values: a save acknowledged but rolled back would be missing); no cell is stored twice; and every
deadline delegate saved during the measured phase. Prints the counts; exit status 1 unless all hold.
"""
from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from config import config_from_env
from peerreview import create_app
from peerreview.audit.models import AuditEvent
from peerreview.extensions import db
from peerreview.submissions.models import IndicatorValue


def main(expected_path: str) -> int:
    expected = json.load(open(expected_path))
    values, saves = expected["values"], expected["saves"]
    started = datetime.fromisoformat(expected["started"])
    app = create_app(config_from_env())
    with app.app_context():
        lost = []
        checked = 0
        for submission_id, cells in values.items():
            for cell, value in cells.items():
                _v, indicator, rest = cell.split("-", 2)
                breakdown, year = rest.rsplit("-", 1)
                stored = db.session.scalar(select(IndicatorValue.value).where(
                    IndicatorValue.submission_id == int(submission_id), IndicatorValue.indicator_id == int(indicator),
                    IndicatorValue.breakdown == breakdown, IndicatorValue.year == int(year)))
                checked += 1
                if stored is None or Decimal(stored) != Decimal(value):
                    lost.append((submission_id, cell, value, stored))
        recorded = dict(db.session.execute(
            select(AuditEvent.object_id, func.count()).where(
                AuditEvent.action == "submission.values", AuditEvent.object_type == "submission",
                AuditEvent.at >= started).group_by(AuditEvent.object_id)).all())
        missing_saves = {s: n - recorded.get(int(s), 0) for s, n in saves.items() if recorded.get(int(s), 0) < n}
        duplicates = db.session.execute(
            select(func.count()).select_from(
                select(IndicatorValue.submission_id).group_by(
                    IndicatorValue.submission_id, IndicatorValue.indicator_id, IndicatorValue.breakdown,
                    IndicatorValue.year).having(func.count() > 1).subquery())).scalar()
    deadline = expected["deadline_submissions"]
    wanted = int(os.environ.get("LOAD_DEADLINE", "0") or 0)
    saved = [s for s in deadline if saves.get(s, 0) > 0]
    acknowledged = sum(saves.values())
    print(f"  acknowledged saves: {acknowledged} ({sum(expected.get('offered', {}).values())} more answered "
          f"'changed by someone else'); deadline delegates who saved: {len(saved)} of {wanted}")
    print(f"  cells checked: {checked}; lost values: {len(lost)}; acknowledged saves without their record: "
          f"{sum(missing_saves.values())}; cells stored twice: {duplicates}")
    for submission_id, cell, value, stored in lost[:5]:
        print(f"  lost: submission {submission_id}, {cell}: acknowledged {value}, stored {stored}; its audit trail:")
        with app.app_context():
            for event in db.session.scalars(select(AuditEvent).where(
                    AuditEvent.action == "submission.values", AuditEvent.object_id == int(submission_id),
                    AuditEvent.at >= started).order_by(AuditEvent.id)):
                if cell in (event.after or {}):
                    print(f"    #{event.id} {event.at:%H:%M:%S.%f} by {event.actor_id}: "
                          f"{(event.before or {}).get(cell)} -> {event.after[cell]}")
    ok = not lost and not missing_saves and not duplicates and checked > 0 and len(saved) == wanted
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PEERREVIEW_CONFIG", "development")
    sys.exit(main(sys.argv[1]))
