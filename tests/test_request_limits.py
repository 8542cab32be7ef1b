"""Hostile request shapes: forms with too many fields, and numbers in query strings too big or garbled."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import url_for

from tests.test_access_matrix import ROWS, _url_values

PACKAGE = Path(__file__).resolve().parent.parent / "peerreview"


def _login_body(fields: int) -> str:
    extra = "&".join(f"f{i}=1" for i in range(fields - 2))
    return f"email=dora%40example.org&password=wrong&{extra}"


def test_an_url_encoded_form_with_too_many_fields_is_refused(app, client):
    limit = app.config["MAX_FORM_PARTS"]
    body = "a=1&" * 700_000  # 2.8 MB: within MAX_CONTENT_LENGTH, far above the field cap
    assert len(body) < app.config["MAX_CONTENT_LENGTH"]
    r = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 413
    assert f"A form may have at most {limit} fields." in r.get_data(as_text=True)
    one_too_many = client.post("/login", data=_login_body(limit + 1),
                               content_type="application/x-www-form-urlencoded")
    assert one_too_many.status_code == 413


def test_an_url_encoded_form_at_the_cap_is_read(app, client):
    r = client.post("/login", data=_login_body(app.config["MAX_FORM_PARTS"]),
                    content_type="application/x-www-form-urlencoded")
    assert r.status_code == 422 and "The e-mail address or the password is not correct." in r.get_data(as_text=True)


def test_a_multipart_form_with_too_many_fields_is_refused_too(app, client):
    data = {f"f{i}": "1" for i in range(app.config["MAX_FORM_PARTS"] + 1)}
    r = client.post("/login", data=data, content_type="multipart/form-data")
    assert r.status_code == 413


def _query_parameters() -> set[str]:
    """Every query parameter the application reads, found in its source (so new ones are covered)."""
    names = set()
    for path in PACKAGE.rglob("*.py"):
        names.update(re.findall(r"request\.args\.get\(\s*[\"'](\w+)[\"']", path.read_text()))
    return names


HOSTILE_NUMBERS = ["9223372036854775808", "99999999999999999999999999", "-9223372036854775809", "2147483648",
                   "0", "-1", "1e9", "NaN", "0x10", "１２", "9" * 5000]


def test_the_query_parameters_found_include_the_numeric_ones():
    assert {"cycle", "page", "year", "indicator"} <= _query_parameters()


@pytest.mark.parametrize("role", ["secretariat", "delegate_own", "reviewer_assigned"])
def test_huge_or_garbled_numbers_in_query_strings_never_crash(app, client, login, world, role):
    login(world.users()[role])
    gets = [row for row in ROWS if row["method"] == "GET"]
    names = _query_parameters()
    for value in HOSTILE_NUMBERS:
        for row in gets:
            rule = next(r for r in app.url_map.iter_rules() if r.endpoint == row["endpoint"])
            url = url_for(row["endpoint"], **_url_values(world, rule, row["objects"]))
            response = client.get(url, query_string=dict.fromkeys(names, value))
            assert response.status_code < 500, f"{url} with {value[:25]!r}: {response.status_code}"


def test_the_audit_log_ignores_a_cycle_id_no_database_can_hold(client, login, world):
    login(world.secretariat)
    for value in ("9223372036854775808", "2147483648", "-5", "abc"):
        r = client.get("/audit/", query_string={"cycle": value})
        assert r.status_code == 200, value
        assert client.get("/audit/export.csv", query_string={"cycle": value}).status_code == 200, value
