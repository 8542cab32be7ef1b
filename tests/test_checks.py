"""Checks before submitting, through the services and the pages: required values, warnings, explanations."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from peerreview.audit.models import AuditEvent
from peerreview.errors import Conflict, ValidationFailed
from peerreview.framework.models import Indicator
from peerreview.framework.services import framework_indicators
from peerreview.submissions import explanations, services
from peerreview.submissions.models import IndicatorValue
from peerreview.submissions.plausibility import check_submission, network_fences
from tests.factories import (
    CycleFactory,
    IndicatorFactory,
    OrganisationFactory,
    SubmissionFactory,
    UserFactory,
    ValueFactory,
)
from tests.test_query_counts import counted


def cells(ind, entries: dict, started: dict | None = None):
    started = started or {}
    return [services.CellChange(ind.id, b, y, raw, started.get((b, y), "")) for (b, y), raw in entries.items()]


@pytest.fixture()
def checked(db):
    """An open cycle, a count indicator (total required, additive, 50 % change), five others submitted."""
    cycle = CycleFactory(status="open", first_year=2022, last_year=2024)
    ind = IndicatorFactory(framework=cycle.framework, code="1a", unit="persons", decimals=0, min_value=Decimal(0),
                           max_value=None, dimensions="sex", required="total", additive=True,
                           change_threshold=Decimal(50))
    own = OrganisationFactory(network=cycle.network, name="Own PES")
    submission = SubmissionFactory(cycle=cycle, organisation=own)
    delegate = UserFactory(network=cycle.network, organisation=own, name="Dora Delegate")
    colleague = UserFactory(network=cycle.network, organisation=own, name="Carl Colleague")
    # Others' submitted totals of 2024: fences 80 and 160 (Q1 110, Q3 130).
    for value in (100, 110, 120, 130, 140):
        other = SubmissionFactory(cycle=cycle, organisation=OrganisationFactory(network=cycle.network),
                                  status="submitted")
        ValueFactory(submission_id=other.id, indicator_id=ind.id, year=2024, value=Decimal(value))
    # Never part of the network's distribution: a confidential value, a draft.
    confidential = SubmissionFactory(cycle=cycle, organisation=OrganisationFactory(network=cycle.network),
                                     status="submitted")
    ValueFactory(submission_id=confidential.id, indicator_id=ind.id, year=2024, value=Decimal(1000),
                 flag="confidential")
    draft = SubmissionFactory(cycle=cycle, organisation=OrganisationFactory(network=cycle.network))
    ValueFactory(submission_id=draft.id, indicator_id=ind.id, year=2024, value=Decimal(5))
    db.session.commit()
    return submission, ind, delegate, colleague


def test_submit_is_refused_with_every_problem_at_once(checked):
    submission, ind, delegate, _colleague = checked
    services.save_values(delegate, submission, cells(ind, {("_T", 2022): "100", ("_T", 2023): "100",
                                                           ("SEX_F", 2023): "30", ("SEX_M", 2023): "30"}))
    with pytest.raises(ValidationFailed) as refused:
        services.submit(delegate, submission, gaps_confirmed=False)
    assert refused.value.errors == {
        "required": "1 required value is missing. Fill it in, or flag it as not available or not applicable.",
        "warnings": "1 value with a warning is not explained. Explain it below, or correct the value.",
        "confirm_gaps": "4 values are missing. Fill them in, or confirm that you submit without them.",
    }
    with pytest.raises(ValidationFailed) as still:  # confirming the gaps does not waive the rest
        services.submit(delegate, submission, gaps_confirmed=True)
    assert set(still.value.errors) == {"required", "warnings"}
    assert submission.status == "draft"


def test_a_flag_without_value_answers_a_required_value(checked, db):
    submission, ind, delegate, _colleague = checked
    services.save_values(delegate, submission, cells(ind, {("_T", 2022): "100", ("_T", 2023): "100"}))
    db.session.add(IndicatorValue(submission_id=submission.id, indicator_id=ind.id, breakdown="_T", year=2024,
                                  value=None, flag="not_available", note=""))
    db.session.flush()
    report = check_submission(submission, [ind], services.value_map(submission.id))
    assert report.missing == [] and not report.blocking
    services.submit(delegate, submission, gaps_confirmed=True)
    assert submission.status == "submitted"


def test_the_network_is_others_submitted_non_confidential_values(checked):
    submission, ind, delegate, _colleague = checked
    # Q1 110, Q3 130 of the five others: fences 80 and 160; no other cell has five values.
    assert network_fences(submission.cycle_id, submission.organisation_id) == {
        (ind.id, "_T", 2024): (Decimal(80), Decimal(160))}
    # 165 is beyond 160, the upper fence of the five; it would be inside if the confidential value or the
    # draft counted (175).
    services.save_values(delegate, submission, cells(ind, {("_T", 2023): "150", ("_T", 2024): "165"}))
    report = check_submission(submission, [ind], services.value_map(submission.id))
    assert [(w.kind, w.cell, w.message) for w in report.warnings] == [
        ("outlier", (ind.id, "_T", 2024), "Unusually high compared with the network's other submitted values.")]
    services.save_values(delegate, submission, cells(ind, {("_T", 2024): "160"}, {("_T", 2024): "165"}))
    assert check_submission(submission, [ind], services.value_map(submission.id)).warnings == []


def test_the_year_before_the_cycle_comes_from_the_previous_cycle(checked, db):
    submission, ind, delegate, _colleague = checked
    old = CycleFactory(status="closed", network=submission.cycle.network, first_year=2019, last_year=2021)
    old_ind = IndicatorFactory(framework=old.framework, code="1a", dimensions="sex")
    old_sub = SubmissionFactory(cycle=old, organisation=submission.organisation, status="submitted")
    ValueFactory(submission_id=old_sub.id, indicator_id=old_ind.id, year=2021, value=Decimal(40))
    services.save_values(delegate, submission, cells(ind, {("_T", 2022): "100"}))
    report = check_submission(submission, [ind], services.value_map(submission.id))
    assert [w.message for w in report.warnings] == [
        "Changed by 150.0 % since 2021 (from 40 to 100); more than the 50 % the framework expects."]


def _check_page_fields(html: str, name: str) -> tuple[str, str]:
    import re

    version = re.search(rf'name="xv-{name}" value="(\d+)"', html).group(1)
    seen = re.search(rf'name="xo-{name}" value="([^"]*)"', html).group(1)
    return version, seen


def test_check_page_explain_then_submit(checked, client, login, db):
    submission, ind, delegate, _colleague = checked
    services.save_values(delegate, submission, cells(ind, {("_T", 2022): "100", ("_T", 2023): "100",
                                                           ("SEX_F", 2023): "30", ("SEX_M", 2023): "30"}))
    db.session.commit()
    login(delegate)
    r = client.post(f"/submissions/{submission.id}/submit", data={"confirm_gaps": "yes"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "1 required value is missing." in html and "1a" in html and "Total 2024" in html
    assert "By sex, the breakdowns add up to 60, not to the total 100." in html
    name = f"v-{ind.id}-_T-2023"
    assert f'<label class="govuk-label govuk-label--s" for="x-{name}">Explanation for 1a Total 2023 (value 100)' in html
    version, seen = _check_page_fields(html, name)
    r = client.post(f"/submissions/{submission.id}/explanations", data={
        f"x-{name}": "  The breakdown by sex covers registered jobseekers only. ", f"xv-{name}": version,
        f"xo-{name}": seen})
    assert r.status_code == 302
    stored = db.session.scalars(select(IndicatorValue).where(IndicatorValue.submission_id == submission.id,
                                                             IndicatorValue.year == 2023,
                                                             IndicatorValue.breakdown == "_T")).one()
    db.session.refresh(stored)
    assert stored.explanation == "The breakdown by sex covers registered jobseekers only."
    assert stored.version == int(version)  # an explanation never moves the value's version
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "submission.explanations")).one()
    assert event.after == {name: "The breakdown by sex covers registered jobseekers only."}
    page = client.get(f"/submissions/{submission.id}/check").get_data(as_text=True)
    assert "0 warnings not explained." in page
    client.post(f"/submissions/{submission.id}/edit", data={f"v-{ind.id}-_T-2024": "120"})
    assert client.post(f"/submissions/{submission.id}/submit", data={"confirm_gaps": "yes"}).status_code == 302
    # The explanation travels with the value to the submission page that reviewers read.
    assert "The breakdown by sex covers registered jobseekers only." in client.get(
        f"/submissions/{submission.id}").get_data(as_text=True)


def test_an_explanation_of_a_value_changed_meanwhile_is_not_saved_and_not_lost(checked, client, login, db):
    submission, ind, delegate, colleague = checked
    services.save_values(delegate, submission, cells(ind, {("_T", 2023): "100", ("_T", 2024): "300"}))
    db.session.commit()
    login(delegate)
    name = f"v-{ind.id}-_T-2024"
    version, seen = _check_page_fields(client.get(f"/submissions/{submission.id}/check").get_data(as_text=True),
                                       name)
    services.save_values(colleague, submission, cells(ind, {("_T", 2024): "310"}, {("_T", 2024): "300"}))
    db.session.commit()
    r = client.post(f"/submissions/{submission.id}/explanations", data={
        f"x-{name}": "A new programme tripled placements.", f"xv-{name}": version, f"xo-{name}": seen})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert ("Carl Colleague changed this value or its explanation after you opened the page (the value is now 310); "
            "your text was not saved.") in html
    assert ">A new programme tripled placements.</textarea>" in html  # nothing typed is lost
    assert f'href="#x-{name}"' in html  # in the summary, linked to its field
    assert db.session.scalar(select(IndicatorValue.explanation).where(
        IndicatorValue.year == 2024, IndicatorValue.submission_id == submission.id)) == ""


def test_explanation_and_value_saves_never_clash(checked, db):
    submission, ind, delegate, colleague = checked
    services.save_values(delegate, submission, cells(ind, {("_T", 2023): "100", ("_T", 2024): "300"}))
    db.session.commit()
    row = services.value_map(submission.id)[(ind.id, "_T", 2024)]
    # The colleague explains 2024 while the delegate, who loaded 300, changes the same cell and another one.
    saved = explanations.save_explanations(colleague, submission, [explanations.ExplanationChange(
        ind.id, "_T", 2024, "Tripled by a reform.", row.version, "")])
    assert saved.saved == 1 and saved.errors == {}
    result = services.save_values(delegate, submission, cells(ind, {("_T", 2024): "290", ("_T", 2023): "105"},
                                                               {("_T", 2024): "300", ("_T", 2023): "100"}))
    assert result.conflicts == [] and result.saved == 2
    db.session.commit()
    stored = services.value_map(submission.id)[(ind.id, "_T", 2024)]
    assert (stored.value, stored.explanation) == (Decimal(290), "Tripled by a reform.")
    # Two explanations of the same cell: the second, written from the old text, is refused, not applied.
    late = explanations.save_explanations(delegate, submission, [explanations.ExplanationChange(
        ind.id, "_T", 2024, "Mine.", stored.version, "")])
    assert late.saved == 0 and list(late.errors) == [f"x-v-{ind.id}-_T-2024"]


def test_explanations_are_checked(checked, db):
    submission, ind, delegate, _colleague = checked
    services.save_values(delegate, submission, cells(ind, {("_T", 2024): "300"}))
    row = services.value_map(submission.id)[(ind.id, "_T", 2024)]
    result = explanations.save_explanations(delegate, submission, [
        explanations.ExplanationChange(ind.id, "_T", 2024, "x" * 2001, row.version, ""),
        explanations.ExplanationChange(ind.id, "_T", 2023, "Nothing there.", 0, "")])
    assert result.errors == {
        f"x-v-{ind.id}-_T-2024": "Write at most 2000 characters; this explanation has 2001.",
        f"x-v-{ind.id}-_T-2023": "This value was emptied after you opened the page, so there is nothing to explain; "
                                 "your text was not saved."}
    assert result.labels[f"x-v-{ind.id}-_T-2023"] == "1a Total 2023"
    stranger = UserFactory(network=submission.cycle.network)
    with pytest.raises(Exception, match="not allowed|permission|Permission"):
        explanations.save_explanations(stranger, submission, [])
    services.save_values(delegate, submission, cells(ind, {("_T", 2022): "300", ("_T", 2023): "300"}))
    row = services.value_map(submission.id)[(ind.id, "_T", 2024)]
    explanations.save_explanations(delegate, submission, [
        explanations.ExplanationChange(ind.id, "_T", 2024, "Right.", row.version, "")])
    services.submit(delegate, submission, gaps_confirmed=True)
    with pytest.raises(Conflict, match="read-only"):
        explanations.save_explanations(delegate, submission, [])


def test_checks_read_a_fixed_number_of_queries(checked, db):
    submission, ind, delegate, _colleague = checked
    ind.change_threshold = None
    services.save_values(delegate, submission, cells(ind, {("_T", 2024): "300"}))
    db.session.commit()
    framework_id = submission.cycle.framework_id

    def run():
        _ = submission.cycle.years, submission.organisation_id  # loaded as a request has them
        with counted(db) as queries:
            check_submission(submission, framework_indicators(framework_id), {})
        return queries

    few = run()
    more = [IndicatorFactory(framework=submission.cycle.framework, dimensions="sex age qualification",
                             change_threshold=Decimal(10), additive=True) for _ in range(8)]
    for _ in range(5):
        other = SubmissionFactory(cycle=submission.cycle, status="submitted",
                                  organisation=OrganisationFactory(network=submission.cycle.network))
        for extra in more:
            for year in (2022, 2023, 2024):
                ValueFactory(submission_id=other.id, indicator_id=extra.id, year=year, value=Decimal(year - 2000))
    db.session.commit()
    many = run()
    # At most two more: the previous cycle, read once some indicator checks the change from year to year.
    assert len(many) <= len(few) + 2, f"{len(few)} queries for one indicator, {len(many)} for nine"
    assert len(run()) == len(many)


def test_secretariat_sets_the_checks_in_the_indicator_form(client, login, db):
    cycle = CycleFactory()
    sec = UserFactory(role="secretariat", network=cycle.network)
    db.session.commit()
    login(sec)
    url = f"/frameworks/{cycle.framework_id}/indicators/new"
    page = client.get(url).get_data(as_text=True)
    for text in ("Values required before submitting", "The breakdowns add up to the total",
                 "Year-on-year change that needs an explanation, in per cent (optional)",
                 "By qualification level", "The total of every reference year"):
        assert text in page
    data = {"code": "2b", "name": "Placements", "unit": "persons", "direction": "higher", "decimals": "0",
            "area_id": "0", "dimensions": ["sex", "qualification"], "required": "all", "additive": "y",
            "change_threshold": "-3"}
    r = client.post(url, data=data)
    assert r.status_code == 422
    assert "Enter a change in per cent above 0 (for example 50), or leave it empty." in r.get_data(as_text=True)
    r = client.post(url, data={**data, "change_threshold": "25,5"})
    assert r.status_code == 302, r.get_data(as_text=True)
    stored = db.session.scalars(select(Indicator).where(Indicator.code == "2b")).one()
    assert (stored.required, stored.additive, stored.change_threshold, stored.dimensions) == (
        "all", True, Decimal("25.5"), "qualification sex")
    edit = client.get(f"/frameworks/{cycle.framework_id}/indicators/{stored.id}/edit").get_data(as_text=True)
    assert 'value="25.5"' in edit and 'value="all" checked' in edit


def test_cycle_page_progress_table_does_not_query_per_organisation(checked, client, login, db):
    submission, ind, _delegate, _colleague = checked
    cycle = submission.cycle
    sec = UserFactory(role="secretariat", network=cycle.network)
    db.session.commit()
    login(sec)
    url = f"/cycles/{cycle.id}?sort=required"
    client.get(url)
    with counted(db) as few:
        assert client.get(url).status_code == 200
    for _ in range(6):
        other = SubmissionFactory(cycle=cycle, organisation=OrganisationFactory(network=cycle.network))
        ValueFactory(submission_id=other.id, indicator_id=ind.id, year=2023, value=Decimal(1))
    db.session.commit()
    with counted(db) as many:
        html = client.get(url).get_data(as_text=True)
    assert len(many) <= len(few), f"{len(few)} queries with 8 organisations, {len(many)} with 14"
    assert "6 of 14 submitted." in html
    # The 13 others have one of the three required totals each (the confidential one counts: it is there);
    # the own submission none.
    assert html.count("1 / 3 <span class=\"govuk-body-s\">(2 missing)</span>") == 13
    assert html.count("0 / 3 <span class=\"govuk-body-s\">(3 missing)</span>") == 1


def test_the_entry_form_marks_the_values_to_explain(checked, client, login, db):
    submission, ind, delegate, _colleague = checked
    services.save_values(delegate, submission, cells(ind, {("_T", 2023): "100", ("_T", 2024): "165"}))
    db.session.commit()
    login(delegate)
    html = client.get(f"/submissions/{submission.id}/edit").get_data(as_text=True)
    assert "1 value looks unusual (marked “Check” below)." in html
    assert "Changed by 65.0 % since 2023 (from 100 to 165); more than the 50 % the framework expects." in html
    assert "Not explained yet." in html
    assert "Unusually high" not in html  # the network comparison is the check page's
    check = client.get(f"/submissions/{submission.id}/check").get_data(as_text=True)
    assert "Changed by 65.0 % since 2023" in check and "Unusually high compared with the network" in check
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "Unusually high" not in page and "0 of 1 explained" in page


def test_explanation_fields_name_their_cell():
    assert explanations.parse_cell_name("v-3-Y25-49-2024") == (3, "Y25-49", 2024)
    assert explanations.parse_cell_name("v-3-_T-2024") == (3, "_T", 2024)
    for bad in ("v-x-_T-2024", "v-3-2024", "w-3-_T-2024", "v-3-_T-20x4"):
        assert explanations.parse_cell_name(bad) is None
    form = {"x-v-3-ED0-2-2023": "Because.", "xv-v-3-ED0-2-2023": "4", "xo-v-3-ED0-2-2023": "Old.",
            "x-v-9-_T-2024": "No version.", "x-nonsense": "ignored", "csrf_token": "t"}
    assert explanations.changes_from_form(form) == [
        explanations.ExplanationChange(3, "ED0-2", 2023, "Because.", 4, "Old."),
        explanations.ExplanationChange(9, "_T", 2024, "No version.", 0, "")]
