"""The OpenAPI 3.1 document is true: every route is in it, every answer fits it, schemathesis agrees."""
from __future__ import annotations

import re

import schemathesis
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from peerreview.api.schemas import API_PREFIX, openapi_document
from tests.api_helpers import bearer, make_token


def _api_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API_PREFIX + "/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len(API_PREFIX):])
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                yield path, method.lower()


def test_every_api_route_is_documented_and_every_documented_route_exists(app):
    document = openapi_document()
    routes = set(_api_rules(app))
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes == documented
    assert document["openapi"] == "3.1.0"


def test_the_document_is_valid_openapi_3_1_and_served(client):
    from openapi_spec_validator import validate

    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    validate(served.get_json())
    for schema in served.get_json()["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def _documented_schema(document: dict, path: str, method: str, status: int) -> dict:
    responses = document["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} answered {status}, which is not documented"
    content = responses[str(status)]["content"]
    media = next(iter(content))
    return {**content[media]["schema"], "components": document["components"]}


def test_answers_of_every_read_endpoint_fit_the_document(client, world):
    """Each GET as the secretariat, a delegate, without a token and for a missing object."""
    document = openapi_document()
    world.published_report.kind = "synthesis"
    from peerreview.extensions import db
    db.session.commit()
    tokens = {"secretariat": make_token(world.secretariat), "delegate": make_token(world.delegate)}
    ids = {"framework_id": world.framework.id, "cycle_id": world.cycle.id, "submission_id": world.own_submission.id,
           "version_id": world.published_report.versions[0].id}
    checked = 0
    for path, item in document["paths"].items():
        if "get" not in item:
            continue
        for who, object_ids in (("secretariat", ids), ("delegate", ids), ("nobody", ids),
                                ("secretariat", dict.fromkeys(ids, 999999))):
            url = API_PREFIX + path.format(**object_ids)
            response = client.get(url, headers=bearer(tokens[who]) if who in tokens else {})
            schema = _documented_schema(document, path, "get", response.status_code)
            if response.is_json:
                Draft202012Validator(schema).validate(response.get_json())
            checked += 1
    assert checked >= 60


EXAMPLES_PER_OPERATION = 15


def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_document(app, world):
    """schemathesis against the app through WSGI, with the secretariat's token: a fixed number of examples per
    operation, derandomized (the same cases every run), checked for 5xx and for answers outside the document."""
    from peerreview.extensions import db

    world.published_report.kind = "synthesis"  # so that the SDMX endpoints answer 200 for this cycle
    db.session.commit()
    headers = bearer(make_token(world.secretariat, "read submit"))
    schema = schemathesis.openapi.from_wsgi(f"{API_PREFIX}/openapi.json", app)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    # Every operation but the document itself, which schemathesis leaves out.
    assert {o.label for o in operations} == {f"{method.upper()} {path}" for path, item in
                                             openapi_document()["paths"].items() for method in item} - {
        "GET /openapi.json"}
    statuses: set[int] = set()

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            response = case.call_and_validate(headers=headers, checks=checks)
            statuses.add(response.status_code)

        run()
    assert {200, 404} <= statuses
