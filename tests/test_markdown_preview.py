"""The Preview button of comments, replies, edits and assessment texts: sanitised Markdown, server-side.

With JavaScript the button asks `POST /markdown/preview` (CSRF-protected); without, it submits its form
with name=preview and the page comes back with the text kept, the preview shown and nothing saved.
"""
import re

import pytest
from sqlalchemy import func, select

from peerreview.extensions import db
from peerreview.reviews.models import AreaAssessment, Comment
from tests.factories import build_world

HOSTILE = ("**Strong** point\n\n<script>alert('x')</script>\n\n[click](javascript:alert(1)) "
           "[ok](https://example.org) <img src=x onerror=alert(2)> ![i](https://example.org/i.png)")


@pytest.fixture()
def world(db):
    return build_world()


def _comments():
    return db.session.scalar(select(func.count()).select_from(Comment))


def _assert_sanitised(html: str):
    assert "<strong>Strong</strong>" in html
    assert "<script" not in html and "&lt;script&gt;" in html  # shown as text, never run
    assert 'href="javascript' not in html.lower() and "<img" not in html  # no script link, no image
    assert re.search(r'<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>', html)


def test_the_preview_endpoint_renders_sanitised_markdown(world, client, login):
    login(world.reviewer)
    response = client.post("/markdown/preview", data={"text": HOSTILE})
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    _assert_sanitised(html)
    autolink = client.post("/markdown/preview", data={"text": "<javascript:alert(1)> [x](JaVaScRiPt:alert(1))"})
    assert "href" not in autolink.get_data(as_text=True)
    assert "Nothing written yet." in client.post("/markdown/preview", data={"text": ""}).get_data(as_text=True)
    assert client.post("/markdown/preview", data={"text": "x" * 20_001}).status_code == 413


def test_the_preview_endpoint_needs_a_sign_in_and_the_csrf_token(world, app, client, login):
    assert client.post("/markdown/preview", data={"text": "x"}).status_code == 302  # to the sign-in page
    login(world.delegate)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/markdown/preview", data={"text": "x"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_without_javascript_a_new_comment_is_previewed_kept_and_not_saved(world, client, login):
    login(world.reviewer)
    before = _comments()
    response = client.post(f"/submissions/{world.own_submission.id}/comments", data={
        "anchor": f"{world.indicator.id}/_T/2024", "body": HOSTILE, "visibility": "shared", "preview": "body"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and _comments() == before
    preview = page.split('id="body-preview"')[1].split("</div>\n")[0]
    _assert_sanitised(preview)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page  # the text as typed, escaped in its text area
    assert f'value="{world.indicator.id}/_T/2024" selected' in page  # the anchor chosen is kept


def test_without_javascript_a_reply_is_previewed_in_its_open_thread(world, client, login):
    login(world.delegate)
    before = _comments()
    response = client.post(f"/comments/{world.shared_comment.id}/reply", data={"body": HOSTILE, "preview": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and _comments() == before
    _assert_sanitised(page.split(f'id="reply-{world.shared_comment.id}-preview"')[1].split("</div>\n")[0])
    assert "<details class=\"govuk-details pr-comment--reply\" open>" in page


def test_without_javascript_an_edit_is_previewed_and_not_saved(world, client, login):
    login(world.reviewer)
    response = client.post(f"/comments/{world.shared_comment.id}/edit", data={"body": HOSTILE, "preview": "body"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    _assert_sanitised(page.split('id="body-preview"')[1].split("</div>\n")[0])
    db.session.refresh(world.shared_comment)
    assert world.shared_comment.body.startswith("SHARED-COMMENT") and world.shared_comment.revisions == []


def test_without_javascript_assessment_texts_are_previewed_kept_and_not_saved(world, client, login):
    area = world.indicator.area
    login(world.reviewer)
    response = client.post(f"/submissions/{world.own_submission.id}/assessment", data={
        f"score-{area.id}": "4", f"strengths-{area.id}": HOSTILE, f"recommendations-{area.id}": "- one\n- two",
        "preview": f"strengths-{area.id}"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(AreaAssessment)) == 0
    _assert_sanitised(page.split(f'id="strengths-{area.id}-preview"')[1].split("</div>\n")[0])
    assert "<li>one</li>" in page.split(f'id="recommendations-{area.id}-preview"')[1]
    assert f'id="improvements-{area.id}-preview" aria-live="polite" hidden' in page  # nothing typed there
    assert 'value="4" checked' in page  # the score chosen is kept


def test_pages_carry_the_preview_buttons(world, client, login):
    login(world.reviewer)
    detail = client.get(f"/submissions/{world.own_submission.id}").get_data(as_text=True)
    assert 'data-preview-for="body"' in detail and f'data-preview-for="reply-{world.shared_comment.id}"' in detail
    assessment = client.get(f"/submissions/{world.own_submission.id}/assessment").get_data(as_text=True)
    assert f'data-preview-for="strengths-{world.indicator.area.id}"' in assessment
    assert 'data-preview-url="/markdown/preview"' in assessment
