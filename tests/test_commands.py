"""flask create-user and flask seed-demo."""
from sqlalchemy import func, select

from peerreview.audit.models import AuditEvent
from peerreview.auth.models import User
from peerreview.cycles.models import Cycle
from peerreview.reports.models import Report
from peerreview.submissions.models import IndicatorValue, Submission
from tests.factories import NetworkFactory, OrganisationFactory


def _counts(db):
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, Cycle, Submission, IndicatorValue, Report, AuditEvent)}


def test_seed_demo_creates_the_two_cycles_and_is_idempotent(runner, db):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Demo data created." in first.output
    assert "secretariat@wapes.demo.example" in first.output and "demo-peer-review-2026" in first.output
    counts = _counts(db)
    wapes = db.session.scalar(select(Cycle).where(Cycle.title == "WAPES Global Peer Review"))
    assert wapes.kickoff_place == "Bonn" and (wapes.kickoff_start.day, wapes.kickoff_end.day) == (13, 14)
    assert "aged over 50" in wapes.theme and "not official statistics" in wapes.theme
    orgs = {s.organisation.country for s in db.session.scalars(select(Submission).where(
        Submission.cycle_id == wapes.id))}
    assert orgs == {"CA", "KR", "JP", "DE"}
    eu = db.session.scalar(select(Cycle).where(Cycle.title.like("European PES Network%")))
    eu_states = {s.status for s in db.session.scalars(select(Submission).where(Submission.cycle_id == eu.id))}
    assert eu_states == {"draft", "submitted"}
    assert db.session.scalar(select(func.count()).where(Submission.cycle_id == eu.id)) == 14
    assert db.session.scalar(select(func.count()).where(Report.tier == "public")) == 1
    _assert_naming_and_factual_check_are_shown(db, wapes)
    # A few flags and source notes, and one comparability note, so that users see them.
    from peerreview.submissions.models import ComparabilityNote, IndicatorValue
    flags = dict(db.session.execute(select(IndicatorValue.flag, func.count()).where(IndicatorValue.flag != "")
                                    .group_by(IndicatorValue.flag)).all())
    assert flags == {"estimated": 1, "provisional": 1, "not_available": 1, "confidential": 1}
    assert db.session.scalar(select(func.count()).select_from(ComparabilityNote)) == 1
    _assert_the_review_is_shown_whole(db, wapes)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    assert _counts(db) == counts


def _assert_naming_and_factual_check_are_shown(db, wapes):
    """A new user sees the features: one organisation under an anonymous code in public reports, and a
    factual error flagged by a delegation in its feedback report's draft, answered by the secretariat."""
    from peerreview.organisations.models import Organisation
    from peerreview.reports.models import FactualFlag, ParticipantNaming
    from peerreview.reports.texts import codes_of_cycle

    namings = list(db.session.scalars(select(ParticipantNaming).where(ParticipantNaming.cycle_id == wapes.id)))
    assert [(db.session.get(Organisation, n.organisation_id).country, n.anonymous, n.code) for n in namings] == [
        ("KR", True, "PES 01")]
    assert codes_of_cycle(wapes.id) == {namings[0].organisation_id: "PES 01"}
    flag = db.session.scalar(select(FactualFlag))
    report = db.session.get(Report, flag.report_id)
    assert (report.kind, report.organisation.country, report.tier, report.cycle_id) == (
        "feedback", "CA", "factual_check", wapes.id)
    assert flag.author.organisation_id == report.organisation_id and "2024" in flag.body
    assert flag.answer and flag.answered_by.has_role("secretariat", wapes.network_id)
    assert db.session.scalar(select(func.count()).select_from(FactualFlag)) == 1


def test_create_user_on_the_command_line(runner, db):
    network = NetworkFactory(short_name="WAPES")
    other = NetworkFactory(short_name="EU")
    OrganisationFactory(short_name="BA", name="Bundesagentur für Arbeit", network=[network, other])
    db.session.commit()
    result = runner.invoke(args=["create-user", "--email", "New@Example.org", "--name", "Nora", "--role", "delegate",
                                 "--organisation", "BA", "--network", "WAPES", "--password", "a long passphrase ok"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "new@example.org"))
    assert user.check_password("a long passphrase ok")
    assert {(g.role, g.network.short_name) for g in user.grants} == {("delegate", "WAPES")}
    again = runner.invoke(args=["create-user", "--email", "new@example.org", "--name", "Nora",
                                "--role", "delegate", "--organisation", "NOPE", "--network", "WAPES"])
    assert again.exit_code == 1
    assert "email: This person already has this role in WAPES." in again.output
    assert "organisation_id:" in again.output  # every problem at once
    # The same person becomes a reviewer in another network: one account, two roles.
    third = runner.invoke(args=["create-user", "--email", "new@example.org", "--name", "Nora",
                                "--role", "reviewer", "--organisation", "BA", "--network", "EU"])
    assert third.exit_code == 0, third.output
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == "new@example.org"))
    assert {(g.role, g.network.short_name) for g in user.grants} == {("delegate", "WAPES"), ("reviewer", "EU")}
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_create_user_without_password_sends_an_invitation(runner, db):
    from peerreview.mail.models import OutboxMessage

    OrganisationFactory(short_name="AF", name="Arbetsförmedlingen", network=NetworkFactory(short_name="EU"))
    db.session.commit()
    result = runner.invoke(args=["create-user", "--email", "ana@example.org", "--name", "Ana",
                                 "--role", "reviewer", "--organisation", "AF", "--network", "EU"])
    assert result.exit_code == 0 and "invitation in the outbox" in result.output
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "ana@example.org"))
    assert "/password/set/" in mail.body and mail.sensitive


def test_a_new_server_is_bootstrapped_from_the_command_line(runner, db):
    """create-network then create-user: the README's deployment steps, on an empty database."""
    from peerreview.organisations.models import Network

    made = runner.invoke(args=["create-network", "--name", "World Association of Public Employment Services",
                               "--short-name", "WAPES", "--country", "BE"])
    assert made.exit_code == 0, made.output
    user = runner.invoke(args=["create-user", "--email", "sec@wapes.example", "--name", "Sam", "--role",
                               "secretariat", "--organisation", "WAPES", "--network", "WAPES"])
    assert user.exit_code == 0, user.output
    sam = db.session.scalar(select(User).where(User.email == "sec@wapes.example"))
    assert sam.is_secretariat and sam.organisation.kind == "secretariat"
    assert [g.network.short_name for g in sam.grants] == ["WAPES"]
    again = runner.invoke(args=["create-network", "--name", "", "--short-name", "wapes", "--country", "BE"])
    assert again.exit_code == 1
    assert "name: Enter the network's name." in again.output
    assert "short_name: A network with this short name already exists." in again.output
    assert db.session.scalar(select(func.count()).select_from(Network)) == 1


def _assert_the_review_is_shown_whole(db, wapes):
    """Issue 8 in the demo: a lead per submission, one consolidated assessment, an answered open request."""
    from peerreview.reviews.assessments import review_complete
    from peerreview.reviews.models import CONSOLIDATED, AreaAssessment, Comment, ReviewerAssignment
    from peerreview.submissions.corrections import changed_since_submission

    submissions = {s.organisation.country: s for s in db.session.scalars(
        select(Submission).where(Submission.cycle_id == wapes.id))}
    leads = db.session.scalars(select(ReviewerAssignment).where(ReviewerAssignment.is_lead.is_(True))).all()
    assert sorted(a.submission.organisation.country for a in leads) == ["CA", "DE", "JP", "KR"]
    consolidated = db.session.scalars(select(AreaAssessment).where(AreaAssessment.kind == CONSOLIDATED)).all()
    assert {a.submission_id for a in consolidated} == {submissions["CA"].id} and len(consolidated) == 7
    assert review_complete(submissions["CA"]) and not review_complete(submissions["DE"])
    (request,) = db.session.scalars(select(Comment).where(Comment.is_request.is_(True))).all()
    assert request.resolved_at is None and request.submission_id == submissions["JP"].id
    (answer,) = db.session.scalars(select(Comment).where(Comment.parent_id == request.id)).all()
    assert answer.body.startswith("Value corrected:")
    changed = changed_since_submission([submissions["JP"]])[submissions["JP"].id]
    assert list(changed) == [(request.indicator_id, "Y_GE50", 2023)]


def test_the_demo_shows_the_factual_check_and_the_anonymous_code_to_a_new_user(runner, client, login, db):
    """Signed in as the demo's delegate of Canada, the draft at the factual check is listed, and its page
    shows the flagged error with the secretariat's answer; Korea chose its code on the naming page."""
    from peerreview.demo import DEMO_PASSWORD
    from peerreview.reports.models import FactualFlag

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    flag = db.session.scalar(select(FactualFlag))
    canada = db.session.scalar(select(User).where(User.email == "delegate.ca@demo.example"))
    login(canada, DEMO_PASSWORD)
    assert f'/reports/{flag.report_id}"' in client.get("/reports").get_data(as_text=True)
    page = client.get(f"/reports/{flag.report_id}").get_data(as_text=True)
    assert "the merger took effect in January 2024" in page and "the date is corrected to January 2024" in page
    korea = db.session.scalar(select(User).where(User.email == "delegate.kr@demo.example"))
    wapes = db.session.scalar(select(Cycle).where(Cycle.title == "WAPES Global Peer Review"))
    login(korea, DEMO_PASSWORD)
    assert "PES 01" in client.get(f"/cycles/{wapes.id}/naming").get_data(as_text=True)


def test_the_demo_names_some_indicators_in_french_and_spanish_and_leaves_the_rest_to_fall_back(runner, db):
    from peerreview.framework.models import Indicator
    from peerreview.i18n import translated

    runner.invoke(args=["seed-demo"])
    indicators = {i.code: i for i in db.session.scalars(select(Indicator))}
    assert translated(indicators["1a"], "name", "fr") == ("Transitions du chômage vers l'emploi", False)
    assert translated(indicators["4b"], "name", "es") == ("Satisfacción de los empleadores", False)
    assert translated(indicators["1a"], "definition", "fr")[1] is True  # the original, marked
    assert translated(indicators["C1"], "name", "es") == ("Registered unemployed (average stock)", True)
