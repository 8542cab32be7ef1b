"""The API reads with a fixed number of queries, however many rows an answer holds."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.api_helpers import bearer, make_token
from tests.factories import IndicatorFactory, OrganisationFactory, SubmissionFactory, ValueFactory
from tests.test_query_counts import counted


def _grow(db, world, n: int):
    for i in range(n):
        org = OrganisationFactory(network=world.network)
        submission = SubmissionFactory(cycle=world.cycle, organisation=org, status="submitted")
        indicator = IndicatorFactory(framework=world.framework, code=f"x{i}")
        for year in (2023, 2024):
            ValueFactory(submission_id=submission.id, indicator_id=indicator.id, year=year, value=Decimal(i))
            ValueFactory(submission_id=world.own_submission.id, indicator_id=indicator.id, year=year,
                         value=Decimal(i))
    db.session.commit()


@pytest.mark.parametrize("path", ["/cycles", "/frameworks", "/frameworks/{framework}/indicators?limit=200",
                                  "/cycles/{cycle}/participants?limit=200", "/cycles/{cycle}/comparisons?limit=200",
                                  "/submissions/{own}/values", "/reports"])
def test_answers_do_not_query_per_row(client, db, world, path):
    headers = bearer(make_token(world.secretariat))
    url = "/api/v1" + path.format(cycle=world.cycle.id, framework=world.framework.id, own=world.own_submission.id)
    client.get(url, headers=headers)  # warm-up
    with counted(db) as few:
        assert client.get(url, headers=headers).status_code == 200
    _grow(db, world, 12)
    with counted(db) as many:
        assert client.get(url, headers=headers).status_code == 200
    assert len(many) <= len(few), f"{len(few)} queries before, {len(many)} with 12 more rows"
