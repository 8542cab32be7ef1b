"""A value flagged confidential is never shown to another organisation (issue 7, item 4).

Hello Work's 1a Total 2024 is 77.7, flagged confidential; the Bundesagentur's 66.6 is confidential too.
Every page, statistic, chart and report another organisation (or a reviewer from one) reads is searched
for those numbers. Each test fails if the one filter (benchmarking.values_others_may_see) lets them through.
"""
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from peerreview.extensions import db
from peerreview.reports.print_data import feedback_context, feedback_csv, synthesis_context, synthesis_csv
from peerreview.reviews.cells import network_context
from peerreview.submissions import services
from peerreview.submissions.benchmarking import breakdown_values, total_values
from tests.factories import OrganisationFactory, SubmissionFactory, ValueFactory
from tests.test_reports import _without_published_report, rendered

SECRETS = ("77.7", "77,7", "66.6", "66,6")


@pytest.fixture()
def secret_world(world):
    ind = world.indicator.id
    theirs = services.value_map(world.other_submission.id)[(ind, "_T", 2024)]
    theirs.value, theirs.flag = Decimal("77.7"), "confidential"
    ours = services.value_map(world.own_submission.id)[(ind, "_T", 2024)]
    ours.value, ours.flag = Decimal("66.6"), "confidential"
    ValueFactory(submission_id=world.other_submission.id, indicator_id=ind, breakdown="SEX_F", year=2024,
                 value=Decimal("77.7"), flag="confidential")
    third = SubmissionFactory(cycle=world.cycle, organisation=OrganisationFactory(
        name="Service Canada", short_name="SC", country="CA", network=world.network), status="submitted")
    ValueFactory(submission_id=third.id, indicator_id=ind, year=2024, value=Decimal("30.2"))
    ValueFactory(submission_id=third.id, indicator_id=ind, year=2023, value=None, flag="not_available")
    db.session.commit()
    return world


def _clean(text: str) -> bool:
    return not any(secret in text for secret in SECRETS)


def test_statistics_count_only_what_others_may_see(secret_world):
    w = secret_world
    assert set(total_values(w.cycle.id).values()) == {Decimal("30.2")}
    assert breakdown_values(w.cycle.id, 2024) == {}
    context = network_context(w.own_submission, w.indicator.id, "_T", 2024)
    assert (context.n, context.median) == (1, Decimal("30.2"))


def test_the_comparison_shows_confidential_without_the_number_except_to_its_owner(client, login, secret_world):
    w = secret_world
    url = f"/cycles/{w.cycle.id}/compare?indicator={w.indicator.id}&year=2024"
    for person in (w.reviewer, w.secretariat):
        login(person)
        html = client.get(url).get_data(as_text=True)
        assert _clean(html) and "confidential" in html, person.name
    login(w.other_delegate)
    html = client.get(url).get_data(as_text=True)
    assert "77.7" in html and "shown only to you" in html and "66.6" not in html
    login(w.delegate)
    html = client.get(f"/cycles/{w.cycle.id}/compare?indicator={w.indicator.id}&year=2023").get_data(as_text=True)
    assert "not available" in html


def test_profiles_never_show_a_confidential_value(client, login, secret_world):
    w = secret_world
    login(w.delegate)
    for org in (w.other_org, w.own_org):
        html = client.get(f"/cycles/{w.cycle.id}/profile/{org.id}").get_data(as_text=True)
        assert _clean(html), org.name


def test_reviewers_see_that_a_value_is_confidential_not_the_value(client, login, secret_world):
    w = secret_world
    ind = w.indicator.id
    login(w.reviewer)
    page = client.get(f"/submissions/{w.own_submission.id}").get_data(as_text=True)
    assert _clean(page) and '<span class="pr-flag">confidential</span>' in page
    cell = client.get(f"/submissions/{w.own_submission.id}/cells/{ind}/_T/2024").get_data(as_text=True)
    assert _clean(cell) and "confidential" in cell
    for person in (w.delegate, w.secretariat):
        login(person)
        page = client.get(f"/submissions/{w.own_submission.id}").get_data(as_text=True)
        assert "66.6" in page and "(confidential)" in page


def test_reports_leave_confidential_values_out(app, secret_world):
    w = secret_world
    with app.test_request_context():
        for context in (synthesis_context(w.cycle), feedback_context(w.cycle, w.own_org),
                        feedback_context(w.cycle, w.other_org)):
            assert _clean(str(context))
    assert _clean(synthesis_csv(w.cycle).decode()) and _clean(feedback_csv(w.cycle, w.own_org).decode())


def test_the_synthesis_pdf_text_has_no_confidential_value(secret_world):
    _without_published_report(secret_world)
    report = rendered(secret_world, kind="synthesis")
    reader = PdfReader(io.BytesIO(report.pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Service Canada" in text and "30.2" in text
    assert _clean(text)
    assert _clean(reader.attachments["synthesis-data.csv"][0].decode())
