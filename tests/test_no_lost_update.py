"""No lost update, ever, and no needless conflict: two real sessions on one submission (issue 7, findings 1-2).

Each tab is a test client signed in as its own person. The app is one of its own (tests/scratch_db.py, a
file for SQLite or a schema on PostgreSQL), so every request runs in its own application context and
database session, as in a real server (the default test app's outer context would share `g` and the
session between the two clients).
"""
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from peerreview.extensions import db
from peerreview.submissions import services
from peerreview.submissions.narratives import narratives_for
from tests.conftest import DEMO_PASSWORD, _serve
from tests.factories import AreaFactory, CycleFactory, IndicatorFactory, SubmissionFactory, UserFactory, ValueFactory
from tests.scratch_db import scratch_database

ORIGINAL = re.compile(r'name="o-(v-[^"]+)" value="([^"]*)"')
NARRATIVE_VERSION = re.compile(r'name="(n[vh]-\d+)" value="(\w+)"')


def _session(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def _loaded_form(client, url: str) -> dict[str, str]:
    """What a browser sends back untouched: every cell with the value it was loaded with."""
    html = client.get(url).get_data(as_text=True)
    loaded = dict(ORIGINAL.findall(html))
    return {**loaded, **{f"o-{cell}": value for cell, value in loaded.items()}}


@pytest.fixture(scope="module")
def tabs_app():
    with scratch_database("tabs") as (url, options):
        yield from _serve(url, options)


class Ids:
    def __init__(self, **ids):
        self.__dict__.update(ids)


@pytest.fixture()
def two_tabs(tabs_app):
    with tabs_app.app_context():
        cycle = CycleFactory(status="open")
        area_c = AreaFactory(framework=cycle.framework, code="C", name="Transitions")
        area_d = AreaFactory(framework=cycle.framework, code="D", name="Employers")
        ind = IndicatorFactory(framework=cycle.framework, area=area_c, code="1a", dimensions="sex", decimals=1)
        submission = SubmissionFactory(cycle=cycle)
        alice = UserFactory(network=cycle.network, organisation=submission.organisation, name="Alice Statistician")
        bob = UserFactory(network=cycle.network, organisation=submission.organisation, name="Bob Analyst")
        ValueFactory(submission_id=submission.id, indicator_id=ind.id, breakdown="_T", year=2022, value=Decimal("40"))
        db.session.commit()
        ids = (Ids(id=submission.id), Ids(id=ind.id), (Ids(id=area_c.id), Ids(id=area_d.id)))
        alice, bob = alice.email, bob.email
    return (*ids, _session(tabs_app, alice), _session(tabs_app, bob), tabs_app)


def stored(app, submission_id: int) -> dict:
    with app.app_context():
        return {key: Decimal(v.value) for key, v in services.value_map(submission_id).items()}


def texts(app, submission_id: int) -> dict:
    with app.app_context():
        return {area_id: n.body for area_id, n in narratives_for(submission_id).items()}


def test_finding_1_a_stale_tab_never_puts_its_old_value_back(two_tabs):
    submission, ind, _areas, tab_a, tab_b, app = two_tabs
    url = f"/submissions/{submission.id}/edit"
    form_a, form_b = _loaded_form(tab_a, url), _loaded_form(tab_b, url)
    total_2022, women_2024 = f"v-{ind.id}-_T-2022", f"v-{ind.id}-SEX_F-2024"
    assert form_a[total_2022] == "40" and form_a[f"o-{total_2022}"] == "40"

    # Tab B changes 1a Total 2022 and saves.
    assert tab_b.post(url, data={**form_b, total_2022: "41,5"}).status_code == 302
    # Tab A changes a different cell and saves the whole (stale) form: saved at once, no conflict...
    answer = tab_a.post(url, data={**form_a, women_2024: "20"})
    assert answer.status_code == 302
    # ...and B's value is not put back.
    values = stored(app, submission.id)
    assert values[(ind.id, "_T", 2022)] == Decimal("41.5")
    assert values[(ind.id, "SEX_F", 2024)] == Decimal("20")


def test_the_same_cell_changed_in_both_tabs_is_offered_with_both_values(two_tabs):
    submission, ind, _areas, tab_a, tab_b, app = two_tabs
    url = f"/submissions/{submission.id}/edit"
    form_a, form_b = _loaded_form(tab_a, url), _loaded_form(tab_b, url)
    total_2022, men_2023 = f"v-{ind.id}-_T-2022", f"v-{ind.id}-SEX_M-2023"
    assert tab_b.post(url, data={**form_b, total_2022: "41.5"}).status_code == 302

    answer = tab_a.post(url, data={**form_a, total_2022: "39", men_2023: "7"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200  # the rest of the save stands (an error status would roll it back)
    assert "Changed by someone else" in html and "Changed by Bob Analyst" in html
    assert "1a Total 2022" in html and "Keep theirs: 41.5" in html and "Keep yours: 39" in html
    values = stored(app, submission.id)
    assert values[(ind.id, "_T", 2022)] == Decimal("41.5")
    assert values[(ind.id, "SEX_M", 2023)] == Decimal("7")
    # The choice form carries B's value as the starting point: choosing "yours" writes 39 deliberately.
    assert f'name="o-{total_2022}" value="41.5"' in html
    assert f'name="anchor" value="ind-{ind.id}"' in html  # back to the indicator after choosing
    chosen = tab_a.post(url, data={f"o-{total_2022}": "41.5", total_2022: "39", "anchor": f"ind-{ind.id}"})
    assert chosen.status_code == 302 and chosen.headers["Location"].endswith(f"#ind-{ind.id}")
    assert stored(app, submission.id)[(ind.id, "_T", 2022)] == Decimal("39")


def test_keeping_theirs_writes_nothing(two_tabs):
    submission, ind, _areas, tab_a, tab_b, app = two_tabs
    url = f"/submissions/{submission.id}/edit"
    form_a, form_b = _loaded_form(tab_a, url), _loaded_form(tab_b, url)
    total_2022 = f"v-{ind.id}-_T-2022"
    tab_b.post(url, data={**form_b, total_2022: "41.5"})
    tab_a.post(url, data={**form_a, total_2022: "39"})
    assert tab_a.post(url, data={f"o-{total_2022}": "41.5", total_2022: "41.5"}).status_code == 302
    assert stored(app, submission.id)[(ind.id, "_T", 2022)] == Decimal("41.5")


def test_errors_and_conflicts_are_reported_together_and_the_rest_saved(two_tabs):
    submission, ind, _areas, tab_a, tab_b, app = two_tabs
    url = f"/submissions/{submission.id}/edit"
    form_a, form_b = _loaded_form(tab_a, url), _loaded_form(tab_b, url)
    total_2022 = f"v-{ind.id}-_T-2022"
    tab_b.post(url, data={**form_b, total_2022: "41.5"})
    answer = tab_a.post(url, data={**form_a, total_2022: "39", f"v-{ind.id}-SEX_F-2022": "lots",
                                   f"v-{ind.id}-SEX_M-2022": "3"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "1 value(s) saved. 1 value(s) need correcting" in html and 'value="lots"' in html
    assert "Keep yours: 39" in html
    assert stored(app, submission.id)[(ind.id, "SEX_M", 2022)] == Decimal("3")


def test_after_a_save_the_page_returns_to_the_indicator(two_tabs):
    submission, ind, _areas, tab_a, _tab_b, _app = two_tabs
    url = f"/submissions/{submission.id}/edit"
    answer = tab_a.post(url, data={f"v-{ind.id}-_T-2023": "1", "anchor": f"ind-{ind.id}"})
    assert answer.headers["Location"].endswith(f"#ind-{ind.id}")
    # Only ids of the form's own making: anything else is dropped, never echoed into the URL.
    answer = tab_a.post(url, data={f"v-{ind.id}-_T-2023": "2", f"o-v-{ind.id}-_T-2023": "1",
                                   "anchor": "x\"><script>"})
    assert answer.status_code == 302 and "#" not in answer.headers["Location"]
    html = tab_a.get(url).get_data(as_text=True)
    assert 'class="pr-return-anchor"' in html and "js/value-form.js" in html


def test_finding_2_texts_and_values_never_block_each_other(two_tabs):
    submission, ind, (area_c, area_d), tab_a, tab_b, app = two_tabs
    texts_url, values_url = f"/submissions/{submission.id}/narratives", f"/submissions/{submission.id}/edit"
    html = tab_a.get(texts_url).get_data(as_text=True)
    versions = dict(NARRATIVE_VERSION.findall(html))
    assert versions[f"nv-{area_c.id}"] == "0" and versions[f"nv-{area_d.id}"] == "0"
    # Tab B saves values and the text of area D; tab A then saves the text of area C from its old page.
    form_b = _loaded_form(tab_b, values_url)
    assert tab_b.post(values_url, data={**form_b, f"v-{ind.id}-_T-2024": "5"}).status_code == 302
    assert tab_b.post(texts_url, data={**versions, f"narrative-{area_d.id}": "B on employers"}).status_code == 302
    answer = tab_a.post(texts_url, data={**versions, f"narrative-{area_c.id}": "A on transitions",
                                         f"narrative-{area_d.id}": ""})
    assert answer.status_code == 302
    saved = texts(app, submission.id)
    assert saved[area_c.id] == "A on transitions" and saved[area_d.id] == "B on employers"


def test_the_same_text_changed_in_both_tabs_is_offered_and_the_typed_text_kept(two_tabs):
    submission, _ind, (area_c, area_d), tab_a, tab_b, app = two_tabs
    url = f"/submissions/{submission.id}/narratives"
    versions = dict(NARRATIVE_VERSION.findall(tab_a.get(url).get_data(as_text=True)))
    tab_b.post(url, data={**versions, f"narrative-{area_c.id}": "B's text"})
    answer = tab_a.post(url, data={**versions, f"narrative-{area_c.id}": "A's text",
                                   f"narrative-{area_d.id}": "A on D"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Bob Analyst changed this text after you opened the page" in html
    assert "B&#39;s text" in html and "A&#39;s text</textarea>" in html  # theirs shown, yours kept in the box
    assert f'name="nv-{area_c.id}" value="1"' in html  # saving again is a deliberate choice
    assert texts(app, submission.id)[area_d.id] == "A on D"  # the other area is saved
    # Keep theirs: the area is left out of the save.
    kept = tab_a.post(url, data={f"nv-{area_c.id}": "1", f"narrative-{area_c.id}": "A's text",
                                 f"keep-{area_c.id}": "theirs"})
    assert kept.status_code == 302
    assert texts(app, submission.id)[area_c.id] == "B's text"
    # Keep mine: saved from the version now shown.
    mine = tab_a.post(url, data={f"nv-{area_c.id}": "1", f"narrative-{area_c.id}": "A's text",
                                 f"keep-{area_c.id}": "yours"})
    assert mine.status_code == 302
    assert texts(app, submission.id)[area_c.id] == "A's text"


def test_a_text_too_long_keeps_everything_typed(two_tabs):
    submission, _ind, (area_c, area_d), tab_a, _tab_b, _app = two_tabs
    url = f"/submissions/{submission.id}/narratives"
    answer = tab_a.post(url, data={f"nv-{area_c.id}": "0", f"narrative-{area_c.id}": "x" * 20_001,
                                   f"nv-{area_d.id}": "0", f"narrative-{area_d.id}": "kept text"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "Use at most 20000 characters" in html and "kept text</textarea>" in html


def test_guidance_beside_each_indicator_and_areas_in_framework_order(client, login, db):
    """Finding 5: definitions and units beside the rows, ranges in words, areas A, B, C... not C, E, D, B, A."""
    from peerreview.extensions import db as _db

    cycle = CycleFactory(status="open")
    areas = {code: AreaFactory(framework=cycle.framework, code=code, name=f"Area {code}") for code in "ABCDE"}
    for position, (code, area, low, high, decimals) in enumerate([
            ("1a", "C", 0, 100, 1), ("4a", "E", 0, None, 0), ("3a", "D", None, 10, 2), ("2b", "B", None, None, 1),
            ("5a", "A", 0, 100, 1)]):
        IndicatorFactory(framework=cycle.framework, area=areas[area], code=code, position=position, dimensions="",
                         unit="%" if high == 100 else "persons", decimals=decimals,
                         min_value=None if low is None else Decimal(low),
                         max_value=None if high is None else Decimal(high), definition=f"Definition of {code}.")
    submission = SubmissionFactory(cycle=cycle)
    delegate = UserFactory(network=cycle.network, organisation=submission.organisation)
    _db.session.commit()
    login(delegate)
    html = client.get(f"/submissions/{submission.id}/edit").get_data(as_text=True)
    headings = re.findall(r'<h2 class="govuk-heading-m">(\w) Area', html)
    assert headings == ["A", "B", "C", "D", "E"]
    assert "<strong>4a</strong>: Definition of 4a." in html
    assert "(unit: %, valid: 0 to 100, at most 1 decimal place)" in html
    assert "(unit: persons, valid: 0 or more, whole numbers)" in html
    assert "(unit: persons, valid: 10 or less, at most 2 decimal places)" in html
    assert "(unit: persons, at most 1 decimal place)" in html
    assert "…" not in html


def test_submitting_with_gaps_goes_through_the_check_page(client, login, db):
    """Finding 4: the check page lists what is missing and what will be locked; gaps need a confirmation."""
    from peerreview.extensions import db as _db

    cycle = CycleFactory(status="open")
    ind = IndicatorFactory(framework=cycle.framework, code="1a", dimensions="", decimals=1)
    submission = SubmissionFactory(cycle=cycle)
    delegate = UserFactory(network=cycle.network, organisation=submission.organisation)
    sec = UserFactory(role="secretariat", network=cycle.network)
    ValueFactory(submission_id=submission.id, indicator_id=ind.id, breakdown="_T", year=2024, value=Decimal("4"))
    _db.session.commit()
    login(delegate)
    detail = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "Check and submit" in detail and f"/submissions/{submission.id}/check" in detail
    # "Save and review before submitting" now leads to the check page.
    saved = client.post(f"/submissions/{submission.id}/edit", data={"then": "submit"})
    assert saved.headers["Location"].endswith(f"/submissions/{submission.id}/check")
    page = client.get(f"/submissions/{submission.id}/check").get_data(as_text=True)
    assert "1 of 3 values filled." in page and "2 values that are not required are empty:" in page
    assert "Total 2022, Total 2023" in page and "What will be locked" in page
    assert 'id="confirm_gaps"' in page and "I submit without the 2 empty values listed above" in page
    refused = client.post(f"/submissions/{submission.id}/submit")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "govuk-error-summary" in html
    assert 'id="confirm_gaps-error"' in html and "2 values are missing. Fill them in, or confirm" in html
    _db.session.refresh(submission)
    assert submission.status == "draft"
    assert client.post(f"/submissions/{submission.id}/submit", data={"confirm_gaps": "yes"}).status_code == 302
    _db.session.refresh(submission)
    assert submission.status == "submitted"

    # Returned with a reason: shown on the submission page until the delegation submits again.
    login(sec)
    assert client.post(f"/submissions/{submission.id}/return",
                       data={"reason": "Please add 2022 and 2023."}).status_code == 302
    login(delegate)
    detail = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "Returned for revision" in detail and "Please add 2022 and 2023." in detail
    client.post(f"/submissions/{submission.id}/submit", data={"confirm_gaps": "yes"})
    detail = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "Returned for revision" not in detail and 'id="returned"' not in detail  # the history keeps it


def test_nothing_entered_is_refused_before_the_check(client, login, db):
    from peerreview.extensions import db as _db

    cycle = CycleFactory(status="open")
    IndicatorFactory(framework=cycle.framework, dimensions="")
    submission = SubmissionFactory(cycle=cycle)
    delegate = UserFactory(network=cycle.network, organisation=submission.organisation)
    _db.session.commit()
    login(delegate)
    answer = client.post(f"/submissions/{submission.id}/submit", data={"confirm_gaps": "yes"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/edit")
    assert "Enter at least one value before submitting." in client.get(answer.headers["Location"]).get_data(
        as_text=True)


def test_the_secretariat_sees_completeness_and_lateness_sorted_and_as_csv(client, login, db):
    from datetime import date, timedelta

    from peerreview.extensions import db as _db
    from peerreview.organisations.models import Organisation

    cycle = CycleFactory(status="open", submission_deadline=date.today() - timedelta(days=3))
    ind = IndicatorFactory(framework=cycle.framework, dimensions="", required="total")
    late = SubmissionFactory(cycle=cycle, organisation__name="Zeta PES")
    done = SubmissionFactory(cycle=cycle, organisation__name="=Alpha PES", status="submitted",
                             submitted_at=datetime.now(UTC) - timedelta(days=10))
    for year in cycle.years:
        ValueFactory(submission_id=done.id, indicator_id=ind.id, year=year)
    ValueFactory(submission_id=late.id, indicator_id=ind.id, year=cycle.years[0])
    sec = UserFactory(role="secretariat", network=cycle.network)
    _db.session.commit()
    assert isinstance(late.organisation, Organisation)
    login(sec)
    html = client.get(f"/cycles/{cycle.id}").get_data(as_text=True)
    assert "1 of 2 submitted." in html and "Download this table:" in html
    assert "1 / 3 <span class=\"govuk-body-s\">(2 missing)</span>" in html  # required values of Zeta PES
    assert "3 days late" in html and "on time" in html
    assert html.index("=Alpha PES") < html.index("Zeta PES")
    by_completeness = client.get(f"/cycles/{cycle.id}?sort=completeness").get_data(as_text=True)
    assert by_completeness.index("Zeta PES") < by_completeness.index("=Alpha PES")
    assert 'aria-sort="ascending"' in by_completeness
    csv_answer = client.get(f"/cycles/{cycle.id}/completeness.csv?sort=lateness")
    assert csv_answer.mimetype == "text/csv"
    lines = csv_answer.get_data(as_text=True).splitlines()
    assert lines[0] == ("organisation,country,status,submitted at (UTC),values filled,values expected,"
                        "per cent filled,required values there,required values,days late")
    assert lines[1].startswith("Zeta PES,") and lines[1].endswith(",draft,,1,3,33,1,3,3")
    assert lines[2].startswith("'=Alpha PES,")  # no formula for the spreadsheet
    assert lines[2].endswith(",3,3,100,3,3,0")
    by_required = client.get(f"/cycles/{cycle.id}?sort=required").get_data(as_text=True)
    assert by_required.index("Zeta PES") < by_required.index("=Alpha PES")  # most required values missing first
    import io

    from openpyxl import load_workbook
    xlsx = client.get(f"/cycles/{cycle.id}/completeness.xlsx?sort=lateness")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][-3:] == ["required values there", "required values", "days late"]
    assert rows[1][0] == "Zeta PES" and rows[1][4:] == [1, 3, 33, 1, 3, 3]
    assert rows[2][0] == "'=Alpha PES"


def test_accept_and_unlock_on_the_submission_page(client, login, db):
    from peerreview.extensions import db as _db

    cycle = CycleFactory(status="open")
    IndicatorFactory(framework=cycle.framework, dimensions="")
    submission = SubmissionFactory(cycle=cycle, status="submitted", submitted_at=datetime.now(UTC))
    sec = UserFactory(role="secretariat", network=cycle.network, name="Sam Sec")
    _db.session.commit()
    login(sec)
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "Accept and lock" in page and 'id="return"' in page
    assert client.post(f"/submissions/{submission.id}/accept").status_code == 302
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "by Sam Sec" in page and "locked." in page and 'id="return"' not in page
    assert '<label class="govuk-label" for="unlock_reason">' in page
    refused = client.post(f"/submissions/{submission.id}/unlock", data={"unlock_reason": ""})
    assert refused.headers["Location"].endswith("#accept")
    assert "Say why the accepted submission is unlocked." in client.get(refused.headers["Location"]).get_data(
        as_text=True)
    assert client.post(f"/submissions/{submission.id}/accept").status_code == 409
    assert client.post(f"/submissions/{submission.id}/unlock",
                       data={"unlock_reason": "A typo in 1a."}).status_code == 302
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "unlocked by the secretariat: “A typo in 1a.”" in page and "accepted and locked by the secretariat" in page
