"""The API's permission matrix: every role of two networks, every token scope, dead tokens.

The same rules as the pages (permissions.can), narrowed by the token's scopes; objects the owner
may not see answer 404, whichever network they belong to.
"""
from __future__ import annotations

import pytest

from peerreview.extensions import db
from tests.api_helpers import bearer, make_token

ROLES = ["delegate_own", "delegate_other", "reviewer_assigned", "reviewer_unassigned", "secretariat",
         "secretariat_other"]

# (method, url template, objects) -> answers per role, with a token of scope "read".
READ_MATRIX = {
    ("GET", "/cycles/{cycle}"): [200, 200, 200, 404, 200, 404],
    ("GET", "/cycles/{cycle}/participants"): [200, 200, 200, 404, 200, 404],
    ("GET", "/cycles/{cycle}/comparisons"): [200, 200, 200, 404, 200, 404],
    ("GET", "/frameworks/{framework}"): [200, 200, 200, 404, 200, 404],
    ("GET", "/frameworks/{framework}/indicators"): [200, 200, 200, 404, 200, 404],
    ("GET", "/submissions/{own}"): [200, 404, 200, 404, 200, 404],
    ("GET", "/submissions/{own}/values"): [200, 404, 200, 404, 200, 404],
    ("GET", "/submissions/{other}/values"): [404, 200, 404, 404, 200, 404],
    ("GET", "/reports/{public}"): [200, 200, 200, 200, 200, 200],
    ("GET", "/reports/{public}/pdf"): [200, 200, 200, 200, 200, 200],
    ("GET", "/reports/{network}"): [200, 200, 200, 404, 200, 404],
    ("GET", "/reports/{network}/pdf"): [200, 200, 200, 404, 200, 404],
    ("PATCH", "/submissions/{own}/values"): [403, 403, 403, 403, 403, 403],  # read scope: never writes
    ("GET", "/cycles"): [200] * 6,
    ("GET", "/frameworks"): [200] * 6,
    ("GET", "/reports"): [200] * 6,
}

# With "read submit": writes as the pages allow (the cycle is in review, so even the delegation's own
# write is refused as 409 with the reason); a reviewer reads but never writes.
SUBMIT_MATRIX = {
    ("PATCH", "/submissions/{own}/values"): [409, 404, 403, 404, 409, 404],
    ("PATCH", "/submissions/{other}/values"): [404, 409, 404, 404, 409, 404],
}


def _network_version(world):
    """The draft feedback report published to the network (everyone taking part in the cycle)."""
    import hashlib

    from peerreview.db_types import utcnow
    from peerreview.reports.models import ReportVersion

    report = world.draft_report
    if not report.versions:
        report.tier = "network"
        report.versions.append(ReportVersion(number=1, pdf=b"%PDF-1.7 network", size=16,
                                             sha256=hashlib.sha256(b"%PDF-1.7 network").hexdigest(),
                                             published_at=utcnow(), published_by_id=world.secretariat.id))
        db.session.commit()
    return report.versions[0]


def _url(world, template: str) -> str:
    return "/api/v1" + template.format(
        cycle=world.cycle.id, framework=world.framework.id, own=world.own_submission.id,
        other=world.other_submission.id, public=world.published_report.versions[0].id,
        network=_network_version(world).id)


def _patch_body(world) -> dict:
    return {"values": [{"indicator": world.indicator.code, "breakdown": "_T", "year": world.cycle.last_year,
                        "value": "45", "version": 1}]}


def _send(client, world, method, template, secret):
    kwargs = {"headers": bearer(secret)}
    if method == "PATCH":
        kwargs["json"] = _patch_body(world)
    return client.open(_url(world, template), method=method, **kwargs)


CASES = [(scopes, key, role, answer) for scopes, matrix in (("read", READ_MATRIX), ("read submit", SUBMIT_MATRIX))
         for key, answers in matrix.items() for role, answer in zip(ROLES, answers, strict=True)]


@pytest.mark.parametrize(("scopes", "key", "role", "answer"), CASES,
                         ids=[f"{s}:{k[0]} {k[1]} as {r}" for s, k, r, _a in CASES])
def test_matrix(client, world, scopes, key, role, answer):
    response = _send(client, world, *key, make_token(world.users()[role], scopes))
    assert response.status_code == answer, response.get_data(as_text=True)
    if answer >= 400:
        assert response.content_type == "application/problem+json"
        assert response.get_json()["status"] == answer


@pytest.mark.parametrize("role", ROLES)
def test_a_submit_only_token_reads_nothing(client, world, role):
    secret = make_token(world.users()[role], "submit")
    for key in READ_MATRIX:
        if key[0] == "GET":
            assert _send(client, world, *key, secret).status_code == 403, key


@pytest.mark.parametrize("state", ["revoked", "expired", "deactivated", "unknown", "no token", "basic auth"])
def test_dead_or_missing_tokens_answer_401_with_a_challenge(client, world, state):
    secret = make_token(world.secretariat, "read submit", expired=state == "expired", revoked=state == "revoked")
    if state == "deactivated":
        world.secretariat.active = False
        db.session.commit()
    headers = {"unknown": bearer("prt_" + "x" * 43), "no token": {},
               "basic auth": {"Authorization": "Basic c2VjOnB3"}}.get(state, bearer(secret))
    response = client.get(_url(world, "/cycles/{cycle}"), headers=headers)
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_signed_in_browser_is_not_signed_in_on_the_api(client, login, world):
    login(world.secretariat)
    response = client.get(_url(world, "/cycles/{cycle}"))
    assert response.status_code == 401
    assert "personal access token" in response.get_json()["detail"]
    assert client.get(f"/cycles/{world.cycle.id}").status_code == 200  # the page still is


@pytest.mark.parametrize("role", ROLES)
def test_lists_hold_exactly_what_the_object_rules_allow(client, world, role):
    """A listed object answers 200 on its own; another network's never shows."""
    secret = make_token(world.users()[role])
    network = _network_version(world)
    for collection, detail in (("/cycles", "/cycles/{}"), ("/frameworks", "/frameworks/{}"),
                               ("/reports", "/reports/{}")):
        listed = {item["id"] for item in client.get("/api/v1" + collection, headers=bearer(secret)).get_json()["items"]}
        candidates = {"/cycles": [world.cycle.id], "/frameworks": [world.framework.id],
                      "/reports": [world.published_report.versions[0].id, network.id]}[collection]
        allowed = {i for i in candidates
                   if client.get("/api/v1" + detail.format(i), headers=bearer(secret)).status_code == 200}
        assert listed == allowed, collection


def test_participants_name_the_submissions_the_owner_may_open(client, world):
    answer = client.get(_url(world, "/cycles/{cycle}/participants"), headers=bearer(make_token(world.delegate)))
    opened = {p["organisation"]["short_name"]: p["submission_id"] for p in answer.get_json()["items"]}
    assert opened == {"BA": world.own_submission.id, "HW": None}


def test_within_a_token_request_can_and_scope_ask_the_token_too(app, world):
    """Services deep inside an API call (save_values' require) see the token's scopes, not only its owner."""
    from flask import g
    from sqlalchemy import select

    from peerreview.api.models import AccessToken
    from peerreview.permissions import Action, can, scope
    from peerreview.submissions.models import Submission

    make_token(world.delegate, "read")
    read_only = db.session.scalar(select(AccessToken))
    submission = world.own_submission
    visible = select(Submission.id).where(scope(world.delegate, Action.VIEW_SUBMISSION))
    with app.test_request_context():
        assert can(world.delegate, Action.EDIT_SUBMISSION, submission)
        g.api_token = read_only
        assert not can(world.delegate, Action.EDIT_SUBMISSION, submission)
        assert not can(world.delegate, Action.MANAGE_CYCLE, world.cycle)
        assert can(world.delegate, Action.VIEW_SUBMISSION, submission)
        read_only.scopes = "submit"
        assert not can(world.delegate, Action.VIEW_SUBMISSION, submission)
        assert list(db.session.scalars(select(Submission.id).where(
            scope(world.delegate, Action.VIEW_SUBMISSION)))) == []
    assert submission.id in set(db.session.scalars(visible))


def test_pages_follow_next_links_to_the_whole_list_once(client, world):
    from tests.factories import IndicatorFactory

    for i in range(4):
        IndicatorFactory(framework=world.framework, code=f"p{i}")
    db.session.commit()
    token = bearer(make_token(world.secretariat))
    url, seen, pages = f"/api/v1/frameworks/{world.framework.id}/indicators?limit=2", [], 0
    while url:
        page = client.get(url, headers=token).get_json()
        seen += [item["code"] for item in page["items"]]
        url, pages = page["links"]["next"], pages + 1
    assert pages == 3 and sorted(seen) == sorted({"1a", "3a", "p0", "p1", "p2", "p3"})
    for bad in ("limit=0", "limit=201", "cursor=-1", "cursor=abc", "limit=²"):
        answer = client.get(f"/api/v1/cycles?{bad}", headers=token)
        assert answer.status_code == 422 and answer.content_type == "application/problem+json", bad


def test_indicators_and_frameworks_carry_the_translations_the_secretariat_entered(client, world):
    world.indicator.translations = {"fr": {"name": "Transitions vers l'emploi", "definition": " "},
                                    "de": {"name": "not a language of the app"}}
    world.framework.translations = {"es": {"name": "Referencia"}}
    db.session.commit()
    token = bearer(make_token(world.delegate))
    items = client.get(f"/api/v1/frameworks/{world.framework.id}/indicators", headers=token).get_json()["items"]
    by_code = {item["code"]: item for item in items}
    assert by_code["1a"]["translations"] == {"fr": {"name": "Transitions vers l'emploi"}}  # empty and unknown left out
    assert by_code["1a"]["name"] == "Transitions into employment"  # the original stays where it was
    assert by_code["3a"]["translations"] == {}
    framework = client.get(f"/api/v1/frameworks/{world.framework.id}", headers=token).get_json()
    assert framework["translations"] == {"es": {"name": "Referencia"}}
