"""Simultaneous requests: one wins, the others get a 409 or 422 that says why; never a 500, never a duplicate.

Each race releases N threads together with a barrier. Every thread has its own test client, and each
request pushes its own application context (so its own database session), as in a threaded server.
The database is a real one of its own (tests/scratch_db.py): a file for SQLite, a schema on PostgreSQL
when TEST_DATABASE_URL points there. The default test app cannot serve here: its in-memory SQLite
shares one connection between all sessions.
"""
from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from peerreview.audit.models import AuditEvent
from peerreview.auth.models import User
from peerreview.cycles.models import Cycle
from peerreview.db_types import utcnow
from peerreview.extensions import db
from peerreview.mail.models import OutboxMessage
from peerreview.reviews.models import ReviewerAssignment
from peerreview.submissions.models import IndicatorValue, Narrative, Submission
from tests.conftest import DEMO_PASSWORD, _serve
from tests.factories import (
    AreaFactory,
    CycleFactory,
    IndicatorFactory,
    NetworkFactory,
    OrganisationFactory,
    SubmissionFactory,
    UserFactory,
    ValueFactory,
)
from tests.scratch_db import scratch_database

# A race does not bite every time; every test checks that it bit at least once. For a longer run:
# RACE_THREADS=8 RACE_ROUNDS=30 pytest tests/test_races.py
THREADS = int(os.environ.get("RACE_THREADS", 5))
ROUNDS = int(os.environ.get("RACE_ROUNDS", 5))


@pytest.fixture(scope="module")
def race_app():
    with scratch_database("races") as (url, options):
        yield from _serve(url, {**options, "pool_size": THREADS + 2})


def _signed_in_clients(app, email: str) -> list:
    clients = []
    for _ in range(THREADS):
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        clients.append(client)
    return clients


def _race(clients, send) -> list[tuple[int, str]]:
    """Release one request per client at the same moment; (status, body) of each, in client order."""
    barrier = threading.Barrier(len(clients))
    answers: list[tuple[int, str] | None] = [None] * len(clients)

    def run(index: int, client) -> None:
        barrier.wait()
        try:
            response = send(client, index)
            answers[index] = (response.status_code, response.get_data(as_text=True))
        except Exception as error:  # what a server would have answered with a 500
            answers[index] = (500, f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(answer is not None for answer in answers), "a request did not finish"
    return answers


def _one_winner(answers, refusal_status: int, *messages: str) -> int:
    """Exactly one success (a redirect); every other answer is `refusal_status` with one of `messages`."""
    statuses = Counter(status for status, _body in answers)
    assert statuses[500] == 0, [body[:300] for status, body in answers if status == 500]
    winners = [i for i, (status, _body) in enumerate(answers) if status == 302]
    assert len(winners) == 1, statuses
    for status, body in answers:
        if status != 302:
            assert status == refusal_status, (status, body[:500])
            assert any(message in body for message in messages), body
    return winners[0]


@pytest.fixture()
def clashes(caplog, monkeypatch):
    """How many writes the database refused as simultaneous so far (each is logged once)."""
    # Alembic's logging set-up in tests/test_migrations.py disables the loggers that exist by then.
    monkeypatch.setattr(logging.getLogger("peerreview"), "disabled", False)
    caplog.set_level("WARNING", logger="peerreview")
    return lambda: sum("Refused as a simultaneous change" in r.getMessage() for r in caplog.records)


def _delegation(app):
    """An open cycle with one indicator (total only), an empty draft submission and its delegate."""
    with app.app_context():
        cycle = CycleFactory(status="open")
        indicator = IndicatorFactory(framework=cycle.framework, dimensions="", decimals=1)
        organisation = OrganisationFactory(network=cycle.network)
        submission = SubmissionFactory(cycle=cycle, organisation=organisation)
        delegate = UserFactory(organisation=organisation, network=cycle.network)
        UserFactory(role="secretariat", network=cycle.network)
        db.session.commit()
        return submission.id, indicator.id, delegate.email, delegate.name


def test_simultaneous_submits_submit_once(race_app, clashes):
    for round_ in range(ROUNDS):
        _submit_round(race_app, round_)
    assert clashes() > 0, "no round raced into the database: the test proved nothing"


def _submit_round(app, round_: int) -> None:
    submission_id, indicator_id, email, name = _delegation(app)
    with app.app_context():
        ValueFactory(submission_id=submission_id, indicator_id=indicator_id, value=Decimal("40.5"))
        db.session.commit()
        version = db.session.get(Submission, submission_id).version
    clients = _signed_in_clients(app, email)

    answers = _race(clients, lambda client, i: client.post(f"/submissions/{submission_id}/submit",
                                                           data={"confirm_gaps": "yes"}))

    _one_winner(answers, 409, f"already submitted by {name}", f"Submitted by {name}")
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        assert (submission.status, submission.version) == ("submitted", version + 1)
        assert db.session.scalar(select(func.count()).where(
            AuditEvent.action == "submission.transition", AuditEvent.object_id == submission_id)) == 1
        assert db.session.scalar(select(func.count()).where(
            OutboxMessage.subject.startswith(f"{submission.organisation.name} submitted to "))) == 1


def test_simultaneous_saves_of_one_cell_keep_one(race_app, clashes):
    for round_ in range(ROUNDS):
        _save_round(race_app, round_)
    assert clashes() > 0, "no round raced into the database: the test proved nothing"


def _save_round(app, round_: int) -> None:
    """Everyone loaded the same form and changes the same cell: one value wins, none is lost silently."""
    submission_id, indicator_id, email, _name = _delegation(app)
    existing = round_ % 2 == 1  # even rounds insert the value, odd rounds change a stored one
    with app.app_context():
        if existing:
            ValueFactory(submission_id=submission_id, indicator_id=indicator_id, year=2023, value=Decimal("1"))
            db.session.commit()
        version = db.session.get(Submission, submission_id).version
    clients = _signed_in_clients(app, email)
    cell = f"v-{indicator_id}-_T-2023"
    started = "1" if existing else ""

    answers = _race(clients, lambda client, i: client.post(
        f"/submissions/{submission_id}/edit", data={cell: f"4{i}.5", f"o-{cell}": started}))

    statuses = Counter(status for status, _body in answers)
    assert statuses[500] == 0, [body[:300] for status, body in answers if status == 500]
    winners = [i for i, (status, _body) in enumerate(answers) if status == 302]
    assert len(winners) == 1, statuses
    (winner,) = winners
    for i, (status, body) in enumerate(answers):
        if status == 409:  # refused at the same moment: the entry is still in the form, from the old start
            assert "at the same moment" in body and f'value="4{i}.5"' in body
            assert f'name="o-{cell}" value="{started}"' in body
        elif status == 200:  # came just after the winner: offered both values, its own not written
            assert "Changed by someone else" in body and f"Keep theirs: 4{winner}.5" in body
        else:
            assert status == 302, (status, body[:300])
    with app.app_context():
        values = db.session.scalars(select(IndicatorValue).where(
            IndicatorValue.submission_id == submission_id)).all()
        assert [(v.year, v.value) for v in values] == [(2023, Decimal(f"4{winner}.5"))]
        assert db.session.get(Submission, submission_id).version == version  # values never move it
        assert db.session.scalar(select(func.count()).where(
            AuditEvent.action == "submission.values", AuditEvent.object_id == submission_id)) == 1


def test_simultaneous_saves_of_different_cells_all_succeed(race_app):
    """No needless conflict: people changing different cells at the same moment are all saved."""
    for _round in range(ROUNDS):
        with race_app.app_context():
            cycle = CycleFactory(status="open", first_year=2020, last_year=2020 + THREADS - 1)
            indicator = IndicatorFactory(framework=cycle.framework, dimensions="", decimals=1)
            organisation = OrganisationFactory(network=cycle.network)
            submission = SubmissionFactory(cycle=cycle, organisation=organisation)
            delegate = UserFactory(organisation=organisation, network=cycle.network)
            db.session.commit()
            submission_id, indicator_id, email = submission.id, indicator.id, delegate.email
        clients = _signed_in_clients(race_app, email)

        answers = _race(clients, lambda client, i, s=submission_id, c=indicator_id: client.post(
            f"/submissions/{s}/edit", data={f"v-{c}-_T-{2020 + i}": f"{i}.5", f"o-v-{c}-_T-{2020 + i}": ""}))

        assert [status for status, _body in answers] == [302] * THREADS, [b[:300] for s, b in answers if s != 302]
        with race_app.app_context():
            values = db.session.scalars(select(IndicatorValue).where(
                IndicatorValue.submission_id == submission_id).order_by(IndicatorValue.year)).all()
            assert [(v.year, v.value) for v in values] == [(2020 + i, Decimal(f"{i}.5")) for i in range(THREADS)]


def test_simultaneous_invitations_invite_once(race_app, clashes):
    for round_ in range(ROUNDS):
        _invite_round(race_app, round_)
    assert clashes() > 0, "no round raced into the database: the test proved nothing"


def _invite_round(app, round_: int) -> None:
    with app.app_context():
        cycle = CycleFactory(status="open")
        secretariat = UserFactory(role="secretariat", network=cycle.network)
        organisation = OrganisationFactory(network=cycle.network)
        db.session.commit()
        cycle_id, organisation_id = cycle.id, organisation.id
        email, org_name = secretariat.email, organisation.name
    clients = _signed_in_clients(app, email)

    answers = _race(clients, lambda client, i: client.post(
        f"/cycles/{cycle_id}/invite", data={"organisation_id": str(organisation_id)}))

    _one_winner(answers, 409, f"{org_name} already takes part in this cycle")
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(
            Submission.cycle_id == cycle_id, Submission.organisation_id == organisation_id)) == 1
        assert db.session.scalar(select(func.count()).where(
            AuditEvent.action == "cycle.invite", AuditEvent.cycle_id == cycle_id)) == 1


def test_simultaneous_new_users_with_one_email_create_one(race_app, clashes):
    for round_ in range(ROUNDS):
        _new_user_round(race_app, round_)
    assert clashes() > 0, "no round raced into the database: the test proved nothing"


def _new_user_round(app, round_: int) -> None:
    """Even rounds: a new account. Odd rounds: an account of another network, given a role in this one."""
    known = round_ % 2 == 1
    new_email = f"same.person.{round_}@example.org"
    with app.app_context():
        network = NetworkFactory()
        secretariat = UserFactory(role="secretariat", network=network)
        organisation = OrganisationFactory(network=network)
        if known:
            UserFactory(email=new_email, name="Known Elsewhere", role="reviewer", network=NetworkFactory())
        db.session.commit()
        email, organisation_id, network_id, network_name = (secretariat.email, organisation.id, network.id,
                                                            network.short_name)
    clients = _signed_in_clients(app, email)

    answers = _race(clients, lambda client, i: client.post("/users/new", data={
        "email": new_email, "name": f"Same Person {i}", "role": "delegate",
        "organisation_id": str(organisation_id), "network_id": "0"}))

    winner = _one_winner(answers, 422, f"This person already has this role in {network_name}")
    with app.app_context():
        users = db.session.scalars(select(User).where(User.email == new_email)).all()
        assert [u.name for u in users] == ["Known Elsewhere" if known else f"Same Person {winner}"]
        assert [(g.network_id, g.role) for g in users[0].grants if g.network_id == network_id] == [
            (network_id, "delegate")]
        assert db.session.scalar(select(func.count()).where(OutboxMessage.recipient == new_email)) == 1
        for action, count in (("user.create", 0 if known else 1), ("user.grant", 1)):
            assert db.session.scalar(select(func.count()).where(
                AuditEvent.action == action, AuditEvent.object_id == users[0].id,
                AuditEvent.network_id == network_id)) == count, action


def test_simultaneous_self_assessment_saves_of_one_area_keep_one(race_app, clashes):
    for round_ in range(ROUNDS):
        _narrative_round(race_app, round_)
    assert clashes() > 0, "no round raced into the database: the test proved nothing"


def _narrative_round(app, round_: int) -> None:
    submission_id, _indicator_id, email, _name = _delegation(app)
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        area_id = AreaFactory(framework=submission.cycle.framework).id
        db.session.commit()
    clients = _signed_in_clients(app, email)

    answers = _race(clients, lambda client, i: client.post(
        f"/submissions/{submission_id}/narratives",
        data={f"nv-{area_id}": "0", f"narrative-{area_id}": f"Text number {i}"}))

    statuses = Counter(status for status, _body in answers)
    assert statuses[500] == 0, [body[:300] for status, body in answers if status == 500]
    winners = [i for i, (status, _body) in enumerate(answers) if status == 302]
    assert len(winners) == 1, statuses
    for i, (status, body) in enumerate(answers):
        if status in (200, 409):  # offered (came just after) or refused (same moment): the typed text is kept
            assert f"Text number {i}</textarea>" in body
            assert ("at the same moment" in body) if status == 409 else ("changed this text after you" in body)
        else:
            assert status == 302
    with app.app_context():
        texts = db.session.scalars(select(Narrative.body).where(Narrative.submission_id == submission_id)).all()
        assert texts == [f"Text number {winners[0]}"]


def test_simultaneous_phase_moves_move_once(race_app, clashes):
    for round_ in range(ROUNDS):
        _phase_round(race_app, round_)
    assert clashes() > 0, "no round raced into the database: the test proved nothing"


def _phase_round(app, round_: int) -> None:
    with app.app_context():
        cycle = CycleFactory(status="open")
        IndicatorFactory(framework=cycle.framework)
        SubmissionFactory(cycle=cycle, status="submitted", submitted_at=utcnow())
        secretariat = UserFactory(role="secretariat", network=cycle.network)
        db.session.commit()
        cycle_id, email, version = cycle.id, secretariat.email, cycle.version
    clients = _signed_in_clients(app, email)

    answers = _race(clients, lambda client, i: client.post(f"/cycles/{cycle_id}/transition",
                                                           data={"target": "in_review"}))

    _one_winner(answers, 409, "Someone else moved the cycle to In review at the same moment",
                "from In review the next phase is Reporting")
    with app.app_context():
        cycle = db.session.get(Cycle, cycle_id)
        assert (cycle.status, cycle.version) == ("in_review", version + 1)
        assert db.session.scalar(select(func.count()).where(
            AuditEvent.action == "cycle.transition", AuditEvent.cycle_id == cycle_id)) == 1


def test_simultaneous_returns_return_once(race_app, clashes):
    for round_ in range(ROUNDS):
        _return_round(race_app, round_)
    assert clashes() > 0, "no round raced into the database: the test proved nothing"


def _return_round(app, round_: int) -> None:
    with app.app_context():
        submission = SubmissionFactory(cycle=CycleFactory(status="open"), status="submitted", submitted_at=utcnow())
        secretariat = UserFactory(role="secretariat", network=submission.cycle.network)
        db.session.commit()
        submission_id, email, org_name = submission.id, secretariat.email, submission.organisation.name
    clients = _signed_in_clients(app, email)

    answers = _race(clients, lambda client, i: client.post(f"/submissions/{submission_id}/return",
                                                           data={"reason": f"Reason {i}"}))

    winner = _one_winner(answers, 409, f"Someone else returned this submission to {org_name} at the same moment",
                         "Only a submitted submission can be returned")
    with app.app_context():
        assert db.session.get(Submission, submission_id).status == "draft"
        reasons = db.session.scalars(select(AuditEvent.after).where(
            AuditEvent.action == "submission.transition", AuditEvent.object_id == submission_id)).all()
        assert [r["reason"] for r in reasons] == [f"Reason {winner}"]


def test_simultaneous_assignments_of_one_reviewer_assign_once(race_app, clashes):
    for round_ in range(ROUNDS):
        _assignment_round(race_app, round_)
    assert clashes() > 0, "no round raced into the database: the test proved nothing"


def _assignment_round(app, round_: int) -> None:
    with app.app_context():
        submission = SubmissionFactory(cycle=CycleFactory(status="in_review"), status="submitted",
                                       submitted_at=utcnow())
        secretariat = UserFactory(role="secretariat", network=submission.cycle.network)
        reviewer = UserFactory(role="reviewer", name=f"Reviewer of round {round_}",
                               network=submission.cycle.network)
        db.session.commit()
        submission_id, email, reviewer_id = submission.id, secretariat.email, reviewer.id
    clients = _signed_in_clients(app, email)

    answers = _race(clients, lambda client, i: client.post(f"/submissions/{submission_id}/reviewers",
                                                           data={"reviewer_id": str(reviewer_id)}))

    # This page answers with a redirect either way and tells on the next page (a flash).
    assert [status for status, _body in answers] == [302] * THREADS, [body[:300] for _s, body in answers]
    told = [_page_after(client, f"/submissions/{submission_id}") for client in clients]
    assigned = [i for i, page in enumerate(told) if f"Reviewer of round {round_} is assigned to review" in page]
    assert len(assigned) == 1, told
    assert all(f"Reviewer of round {round_} is already assigned" in page
               for i, page in enumerate(told) if i not in assigned)
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(
            ReviewerAssignment.submission_id == submission_id, ReviewerAssignment.reviewer_id == reviewer_id)) == 1


def _page_after(client, path: str) -> str:
    return client.get(path).get_data(as_text=True)
