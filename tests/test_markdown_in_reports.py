"""Texts written in Markdown keep their tables and headings, in pages and PDFs, and stay safe."""
from peerreview.extensions import db
from peerreview.markdown import render_markdown
from peerreview.submissions.models import Narrative
from tests.factories import AreaFactory
from tests.test_report_pdfs import _reader, _structure, _text
from tests.test_reports import _without_published_report, rendered

TEXT = """# Summary

Transitions rose for people **aged 50 and over**.

## By age group

| Age group | 2023 | 2024 |
|---|--:|--:|
| 50+ | 31.0 | 34.5 |

<script>alert(1)</script> <img src="file:///etc/passwd">
"""


def test_tables_and_headings_render_below_the_documents_own_headings():
    html = str(render_markdown(TEXT))
    assert "<h3>Summary</h3>" in html and "<h4>By age group</h4>" in html
    assert "<table>" in html and "<th>Age group</th>" in html and "<td>34.5</td>" in html
    assert "|---" not in html
    assert "<script>" not in html and "<img" not in html and "style=" not in html  # CSP: no inline styles


def test_a_narrative_table_is_a_table_in_the_tagged_pdf(world):
    _without_published_report(world)
    area = AreaFactory(framework=world.framework, code="Z", name="Sustainable activation")
    db.session.add(Narrative(submission_id=world.own_submission.id, area_id=area.id, body=TEXT))
    db.session.commit()
    reader = _reader(rendered(world, kind="feedback", organisation_id=world.own_org.id))
    text = "\n".join(_text(reader))
    assert "By age group" in text and "34.5" in text and "|---" not in text
    assert "alert(1)" in text  # shown as text, never run or fetched
    tables = [tag for tag, _alt in _structure(reader) if tag == "/Table"]
    assert len(tables) >= 3  # definitions, indicators and the narrative's own table
