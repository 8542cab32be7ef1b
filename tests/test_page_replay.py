"""Replayed pages (peerreview/auth/replay.py): a page read again by the same reader is served from the
page cache after one query, and never once anything its permission or its content was decided from has
changed: a role revoked, an assignment removed, the account deactivated, the session ended or moved to
another browser, the language chosen, or a message waiting to be shown."""
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine

from peerreview.auth.models import RoleGrant, User, UserSession
from peerreview.db_types import utcnow
from peerreview.reviews.models import ReviewerAssignment
from tests.factories import UserFactory

READER_AGENT = {"User-Agent": "Mozilla/5.0 (reader's browser)"}


def _get(client, url, **kwargs):
    return client.get(url, headers=kwargs.pop("headers", READER_AGENT), **kwargs)


class Statements:
    """The SQL statements the app sends while in the block, on any engine (on PostgreSQL the replay's
    lookup has one of its own)."""

    def __init__(self, _db):
        self.engine, self.sent = Engine, []

    def _count(self, _conn, _cursor, statement, *_args):
        self.sent.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


def _signed_in(client, user, password="correct horse battery"):
    client.post("/logout", headers=READER_AGENT)
    response = client.post("/login", data={"email": user.email, "password": password}, headers=READER_AGENT)
    assert response.status_code == 302
    return client


def _read_twice(client, url) -> str:
    """Read a page twice: the first renders it, the second is its first replay."""
    first = _get(client, url)
    assert first.status_code == 200, url
    second = _get(client, url)
    assert second.status_code == 200, url
    return second.get_data(as_text=True)


def test_a_page_read_again_is_served_after_one_query_with_the_readers_own_token(client, world, db):
    _signed_in(client, world.secretariat)
    for url in (f"/cycles/{world.cycle.id}", f"/cycles/{world.cycle.id}/compare",
                f"/submissions/{world.other_submission.id}"):
        _read_twice(client, url)
        with Statements(db) as statements:
            replayed = _get(client, url)
        assert replayed.status_code == 200
        assert len(statements.sent) == 1, (url, statements.sent)  # the session with the data versions
        html = replayed.get_data(as_text=True)
        assert "Hello Work" in html and "Wanda Sec" in html
        assert "__peerreview_csrf_token__" not in html and 'name="csrf_token"' in html or "compare" in url


def test_a_replayed_form_carries_a_token_that_the_form_accepts(client, world, db, app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        _signed_in_with_csrf(client, world.reviewer)
        url = f"/submissions/{world.own_submission.id}"
        html = _read_twice(client, url)
        import re

        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
        posted = client.post(f"{url}/comments", headers=READER_AGENT, data={
            "csrf_token": token, "anchor": "submission", "visibility": "shared", "body": "Replayed form works."})
        assert posted.status_code == 302, posted.get_data(as_text=True)[:400]
        assert "Replayed form works." in _get(client, url).get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def _signed_in_with_csrf(client, user):
    import re

    page = client.get("/login", headers=READER_AGENT).get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    response = client.post("/login", headers=READER_AGENT, data={
        "csrf_token": token, "email": user.email, "password": "correct horse battery"})
    assert response.status_code == 302


def test_a_revoked_role_is_refused_on_the_next_request(client, world, db):
    _signed_in(client, world.secretariat)
    url = f"/cycles/{world.cycle.id}"
    assert "Edit cycle" in _read_twice(client, url)
    grant = db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == world.secretariat.id))
    db.session.delete(grant)
    db.session.commit()
    assert _get(client, url).status_code in (403, 404)


def test_an_unassigned_reviewer_loses_the_submission_on_the_next_request(client, world, db):
    _signed_in(client, world.reviewer)
    url = f"/submissions/{world.own_submission.id}"
    assert "SHARED-COMMENT" in _read_twice(client, url)
    db.session.execute(select(ReviewerAssignment))  # the assignment goes as the app removes it: one row
    db.session.delete(db.session.get(ReviewerAssignment, world.assignment.id))
    db.session.commit()
    response = _get(client, url)
    assert response.status_code in (403, 404)
    assert "SHARED-COMMENT" not in response.get_data(as_text=True)


@pytest.mark.parametrize("how", ["in the app", "by an operator's SQL"])
def test_a_deactivated_account_is_signed_out_on_the_next_request(client, world, db, how):
    """A bulk UPDATE moves no data version: the account's state is read live on every request."""
    _signed_in(client, world.secretariat)
    url = f"/cycles/{world.cycle.id}"
    _read_twice(client, url)
    if how == "in the app":
        world.secretariat.active = False
    else:
        db.session.execute(update(User).where(User.id == world.secretariat.id).values(active=False))
    db.session.commit()
    _assert_sent_to_sign_in(_get(client, url))


def _assert_sent_to_sign_in(response):
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_copy_of_the_cookie_after_signing_out_is_not_served_the_page(client, world, db):
    _signed_in(client, world.secretariat)
    url = f"/cycles/{world.cycle.id}"
    _read_twice(client, url)
    copy = client.get_cookie("session").value
    client.post("/logout", headers=READER_AGENT)
    client.set_cookie("session", copy)
    _assert_sent_to_sign_in(_get(client, url))


def test_the_cookie_in_another_browser_is_not_served_the_page(client, world, db):
    _signed_in(client, world.secretariat)
    url = f"/cycles/{world.cycle.id}"
    _read_twice(client, url)
    _assert_sent_to_sign_in(_get(client, url, headers={"User-Agent": "curl/8.0 (someone else)"}))


def test_a_session_due_to_be_seen_again_is_recorded_not_replayed(client, world, db):
    _signed_in(client, world.secretariat)
    url = f"/cycles/{world.cycle.id}"
    _read_twice(client, url)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == world.secretariat.id))
    row.last_seen_at = utcnow() - timedelta(minutes=6)
    db.session.commit()
    assert _get(client, url).status_code == 200
    db.session.expire_all()
    assert utcnow() - db.session.get(UserSession, row.id).last_seen_at < timedelta(minutes=1)


def test_a_message_waiting_is_shown_on_the_page(client, world, db):
    _signed_in(client, world.secretariat)
    url = f"/cycles/{world.cycle.id}"
    _read_twice(client, url)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "MESSAGE-WAITING-FOR-YOU")]
    assert "MESSAGE-WAITING-FOR-YOU" in _get(client, url).get_data(as_text=True)
    assert "MESSAGE-WAITING-FOR-YOU" not in _get(client, url).get_data(as_text=True)  # shown once





def test_each_reader_is_served_their_own_page(client, world, db):
    second = UserFactory(email="sec2@wapes.example", name="Second Sec", role="secretariat",
                         organisation=world.secretariat.organisation, network=world.network)
    db.session.commit()
    url = f"/cycles/{world.cycle.id}"
    _signed_in(client, world.secretariat)
    assert "Wanda Sec" in _read_twice(client, url)
    _signed_in(client, second)
    html = _get(client, url).get_data(as_text=True)
    assert "Second Sec" in html and "Wanda Sec" not in html


def test_another_networks_secretariat_is_refused_a_page_replayed_for_its_own(client, world, db):
    _signed_in(client, world.secretariat)
    url = f"/cycles/{world.cycle.id}"
    _read_twice(client, url)
    _signed_in(client, world.other_secretariat)
    for _ in range(2):
        response = _get(client, url)
        assert response.status_code in (403, 404)
        assert "Hello Work" not in response.get_data(as_text=True)


def test_a_replayed_request_is_logged_with_its_reader(client, world, db, caplog):
    import logging

    _signed_in(client, world.secretariat)
    url = f"/cycles/{world.cycle.id}"
    _read_twice(client, url)
    caplog.set_level(logging.INFO, logger="peerreview")
    caplog.clear()
    with Statements(db) as statements:
        _get(client, url)
    assert len(statements.sent) == 1  # replayed
    lines = [r for r in caplog.records if r.name == "peerreview.request"]
    assert len(lines) == 1 and lines[0].path == url and lines[0].user_id == world.secretariat.id


def test_a_delegate_moved_to_another_organisation_sees_its_submission_next(client, world, db):
    _signed_in(client, world.delegate)
    url = f"/cycles/{world.cycle.id}"
    html = _read_twice(client, url)
    assert f'href="/submissions/{world.own_submission.id}"' in html
    world.delegate.organisation_id = world.other_submission.organisation_id
    db.session.commit()
    html = _get(client, url).get_data(as_text=True)
    assert f'href="/submissions/{world.other_submission.id}"' in html
    assert f'href="/submissions/{world.own_submission.id}"' not in html








def test_a_language_chosen_before_signing_in_or_by_the_browser_is_on_the_page(client, world, db):
    _signed_in(client, world.secretariat)
    url = f"/cycles/{world.cycle.id}"
    _read_twice(client, url)
    spanish = {**READER_AGENT, "Accept-Language": "es-ES,es;q=0.9"}
    assert "Cerrar sesión" in _get(client, url, headers=spanish).get_data(as_text=True)
    with client.session_transaction() as session:
        session["locale"] = "fr"
    assert "Se déconnecter" in _get(client, url, headers=spanish).get_data(as_text=True)


def _set_locale(world):
    world.secretariat.locale = "fr"


def _set_own_zone(world):
    world.secretariat.time_zone = "Asia/Tokyo"


def _rename_own_organisation(world):
    """The header names the reader's organisation, which may belong to no network of the page."""
    world.secretariat.organisation.short_name = "SECR"


def _set_network_zone(world):
    world.network.time_zone = "Asia/Tokyo"


@pytest.mark.parametrize(("change", "before", "after"), [
    (_set_locale, "Sign out", "Se déconnecter"),
    (_set_own_zone, "ends 1 Apr 2026, 00:00 Central European Summer Time",
     "ends 1 Apr 2026, 07:00 Japan Standard Time"),
    (_rename_own_organisation, "(SEC)", "(SECR)"),
    (_set_network_zone, "ends 1 Apr 2026, 00:00 Central European Summer Time",
     "ends 1 Apr 2026, 00:00 Japan Standard Time"),
], ids=["own language", "own time zone", "own organisation renamed", "network's time zone"])
def test_a_change_to_the_reader_or_the_network_is_on_the_next_page(client, world, db, change, before, after):
    from datetime import date

    world.cycle.submission_deadline = date(2026, 3, 31)
    db.session.commit()
    _signed_in(client, world.secretariat)
    url = f"/cycles/{world.cycle.id}"
    assert before in _read_twice(client, url)
    change(world)
    db.session.commit()
    assert after in _get(client, url).get_data(as_text=True)


def test_the_memo_of_recent_pages_is_bounded_and_forgets_when_redis_does(app, monkeypatch):
    from peerreview import page_cache

    memo = page_cache.RecentPages()
    now = [1000.0]
    monkeypatch.setattr(page_cache.time, "time", lambda: now[0])
    with app.app_context():
        monkeypatch.setitem(app.config, "PAGE_REPLAY_MEMORY_MB", 1)
        half = "x" * (512 * 1024 - 10)
        memo.put("a", "A" + half, 1060)
        memo.put("b", "B" + half, 1060)
        assert memo.get("a").startswith("A")  # read: now the most recent
        memo.put("c", "C" + half, 1030)  # over the budget: the least recently used goes
        assert [memo.get(k) and memo.get(k)[0] for k in "abc"] == ["A", None, "C"]
        memo.put("huge", "H" * (2 * 1024 * 1024), 1060)  # bigger than the budget: not kept at all
        assert memo.get("huge") is None and memo.get("a") is not None
        now[0] = 1031
        assert memo.get("c") is None and memo.get("a") is not None  # each lives until it expires in Redis
        now[0] = 1061
        assert memo.get("a") is None


def test_a_failed_lookup_serves_the_page_the_usual_way(client, world, db, monkeypatch):
    """A replay lookup on a connection the database dropped (not pinged first) fails: the request goes on."""
    from sqlalchemy import create_engine

    from peerreview.auth import replay

    _signed_in(client, world.secretariat)
    url = f"/cycles/{world.cycle.id}"
    _read_twice(client, url)
    unreachable = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    monkeypatch.setattr(replay, "_lookup_engine", lambda: unreachable)
    with Statements(db) as statements:
        response = _get(client, url)
    assert response.status_code == 200 and "Hello Work" in response.get_data(as_text=True)
    assert len(statements.sent) > 1  # decided the usual way: the user, the cycle, the permission



def test_a_new_release_never_replays_a_page_the_old_code_rendered(client, world, db, monkeypatch):
    from peerreview import page_cache

    _signed_in(client, world.secretariat)
    url = f"/cycles/{world.cycle.id}"
    _read_twice(client, url)
    monkeypatch.setattr(page_cache, "build_id", lambda: "another-release")
    with Statements(db) as statements:
        assert _get(client, url).status_code == 200
    assert len(statements.sent) > 1  # rendered again by the new code, its permission decided again


def test_a_text_holding_a_placeholder_like_string_is_shown_as_typed(client, world, db):
    """The CSRF placeholder of kept pages is secret (from SECRET_KEY): a text cannot make the page put
    the reader's token into a link."""
    from peerreview.page_cache import csrf_placeholder

    world.shared_comment.body = "See `https://evil.example/?t=__peerreview_csrf_token__` and `__csrf_guess__`"
    db.session.commit()
    _signed_in(client, world.reviewer)
    html = _read_twice(client, f"/submissions/{world.own_submission.id}")
    assert "https://evil.example/?t=__peerreview_csrf_token__" in html and "__csrf_guess__" in html
    assert csrf_placeholder() not in html and len(csrf_placeholder()) > 30


def test_two_installations_sharing_one_redis_never_read_each_others_pages(app, monkeypatch):
    from peerreview.page_cache import csrf_placeholder, hashed_key

    with app.app_context():
        key, placeholder = hashed_key("replay", ("same", 1)), csrf_placeholder()
        monkeypatch.setitem(app.config, "SECRET_KEY", "another installation's secret key, 32+ chars")
        assert hashed_key("replay", ("same", 1)) != key and csrf_placeholder() != placeholder
