"""The page cache (peerreview/page_cache.py): a cached page part never shows another tenant's or role's
data, a change is visible on the next request, and no part holds a person's CSRF token."""
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from peerreview.extensions import cache
from peerreview.page_cache import CacheVersion, csrf_placeholder, cycle_scope, data_versions
from peerreview.submissions.models import IndicatorValue
from tests.factories import UserFactory, build_world
from tests.test_query_counts import counted

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _set_value(db, world, submission, new: str) -> None:
    row = db.session.scalar(select(IndicatorValue).where(IndicatorValue.submission_id == submission.id,
                                                         IndicatorValue.indicator_id == world.indicator.id,
                                                         IndicatorValue.breakdown == "_T", IndicatorValue.year == 2024))
    row.value = Decimal(new)
    db.session.commit()


def test_a_value_change_is_visible_on_the_next_request_of_every_cached_page(client, login, world, db):
    login(world.secretariat)
    pages = (f"/cycles/{world.cycle.id}/compare?indicator={world.indicator.id}&year=2024",
             f"/submissions/{world.other_submission.id}")
    for url in pages:
        assert "50.1" in _html(client, url)
        assert "50.1" in _html(client, url)  # the second answer comes from the cache
    before = data_versions(world.cycle.id, world.network.id)
    _set_value(db, world, world.other_submission, "77.7")
    assert data_versions(world.cycle.id, world.network.id)[0] == before[0] + 1
    for url in pages:
        html = _html(client, url)
        assert "77.7" in html and "50.1" not in html, url


def test_a_value_saved_through_the_form_is_on_the_submission_page_at_once(client, login, db):
    world = build_world(status="open")
    world.own_submission.status = "draft"
    db.session.commit()
    login(world.delegate)
    url = f"/submissions/{world.own_submission.id}"
    assert "61.3" not in _html(client, url)
    saved = client.post(f"{url}/edit", data={f"v-{world.indicator.id}-Y_GE50-2024": "61.3"})
    assert saved.status_code == 302
    assert "61.3" in _html(client, url)


def test_the_cycle_page_of_one_role_is_never_shown_to_another(client, login, world, db):
    login(world.secretariat)  # the secretariat's page, with every participant, is cached first
    html = _html(client, f"/cycles/{world.cycle.id}")
    assert "Hello Work" in html and "Bundesagentur für Arbeit" in html and "Edit cycle" in html
    login(world.delegate)  # a delegate sees only its own organisation's submission
    html = _html(client, f"/cycles/{world.cycle.id}")
    assert "Bundesagentur für Arbeit" in html
    assert f'href="/submissions/{world.other_submission.id}"' not in html and "Edit cycle" not in html
    login(world.reviewer)  # a reviewer only what is assigned
    html = _html(client, f"/cycles/{world.cycle.id}")
    assert f'href="/submissions/{world.own_submission.id}"' in html
    assert f'href="/submissions/{world.other_submission.id}"' not in html
    login(world.other_delegate)  # the same role, another organisation: not the page cached just before
    html = _html(client, f"/cycles/{world.cycle.id}")
    assert f'href="/submissions/{world.other_submission.id}"' in html
    assert f'href="/submissions/{world.own_submission.id}"' not in html


def test_the_submission_page_of_one_person_is_never_shown_to_another_with_the_same_rights(client, login, world,
                                                                                           db):
    second = UserFactory(email="sec2@wapes.example", name="Second Sec", role="secretariat",
                         organisation=world.secretariat.organisation, network=world.network)
    db.session.commit()
    url = f"/submissions/{world.other_submission.id}"
    edit_link = f'href="/comments/{world.other_comment.id}/edit"'
    login(world.secretariat)  # the author of the comment may edit it
    assert "OTHER-ORG-COMMENT" in (html := _html(client, url)) and edit_link in html
    login(second)
    html = _html(client, url)
    assert "OTHER-ORG-COMMENT" in html and edit_link not in html


def test_a_cached_page_of_one_network_is_refused_in_the_other(client, login, world):
    login(world.secretariat)
    for url in (f"/cycles/{world.cycle.id}", f"/cycles/{world.cycle.id}/compare",
                f"/submissions/{world.own_submission.id}"):
        _html(client, url)
    login(world.other_secretariat)
    for url in (f"/cycles/{world.cycle.id}", f"/cycles/{world.cycle.id}/compare",
                f"/submissions/{world.own_submission.id}"):
        response = client.get(url)
        assert response.status_code in (403, 404), url  # as docs/access-matrix.md says
        assert "Hello Work" not in response.get_data(as_text=True)


def test_the_comparison_marks_only_the_readers_own_organisation(client, login, world):
    url = f"/cycles/{world.cycle.id}/compare?indicator={world.indicator.id}&year=2024"
    login(world.delegate)  # cached first for the delegation of Bundesagentur für Arbeit
    assert "Bundesagentur für Arbeit</a> (yours)" in _html(client, url)
    login(world.secretariat)
    assert "(yours)" not in _html(client, url)
    login(world.other_delegate)
    html = _html(client, url)
    assert "Hello Work</a> (yours)" in html and "Bundesagentur für Arbeit</a> (yours)" not in html


def test_a_confidential_value_stays_with_those_who_may_read_it(client, login, world, db):
    row = db.session.scalar(select(IndicatorValue).where(IndicatorValue.submission_id == world.own_submission.id,
                                                         IndicatorValue.year == 2024))
    row.flag, row.value = "confidential", Decimal("33.3")
    db.session.commit()
    compare = f"/cycles/{world.cycle.id}/compare?indicator={world.indicator.id}&year=2024"
    login(world.delegate)  # cached first for the delegation that may see it
    assert "33.3" in _html(client, compare)
    for other in (world.other_delegate, world.secretariat, world.reviewer):
        login(other)
        assert "33.3" not in _html(client, compare), other.email


def test_a_confidential_value_in_the_shared_values_grid_stays_with_those_who_may_read_it(client, login, db):
    world = build_world(status="open")  # nobody may comment yet: reviewer and secretariat get the same links
    row = db.session.scalar(select(IndicatorValue).where(IndicatorValue.submission_id == world.own_submission.id,
                                                         IndicatorValue.year == 2024))
    row.flag, row.value = "confidential", Decimal("33.3")
    db.session.commit()
    page = f"/submissions/{world.own_submission.id}"
    login(world.secretariat)  # the secretariat may read it: its values grid is cached first
    assert "33.3" in _html(client, page)
    login(world.reviewer)
    assert "33.3" not in _html(client, page)


def test_internal_comments_stay_with_reviewers_and_secretariat(client, login, world):
    url = f"/submissions/{world.own_submission.id}"
    login(world.reviewer)
    assert "INTERNAL-COMMENT" in _html(client, url)
    login(world.delegate)
    html = _html(client, url)
    assert "SHARED-COMMENT" in html and "INTERNAL-COMMENT" not in html


def test_no_cached_part_holds_a_persons_csrf_token(app, world, db):
    from flask import g

    from tests.conftest import DEMO_PASSWORD

    second = UserFactory(email="sec2@wapes.example", name="Second Sec", role="secretariat",
                         organisation=world.secretariat.organisation, network=world.network)
    db.session.commit()
    tokens = {}
    for user in (world.secretariat, second):  # each in a browser (session) of their own
        client = app.test_client()
        g.pop("csrf_token", None)  # the tests share one app context: no token carried over
        assert client.post("/login", data={"email": user.email, "password": DEMO_PASSWORD}).status_code == 302
        g.pop("csrf_token", None)
        html = _html(client, f"/cycles/{world.cycle.id}")  # a shared part with remind buttons and forms
        found = set(TOKEN.findall(html))
        assert len(found) == 1 and csrf_placeholder() not in html
        tokens[user.email] = found.pop()
        _html(client, f"/submissions/{world.own_submission.id}")
    assert tokens[world.secretariat.email] != tokens[second.email]
    stored = [cache.get(key) for key in cache.cache._cache]  # SimpleCache in the tests
    assert stored and all(t not in part for part in stored for t in tokens.values())


def test_a_cached_page_reads_a_handful_of_queries(client, login, world, db):
    login(world.secretariat)
    url = f"/cycles/{world.cycle.id}"
    client.get(url)  # fills the cache
    from sqlalchemy import event

    calls = []

    def count(*_args, **_kwargs):
        calls.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    with counted(db) as uncached:
        assert client.get(url).status_code == 200
    assert len(calls) <= 5 < len(uncached), (len(calls), len(uncached))


@pytest.mark.parametrize("change", ["assignment", "comment", "network"])
def test_changes_beside_values_move_the_versions(world, db, change):
    from tests.factories import AssignmentFactory, CommentFactory, OrganisationFactory

    before = data_versions(world.cycle.id, world.network.id)
    if change == "assignment":
        AssignmentFactory(submission=world.other_submission, reviewer=world.reviewer,
                          assigned_by_id=world.secretariat.id)
    elif change == "comment":
        CommentFactory(submission=world.other_submission, author=world.secretariat, body="New")
    else:
        from peerreview.audit.services import record

        organisation = OrganisationFactory(name="Renamed", short_name="RN", country="FR", network=world.network)
        record(None, "organisation.update", organisation, after={"name": "Renamed"}, network_ids=[world.network.id])
    db.session.commit()
    after = data_versions(world.cycle.id, world.network.id)
    moved = after[1] > before[1] if change == "network" else after[0] > before[0]
    assert moved, (before, after)
    assert db.session.get(CacheVersion, cycle_scope(world.cycle.id)) is not None or change == "network"


def test_pages_are_rendered_when_the_cache_is_down(client, login, world, monkeypatch):
    from redis.exceptions import ConnectionError as RedisDown

    def down(*_args, **_kwargs):
        raise RedisDown("Connection refused")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    login(world.secretariat)
    assert "Hello Work" in _html(client, f"/cycles/{world.cycle.id}")
    assert "50.1" in _html(client, f"/submissions/{world.other_submission.id}")
