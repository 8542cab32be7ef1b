"""Publishing a report: when it may happen, what it records, and what the public sees.

The rules are tested on report rows made here (not rendered), so they hold whatever
renders the PDF.
"""
from datetime import UTC, datetime

import pytest

from peerreview.audit.models import AuditEvent
from peerreview.errors import Conflict, PermissionDenied
from peerreview.extensions import db
from peerreview.reports.models import Report
from peerreview.reports.services import publish_report, published_reports
from tests.factories import CycleFactory, OrganisationFactory, UserFactory


def _secretariat(network):
    """The one place these tests make someone who runs the network's reports."""
    return UserFactory(role="secretariat", network=network)


def _report(cycle, *, status="draft", title="Synthesis", published_at=None, sha256="a" * 64) -> Report:
    report = Report(cycle_id=cycle.id, kind="synthesis", title=title, status=status, pdf=b"%PDF-1.7", sha256=sha256,
                    size=8, rendered_by_id=UserFactory().id, published_at=published_at)
    db.session.add(report)
    db.session.flush()
    return report


@pytest.mark.parametrize("phase", ["in_review", "reporting"])
def test_a_draft_report_is_published_in_review_and_reporting(db, phase):
    cycle = CycleFactory(status=phase)
    secretariat = _secretariat(cycle.network)
    report = _report(cycle, sha256="b" * 64)
    before = datetime.now(UTC)
    assert publish_report(secretariat, report) is report
    assert (report.status, report.is_published, report.published_by_id) == ("published", True, secretariat.id)
    assert before <= report.published_at <= datetime.now(UTC)
    event = db.session.query(AuditEvent).filter_by(action="report.publish").one()
    assert (event.actor_id, event.object_type, event.object_id, event.network_id, event.cycle_id, event.before,
            event.after) == (secretariat.id, "report", report.id, cycle.network_id, cycle.id, {"status": "draft"},
                             {"status": "published", "sha256": "b" * 64})


@pytest.mark.parametrize("phase", ["draft", "open", "closed"])
def test_no_publication_outside_review_and_reporting(db, phase):
    cycle = CycleFactory(status=phase)
    report = _report(cycle)
    with pytest.raises(Conflict) as refused:
        publish_report(_secretariat(cycle.network), report)
    assert refused.value.message == "Reports are published while the cycle is in review or reporting."
    assert (report.status, report.published_at, report.published_by_id) == ("draft", None, None)
    assert db.session.query(AuditEvent).count() == 0


def test_a_report_is_published_once_and_the_refusal_says_when(db):
    cycle = CycleFactory(status="reporting")
    first = _secretariat(cycle.network)
    when = datetime(2026, 3, 5, 14, 7, tzinfo=UTC)
    report = _report(cycle, status="published", published_at=when)
    report.published_by_id = first.id
    with pytest.raises(Conflict) as refused:
        publish_report(_secretariat(cycle.network), report)
    assert refused.value.message == "This report was already published on 05 Mar 2026 14:07 UTC."
    assert (report.published_at, report.published_by_id) == (when, first.id)
    assert db.session.query(AuditEvent).count() == 0


def test_a_published_report_in_a_closed_cycle_is_refused_as_already_published(db):
    cycle = CycleFactory(status="closed")
    report = _report(cycle, status="published", published_at=datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    with pytest.raises(Conflict, match="already published on 05 Mar 2026 09:00 UTC"):
        publish_report(_secretariat(cycle.network), report)


def test_only_the_networks_secretariat_publishes(db):
    cycle = CycleFactory(status="reporting")
    report = _report(cycle)
    for stranger in (_secretariat(CycleFactory().network), UserFactory(organisation=OrganisationFactory())):
        with pytest.raises(PermissionDenied):
            publish_report(stranger, report)
    assert report.status == "draft"


def test_the_public_list_holds_only_published_reports_newest_first(db):
    cycle = CycleFactory(status="reporting")
    older = _report(cycle, status="published", title="Older", published_at=datetime(2026, 1, 2, tzinfo=UTC))
    draft = _report(CycleFactory(status="reporting"), status="draft", title="Draft")  # one synthesis per cycle
    assert draft not in published_reports()
    newer = _report(CycleFactory(status="closed"), status="published", title="Newer",
                    published_at=datetime(2026, 2, 3, tzinfo=UTC))
    assert [r.title for r in published_reports()] == ["Newer", "Older"]
    assert published_reports() == [newer, older]


def test_a_report_published_now_joins_the_public_list(db):
    cycle = CycleFactory(status="in_review")
    report = _report(cycle)
    assert published_reports() == []
    publish_report(_secretariat(cycle.network), report)
    assert published_reports() == [report]


def test_the_public_list_reads_networks_and_organisations_without_a_query_per_report(db):
    from sqlalchemy import event

    for month in (1, 2, 3):
        cycle = CycleFactory(status="reporting")  # each in a network of its own
        report = _report(cycle, status="published", title=f"Feedback {month}",
                         published_at=datetime(2026, month, 1, tzinfo=UTC))
        report.kind, report.organisation_id = "feedback", OrganisationFactory().id
    db.session.commit()
    db.session.expunge_all()
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        shown = [(r.title, r.cycle.network.name, r.organisation.name) for r in published_reports()]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert [title for title, _network, _org in shown] == ["Feedback 3", "Feedback 2", "Feedback 1"]
    # the reports, then their cycles, networks, organisations and those organisations' networks: one query each
    assert len(statements) == 5
