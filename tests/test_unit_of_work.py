"""The unit of work: a write that clashes with a simultaneous request becomes a 409, rolled back, never a 500.

A clash can surface at a service's flush (refuse_simultaneous_change), at a flush nobody guarded (the error
handler) or only at the commit in after_request. Probe routes on an app of their own stage each case
against a real database (a file SQLite, or a PostgreSQL schema), so that a second connection can change
a row under the request's feet.
"""
from __future__ import annotations

import logging

import pytest
from flask import flash, get_flashed_messages, jsonify, redirect, request
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm.exc import StaleDataError

from peerreview import jobs
from peerreview.errors import (
    Conflict,
    ValidationFailed,
    is_simultaneous_change,
    refuse_simultaneous_change,
    simultaneous_change_message,
)
from peerreview.extensions import db
from peerreview.mail.models import OutboxMessage
from peerreview.organisations.models import Network, Organisation
from tests.conftest import DEMO_PASSWORD, _serve
from tests.factories import NetworkFactory, OrganisationFactory, UserFactory
from tests.scratch_db import scratch_database

TAKEN = "WAPES"
JOBS_RUN: list[str] = []  # jobs the probe routes queued after commit, once they ran
GENERIC = "Someone else changed this at the same moment"


def _add_probe_routes(app) -> None:
    @app.post("/probe/duplicate-at-commit")
    def duplicate_at_commit():
        # Added, not flushed: the unique constraint fires only at the commit after the view.
        db.session.add(OutboxMessage(recipient="probe@example.org", subject="probe", body=""))
        db.session.add(Network(name=TAKEN, short_name="TWIN"))
        flash("Saved.", "success")
        return redirect("/probe/state")

    @app.post("/probe/stale-at-commit/<int:organisation_id>")
    def stale_at_commit(organisation_id: int):
        organisation = db.session.get(Organisation, organisation_id)
        with db.engine.begin() as other:  # another request saves the organisation meanwhile
            other.execute(text("UPDATE organisation SET version = version + 1 WHERE id = :id"),
                          {"id": organisation_id})
        organisation.name = "Changed on a stale version"
        return redirect("/probe/state")

    @app.post("/probe/duplicate-at-flush")
    def duplicate_at_flush():
        db.session.add(OutboxMessage(recipient="probe@example.org", subject="probe", body=""))
        db.session.add(Network(name=TAKEN, short_name="TWIN"))
        db.session.flush()  # no guard: the error handler answers
        return redirect("/probe/state")

    @app.post("/probe/broken-database")
    def broken_database():
        raise OperationalError("SELECT", {}, Exception("disk I/O error"))

    @app.post("/probe/plain-write")
    def plain_write():
        db.session.add(OutboxMessage(recipient="probe@example.org", subject="probe", body=""))
        jobs.enqueue_after_commit(JOBS_RUN.append, "plain-write")
        return redirect("/probe/state")

    @app.post("/probe/job-then-duplicate-at-commit")
    def job_then_duplicate_at_commit():
        jobs.enqueue_after_commit(JOBS_RUN.append, "job-then-duplicate")  # e.g. the mail "Submitted."
        db.session.add(Network(name=TAKEN, short_name="TWIN"))
        return redirect("/probe/state")

    @app.get("/probe/state")
    def state():
        return jsonify(outbox=db.session.scalar(select(func.count()).select_from(OutboxMessage)),
                       twins=db.session.scalar(select(func.count()).where(Network.short_name == "TWIN")),
                       organisations=sorted(db.session.scalars(select(Organisation.name))),
                       flashes=get_flashed_messages(), args=dict(request.args))


@pytest.fixture(scope="module")
def uow_app():
    with scratch_database("uow") as (url, options):
        for application in _serve(url, options):
            _add_probe_routes(application)
            yield application


@pytest.fixture()
def probe(uow_app):
    """A client, and a database holding one network named TAKEN and one organisation."""
    with uow_app.app_context():
        NetworkFactory(name=TAKEN, short_name="WAPES")
        organisation = OrganisationFactory(name="Bundesagentur für Arbeit")
        db.session.commit()
        organisation_id = organisation.id
    yield uow_app.test_client(), organisation_id
    with uow_app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()


def _page(response) -> str:
    return response.get_data(as_text=True)


def test_a_unique_clash_at_commit_is_a_rolled_back_409(probe):
    client, _organisation_id = probe
    response = client.post("/probe/duplicate-at-commit")
    assert response.status_code == 409
    assert GENERIC in _page(response) and "nothing of yours was saved" in _page(response)
    assert "Saved." not in _page(response)
    assert response.headers["Cache-Control"] == "no-store"
    state = client.get("/probe/state").get_json()
    # Rolled back as a whole (the outbox row of the same request too); the "Saved." flash was dropped.
    assert (state["outbox"], state["twins"], state["flashes"]) == (0, 0, [])


def test_a_stale_version_at_commit_is_a_rolled_back_409(probe):
    client, organisation_id = probe
    response = client.post(f"/probe/stale-at-commit/{organisation_id}")
    assert response.status_code == 409
    assert GENERIC in _page(response)
    assert client.get("/probe/state").get_json()["organisations"] == ["Bundesagentur für Arbeit"]


def test_an_unguarded_clash_at_flush_is_a_rolled_back_409(uow_app, probe):
    client, organisation_id = probe
    with uow_app.app_context():  # signed in, the error page needs the database (name and organisation)
        user = UserFactory(organisation_id=organisation_id, name="Dora Delegate")
        db.session.commit()
        email = user.email
    assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
    response = client.post("/probe/duplicate-at-flush")
    assert response.status_code == 409
    assert GENERIC in _page(response) and "Dora Delegate" in _page(response)
    assert client.get("/probe/state").get_json()["outbox"] == 0


@pytest.mark.parametrize("path", ["/probe/duplicate-at-commit", "/probe/duplicate-at-flush"])
def test_the_next_request_on_the_same_session_works(uow_app, probe, path):
    """In one application context (as the test app keeps one), both requests share one session."""
    client, _organisation_id = probe
    with uow_app.app_context():
        assert client.post(path).status_code == 409
        assert client.post("/probe/plain-write").status_code == 302
        assert client.get("/probe/state").get_json()["outbox"] == 1


class _GiveWay(Exception):
    """What psycopg raises when PostgreSQL cancels one of two transactions."""

    def __init__(self, sqlstate: str):
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize("sqlstate", ["40001", "40P01"])
def test_a_serialization_failure_at_commit_is_a_rolled_back_409(uow_app, probe, monkeypatch, sqlstate):
    client, _organisation_id = probe
    rolled_back = []
    real_rollback = db.session.rollback

    def failing_commit():
        raise OperationalError("COMMIT", {}, _GiveWay(sqlstate))

    def rollback():
        rolled_back.append(True)
        real_rollback()

    monkeypatch.setattr(db.session, "commit", failing_commit)
    monkeypatch.setattr(db.session, "rollback", rollback)
    response = client.post("/probe/plain-write")
    assert response.status_code == 409 and GENERIC in _page(response)
    assert rolled_back
    monkeypatch.undo()
    assert client.get("/probe/state").get_json()["outbox"] == 0


def test_another_database_failure_at_commit_stays_an_error(uow_app, probe, monkeypatch):
    client, _organisation_id = probe

    def failing_commit():
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(db.session, "commit", failing_commit)
    with pytest.raises(OperationalError):  # the test app propagates what would be a logged 500
        client.post("/probe/plain-write")


def test_another_database_failure_in_a_view_stays_an_error(probe):
    client, _organisation_id = probe
    with pytest.raises(OperationalError, match="disk I/O error"):
        client.post("/probe/broken-database")


@pytest.mark.parametrize("error, clash", [
    (IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed")), True),
    (StaleDataError("expected to update 1 row(s); 0 were matched"), True),
    (OperationalError("COMMIT", {}, _GiveWay("40001")), True),
    (OperationalError("COMMIT", {}, _GiveWay("40P01")), True),
    (OperationalError("INSERT", {}, Exception("database is locked")), True),
    (OperationalError("SELECT", {}, _GiveWay("08006")), False),  # connection failure
    (OperationalError("SELECT", {}, Exception("no such table: x")), False),
    (ProgrammingError("SELECT", {}, Exception("syntax error")), False),
    (ValueError("not from the database"), False),
])
def test_which_errors_are_simultaneous_changes(error, clash):
    assert is_simultaneous_change(error) is clash


def test_the_guard_rolls_back_and_raises_the_generic_conflict(uow_app, probe):
    with uow_app.app_context():
        db.session.add(OutboxMessage(recipient="probe@example.org", subject="probe", body=""))
        with pytest.raises(Conflict) as refused:
            with refuse_simultaneous_change():
                db.session.add(Network(name=TAKEN, short_name="TWIN"))
                db.session.flush()
        assert refused.value.message == simultaneous_change_message()
        assert isinstance(refused.value.__cause__, IntegrityError)
        # The session works again at once, and the earlier pending row went with the rollback.
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_the_guard_raises_what_explain_finds_after_the_rollback(uow_app, probe):
    def explain():
        taken = db.session.scalar(select(Network.id).where(Network.name == TAKEN)) is not None
        return ValidationFailed("Not created.", errors={"name": "Taken."}) if taken else None

    with uow_app.app_context():
        with pytest.raises(ValidationFailed) as refused:
            with refuse_simultaneous_change(explain=explain):
                db.session.add(Network(name=TAKEN, short_name="TWIN"))
                db.session.flush()
        assert refused.value.errors == {"name": "Taken."}


def test_the_guard_leaves_other_errors_alone(uow_app, probe):
    with uow_app.app_context():
        with pytest.raises(ProgrammingError):
            with refuse_simultaneous_change():
                raise ProgrammingError("SELECT", {}, Exception("syntax error"))
        with pytest.raises(KeyError):
            with refuse_simultaneous_change():
                raise KeyError("not from the database")


def test_a_clash_is_logged_by_constraint_without_the_statement_parameters(uow_app, probe, caplog,
                                                                           monkeypatch):
    client, _organisation_id = probe
    # Alembic's logging set-up in tests/test_migrations.py disables the loggers that exist by then.
    monkeypatch.setattr(logging.getLogger("peerreview"), "disabled", False)
    caplog.set_level("WARNING", logger="peerreview")
    assert client.post("/probe/duplicate-at-flush").status_code == 409
    [logged] = [r.getMessage() for r in caplog.records if "Refused as a simultaneous change" in r.getMessage()]
    assert "IntegrityError, POST /probe/duplicate-at-flush" in logged
    assert "network" in logged.lower() and "TWIN" not in logged and "INSERT" not in logged


def test_jobs_queued_by_a_request_refused_at_commit_never_run(probe):
    client, _organisation_id = probe
    JOBS_RUN.clear()
    assert client.post("/probe/job-then-duplicate-at-commit").status_code == 409
    assert JOBS_RUN == []
    assert client.post("/probe/plain-write").status_code == 302  # and the next request's job does run
    assert JOBS_RUN == ["plain-write"]
