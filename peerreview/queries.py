"""Query helpers shared by the features' services."""
from __future__ import annotations

from sqlalchemy import func, select

from peerreview.extensions import db


def count_per(column, ids: list[int]) -> dict[int, int]:
    """{id: number of rows whose `column` is that id}, in one grouped query."""
    if not ids:
        return {}
    query = select(column, func.count()).where(column.in_(ids)).group_by(column)
    return dict(db.session.execute(query).all())
