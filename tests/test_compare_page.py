"""The indicator comparison page: every participant, spread, ranks, change, one rounding rule."""
from decimal import Decimal

import pytest

from peerreview.errors import ValidationFailed
from peerreview.extensions import db as _db
from peerreview.reports import services
from tests.factories import OrganisationFactory, SubmissionFactory, ValueFactory
from tests.test_query_counts import counted


def _page(client, world, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    response = client.get(f"/cycles/{world.cycle.id}/compare?{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_every_participant_with_rank_change_and_spread(client, login, world, db):
    ValueFactory(submission_id=world.own_submission.id, indicator_id=world.indicator.id, year=2023,
                 value=Decimal("38"))
    drafting = OrganisationFactory(name="Service Canada", short_name="SC", country="CA", network=world.network)
    SubmissionFactory(cycle=world.cycle, organisation=drafting, status="draft")
    db.session.commit()
    login(world.delegate)
    html = _page(client, world, indicator=world.indicator.id, year=2024)
    # 40.5 and 50.1: median 45.3, quartiles 42.9 and 47.7 (type 7), minimum 40.5, maximum 50.1
    for figure in ("45.3", "42.9", "47.7", "40.5", "50.1"):
        assert f">{figure}<" in html, figure
    hello, ba, canada = html.index("Hello Work"), html.index("Bundesagentur für Arbeit"), html.index(
        "Service Canada")
    assert hello < ba < canada  # best first; the organisation that has not submitted last
    assert "1 / 2" in html and "2 / 2" in html
    assert "+2.5" in html  # 40.5 - 38
    assert "not submitted" in html
    assert "(yours)" in html
    assert 'data-sortable' in html and "sortable-table.js" in html


def test_the_median_is_rounded_half_up_in_table_and_chart(client, login, world, db):
    from peerreview.submissions.models import IndicatorValue

    values = _db.session.query(IndicatorValue).filter_by(indicator_id=world.indicator.id, year=2024).all()
    for value, new in zip(sorted(values, key=lambda v: v.value), ("48.1", "48.2"), strict=True):
        value.value = Decimal(new)
    db.session.commit()
    login(world.secretariat)
    html = _page(client, world, indicator=world.indicator.id, year=2024)
    assert 'Median</dt><dd class="govuk-summary-list__value">48.2</dd>' in html  # 48.15, half-up
    assert "median 48.2<" in html      # the chart's median label: the same figure


def test_large_numbers_are_grouped(client, login, world, db):
    from peerreview.framework.models import Indicator

    vacancies = _db.session.query(Indicator).filter_by(code="3a", framework_id=world.framework.id).one()
    ValueFactory(submission_id=world.own_submission.id, indicator_id=vacancies.id, year=2024,
                 value=Decimal("144897"))
    db.session.commit()
    login(world.secretariat)
    html = _page(client, world, indicator=vacancies.id, year=2024)
    assert "144,897" in html and "144897<" not in html


@pytest.mark.parametrize("args", [{"indicator": "999999"}, {"year": "1900"}, {"breakdown": "NOPE"},
                                  {"indicator": "x", "year": "y"}])
def test_unknown_choices_fall_back_to_the_first_indicator_and_last_year(client, login, world, args):
    login(world.secretariat)
    html = _page(client, world, **args)
    assert "1a Transitions into employment" in html and "2024" in html


def test_others_cannot_compare(client, login, world):
    login(world.other_secretariat)
    assert client.get(f"/cycles/{world.cycle.id}/compare").status_code == 403
    client.post("/logout")
    assert client.get(f"/cycles/{world.cycle.id}/compare").status_code == 302


def test_the_page_reads_a_fixed_number_of_queries_however_many_participants(client, login, world, db):
    login(world.secretariat)
    url = f"/cycles/{world.cycle.id}/compare?indicator={world.indicator.id}"
    client.get(url)
    with counted(db) as few:
        assert client.get(url).status_code == 200
    for i in range(20):
        org = OrganisationFactory(network=world.network)
        submission = SubmissionFactory(cycle=world.cycle, organisation=org, status="submitted")
        ValueFactory(submission_id=submission.id, indicator_id=world.indicator.id, year=2024,
                     value=Decimal(10 + i))
    db.session.commit()
    with counted(db) as many:
        assert client.get(url).status_code == 200
    assert len(many) <= len(few), f"{len(few)} queries with 2 participants, {len(many)} with 22"


def test_no_feedback_report_for_an_organisation_that_has_not_submitted(world, db):
    world.other_submission.status = "draft"
    db.session.flush()
    with pytest.raises(ValidationFailed) as failed:
        services.render_report(world.secretariat, world.cycle, kind="feedback",
                               organisation_id=world.other_org.id)
    assert "has not submitted" in failed.value.errors["organisation_id"]


def test_the_render_form_offers_only_organisations_that_submitted(client, login, world, db):
    world.other_submission.status = "draft"
    db.session.commit()
    login(world.secretariat)
    response = client.post(f"/cycles/{world.cycle.id}/reports",
                           data={"kind": "feedback", "organisation_id": world.other_org.id})
    assert response.status_code == 302
    page = client.get(f"/cycles/{world.cycle.id}/reports").get_data(as_text=True)
    assert "has not submitted its data yet" in page
    options = page[page.index('id="organisation_id"'):page.index("</select>", page.index('id="organisation_id"'))]
    assert "Bundesagentur" in options and "Hello Work" not in options


def test_publishing_asks_first_and_says_who_will_see_it(client, login, world, db):
    login(world.secretariat)
    manage = client.get(f"/cycles/{world.cycle.id}/reports").get_data(as_text=True)
    assert f"/reports/{world.draft_report.id}/publish" in manage
    page = client.get(f"/reports/{world.draft_report.id}/publish")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Who will see it" in html and "everyone, without signing in" in html and "taking part in the cycle" in html
    assert 'value="network"' in html and 'value="public"' in html
    assert world.draft_report.status == "draft" and world.draft_report.versions == []  # asking changes nothing
    assert client.get(f"/reports/{world.published_report.id}/publish").status_code == 409
    assert client.post(f"/reports/{world.draft_report.id}/publish", data={"tier": "public"}).status_code == 302
    db.session.refresh(world.draft_report)
    assert world.draft_report.tier == "public" and world.draft_report.versions[0].number == 1


def test_a_feedback_report_is_not_published_for_a_submission_returned_meanwhile(world, db):
    from peerreview.errors import Conflict

    world.other_submission.status = "draft"  # the draft report in the world is the other organisation's
    db.session.flush()
    with pytest.raises(Conflict, match="no longer submitted"):
        services.publish_report(world.secretariat, world.draft_report, tier="network")
    assert world.draft_report.status == "draft" and world.draft_report.release_to is None
    world.other_submission.status = "submitted"
    db.session.flush()
    assert services.publish_report(world.secretariat, world.draft_report, tier="network").release_to == "network"
