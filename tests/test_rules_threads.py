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
