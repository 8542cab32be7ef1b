"""The phase workflow, rule by rule: draft -> open -> in review -> reporting -> closed.

Each move is refused with the reason when it makes no sense; the reasons are what
the secretariat reads, so the tests compare them word for word.
"""
from datetime import UTC, date, datetime

import pytest

from peerreview.audit.models import AuditEvent
from peerreview.cycles.models import PhaseMove
from peerreview.errors import Conflict, PermissionDenied, ValidationFailed
from peerreview.extensions import db
from peerreview.reports.models import Report, ReportVersion
from peerreview.workflow.phases import cycle_counts, move_cycle, next_phase, preview_move, transition_problem
from tests.factories import (
    AssignmentFactory,
    CycleFactory,
    IndicatorFactory,
    OrganisationFactory,
    SubmissionFactory,
    UserFactory,
)

ONE_AT_A_TIME = "A cycle moves one phase at a time: from {} the next phase is {}."
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def _secretariat(network):
    """The one place these tests make someone who runs the network's cycles."""
    return UserFactory(role="secretariat", network=network)


def _report(cycle, status: str) -> Report:
    renderer = UserFactory()
    # One report per cycle, kind and subject: each call reports on an organisation of its own.
    report = Report(cycle_id=cycle.id, kind="feedback", organisation_id=OrganisationFactory().id,
                    title=f"{status} feedback", status="draft", pdf=b"%PDF", sha256="0" * 64, size=4,
                    rendered_by_id=renderer.id)
    if status == "published":  # a current published version
        report.tier = "network"
        report.versions.append(ReportVersion(number=1, pdf=b"%PDF", sha256="0" * 64, size=4,
                                             published_by_id=renderer.id))
    db.session.add(report)
    db.session.flush()
    return report


@pytest.fixture()
def cycle(db):
    return CycleFactory(status="draft")


def _participants(cycle, *statuses: str):
    return [SubmissionFactory(cycle=cycle, status=status) for status in statuses]


def _assign(submission):
    return AssignmentFactory(submission=submission, reviewer=UserFactory(), assigned_by_id=UserFactory().id)


def test_counts_are_per_cycle(cycle):
    IndicatorFactory(framework=cycle.framework)
    IndicatorFactory(framework=cycle.framework)
    IndicatorFactory()  # another framework
    draft, assigned, unassigned, also_unassigned = _participants(cycle, "draft", "submitted", "submitted",
                                                                 "submitted")
    _assign(assigned)
    _assign(draft)
    _report(cycle, "published")
    _report(cycle, "draft")
    elsewhere = CycleFactory(status="reporting", framework=cycle.framework, network=cycle.network)
    _participants(elsewhere, "submitted", "submitted")
    _report(elsewhere, "published")
    counts = cycle_counts(cycle)
    assert (counts.participants, counts.submitted, counts.unassigned_submitted, counts.published_reports,
            counts.indicators) == (4, 3, 2, 1, 2)


@pytest.mark.parametrize(("status", "following"), [
    ("draft", "open"), ("open", "in_review"), ("in_review", "reporting"), ("reporting", "closed"), ("closed", None)])
def test_next_phase(cycle, status, following):
    cycle.status = status
    assert next_phase(cycle) == following


def test_unknown_phase(cycle):
    assert transition_problem(cycle, "archived") == "Unknown phase."


@pytest.mark.parametrize("target", ["draft", "open", "in_review", "reporting", "closed"])
def test_closed_cycles_do_not_change(cycle, target):
    cycle.status = "closed"
    assert transition_problem(cycle, target) == "The cycle is closed; closed cycles do not change."


@pytest.mark.parametrize(("status", "target", "labels"), [
    ("draft", "in_review", ("Draft", "Open for submissions")),           # skipping a phase
    ("draft", "draft", ("Draft", "Open for submissions")),               # staying
    ("open", "reporting", ("Open for submissions", "In review")),
    ("open", "draft", ("Open for submissions", "In review")),            # going back
    ("in_review", "open", ("In review", "Reporting")),
    ("in_review", "closed", ("In review", "Reporting")),
    ("reporting", "in_review", ("Reporting", "Closed")),
    ("reporting", "reporting", ("Reporting", "Closed")),
])
def test_one_phase_at_a_time_forwards_only(cycle, status, target, labels):
    cycle.status = status
    assert transition_problem(cycle, target) == ONE_AT_A_TIME.format(*labels)


def test_opening_needs_indicators_then_participants_then_a_deadline(cycle):
    cycle.submission_deadline = None
    assert transition_problem(cycle, "open") == ("The cycle's framework has no indicators yet; add indicators "
                                                 "before opening.")
    IndicatorFactory(framework=cycle.framework)
    assert transition_problem(cycle, "open") == ("Invite at least one organisation before opening the cycle for "
                                                 "submissions.")
    _participants(cycle, "draft")
    assert transition_problem(cycle, "open") == "Set a submission deadline before opening the cycle."
    cycle.submission_deadline = date(2026, 12, 15)
    assert transition_problem(cycle, "open") is None


def test_review_needs_one_submitted_submission(cycle):
    cycle.status = "open"
    _participants(cycle, "draft", "draft")
    assert transition_problem(cycle, "in_review") == "No organisation has submitted yet; there is nothing to review."
    _participants(cycle, "submitted")
    assert transition_problem(cycle, "in_review") is None


def _complete_review(submission):
    """One lead reviewer who marked the review complete and consolidated it."""
    assignment = _assign(submission)
    assignment.is_lead = True
    assignment.completed_at = assignment.consolidated_at = LONG_AGO
    db.session.flush()
    return assignment


def test_reporting_needs_a_complete_review_of_every_submitted_submission_or_a_reason(cycle):
    cycle.status = "in_review"
    first, second, drafting = _participants(cycle, "submitted", "submitted", "draft")
    assert transition_problem(cycle, "reporting") is None  # not a hard refusal: a reason overrides it
    secretariat = _secretariat(cycle.network)
    assert len(preview_move(secretariat, cycle, "reporting").incomplete_reviews) == 2
    assignment = _assign(first)  # assigned but not reviewed: still incomplete
    assert len(preview_move(secretariat, cycle, "reporting").incomplete_reviews) == 2
    assignment.is_lead = True
    assignment.completed_at = LONG_AGO
    db.session.flush()
    assert len(preview_move(secretariat, cycle, "reporting").incomplete_reviews) == 2  # not consolidated
    assignment.consolidated_at = LONG_AGO
    db.session.flush()
    assert len(preview_move(secretariat, cycle, "reporting").incomplete_reviews) == 1
    _complete_review(second)
    preview = preview_move(secretariat, cycle, "reporting")
    assert preview.incomplete_reviews == [] and not preview.needs_reason  # the unreviewed draft does not block


def test_moving_to_reporting_with_an_unreviewed_submission_needs_a_reason_and_records_it(cycle):
    cycle.status = "in_review"
    (submitted,) = _participants(cycle, "submitted")
    secretariat = _secretariat(cycle.network)
    with pytest.raises(ValidationFailed) as refused:
        move_cycle(secretariat, cycle, "reporting")
    assert refused.value.errors == {"reason": "Give the reason; it is recorded."}
    assert refused.value.message == "1 submission(s) have no complete review; the cycle did not move."
    with pytest.raises(ValidationFailed):
        move_cycle(secretariat, cycle, "reporting", reason="   ")
    assert cycle.status == "in_review"
    assert db.session.query(AuditEvent).filter_by(action="cycle.transition").count() == 0
    move_cycle(secretariat, cycle, "reporting", reason="The visit report is due; Japan's review follows.")
    assert cycle.status == "reporting"
    move = db.session.query(PhaseMove).one()
    assert (move.from_status, move.to_status, move.reverted) == ("in_review", "reporting", False)
    assert move.reason == "The visit report is due; Japan's review follows."
    event = db.session.query(AuditEvent).filter_by(action="cycle.transition").one()
    assert event.after == {"status": "reporting", "reason": "The visit report is due; Japan's review follows."}


def test_moving_to_reporting_with_every_review_complete_needs_no_reason(cycle):
    cycle.status = "in_review"
    (submitted,) = _participants(cycle, "submitted")
    _complete_review(submitted)
    move_cycle(_secretariat(cycle.network), cycle, "reporting")
    assert cycle.status == "reporting"
    assert db.session.query(PhaseMove).one().reason == ""


def test_closing_needs_a_published_report_of_this_cycle(cycle):
    cycle.status = "reporting"
    _report(cycle, "draft")
    _report(CycleFactory(status="reporting"), "published")
    assert transition_problem(cycle, "closed") == "Publish at least one report before closing the cycle."
    _report(cycle, "published")
    assert transition_problem(cycle, "closed") is None


def test_a_move_changes_the_phase_stamps_the_time_and_is_audited(cycle):
    IndicatorFactory(framework=cycle.framework)
    _participants(cycle, "draft")
    secretariat = _secretariat(cycle.network)
    cycle.status_changed_at = LONG_AGO
    before_move = datetime.now(UTC)
    assert move_cycle(secretariat, cycle, "open") is cycle
    assert cycle.status == "open"
    assert before_move <= cycle.status_changed_at <= datetime.now(UTC)
    event = db.session.query(AuditEvent).filter_by(action="cycle.transition").one()
    assert (event.actor_id, event.object_type, event.object_id, event.network_id, event.cycle_id,
            event.before, event.after) == (secretariat.id, "cycle", cycle.id, cycle.network_id, cycle.id,
                                           {"status": "draft"}, {"status": "open"})


def test_a_refused_move_says_why_and_leaves_the_cycle_as_it_was(cycle):
    secretariat = _secretariat(cycle.network)
    cycle.status_changed_at = LONG_AGO
    with pytest.raises(Conflict) as refused:
        move_cycle(secretariat, cycle, "in_review")
    assert refused.value.message == ONE_AT_A_TIME.format("Draft", "Open for submissions")
    assert (cycle.status, cycle.status_changed_at) == ("draft", LONG_AGO)
    assert db.session.query(AuditEvent).count() == 0


def test_only_the_networks_secretariat_moves_a_cycle(cycle):
    IndicatorFactory(framework=cycle.framework)
    _participants(cycle, "draft")
    for stranger in (_secretariat(CycleFactory().network), UserFactory(organisation=OrganisationFactory())):
        with pytest.raises(PermissionDenied):
            move_cycle(stranger, cycle, "open")
    assert cycle.status == "draft"
