"""Every URL rule, every role, from docs/access-matrix.md."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import url_for

MATRIX = Path(__file__).resolve().parent.parent / "docs" / "access-matrix.md"
ROLES = ["anonymous", "delegate_own", "delegate_other", "reviewer_assigned", "reviewer_unassigned",
         "secretariat", "secretariat_other"]


def parse_matrix() -> list[dict]:
    rows = []
    for line in MATRIX.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith("| endpoint") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        endpoint, method, objects, *answers = cells
        assert len(answers) == len(ROLES), line
        rows.append({"endpoint": endpoint, "method": method, "objects": objects,
                     "answers": dict(zip(ROLES, answers, strict=True))})
    return rows


ROWS = parse_matrix()


def test_every_endpoint_and_method_has_a_row(app):
    covered = {(r["endpoint"], r["method"]) for r in ROWS}
    missing = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (rule.endpoint, method) not in covered:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "Endpoints without a row in docs/access-matrix.md: " + ", ".join(missing)


def test_no_row_names_an_unknown_endpoint(app):
    known = {(rule.endpoint, m) for rule in app.url_map.iter_rules() for m in rule.methods}
    unknown = [(r["endpoint"], r["method"]) for r in ROWS if (r["endpoint"], r["method"]) not in known]
    assert not unknown


def _first_flag_id() -> int:
    from sqlalchemy import select

    from peerreview.extensions import db
    from peerreview.reports.models import FactualFlag

    return db.session.scalar(select(FactualFlag.id))


def _url_values(world, rule, objects: str) -> dict:
    choice = dict(part.split("=") for part in objects.split()) if objects else {}
    submissions = {"own": world.own_submission, "other": world.other_submission}
    comments = {"shared": world.shared_comment, "internal": world.internal_comment, "other": world.other_comment}
    reports = {"published": world.published_report, "draft": world.draft_report}
    users = {"other_delegate": world.other_delegate, "secretariat": world.secretariat,
             "other_secretariat": world.other_secretariat, "reviewer": world.reviewer}
    organisations = {"own": world.own_org, "other": world.other_org}
    values = {
        "cycle_id": world.cycle.id,
        "submission_id": submissions[choice.get("submission", "own")].id,
        "organisation_id": organisations[choice.get("organisation", "own")].id,
        "framework_id": world.framework.id,
        "indicator_id": world.indicator.id,
        "area_id": world.indicator.area_id,
        "user_id": users[choice.get("user", "other_delegate")].id,
        "grant_id": next((g.id for g in users[choice.get("user", "other_delegate")].grants), 0),
        "assignment_id": world.assignment.id,
        "comment_id": comments[choice.get("comment", "shared")].id,
        "report_id": reports[choice.get("report", "published")].id,
        "document_id": world.document.id,
        "version_id": world.published_report.versions[0].id,
        "flag_id": _first_flag_id(),
        "subject_key": 0,
        "token": "not-a-valid-token",
        "token_id": 999999,
        "breakdown": "_T",
        "year": world.cycle.last_year,
        "filename": "css/app.css",
    }
    return {name: values[name] for name in rule.arguments}


CASES = [(row, role) for row in ROWS for role in ROLES]


@pytest.mark.parametrize(("row", "role"), CASES,
                         ids=[f"{r['method']} {r['endpoint']} {r['objects']} as {role}".replace("  ", " ")
                              for r, role in CASES])
def test_access(app, client, login, world, row, role):
    """Each role acts on a freshly built world, so an earlier POST cannot change the answer."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == row["endpoint"])
    url = url_for(row["endpoint"], **_url_values(world, rule, row["objects"]))
    user = world.users()[role]
    if user is not None:
        login(user)
    response = client.open(url, method=row["method"], data={})
    got = str(response.status_code)
    if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
        got = "login"
    assert got == row["answers"][role], f"{row['method']} {url} as {role}"


def test_guessed_ids_of_missing_objects_answer_404(client, login, world):
    login(world.secretariat)
    for url in ("/submissions/999999", "/cycles/999999", "/reports/999999/download", "/frameworks/999999",
                "/submissions/99999999999999999999999", "/cycles/2147483648"):
        assert client.get(url).status_code == 404, url
    assert client.post("/comments/999999/reply", data={"body": "x"}).status_code == 404


def test_matrix_mentions_every_role_column():
    header = next(line for line in MATRIX.read_text().splitlines() if line.startswith("| endpoint"))
    assert re.findall(r"\| (\S+)", header)[3:] == ["anon", "del-own", "del-other", "rev-assigned",
                                                     "rev-unassigned", "sec", "sec-other"]
