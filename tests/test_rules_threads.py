"""Threads: nesting (pages and PDFs), requests, resolve/reopen, edit history, sharing, anonymity."""
from datetime import UTC, datetime, timedelta

import pytest

from peerreview.audit.models import AuditEvent
from peerreview.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from peerreview.extensions import db
from peerreview.reviews import services
from peerreview.reviews.threads import (
    edit_comment,
    reopen_thread,
    resolve_thread,
    share_thread,
    threads_for_report,
)
from tests.factories import CommentFactory, UserFactory, build_world
from tests.test_reports import _without_published_report, pdf_text, rendered

T0 = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)


@pytest.fixture()
def world(db):
    return build_world()


def _interleaved(world):
    """Two reviewers' comments, then the delegation's replies in the opposite order (finding 4)."""
    other_reviewer = world.unassigned_reviewer
    first = world.shared_comment
    first.created_at = T0
    second = CommentFactory(submission=world.own_submission, author=other_reviewer, visibility="shared",
                            body="SECOND-ROOT by Björn", created_at=T0 + timedelta(hours=1))
    CommentFactory(submission=world.own_submission, author=world.delegate, visibility="shared", parent_id=second.id,
                   body="REPLY-TO-SECOND", created_at=T0 + timedelta(hours=2))
    CommentFactory(submission=world.own_submission, author=world.delegate, visibility="shared", parent_id=first.id,
                   body="REPLY-TO-FIRST", created_at=T0 + timedelta(hours=3))
    db.session.flush()
    return first, second


def test_replies_are_nested_under_the_comment_they_answer_for_the_reports(world):
    _interleaved(world)
    threads = threads_for_report(world.cycle.id, world.own_org.id)
    assert [(t["body"][:14], [r["body"] for r in t["replies"]]) for t in threads] == [
        ("SHARED-COMMENT", ["REPLY-TO-FIRST"]), ("SECOND-ROOT by", ["REPLY-TO-SECOND"])]
    assert all("INTERNAL" not in t["body"] for t in threads)


def test_in_the_feedback_pdf_each_reply_follows_its_own_comment(world):
    _interleaved(world)
    _without_published_report(world)
    text = pdf_text(rendered(world, kind="feedback", organisation_id=world.own_org.id).pdf)
    order = [text.index(marker) for marker in ("SHARED-COMMENT", "REPLY-TO-FIRST", "SECOND-ROOT",
                                                "REPLY-TO-SECOND")]
    assert order == sorted(order), text


def test_a_cycle_that_hides_reviewers_hides_them_in_pdfs_and_pages(world, client, login):
    _interleaved(world)
    world.cycle.hide_reviewer_names = True
    _without_published_report(world)
    text = pdf_text(rendered(world, kind="feedback", organisation_id=world.own_org.id).pdf)
    assert "Marie Reviewer" not in text and "Björn" not in text.replace("SECOND-ROOT by Björn", "")
    assert "A peer reviewer" in text and "Dora Delegate" in text  # the delegation's own names stay
    db.session.commit()
    login(world.delegate)
    page = client.get(f"/submissions/{world.own_submission.id}").get_data(as_text=True)
    assert "Marie Reviewer" not in page and "A peer reviewer" in page
    login(world.secretariat)  # the review team and the secretariat still see who wrote what
    assert "Marie Reviewer" in client.get(f"/submissions/{world.own_submission.id}").get_data(as_text=True)


def test_a_clarification_request_is_shared_and_blocks_completion_until_resolved(world):
    with pytest.raises(ValidationFailed) as refused:
        services.add_comment(world.reviewer, world.own_submission, body="Which year?", visibility="internal",
                             is_request=True)
    assert refused.value.errors == {
        "visibility": "A clarification request asks the delegation, so it must be shared with it."}
    request = services.add_comment(world.reviewer, world.own_submission, body="Which source?", visibility="shared",
                                   is_request=True)
    services.reply(world.delegate, request.id, body="The register, March 2025.")
    from peerreview.reviews.assessments import open_requests
    assert open_requests(world.own_submission.id, world.reviewer.id) == 1
    resolve_thread(world.reviewer, request.id)
    assert open_requests(world.own_submission.id, world.reviewer.id) == 0
    reopen_thread(world.reviewer, request.id)
    assert open_requests(world.own_submission.id, world.reviewer.id) == 1
    actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions[-2:] == ["comment.resolve", "comment.reopen"]


def test_only_the_review_team_resolves_and_twice_is_refused(world):
    with pytest.raises(PermissionDenied):
        resolve_thread(world.delegate, world.shared_comment.id)
    with pytest.raises(NotFound):
        resolve_thread(world.other_delegate, world.shared_comment.id)
    resolve_thread(world.secretariat, world.shared_comment.id)
    with pytest.raises(Conflict, match="already resolved"):
        resolve_thread(world.reviewer, world.shared_comment.id)
    reply = services.reply(world.delegate, world.shared_comment.id, body="ok")
    with pytest.raises(Conflict, match="at its first comment"):
        reopen_thread(world.reviewer, reply.id)


def test_an_edit_keeps_the_earlier_text_visible_to_every_reader(world, client, login):
    comment = world.shared_comment
    with pytest.raises(PermissionDenied):
        edit_comment(world.secretariat, comment.id, "changed by someone else")
    edit_comment(world.reviewer, comment.id, "SECOND-VERSION of the question")
    edit_comment(world.reviewer, comment.id, "THIRD-VERSION of the question")
    assert [r.body for r in comment.revisions] == [
        "SHARED-COMMENT: please explain the rise for people aged 50 and over.", "SECOND-VERSION of the question"]
    db.session.commit()
    login(world.delegate)
    page = client.get(f"/submissions/{world.own_submission.id}").get_data(as_text=True)
    assert "THIRD-VERSION" in page and "SECOND-VERSION" in page and "2 earlier versions" in page
    assert "SHARED-COMMENT: please explain" in page


def test_sharing_an_internal_thread_needs_confirmation_and_is_recorded(world, client, login):
    internal = world.internal_comment
    reply = services.reply(world.secretariat, internal.id, body="INTERNAL-REPLY")
    with pytest.raises(Conflict, match="Confirm that the delegation may read the whole thread"):
        share_thread(world.reviewer, internal.id, confirmed=False)
    assert internal.visibility == "internal"
    db.session.commit()
    login(world.reviewer)
    page = client.get(f"/comments/{internal.id}/share").get_data(as_text=True)
    assert "INTERNAL-REPLY" in page and "cannot be undone" in page
    response = client.post(f"/comments/{internal.id}/share", data={})
    assert response.status_code == 422 and "Confirm to share the thread." in response.get_data(as_text=True)
    assert client.post(f"/comments/{internal.id}/share", data={"confirm": "y"}).status_code == 302
    db.session.refresh(internal)
    db.session.refresh(reply)
    assert (internal.visibility, reply.visibility) == ("shared", "shared")
    event = db.session.query(AuditEvent).filter_by(action="comment.share").one()
    assert event.after["replies"] == 1 and event.before == {"visibility": "internal"}
    login(world.delegate)
    assert "INTERNAL-REPLY" in client.get(f"/submissions/{world.own_submission.id}").get_data(as_text=True)
    with pytest.raises(Conflict, match="already shared"):
        share_thread(world.reviewer, internal.id, confirmed=True)


def test_markdown_in_comments_is_rendered_and_sanitised(world, client, login):
    world.shared_comment.body = "**bold** <script>alert(1)</script> [x](javascript:alert(1))"
    db.session.commit()
    login(world.delegate)
    page = client.get(f"/submissions/{world.own_submission.id}").get_data(as_text=True)
    assert "<strong>bold</strong>" in page
    assert "<script>alert(1)" not in page and 'href="javascript' not in page


def test_the_page_offers_resolve_to_reviewers_only(world, client, login):
    db.session.commit()
    login(world.reviewer)
    assert "Resolve the thread" in client.get(f"/submissions/{world.own_submission.id}").get_data(as_text=True)
    login(world.delegate)
    assert "Resolve the thread" not in client.get(f"/submissions/{world.own_submission.id}").get_data(as_text=True)


def test_a_reviewer_added_elsewhere_cannot_edit_or_see_the_thread(world):
    stranger = UserFactory(role="reviewer", network=world.network)
    with pytest.raises(NotFound):
        edit_comment(stranger, world.internal_comment.id, "x")


def _event(action):
    return db.session.query(AuditEvent).filter_by(action=action).order_by(AuditEvent.id.desc()).first()


def _where(event, world, comment, actor):
    return (event.object_type, event.object_id, event.actor_id, event.network_id, event.cycle_id) == (
        "review_comment", comment.id, actor.id, world.network.id, world.cycle.id)


def test_resolving_and_reopening_say_who_and_are_recorded_with_the_submission(world):
    root = world.shared_comment
    resolved = resolve_thread(world.reviewer, root.id)
    assert resolved is root and root.resolved_at is not None and root.resolved_by_id == world.reviewer.id
    event = _event("comment.resolve")
    assert _where(event, world, root, world.reviewer) and event.after == {"submission_id": world.own_submission.id}
    with pytest.raises(Conflict) as refused:
        resolve_thread(world.secretariat, root.id)
    assert refused.value.message == "The thread is already resolved."
    reopened = reopen_thread(world.secretariat, root.id)
    assert reopened is root and root.resolved_at is None and root.resolved_by_id is None
    event = _event("comment.reopen")
    assert _where(event, world, root, world.secretariat) and event.after == {
        "submission_id": world.own_submission.id}
    with pytest.raises(Conflict) as refused:
        reopen_thread(world.reviewer, root.id)
    assert refused.value.message == "The thread is open; there is nothing to reopen."


def test_threads_are_resolved_at_their_first_comment_and_unknown_ones_are_not_found(world):
    answer = services.reply(world.delegate, world.shared_comment.id, body="An answer.")
    for act in (resolve_thread, reopen_thread):
        with pytest.raises(Conflict) as refused:
            act(world.reviewer, answer.id)
        assert refused.value.message == "Resolve, reopen or share the thread at its first comment."
        with pytest.raises(NotFound) as missing:
            act(world.reviewer, 987654)
        assert missing.value.message == "No such comment."
    with pytest.raises(NotFound):  # an internal thread is not even seen by the delegation
        resolve_thread(world.delegate, world.internal_comment.id)
    with pytest.raises(PermissionDenied):  # seen, but the delegation does not resolve
        reopen_thread(world.delegate, world.shared_comment.id)
    assert world.shared_comment.resolved_at is None and answer.resolved_at is None


def test_an_edit_is_recorded_and_keeps_when_the_earlier_text_was_written(world):
    comment = world.shared_comment
    comment.created_at = T0
    first_text = comment.body
    edited = edit_comment(world.reviewer, comment.id, "  Second text.  ")
    assert edited is comment and comment.body == "Second text." and comment.edited_at is not None
    (revision,) = comment.revisions
    assert (revision.body, revision.written_at) == (first_text, T0)
    event = _event("comment.edit")
    assert _where(event, world, comment, world.reviewer) and event.after == {
        "submission_id": world.own_submission.id}
    second_edit_at = comment.edited_at
    edit_comment(world.reviewer, comment.id, "Third text.")
    assert [(r.body, r.written_at) for r in comment.revisions] == [(first_text, T0), ("Second text.", second_edit_at)]
    assert edit_comment(world.reviewer, comment.id, "Third text.") is comment  # unchanged: no new version
    assert len(comment.revisions) == 2
    with pytest.raises(PermissionDenied) as refused:
        edit_comment(world.secretariat, comment.id, "Not theirs.")
    assert refused.value.message == "Only the author can edit a comment."
    with pytest.raises(NotFound) as missing:
        edit_comment(world.reviewer, 987654, "x")
    assert missing.value.message == "No such comment."
    world.cycle.status = "closed"
    with pytest.raises(Conflict) as refused:
        edit_comment(world.reviewer, comment.id, "After the close.")
    assert refused.value.message == "Comments can be written while the cycle is in review or reporting; it is Closed."
    assert comment.body == "Third text."


def test_sharing_a_thread_shares_every_reply_and_records_the_anchor(world):
    root = world.internal_comment
    answer = services.reply(world.secretariat, root.id, body="INTERNAL-REPLY")
    other = services.add_comment(world.reviewer, world.own_submission, body="Another internal thread",
                                 visibility="internal")
    with pytest.raises(Conflict) as refused:
        share_thread(world.reviewer, root.id, confirmed=False)
    assert refused.value.message == ("Confirm that the delegation may read the whole thread, replies included.")
    assert root.visibility == answer.visibility == "internal"
    shared = share_thread(world.reviewer, root.id, confirmed=True)
    assert shared is root and root.visibility == answer.visibility == "shared"
    assert other.visibility == "internal"  # another thread stays as it was
    event = _event("comment.share")
    assert _where(event, world, root, world.reviewer)
    assert event.before == {"visibility": "internal"}
    assert event.after == {"visibility": "shared", "replies": 1, "anchor": "The submission as a whole"}
    with pytest.raises(Conflict) as refused:
        share_thread(world.reviewer, root.id, confirmed=True)
    assert refused.value.message == "The thread is already shared with the delegation."


def test_the_share_preview_lists_the_replies_in_order_and_only_for_an_internal_thread(world):
    from peerreview.reviews.threads import preview_share

    root = world.internal_comment
    first = services.reply(world.secretariat, root.id, body="FIRST")
    second = services.reply(world.reviewer, root.id, body="SECOND")
    assert preview_share(world.reviewer, root.id) == (root, [first, second])
    with pytest.raises(Conflict) as refused:
        preview_share(world.reviewer, world.shared_comment.id)
    assert refused.value.message == "The thread is already shared with the delegation."
    with pytest.raises(NotFound):
        preview_share(world.delegate, root.id)


def test_each_thread_for_the_reports_carries_its_anchor_author_state_and_sanitised_text(world):
    root = world.shared_comment
    root.created_at = T0
    root.body = "**Why** <script>x</script>"
    root.is_request = True
    root.edited_at = T0 + timedelta(hours=1)
    answer = CommentFactory(submission=world.own_submission, author=world.delegate, visibility="shared",
                            parent_id=root.id, body="Because.", created_at=T0 + timedelta(days=30))
    CommentFactory(submission=world.other_submission, author=world.reviewer, visibility="shared", body="OTHER-ORG",
                   created_at=T0)
    resolve_thread(world.reviewer, root.id)
    (thread,) = threads_for_report(world.cycle.id, world.own_org.id)
    assert thread == {
        "organisation": "Bundesagentur für Arbeit", "organisation_id": world.own_org.id,
        "anchor": "1a Transitions into employment · Aged 50 and over · 2024",
        "author": "Marie Reviewer", "date": "10 Jan 2027", "body": root.body,
        "body_html": "<p><strong>Why</strong> &lt;script&gt;x&lt;/script&gt;</p>\n", "resolved": True,
        "is_request": True, "edited": True,
        "replies": [{"organisation": "Bundesagentur für Arbeit", "organisation_id": world.own_org.id,
                     "anchor": "The submission as a whole",
                     "author": "Dora Delegate",
                     "date": "9 Feb 2027", "body": answer.body, "body_html": "<p>Because.</p>\n", "resolved": False,
                     "is_request": False, "edited": False}]}
    everyone = threads_for_report(world.cycle.id)
    # In the order they were started (the world's Hello Work comment is from today, before T0), then by id.
    assert [t["body"][:9] for t in everyone] == ["OTHER-ORG", "**Why** <", "OTHER-ORG"]
    assert [t["organisation"] for t in everyone] == ["Hello Work", "Bundesagentur für Arbeit", "Hello Work"]
    hidden = threads_for_report(world.cycle.id, world.own_org.id, hide_reviewer_names=True)
    assert hidden[0]["author"] == "A peer reviewer" and hidden[0]["replies"][0]["author"] == "Dora Delegate"


def test_threads_for_the_reports_are_of_that_cycle_only_and_read_in_a_fixed_number_of_queries(world):
    from tests.factories import AreaFactory, CycleFactory, IndicatorFactory, OrganisationFactory, SubmissionFactory
    from tests.test_query_counts import counted

    later = CycleFactory(network=world.network, framework=world.framework, title="Next cycle", status="in_review")
    elsewhere = SubmissionFactory(cycle=later, organisation=world.own_org, status="submitted")
    CommentFactory(submission=elsewhere, author=world.reviewer, visibility="shared", body="NEXT-CYCLE")
    db.session.commit()
    assert "NEXT-CYCLE" not in str(threads_for_report(world.cycle.id))
    assert "NEXT-CYCLE" not in str(threads_for_report(world.cycle.id, world.own_org.id))

    cycle_id = world.cycle.id

    def queries() -> int:
        db.session.expunge_all()  # nothing already loaded: every author, anchor and organisation is read
        with counted(db) as calls:
            threads_for_report(cycle_id)
        return len(calls)

    area = AreaFactory(framework=world.framework, code="D")
    CommentFactory(submission=world.own_submission, author=world.reviewer, visibility="shared", body="ON-D",
                   area_id=area.id)  # every kind of anchor is there from the start
    db.session.commit()
    world_framework_id = world.framework.id
    ids = (world.network.id, world.own_submission.id, world.other_submission.id, world.delegate.id,
           world.indicator.id, area.id)
    few = queries()
    network_id, own_id, other_id, delegate_id, indicator_id, area_id = ids
    from peerreview.framework.models import Framework
    from peerreview.organisations.models import Network

    network = db.session.get(Network, network_id)
    framework = db.session.get(Framework, world_framework_id)
    more_areas = [AreaFactory(framework=framework, code=code) for code in ("E", "F")]
    more_indicators = [IndicatorFactory(framework=framework, area=more_areas[0], code=code) for code in ("9x", "9y")]
    db.session.flush()
    for n, (anchor_area, anchor_indicator) in enumerate(zip(more_areas, more_indicators, strict=True)):
        author = UserFactory(role="reviewer", network=network, organisation=OrganisationFactory(country=f"Y{n}"))
        CommentFactory(submission_id=own_id, author=author, visibility="shared", body=f"AREA-{n}",
                       area_id=anchor_area.id)
        CommentFactory(submission_id=other_id, author=author, visibility="shared", body=f"VALUE-{n}",
                       indicator_id=anchor_indicator.id, breakdown="_T", year=2023)
    for n in range(4):
        author = UserFactory(role="reviewer", network=network, organisation=OrganisationFactory(country=f"X{n}"))
        root = CommentFactory(submission_id=other_id if n % 2 else own_id, author=author, visibility="shared",
                              body=f"ROOT-{n}", area_id=area_id if n == 1 else None,
                              indicator_id=indicator_id if n == 2 else None,
                              breakdown="_T" if n == 2 else None, year=2024 if n == 2 else None)
        CommentFactory(submission_id=root.submission_id, author_id=delegate_id, visibility="shared",
                       parent_id=root.id, body=f"REPLY-{n}")
    db.session.commit()
    assert queries() == few
