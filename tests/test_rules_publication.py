"""Releasing a report in tiers (issue 9): draft -> factual check -> network -> public; versions with
their SHA-256, corrections with a reason, withdrawals that keep the record, the public register.

The rules are tested on report rows made here; the renderer is replaced by one that returns known
bytes, so the rules hold whatever renders the PDF.
"""
import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from peerreview.audit.models import AuditEvent
from peerreview.errors import Conflict, PermissionDenied, ValidationFailed
from peerreview.extensions import db
from peerreview.permissions import Action, can
from peerreview.reports import release, services
from peerreview.reports.models import Report, ReportVersion
from peerreview.reports.services import (
    public_register,
    publish_report,
    send_to_factual_check,
    versions_with_checksum,
    withdraw_version,
)
from tests.factories import CycleFactory, OrganisationFactory, UserFactory

RENDERED = []


@pytest.fixture(autouse=True)
def known_bytes(monkeypatch):
    """Each render returns new known bytes and remembers whether it was the draft (watermarked)."""
    RENDERED.clear()

    def render(template, context, **_options):
        RENDERED.append(context["draft"])
        return f"%PDF-1.7 render {len(RENDERED)} draft={context['draft']}".encode()

    monkeypatch.setattr(services, "render_pdf", render)
    monkeypatch.setattr(services, "synthesis_context", lambda cycle, **_kw: {})
    monkeypatch.setattr(services, "synthesis_csv", lambda cycle: b"")
    monkeypatch.setattr(services, "feedback_context", lambda cycle, organisation, **_kw: {})
    monkeypatch.setattr(services, "feedback_csv", lambda cycle, organisation: b"")


def _secretariat(network):
    """The one place these tests make someone who runs the network's reports."""
    return UserFactory(role="secretariat", network=network)


def _report(cycle, *, title="Synthesis", rendered_at=None) -> Report:
    report = Report(cycle_id=cycle.id, kind="synthesis", title=title, status="draft", pdf=b"%PDF-1.7 draft",
                    sha256="a" * 64, size=14, rendered_by_id=UserFactory().id,
                    rendered_at=rendered_at or datetime.now(UTC) - timedelta(minutes=5))
    db.session.add(report)
    db.session.flush()
    return report


def _redraft(report):
    """A corrected draft, rendered after the current version."""
    report.rendered_at = datetime.now(UTC) + timedelta(seconds=1)
    db.session.flush()


@pytest.mark.parametrize("phase", ["in_review", "reporting"])
def test_publishing_makes_version_1_without_the_draft_mark_with_its_sha256(db, phase):
    cycle = CycleFactory(status=phase)
    secretariat = _secretariat(cycle.network)
    report = _report(cycle)
    before = datetime.now(UTC)
    assert publish_report(secretariat, report, tier="network", now=True) is report
    (version,) = report.versions
    assert RENDERED == [False]  # rendered again, without the "Draft" mark
    assert (version.number, version.state, report.tier, report.is_published) == (1, "current", "network", True)
    assert version.sha256 == hashlib.sha256(version.pdf).hexdigest() == hashlib.sha256(
        b"%PDF-1.7 render 1 draft=False").hexdigest()
    assert (version.size, version.published_by_id, report.release_to) == (len(version.pdf), secretariat.id, None)
    assert before <= version.published_at <= datetime.now(UTC)
    assert report.pdf == b"%PDF-1.7 draft"  # the working copy is untouched
    event = db.session.query(AuditEvent).filter_by(action="report.publish").one()
    assert (event.actor_id, event.object_id, event.network_id, event.cycle_id, event.before, event.after) == (
        secretariat.id, report.id, cycle.network_id, cycle.id, {"version": None},
        {"version": 1, "tier": "network", "sha256": version.sha256, "reason": None})


@pytest.mark.parametrize("phase", ["draft", "open", "closed"])
def test_no_publication_outside_review_and_reporting(db, phase):
    cycle = CycleFactory(status=phase)
    report = _report(cycle)
    with pytest.raises(Conflict) as refused:
        publish_report(_secretariat(cycle.network), report, tier="public", now=True)
    assert refused.value.message.startswith("Reports are rendered while the cycle is in review or reporting")
    assert (report.versions, report.tier, RENDERED) == ([], "draft", [])
    assert db.session.query(AuditEvent).count() == 0


def test_only_a_rendered_draft_is_published(db):
    cycle = CycleFactory(status="reporting")
    report = _report(cycle)
    for status in ("queued", "rendering", "failed"):
        report.status = status
        with pytest.raises(Conflict, match="Only a rendered draft can be published"):
            publish_report(_secretariat(cycle.network), report, tier="public", now=True)
    report.status, report.rendered_at = "draft", None
    with pytest.raises(Conflict, match="Only a rendered draft"):
        publish_report(_secretariat(cycle.network), report, tier="public", now=True)


def test_a_version_is_published_once_a_correction_needs_a_new_draft_and_a_reason(db):
    cycle = CycleFactory(status="reporting")
    secretariat = _secretariat(cycle.network)
    report = _report(cycle)
    publish_report(secretariat, report, tier="public", now=True)
    with pytest.raises(Conflict, match="already published. To correct it, render a corrected draft first"):
        publish_report(secretariat, report, tier="public", now=True)
    _redraft(report)
    with pytest.raises(Conflict, match="Say what this version corrects"):
        publish_report(secretariat, report, tier="public", reason="   ", now=True)
    with pytest.raises(Conflict, match="at most 2000 characters"):
        publish_report(secretariat, report, tier="public", reason="x" * 2001, now=True)
    publish_report(secretariat, report, tier="public", reason=" The 2024 median was wrong. ", now=True)
    first, second = report.versions
    assert (second.number, second.state, second.correction_reason) == (2, "current", "The 2024 median was wrong.")
    assert (first.state, first.state_reason, first.state_changed_by_id) == (
        "corrected", "The 2024 median was wrong.", secretariat.id)
    assert report.current_version is second and first.pdf != second.pdf
    assert hashlib.sha256(first.pdf).hexdigest() == first.sha256  # the earlier bytes stay as they were


def test_a_report_is_widened_without_a_new_version_and_never_narrowed(db):
    cycle = CycleFactory(status="reporting")
    secretariat = _secretariat(cycle.network)
    report = _report(cycle)
    publish_report(secretariat, report, tier="network", now=True)
    publish_report(secretariat, report, tier="public", now=True)
    assert (report.tier, len(report.versions), RENDERED) == ("public", 1, [False])
    assert db.session.query(AuditEvent).filter_by(action="report.widen").one().after == {"tier": "public"}
    _redraft(report)
    with pytest.raises(Conflict, match="never narrowed"):
        publish_report(secretariat, report, tier="network", reason="Correction", now=True)
    with pytest.raises(Conflict, match="published to the network or to the public"):
        publish_report(secretariat, report, tier="factual_check", reason="Correction", now=True)


def test_a_pending_publication_blocks_another_and_a_new_render(db, monkeypatch):
    from peerreview import jobs

    monkeypatch.setattr(jobs, "enqueue_after_commit", lambda *args: None)
    cycle = CycleFactory(status="reporting")
    secretariat = _secretariat(cycle.network)
    report = _report(cycle)
    publish_report(secretariat, report, tier="public")
    assert (report.status, report.release_to, report.versions) == ("queued", "public", [])
    with pytest.raises(Conflict, match="being rendered"):
        publish_report(secretariat, report, tier="public")
    with pytest.raises(Conflict, match="being rendered"):
        services.render_report(secretariat, cycle, kind="synthesis")


def test_only_the_networks_secretariat_publishes_and_withdraws(db):
    cycle = CycleFactory(status="reporting")
    report = _report(cycle)
    strangers = (_secretariat(CycleFactory().network), UserFactory(organisation=OrganisationFactory()))
    for stranger in strangers:
        with pytest.raises(PermissionDenied):
            publish_report(stranger, report, tier="public", now=True)
    publish_report(_secretariat(cycle.network), report, tier="public", now=True)
    for stranger in strangers:
        with pytest.raises(PermissionDenied):
            withdraw_version(stranger, report.versions[0], "Wrong")
    assert report.versions[0].state == "current"


def test_withdrawal_needs_a_reason_keeps_the_record_and_stops_serving_it(db):
    cycle = CycleFactory(status="closed")  # a withdrawal is possible whatever the phase
    secretariat = _secretariat(cycle.network)
    report = _report(cycle)
    cycle.status = "reporting"
    publish_report(secretariat, report, tier="public", now=True)
    cycle.status = "closed"
    (version,) = report.versions
    with pytest.raises(ValidationFailed) as refused:
        withdraw_version(secretariat, version, "  ")
    assert refused.value.errors == {"reason": "Say why the version is withdrawn; the reason stays on record beside "
                                              "it."}
    with pytest.raises(ValidationFailed):
        withdraw_version(secretariat, version, None)
    withdraw_version(secretariat, version, " A confidential value was printed. ")
    event = db.session.query(AuditEvent).filter_by(action="report.withdraw").one()
    assert (event.actor_id, event.object_id, event.network_id, event.cycle_id, event.before, event.after) == (
        secretariat.id, report.id, cycle.network_id, cycle.id, {"version": 1, "state": "current"},
        {"state": "withdrawn", "reason": "A confidential value was printed."})
    assert (version.state, version.state_reason, version.state_changed_by_id) == (
        "withdrawn", "A confidential value was printed.", secretariat.id)
    assert report.current_version is None and not report.is_published
    assert public_register() == [version]  # still listed, with the reason
    assert not can(None, Action.DOWNLOAD_REPORT_VERSION, version)
    assert can(secretariat, Action.DOWNLOAD_REPORT_VERSION, version)
    with pytest.raises(ValidationFailed, match="withdrawn"):
        withdraw_version(secretariat, version, "again")


def test_who_reads_a_version_per_tier(db):
    from tests.factories import AssignmentFactory, SubmissionFactory

    cycle = CycleFactory(status="reporting")
    network = cycle.network
    secretariat = _secretariat(network)
    taking_part = UserFactory(role="delegate", network=network, organisation=OrganisationFactory())
    SubmissionFactory(cycle=cycle, organisation=taking_part.organisation)
    reviewer = UserFactory(role="reviewer", network=network, organisation=OrganisationFactory())
    reviewed = SubmissionFactory(cycle=cycle, organisation=OrganisationFactory())
    AssignmentFactory(submission=reviewed, reviewer=reviewer, assigned_by_id=secretariat.id)
    outsider = UserFactory(role="delegate", network=network, organisation=OrganisationFactory())
    elsewhere = _secretariat(CycleFactory().network)
    report = _report(cycle)
    publish_report(secretariat, report, tier="network", now=True)
    (version,) = report.versions
    readers = {name for name, user in {"secretariat": secretariat, "taking_part": taking_part, "reviewer": reviewer,
                                       "outsider": outsider, "elsewhere": elsewhere, "anonymous": None}.items()
               if can(user, Action.DOWNLOAD_REPORT_VERSION, version)}
    assert readers == {"secretariat", "taking_part", "reviewer"}
    assert public_register() == []
    assert services.network_versions(taking_part) == [version] == services.network_versions(reviewer)
    assert services.network_versions(outsider) == [] == services.network_versions(None)
    publish_report(secretariat, report, tier="public", now=True)
    assert all(can(u, Action.DOWNLOAD_REPORT_VERSION, version) for u in (outsider, elsewhere, None))
    assert public_register() == [version]


def test_the_factual_check_shows_the_draft_to_the_delegation_concerned_only(db):
    from tests.factories import SubmissionFactory

    cycle = CycleFactory(status="reporting")
    secretariat = _secretariat(cycle.network)
    organisation = OrganisationFactory()
    delegate = UserFactory(role="delegate", network=cycle.network, organisation=organisation)
    other = UserFactory(role="delegate", network=cycle.network, organisation=OrganisationFactory())
    SubmissionFactory(cycle=cycle, organisation=organisation, status="submitted")
    report = Report(cycle_id=cycle.id, kind="feedback", organisation_id=organisation.id, subject_key=organisation.id,
                    title="Feedback", status="draft", pdf=b"%PDF", sha256="a" * 64, size=4,
                    rendered_by_id=secretariat.id, rendered_at=datetime.now(UTC))
    db.session.add(report)
    db.session.flush()
    assert not can(delegate, Action.DOWNLOAD_REPORT, report)
    with pytest.raises(PermissionDenied):
        services.flag_factual_error(delegate, report, "The 2024 figure is wrong.")
    send_to_factual_check(secretariat, report)
    assert report.tier == "factual_check"
    event = db.session.query(AuditEvent).filter_by(action="report.factual_check").one()
    assert (event.actor_id, event.object_id, event.network_id, event.cycle_id, event.after) == (
        secretariat.id, report.id, cycle.network_id, cycle.id, {"tier": "factual_check"})
    assert can(delegate, Action.DOWNLOAD_REPORT, report) and not can(other, Action.DOWNLOAD_REPORT, report)
    with pytest.raises(ValidationFailed):
        services.flag_factual_error(delegate, report, " ")
    flag = services.flag_factual_error(delegate, report, " The 2024 figure is the 2023 one. ")
    assert (flag.body, flag.author_id) == ("The 2024 figure is the 2023 one.", delegate.id)
    with pytest.raises(PermissionDenied):
        services.flag_factual_error(other, report, "Not mine to flag.")
    with pytest.raises(PermissionDenied):
        services.answer_factual_flag(delegate, flag.id, "I answer myself.", flag.version)
    services.answer_factual_flag(secretariat, flag.id, "Corrected in the next draft.", flag.version)
    assert (flag.answer, flag.answered_by_id) == ("Corrected in the next draft.", secretariat.id)
    with pytest.raises(Conflict, match="Someone else changed"):
        services.answer_factual_flag(secretariat, flag.id, "Stale tab.", flag.version - 1)
    with pytest.raises(Conflict, match="past the draft stage"):
        send_to_factual_check(secretariat, report)
    publish_report(secretariat, report, tier="network", now=True)
    assert not can(delegate, Action.DOWNLOAD_REPORT, report)  # the next drafts are the team's again
    assert can(delegate, Action.DOWNLOAD_REPORT_VERSION, report.versions[0])


def test_only_a_rendered_feedback_report_goes_to_a_factual_check(db):
    cycle = CycleFactory(status="reporting")
    report = _report(cycle)
    with pytest.raises(Conflict, match="Only a feedback report"):
        send_to_factual_check(_secretariat(cycle.network), report)
    report.kind, report.status = "feedback", "queued"
    assert release.factual_check_problem(report) == "Render the draft first; the delegation checks a rendered draft."
    report.status = "draft"
    assert release.factual_check_problem(report) is None


def test_anyone_verifies_a_copy_by_its_sha256(db):
    cycle = CycleFactory(status="reporting")
    report = _report(cycle)
    publish_report(_secretariat(cycle.network), report, tier="network", now=True)
    digest = report.versions[0].sha256
    assert versions_with_checksum(digest) == []  # not public: nothing to tell
    publish_report(_secretariat(cycle.network), report, tier="public", now=True)
    assert versions_with_checksum(digest.upper()) == report.versions
    assert versions_with_checksum("0" * 64) == [] == versions_with_checksum("not-a-checksum")


def test_a_stored_copy_that_changed_is_not_served(db):
    cycle = CycleFactory(status="reporting")
    report = _report(cycle)
    publish_report(_secretariat(cycle.network), report, tier="public", now=True)
    version = report.versions[0]
    assert services.version_pdf(version) == version.pdf
    version.pdf = b"%PDF tampered"
    with pytest.raises(Conflict) as refused:
        services.version_pdf(version)
    assert refused.value.message == "The stored copy does not match its recorded SHA-256; it is not served."


def test_the_public_register_reads_networks_without_a_query_per_version(db):
    from sqlalchemy import event

    for month in (1, 2, 3):
        cycle = CycleFactory(status="reporting")  # each in a network of its own
        report = _report(cycle, title=f"Synthesis {month}")
        publish_report(_secretariat(cycle.network), report, tier="public", now=True)
        report.versions[0].published_at = datetime(2026, month, 1, tzinfo=UTC)
    db.session.commit()
    db.session.expunge_all()
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        shown = [(v.report.title, v.report.cycle.network.name, v.sha256) for v in public_register()]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert [title for title, _network, _sha in shown] == ["Synthesis 3", "Synthesis 2", "Synthesis 1"]
    assert len(statements) == 4  # versions, reports, cycles, networks (syntheses have no organisation to load)


def _unsaved(*, kind="synthesis", status="draft", tier="draft", rendered_at=None, versions=(), release_to=None):
    report = Report(kind=kind, status=status, tier=tier, rendered_at=rendered_at, release_to=release_to)
    for number, (published_at, state) in enumerate(versions, start=1):
        report.versions.append(ReportVersion(number=number, published_at=published_at, state=state))
    return report


NOON = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("report", "tier", "reason", "answer"), [
    (lambda: _unsaved(rendered_at=NOON), "factual_check", "", "A report is published to the network or to the public."),
    (lambda: _unsaved(rendered_at=NOON, release_to="public"), "public", "",
     "A publication of this report is being rendered; reload the page in a moment."),
    (lambda: _unsaved(rendered_at=NOON, tier="public", versions=[(NOON - timedelta(hours=1), "current")]), "network",
     "Fix", "The report is already public; a published report is never narrowed. Withdraw the version instead."),
    (lambda: _unsaved(rendered_at=NOON, tier="public", versions=[(NOON, "current")]), "public", "",
     "This version is already published. To correct it, render a corrected draft first."),
    (lambda: _unsaved(rendered_at=None), "public", "", "Only a rendered draft can be published."),
    (lambda: _unsaved(rendered_at=NOON, status="failed"), "network", "", "Only a rendered draft can be published."),
    (lambda: _unsaved(rendered_at=NOON, tier="network", versions=[(NOON - timedelta(hours=1), "current")]), "public",
     " ", "Say what this version corrects; the earlier version stays listed with your reason."),
    (lambda: _unsaved(rendered_at=NOON, tier="network", versions=[(NOON - timedelta(hours=1), "withdrawn")]),
     "network", "", "Say what this version corrects; the earlier version stays listed with your reason."),
    (lambda: _unsaved(rendered_at=NOON, tier="network", versions=[(NOON, "current")]), "public", "", None),
    (lambda: _unsaved(rendered_at=NOON), "network", "", None),
    (lambda: _unsaved(rendered_at=NOON, tier="network", versions=[(NOON - timedelta(hours=1), "current")]), "network",
     "Fix", None),
])
def test_publication_problems_say_exactly_why(report, tier, reason, answer):
    assert release.publication_problem(report(), tier, reason) == answer


def test_a_draft_rendered_in_the_same_instant_as_the_version_is_not_newer():
    assert not release.has_newer_draft(_unsaved(rendered_at=NOON, versions=[(NOON, "current")]))
    assert release.has_newer_draft(_unsaved(rendered_at=NOON + timedelta(microseconds=1),
                                            versions=[(NOON, "current")]))
    assert release.has_newer_draft(_unsaved(rendered_at=NOON, versions=[(NOON, "withdrawn")]))


@pytest.mark.parametrize(("changes", "answer"), [
    ({}, "Only a feedback report goes to its delegation for a factual check."),
    ({"kind": "feedback", "tier": "network"}, "The report is past the draft stage."),
    ({"kind": "feedback", "status": "rendering"}, "Render the draft first; the delegation checks a rendered draft."),
    ({"kind": "feedback"}, None),
])
def test_factual_check_problems_say_exactly_why(changes, answer):
    assert release.factual_check_problem(_unsaved(**changes)) == answer


@pytest.mark.parametrize(("state", "reason", "answer"), [
    ("corrected", "Why", "Only the current version can be withdrawn."),
    ("withdrawn", "Why", "Only the current version can be withdrawn."),
    ("current", "  ", "Say why the version is withdrawn; the reason stays on record beside it."),
    ("current", "x" * 2001, "A reason may have at most 2000 characters."),
    ("current", "x" * 2000, None),
])
def test_withdrawal_problems_say_exactly_why(state, reason, answer):
    assert release.withdrawal_problem(ReportVersion(state=state), reason) == answer


def test_the_audience_of_each_tier_is_said_in_words():
    assert [str(release.TIER_AUDIENCES[t]) for t in ("network", "public")] == [
        "everyone taking part in the cycle: its delegations, peer reviewers and secretariat",
        "everyone, without signing in: it is listed in the public register with its SHA-256"]
    assert release.wider_or_same("public", "network") and not release.wider_or_same("network", "public")
    assert release.wider_or_same("network", "network")
