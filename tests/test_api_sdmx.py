"""SDMX-CSV export of a cycle's published values, read back with sdmx1 through the structure message."""
from __future__ import annotations

import io
from decimal import Decimal

import sdmx

from peerreview.extensions import db
from tests.api_helpers import bearer, make_token
from tests.factories import ValueFactory


def _publish_synthesis(world):
    world.published_report.kind = "synthesis"
    world.published_report.organisation_id = None
    db.session.commit()


def _flagged_world(world):
    """Beside the two totals of 2024: breakdowns, flags, a confidential value and a draft."""
    own, other, indicator = world.own_submission.id, world.other_submission.id, world.indicator.id
    ValueFactory(submission_id=own, indicator_id=indicator, breakdown="SEX_F", value=Decimal("41.25"),
                 flag="estimated", note="Register data, estimated for December")
    ValueFactory(submission_id=own, indicator_id=indicator, breakdown="Y_GE50", value=Decimal("38"),
                 flag="break_in_series")
    ValueFactory(submission_id=own, indicator_id=indicator, breakdown="_T", year=2023, value=None,
                 flag="not_available")
    ValueFactory(submission_id=other, indicator_id=indicator, breakdown="SEX_M", value=Decimal("77.7"),
                 flag="confidential")
    ValueFactory(submission_id=other, indicator_id=indicator, breakdown="_T", year=2023, value=Decimal("49"),
                 flag="provisional")
    db.session.commit()


def test_the_export_reads_back_with_sdmx1_through_the_structure(client, world):
    _publish_synthesis(world)
    _flagged_world(world)
    cycle = world.cycle.id
    structure = client.get(f"/api/v1/cycles/{cycle}/sdmx/structure.xml")
    data = client.get(f"/api/v1/cycles/{cycle}/sdmx/data.csv")
    assert structure.status_code == 200 and data.status_code == 200
    assert data.headers["Content-Type"].startswith("application/vnd.sdmx.data+csv; version=2.0.0")

    message = sdmx.read_sdmx(io.BytesIO(structure.data))
    dataflow = message.dataflow[f"DF_PEERREVIEW_{cycle}"]
    dsd = message.structure[f"DSD_PEERREVIEW_{cycle}"]
    assert [d.id for d in dsd.dimensions.components] == ["REF_AREA", "INDICATOR", "SEX", "AGE", "EDUCATION_LEV",
                                                         "TIME_PERIOD"]
    assert {c.id: str(c.name) for c in message.codelist[f"CL_REF_AREA_{cycle}"]} == {
        "DE": "Bundesagentur für Arbeit", "JP": "Hello Work"}
    dataflow.structure = dsd
    read = sdmx.read_sdmx(io.BytesIO(data.data), format="csv", structure=dataflow)
    observations = {}
    for dataset in read.data:
        for obs in dataset.obs:
            key = tuple(obs.dimension.values[d].value for d in ("REF_AREA", "INDICATOR", "SEX", "AGE",
                                                                 "EDUCATION_LEV", "TIME_PERIOD"))
            observations[key] = (obs.value, obs.attached_attribute["OBS_STATUS"].value,
                                 obs.attached_attribute["COMMENT_OBS"].value)
    assert observations == {
        ("DE", "1a", "_T", "_T", "_T", "2024"): ("40.5", "A", ""),
        ("DE", "1a", "F", "_T", "_T", "2024"): ("41.25", "E", "Register data, estimated for December"),
        ("DE", "1a", "_T", "Y_GE50", "_T", "2024"): ("38", "B", ""),
        ("DE", "1a", "_T", "_T", "_T", "2023"): ("", "L", ""),
        ("JP", "1a", "_T", "_T", "_T", "2024"): ("50.1", "A", ""),
        ("JP", "1a", "_T", "_T", "_T", "2023"): ("49", "P", ""),
    }
    # Every code used in the data is in the structure's code lists.
    for dimension in ("REF_AREA", "INDICATOR", "SEX", "AGE", "EDUCATION_LEV"):
        codelist = dsd.dimensions.get(dimension).local_representation.enumerated
        assert {key[("REF_AREA", "INDICATOR", "SEX", "AGE", "EDUCATION_LEV").index(dimension)]
                for key in observations} <= {code.id for code in codelist}


def test_confidential_values_and_drafts_never_leave(client, world):
    _publish_synthesis(world)
    _flagged_world(world)
    world.other_submission.status = "draft"
    db.session.commit()
    text = client.get(f"/api/v1/cycles/{world.cycle.id}/sdmx/data.csv").get_data(as_text=True)
    assert "77.7" not in text and "50.1" not in text and ",JP," not in text
    assert "40.5" in text


def test_no_export_until_the_synthesis_report_is_public(client, world):
    # The world's published report is a feedback report; the synthesis is not published.
    token = make_token(world.secretariat)
    for path in ("data.csv", "structure.xml"):
        answer = client.get(f"/api/v1/cycles/{world.cycle.id}/sdmx/{path}", headers=bearer(token))
        assert answer.status_code == 404
        assert answer.content_type == "application/problem+json"
    _publish_synthesis(world)
    assert client.get(f"/api/v1/cycles/{world.cycle.id}/sdmx/data.csv").status_code == 200


def test_the_public_reports_page_links_the_export_of_a_published_synthesis(client, world):
    assert "sdmx" not in client.get("/reports").get_data(as_text=True)
    _publish_synthesis(world)
    page = client.get("/reports").get_data(as_text=True)
    assert f'href="/api/v1/cycles/{world.cycle.id}/sdmx/data.csv"' in page
    assert f'href="/api/v1/cycles/{world.cycle.id}/sdmx/structure.xml"' in page


def test_a_pes_shown_under_a_code_is_exported_under_that_code_only(client, world):
    from peerreview.reports.texts import choose_naming

    _publish_synthesis(world)
    choose_naming(world.secretariat, world.other_submission, anonymous=True, version=None)
    db.session.commit()
    text = client.get(f"/api/v1/cycles/{world.cycle.id}/sdmx/data.csv").get_data(as_text=True)
    structure = client.get(f"/api/v1/cycles/{world.cycle.id}/sdmx/structure.xml").get_data(as_text=True)
    assert ",PES_01,1a," in text and ",JP," not in text
    assert "Hello Work" not in structure and "PES 01" in structure and "Bundesagentur für Arbeit" in structure


def test_a_withdrawn_version_is_listed_but_not_served(client, world):
    version = world.published_report.versions[0]
    version.state, version.state_reason = "withdrawn", "Wrong figures for 2023"
    db.session.commit()
    token = bearer(make_token(world.secretariat))
    listed = client.get(f"/api/v1/reports/{version.id}", headers=token).get_json()
    assert (listed["state"], listed["state_reason"], listed["pdf"]) == ("withdrawn", "Wrong figures for 2023", None)
    assert client.get(f"/api/v1/reports/{version.id}/pdf", headers=token).status_code == 404
    assert client.get(f"/api/v1/reports/{version.id}", headers=bearer(make_token(world.delegate))).status_code == 404
