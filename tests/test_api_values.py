"""Reading and writing a submission's values through the API: the pages' checks and no lost update."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.pool import StaticPool

from config import TestingConfig
from peerreview import create_app
from peerreview.audit.models import AuditEvent
from peerreview.extensions import db
from peerreview.submissions.models import IndicatorValue
from tests.api_helpers import bearer, make_token
from tests.factories import build_world


@pytest.fixture()
def open_world(db):
    world = build_world(status="open")
    world.own_submission.status = "draft"
    world.own_submission.submitted_at = None
    db.session.commit()
    return world


def _url(world):
    return f"/api/v1/submissions/{world.own_submission.id}/values"


def _cell(world, value, version, breakdown="_T", year=2024):
    return {"indicator": world.indicator.code, "breakdown": breakdown, "year": year, "value": value,
            "version": version}


def _stored(world) -> dict:
    db.session.expire_all()
    rows = db.session.scalars(select(IndicatorValue).where(IndicatorValue.submission_id == world.own_submission.id))
    return {(v.breakdown, v.year): (v.value, v.version) for v in rows}


def test_values_carry_their_versions_and_a_write_moves_them(client, open_world):
    world = open_world
    token = bearer(make_token(world.delegate, "read submit"))
    read = client.get(_url(world), headers=token).get_json()["values"]
    assert [(v["breakdown"], v["year"], v["value"], v["version"]) for v in read] == [("_T", 2024, "40.5", 1)]
    answer = client.patch(_url(world), headers=token, json={"values": [
        _cell(world, "42,5", 1), _cell(world, 12.5, 0, breakdown="SEX_F")]})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["saved"] == 2
    assert {(v["breakdown"], v["value"], v["version"]) for v in answer.get_json()["values"]} == {
        ("_T", "42.5", 2), ("SEX_F", "12.5", 1)}
    assert _stored(world) == {("_T", 2024): (Decimal("42.5"), 2), ("SEX_F", 2024): (Decimal("12.5"), 1)}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "submission.values"))
    assert event.actor_id == world.delegate.id and event.after["channel"] == "api"


def test_a_stale_version_is_refused_with_the_cells_and_nothing_is_saved(client, open_world):
    world = open_world
    token = bearer(make_token(world.delegate, "read submit"))
    # Someone else saved the total after this client read it at version 1.
    assert client.patch(_url(world), headers=bearer(make_token(world.secretariat, "read submit")),
                        json={"values": [_cell(world, "44", 1)]}).status_code == 200
    answer = client.patch(_url(world), headers=token, json={"values": [
        _cell(world, "45", 1), _cell(world, "10", 0, breakdown="SEX_M")]})
    assert answer.status_code == 409
    assert answer.content_type == "application/problem+json"
    assert [(c["breakdown"], c["sent_version"], c["version"], c["value"]) for c in answer.get_json()["cells"]] == [
        ("_T", 1, 2, "44")]
    assert _stored(world) == {("_T", 2024): (Decimal("44"), 2)}  # the other cell of the request not saved either
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "submission.values"))
    assert event.after["channel"] == "secretariat"  # the secretariat writes on the delegation's behalf


def test_invalid_values_and_unknown_cells_answer_422_and_save_nothing(client, open_world):
    world = open_world
    token = bearer(make_token(world.delegate, "read submit"))
    answer = client.patch(_url(world), headers=token, json={"values": [
        _cell(world, "45", 1), _cell(world, "250", 0, breakdown="SEX_F"), _cell(world, "abc", 0, breakdown="SEX_M")]})
    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) == {"1a/SEX_F/2024", "1a/SEX_M/2024"}
    unknown = client.patch(_url(world), headers=token, json={"values": [_cell(world, "45", 1, year=1990)]})
    assert unknown.status_code == 422 and set(unknown.get_json()["errors"]) == {"1a/_T/1990"}
    malformed = client.patch(_url(world), headers=token, json={"values": [{"indicator": "1a"}]})
    assert malformed.status_code == 422 and malformed.get_json()["errors"]
    not_json = client.patch(_url(world), headers=token, data="values=1")
    assert not_json.status_code == 400
    assert _stored(world) == {("_T", 2024): (Decimal("40.5"), 1)}


def test_a_submitted_submission_answers_409_with_the_reason(client, open_world):
    world = open_world
    world.own_submission.status = "submitted"
    from peerreview.db_types import utcnow
    world.own_submission.submitted_at = utcnow()
    db.session.commit()
    answer = client.patch(_url(world), headers=bearer(make_token(world.delegate, "read submit")),
                          json={"values": [_cell(world, "45", 1)]})
    assert answer.status_code == 409 and "read-only" in answer.get_json()["detail"]


def test_empty_a_cell_with_null(client, open_world):
    world = open_world
    answer = client.patch(_url(world), headers=bearer(make_token(world.delegate, "read submit")),
                          json={"values": [_cell(world, None, 1)]})
    assert answer.status_code == 200 and answer.get_json()["cleared"] == 1
    assert _stored(world) == {}


def test_csrf_does_not_apply_to_token_calls_but_still_to_forms(open_world, app):
    world = open_world
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        answer = client.patch(_url(world), headers=bearer(make_token(world.delegate, "read submit")),
                              json={"values": [_cell(world, "45", 1)]})
        assert answer.status_code == 200
        assert client.post("/account/tokens", data={"name": "x", "scopes": "read",
                                                    "lifetime_days": "30"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_each_token_has_its_own_rate_limit_and_429_is_a_problem():
    config = type("Config", (TestingConfig,), {
        "SQLALCHEMY_DATABASE_URI": "sqlite://", "SERVER_NAME": "localhost", "RATELIMIT_ENABLED": True,
        "API_RATE_LIMIT": "2 per minute",
        "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}})
    app = create_app(config)
    from peerreview.extensions import limiter

    with app.app_context():
        limiter.reset()
        db.create_all()
        world = build_world()
        first, second = make_token(world.delegate), make_token(world.delegate)
        client = app.test_client()
        answers = [client.get("/api/v1/cycles", headers=bearer(first)).status_code for _ in range(3)]
        assert answers == [200, 200, 429]
        limited = client.get("/api/v1/cycles", headers=bearer(first))
        assert limited.content_type == "application/problem+json" and limited.get_json()["status"] == 429
        assert client.get("/api/v1/cycles", headers=bearer(second)).status_code == 200
        db.session.remove()
        db.engine.dispose()


def test_comparisons_count_submitted_values_only_and_never_confidential_ones(client, world):
    token = bearer(make_token(world.delegate))
    url = f"/api/v1/cycles/{world.cycle.id}/comparisons"

    def total_2024():
        items = client.get(url, headers=token).get_json()["items"]
        return next(s for i in items if i["indicator"] == "1a" for s in i["statistics"]
                    if s["breakdown"] == "_T" and s["year"] == 2024)

    assert total_2024() == {"breakdown": "_T", "year": 2024, "n": 2, "median": "45.3", "q1": "42.9", "q3": "47.7",
                            "min": "40.5", "max": "50.1"}
    other = db.session.scalar(select(IndicatorValue).where(
        IndicatorValue.submission_id == world.other_submission.id))
    other.flag = "confidential"
    db.session.commit()
    assert total_2024() == {"breakdown": "_T", "year": 2024, "n": 1, "median": "40.5", "q1": "40.5", "q3": "40.5",
                            "min": "40.5", "max": "40.5"}
    assert "50.1" not in client.get(url, headers=token).get_data(as_text=True)


def test_a_confidential_value_is_read_by_its_delegation_and_the_secretariat_only(client, world):
    own = db.session.scalar(select(IndicatorValue).where(IndicatorValue.submission_id == world.own_submission.id))
    own.flag, own.note = "confidential", "From the unpublished register"
    db.session.commit()
    url = f"/api/v1/submissions/{world.own_submission.id}/values"
    for reader, shown in ((world.delegate, True), (world.secretariat, True), (world.reviewer, False)):
        cell = client.get(url, headers=bearer(make_token(reader))).get_json()["values"][0]
        assert cell["flag"] == "confidential"
        assert (cell["value"], cell["note"]) == (("40.5", "From the unpublished register") if shown else (None, ""))


def test_flags_and_notes_are_written_with_the_value_under_the_same_versions(client, open_world):
    world = open_world
    token = bearer(make_token(world.delegate, "read submit"))
    answer = client.patch(_url(world), headers=token, json={"values": [
        {**_cell(world, "41", 1), "flag": "estimated", "note": "Estimated from 11 months"},
        {**_cell(world, None, 0, breakdown="SEX_F"), "flag": "not_available"}]})
    assert answer.status_code == 200, answer.get_json()
    cells = {v["breakdown"]: v for v in client.get(_url(world), headers=token).get_json()["values"]}
    assert (cells["_T"]["value"], cells["_T"]["flag"], cells["_T"]["note"]) == ("41", "estimated",
                                                                                "Estimated from 11 months")
    assert (cells["SEX_F"]["value"], cells["SEX_F"]["flag"]) == (None, "not_available")
    contradiction = client.patch(_url(world), headers=token, json={"values": [
        {**_cell(world, "12", cells["SEX_F"]["version"], breakdown="SEX_F"), "flag": "not_available"}]})
    assert contradiction.status_code == 422 and set(contradiction.get_json()["errors"]) == {"1a/SEX_F/2024"}
