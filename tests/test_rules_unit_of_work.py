"""One commit per request: what a request wrote persists only if its answer is not an error.

An app of its own, on a database of its own, gets a few routes that write a row and
then answer with an error (raised or returned) or crash; the rows are then counted
on a fresh connection, which sees only what was committed.
"""
import pytest
from flask import abort, redirect
from sqlalchemy import func, select

from peerreview import create_app
from peerreview.errors import Conflict, PermissionDenied, ValidationFailed
from peerreview.extensions import db
from peerreview.organisations.models import Network
from tests.conftest import Config
from tests.scratch_db import scratch_database


def _write(tag: str) -> None:
    db.session.add(Network(name=f"Network {tag}", short_name=tag[:20]))
    db.session.flush()


@pytest.fixture(scope="module")
def uow_app():
    with scratch_database("uow") as (url, options):
        config = type("UnitOfWorkConfig", (Config,), {
            "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options,
            # as in production: an unexpected exception becomes the 500 page, not a test-client traceback
            "PROPAGATE_EXCEPTIONS": False})
        app = create_app(config)

        @app.post("/uow/<tag>/status/<int:code>")
        def answer_with(tag, code):
            _write(tag)
            return f"answered {code}", code

        @app.post("/uow/<tag>/redirect")
        def redirect_after_write(tag):
            _write(tag)
            return redirect("/")

        @app.post("/uow/<tag>/raise/<kind>")
        def raise_after_write(tag, kind):
            _write(tag)
            if kind == "conflict":
                raise Conflict("Someone else changed this.")
            if kind == "validation":
                raise ValidationFailed("Not valid.", errors={"x": "Wrong."})
            if kind == "forbidden":
                raise PermissionDenied("No.")
            if kind == "abort":
                abort(404)
            raise RuntimeError("a bug after the write")

        with app.app_context():
            db.create_all()
        yield app
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def _committed(app, tag: str) -> int:
    with app.app_context(), db.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(Network).where(Network.short_name == tag))


@pytest.mark.parametrize(("code", "kept"), [(200, 1), (201, 1), (204, 1), (399, 1),
                                            (400, 0), (403, 0), (409, 0), (422, 0), (500, 0)])
def test_a_returned_error_status_rolls_back_and_anything_below_400_commits(uow_app, code, kept):
    tag = f"S{code}"
    response = uow_app.test_client().post(f"/uow/{tag}/status/{code}")
    assert response.status_code == code
    assert _committed(uow_app, tag) == kept


def test_a_redirect_after_a_write_commits(uow_app):
    response = uow_app.test_client().post("/uow/R302/redirect")
    assert response.status_code == 302
    assert _committed(uow_app, "R302") == 1


@pytest.mark.parametrize(("kind", "code"), [("conflict", 409), ("validation", 422), ("forbidden", 403),
                                            ("abort", 404), ("crash", 500)])
def test_a_request_that_fails_after_writing_leaves_nothing_behind(uow_app, kind, code):
    tag = f"F-{kind}"
    response = uow_app.test_client().post(f"/uow/{tag}/raise/{kind}")
    assert response.status_code == code
    assert _committed(uow_app, tag) == 0


def test_the_next_request_starts_clean_after_a_failed_one(uow_app):
    client = uow_app.test_client()
    assert client.post("/uow/N1/raise/conflict").status_code == 409
    assert client.post("/uow/N2/status/200").status_code == 200
    assert (_committed(uow_app, "N1"), _committed(uow_app, "N2")) == (0, 1)
