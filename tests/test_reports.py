"""PDF reports: content, visibility, immutability, and a renderer that fetches nothing."""
import hashlib
import io

import pytest
from pypdf import PdfReader

from peerreview.errors import Conflict
from peerreview.reports import services
from peerreview.reports.pdf import render_pdf
from tests.factories import CommentFactory


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def rendered(world, **request):
    """Ask for a render, commit as a request does; the job (immediate in tests) renders the draft."""
    from peerreview.extensions import db

    report = services.render_report(world.secretariat, world.cycle, **request)
    assert report.status == "queued"
    db.session.commit()
    assert report.status == "draft", report.failure
    return report


def _without_published_report(world):
    from peerreview.extensions import db

    db.session.delete(world.published_report)
    db.session.flush()


def test_feedback_report_has_name_median_and_only_shared_comments(app, world):
    _without_published_report(world)
    report = rendered(world, kind="feedback",
                      organisation_id=world.own_org.id)
    assert report.pdf.startswith(b"%PDF")
    text = pdf_text(report.pdf)
    assert "Bundesagentur für Arbeit" in text
    assert "SHARED-COMMENT" in text
    assert "INTERNAL-COMMENT" not in text
    assert "OTHER-ORG-COMMENT" not in text
    assert "45.3 (2)" in text  # median of 40.5 and 50.1 over two organisations


def test_synthesis_report_lists_participants(world):
    report = rendered(world, kind="synthesis")
    text = pdf_text(report.pdf)
    assert "Synthesis report" in text and "Hello Work" in text and "INTERNAL-COMMENT" not in text


def test_published_version_never_changes_a_correction_is_a_new_version(world):
    from peerreview.extensions import db

    report = rendered(world, kind="synthesis")
    assert "DRAFT" in pdf_text(report.pdf)  # the working copy is watermarked
    services.publish_report(world.secretariat, report, tier="public")
    db.session.commit()
    first = report.current_version
    assert (first.number, report.tier) == (1, "public")
    assert first.sha256 == hashlib.sha256(first.pdf).hexdigest()
    assert "DRAFT" not in pdf_text(first.pdf)
    with pytest.raises(Conflict, match="already published"):
        services.publish_report(world.secretariat, report, tier="public")
    rendered(world, kind="synthesis")  # a corrected draft
    with pytest.raises(Conflict, match="what this version corrects"):
        services.publish_report(world.secretariat, report, tier="public")
    services.publish_report(world.secretariat, report, tier="public", reason="Median of 2a was wrong.")
    db.session.commit()
    second = report.current_version
    assert second.number == 2 and second.correction_reason == "Median of 2a was wrong."
    assert (first.state, first.state_reason) == ("corrected", "Median of 2a was wrong.")
    assert hashlib.sha256(first.pdf).hexdigest() == first.sha256  # the earlier bytes are kept


def test_hostile_comment_is_printed_as_text_and_fetches_nothing(app, world, tmp_path, monkeypatch):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-FILE-CONTENT")
    CommentFactory(submission=world.own_submission, author=world.reviewer, visibility="shared",
                   body=f'<img src="file://{secret}"><script>alert(1)</script>'
                        f'<link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
                        f'<iframe src="file:///etc/passwd"></iframe>')
    _without_published_report(world)
    fetched = []
    from peerreview.reports import pdf

    original = pdf.StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf.StaticOnlyFetcher, "fetch", spy)
    report = rendered(world, kind="feedback",
                      organisation_id=world.own_org.id)
    text = pdf_text(report.pdf)
    assert "<script>alert(1)</script>" in text  # shown as text
    assert "TOP-SECRET-FILE-CONTENT" not in text
    assert all(url.startswith("https://peerreview.invalid/static/pdf/") for url in fetched), fetched


def test_fetcher_refuses_files_and_network(app):
    from pathlib import Path

    from peerreview.reports.pdf import BASE_URL, StaticOnlyFetcher

    fetcher = StaticOnlyFetcher(Path(app.static_folder) / "pdf")
    for url in ("file:///etc/passwd", "http://127.0.0.1/", "https://example.org/a.css",
                BASE_URL + "static/pdf/../../config.py", BASE_URL + "static/css/app.css"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch(BASE_URL + "static/pdf/report.css").read().startswith(b"/*")


def test_template_html_is_escaped(app):
    with app.test_request_context():
        data = render_pdf("reports/pdf/synthesis.html", {
            "cover": {"title": "<b>T</b>", "subtitle": "S", "network": "N", "cycle": "C", "theme": "", "host": "",
                      "kickoff": "", "years": "2024", "generated": "now"},
            "participants": [{"name": "<i>Evil</i>", "submitted": True}], "years": [2024], "rows": [],
            "comments": [], "illustrative": False, "texts": {"summary": "", "conclusions": ""}, "legend": [],
            "definitions": [], "indicators": [], "findings": []})
    assert "<i>Evil</i>" in pdf_text(data)


def test_download_file_name_is_safe_whatever_the_organisation_is_called(client, login, world, db):
    _without_published_report(world)
    world.own_org.name = 'Evil"; filename=../../etc/passwd <script>\r\nX-Injected: 1'
    db.session.commit()
    report = rendered(world, kind="feedback",
                      organisation_id=world.own_org.id)
    db.session.commit()
    login(world.secretariat)
    disposition = client.get(f"/reports/{report.id}/download").headers["Content-Disposition"]
    name = disposition.split('filename="', 1)[1].rstrip('"')
    assert all(ch.isalnum() or ch in "-_." for ch in name), name
    assert name.endswith(".pdf") and ".." not in name.removesuffix(".pdf")


def test_draft_self_assessment_never_reaches_a_report(world):
    """Only submitted content leaves a submission: texts like values."""
    from peerreview.extensions import db
    from peerreview.submissions.models import Narrative
    from tests.factories import AreaFactory

    area = AreaFactory(framework=world.framework, code="D", name="Relations with employers")
    db.session.add(Narrative(submission_id=world.own_submission.id, area_id=area.id, body="SUBMITTED-TEXT"))
    db.session.flush()
    context = services.feedback_context(world.cycle, world.own_org)
    assert [n["html"] for n in context["narratives"]] == ["<p>SUBMITTED-TEXT</p>\n"]
    world.own_submission.status = "draft"  # returned for revision: work in progress again
    db.session.flush()
    context = services.feedback_context(world.cycle, world.own_org)
    assert context["narratives"] == []
    assert all(cell["own"]["text"] == "–" for row in context["rows"] for cell in row["cells"])
