"""Hand-made requests with odd values never crash the server (no 500)."""
import pytest
from flask import url_for

from tests.test_access_matrix import ROWS, _url_values

FIELDS = ["name", "short_name", "country", "kind", "email", "password", "confirm", "role", "organisation_id",
          "network_id", "title", "theme", "framework_id", "host_organisation_id", "kickoff_place",
          "kickoff_start", "kickoff_end", "first_year", "last_year", "submission_deadline", "review_deadline",
          "reporting_deadline", "version", "target", "code", "unit", "direction", "decimals", "min_value",
          "max_value", "area_id", "dimensions", "definition", "description", "reviewer_id", "anchor", "body",
          "visibility", "reason", "kind", "active", "then"]
ODD_VALUES = ["", "0", "-1", "99999999999999999999999", "NaN", "<script>alert(1)</script>", "1/2/3",
              "٣", "\u202eevil", "x" * 3000, "9999-99-99"]


@pytest.mark.parametrize("role", ["secretariat", "delegate_own", "reviewer_assigned"])
def test_post_endpoints_survive_odd_values(app, client, login, world, role):
    login(world.users()[role])
    posts = [row for row in ROWS if row["method"] == "POST" and row["endpoint"] != "auth.logout"]
    for value in ODD_VALUES:
        for row in posts:
            rule = next(r for r in app.url_map.iter_rules() if r.endpoint == row["endpoint"])
            url = url_for(row["endpoint"], **_url_values(world, rule, row["objects"]))
            data = dict.fromkeys(FIELDS, value)
            data.update({f"v-{world.indicator.id}-_T-2024": value, "kickoff_start": [value, value]})
            response = client.post(url, data=data)
            assert response.status_code < 500, f"{url} with {value[:20]!r}: {response.status_code}"
            if "/login" in response.headers.get("Location", "") or row["endpoint"] == "auth.login":
                login(world.users()[role])  # some odd values sign the user out; sign in again


def test_comment_anchor_with_a_huge_id_is_refused_cleanly(client, login, world):
    login(world.reviewer)
    r = client.post(f"/submissions/{world.own_submission.id}/comments", data={
        "anchor": "99999999999999999999999/_T/2024", "body": "x", "visibility": "shared"})
    assert r.status_code == 422 and "Choose a value of this submission." in r.get_data(as_text=True)
