"""The whole cycle through the test client, as the three kinds of users do it."""
import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from peerreview.organisations.models import Network, Organisation
from tests.factories import OrganisationFactory, UserFactory


def _id_from(location: str) -> int:
    return int(re.search(r"/(\d+)(?:$|[/#?])", location).group(1))


def test_whole_cycle(client, login, db):
    network = Network(name="WAPES", short_name="WAPES")
    db.session.add(network)
    sec_org = OrganisationFactory(name="WAPES Secretariat", kind="secretariat", country="BE", network=network)
    sec = UserFactory(role="secretariat", organisation=sec_org, network=network, email="sec@example.org")
    db.session.commit()

    # Secretariat: organisations, framework with an indicator, a cycle, invitations.
    login(sec)
    for name, short, country in (("Bundesagentur für Arbeit", "BA", "DE"), ("Hello Work", "HW", "JP"),
                                 ("ESDC", "ESDC", "CA")):
        r = client.post("/organisations/new", data={"name": name, "short_name": short, "country": country,
                                                    "kind": "pes"})
        assert r.status_code == 302
    orgs = {o.short_name: o for o in db.session.scalars(select(Organisation))}
    r = client.post("/frameworks/new", data={"name": "Benchmark", "description": ""})
    framework_id = _id_from(r.headers["Location"])
    r = client.post(f"/frameworks/{framework_id}/indicators/new", data={
        "code": "1a", "name": "Transitions into employment", "definition": "x", "unit": "%",
        "direction": "higher", "decimals": "1", "min_value": "0", "max_value": "100", "area_id": "0",
        "dimensions": ["sex", "age"]})
    assert r.status_code == 302, r.get_data(as_text=True)
    r = client.post("/cycles/new", data={
        "title": "WAPES Global Peer Review", "theme": "Over 50", "framework_id": framework_id,
        "host_organisation_id": orgs["BA"].id, "kickoff_place": "Bonn",
        "kickoff_start": ["13", "10", "2026"], "kickoff_end": ["14", "10", "2026"],
        "first_year": "2023", "last_year": "2024", "submission_deadline": ["15", "12", "2026"],
        "review_deadline": ["15", "2", "2027"], "reporting_deadline": ["30", "4", "2027"]})
    assert r.status_code == 302, r.get_data(as_text=True)
    cycle_id = _id_from(r.headers["Location"])
    r = client.post(f"/cycles/{cycle_id}/transition", data={"target": "open"})
    assert r.status_code == 409 and "Invite at least one organisation" in r.get_data(as_text=True)
    for short in ("BA", "HW"):
        assert client.post(f"/cycles/{cycle_id}/invite", data={"organisation_id": orgs[short].id}).status_code == 302
    assert client.post(f"/cycles/{cycle_id}/transition", data={"target": "open"}).status_code == 302

    # Delegates: fill in, see errors beside the fields, keep valid values, submit.
    from peerreview.submissions.models import Submission

    subs = {s.organisation.short_name: s for s in db.session.scalars(select(Submission))}
    ind_id = db.session.scalar(select(__import__("peerreview.framework.models", fromlist=["Indicator"]).Indicator.id))
    ba_delegate = UserFactory(organisation=orgs["BA"], email="d@ba.example", network=network)
    hw_delegate = UserFactory(organisation=orgs["HW"], email="d@hw.example", network=network)
    db.session.commit()
    login(ba_delegate)
    r = client.post(f"/submissions/{subs['BA'].id}/edit", data={
        f"v-{ind_id}-_T-2024": "40,5", f"v-{ind_id}-Y_GE50-2024": "lots",
        f"v-{ind_id}-SEX_F-2024": "250"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "2 value(s) need correcting" in html
    assert "Enter a number, like 12.5 or 12,5." in html and "Must be at most 100." in html
    assert 'value="lots"' in html and 'value="40.5"' in html  # nothing lost
    r = client.post(f"/submissions/{subs['BA'].id}/edit", data={
        f"v-{ind_id}-Y_GE50-2024": "38.0", f"v-{ind_id}-SEX_F-2024": "41.2"})
    assert r.status_code == 302
    # The indicator requires the total of every year (the framework's default): 2023 is missing.
    r = client.post(f"/submissions/{subs['BA'].id}/submit", data={"confirm_gaps": "yes"})
    assert r.status_code == 422 and "1 required value is missing." in r.get_data(as_text=True)
    assert "Total 2023" in r.get_data(as_text=True)
    client.post(f"/submissions/{subs['BA'].id}/edit", data={f"v-{ind_id}-_T-2023": "39.5"})
    assert client.post(f"/submissions/{subs['BA'].id}/submit", data={"confirm_gaps": "yes"}).status_code == 302
    assert client.get(f"/submissions/{subs['BA'].id}/edit").status_code == 409
    assert "read-only" in client.get(f"/submissions/{subs['BA'].id}").get_data(as_text=True)
    login(hw_delegate)
    assert client.get(f"/submissions/{subs['BA'].id}").status_code == 403
    client.post(f"/submissions/{subs['HW'].id}/edit", data={f"v-{ind_id}-_T-2024": "50.1",
                                                            f"v-{ind_id}-_T-2023": "49.8"})
    assert client.post(f"/submissions/{subs['HW'].id}/submit", data={"confirm_gaps": "yes"}).status_code == 302

    # Secretariat: review phase and reviewers, with the conflict-of-interest refusal.
    login(sec)
    assert client.post(f"/cycles/{cycle_id}/transition", data={"target": "in_review"}).status_code == 302
    insider = UserFactory(role="reviewer", organisation=orgs["BA"], email="insider@ba.example", network=network)
    reviewer = UserFactory(role="reviewer", organisation=orgs["ESDC"], email="r@esdc.example", name="Rita Reviewer",
                           network=network)
    db.session.commit()
    login(sec)
    r = client.post(f"/submissions/{subs['BA'].id}/reviewers", data={"reviewer_id": insider.id},
                    follow_redirects=True)
    assert "the organisation under review" in r.get_data(as_text=True)
    client.post(f"/submissions/{subs['BA'].id}/reviewers", data={"reviewer_id": reviewer.id})
    client.post(f"/submissions/{subs['HW'].id}/reviewers", data={"reviewer_id": reviewer.id})

    # Reviewer: comments, one shared, one internal.
    login(reviewer)
    anchor = f"{ind_id}/Y_GE50/2024"
    assert client.post(f"/submissions/{subs['BA'].id}/comments", data={
        "anchor": anchor, "body": "Why did the 50+ rate rise?", "visibility": "shared"}).status_code == 302
    assert client.post(f"/submissions/{subs['BA'].id}/comments", data={
        "anchor": "submission", "body": "Internal: check the 2023 visit notes.",
        "visibility": "internal"}).status_code == 302
    r = client.post(f"/submissions/{subs['BA'].id}/comments", data={"anchor": "submission", "body": "No choice"})
    assert r.status_code == 422 and "Choose who may read the comment." in r.get_data(as_text=True)
    assert "No choice" in r.get_data(as_text=True)  # the text typed is kept

    # Delegate: sees only the shared comment, replies.
    login(ba_delegate)
    html = client.get(f"/submissions/{subs['BA'].id}").get_data(as_text=True)
    assert "Why did the 50+ rate rise?" in html and "check the 2023 visit notes" not in html
    from peerreview.reviews.models import Comment

    shared = db.session.scalar(select(Comment).where(Comment.visibility == "shared"))
    assert client.post(f"/comments/{shared.id}/reply", data={"body": "Wage subsidies."}).status_code == 302

    # Secretariat: reporting, feedback report, publish, close.
    login(sec)
    r = client.post(f"/cycles/{cycle_id}/transition", data={"target": "reporting"})
    assert r.status_code == 422 and "Give the reason; it is recorded." in r.get_data(as_text=True)
    assert client.post(f"/cycles/{cycle_id}/transition", data={
        "target": "reporting", "reason": "The visit report is due."}).status_code == 302
    r = client.post(f"/cycles/{cycle_id}/transition", data={"target": "closed"})
    assert r.status_code == 409 and "Publish at least one report" in r.get_data(as_text=True)
    client.post(f"/cycles/{cycle_id}/reports", data={"kind": "feedback", "organisation_id": orgs["BA"].id})
    from peerreview.reports.models import Report, ReportVersion

    report = db.session.scalar(select(Report))
    pdf = client.get(f"/reports/{report.id}/download").data
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Bundesagentur für Arbeit" in text and "Why did the 50+ rate rise?" in text
    assert "check the 2023 visit notes" not in text
    client.post("/logout")
    assert client.get(f"/reports/{report.id}/download").status_code == 404  # draft: not public, not told it exists
    login(sec)
    assert client.post(f"/reports/{report.id}/publish", data={"tier": "public"}).status_code == 302
    assert client.post(f"/cycles/{cycle_id}/transition", data={"target": "closed"}).status_code == 302

    # Anyone: the public page lists it; the bytes never change.
    client.post("/logout")
    assert report.title in client.get("/reports").get_data(as_text=True)
    version = db.session.scalar(select(ReportVersion))
    public = client.get(f"/reports/versions/{version.id}/download")
    assert public.data == version.pdf and public.headers["X-Content-SHA256"] == version.sha256
    assert "DRAFT" in text and "DRAFT" not in "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(public.data)).pages)


def test_values_can_be_entered_one_excellence_area_at_a_time(client, login, db):
    from tests.factories import AreaFactory, CycleFactory, IndicatorFactory, SubmissionFactory

    cycle = CycleFactory(status="open")
    area_c = AreaFactory(framework=cycle.framework, code="C", name="Transitions")
    area_d = AreaFactory(framework=cycle.framework, code="D", name="Employers")
    in_c = IndicatorFactory(framework=cycle.framework, area=area_c, code="1a", dimensions="")
    in_d = IndicatorFactory(framework=cycle.framework, area=area_d, code="3a", dimensions="")
    submission = SubmissionFactory(cycle=cycle)
    delegate = UserFactory(network=submission.cycle.network, organisation=submission.organisation)
    db.session.commit()
    login(delegate)
    html = client.get(f"/submissions/{submission.id}/edit?area=D").get_data(as_text=True)
    assert f'name="v-{in_d.id}-_T-2024"' in html and f'name="v-{in_c.id}-_T-2024"' not in html
    r = client.post(f"/submissions/{submission.id}/edit?area=D", data={f"v-{in_d.id}-_T-2024": "12"})
    assert r.status_code == 302 and r.headers["Location"].endswith("area=D")


def test_submission_history_shows_who_changed_which_value(client, login, db):
    from tests.factories import CycleFactory, IndicatorFactory, SubmissionFactory

    cycle = CycleFactory(status="open")
    ind = IndicatorFactory(framework=cycle.framework, dimensions="")
    submission = SubmissionFactory(cycle=cycle)
    delegate = UserFactory(network=submission.cycle.network, organisation=submission.organisation,
                           name="Dana Delegate")
    db.session.commit()
    login(delegate)
    client.post(f"/submissions/{submission.id}/edit", data={f"v-{ind.id}-_T-2024": "12,5"})
    client.post(f"/submissions/{submission.id}/edit", data={f"v-{ind.id}-_T-2024": "13",
                                                            f"o-v-{ind.id}-_T-2024": "12.5"})
    html = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "Change history" in html and "Dana Delegate" in html
    assert f"{ind.code} Total 2024: 12.5 → 13" in html
    assert "1 value changed (typed in the form):" in html and "channel" not in html
