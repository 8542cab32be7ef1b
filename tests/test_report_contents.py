"""What the PDFs print (issue 9): the secretariat's summary and conclusions, the consolidated
assessment (never a reviewer's own), flags as symbols with a legend, explanations and comparability
notes as numbered notes, confidential values and values without a number never, anonymous codes
everywhere an organisation would be named; and the texts' and naming pages."""
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import event, select

from peerreview.errors import Conflict
from peerreview.reports import texts
from peerreview.reports.print_data import printable_values, synthesis_context, synthesis_csv
from peerreview.reviews.models import AreaAssessment
from peerreview.submissions.models import ComparabilityNote
from tests.factories import AreaFactory, OrganisationFactory, SubmissionFactory, ValueFactory
from tests.test_reports import _without_published_report, rendered


def _text(report) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(report.pdf)).pages)


def _attached(report, name) -> str:
    return PdfReader(io.BytesIO(report.pdf)).attachments[name][0].decode()


def _consolidate(world, db):
    area = AreaFactory(framework=world.framework, code="Z", name="Sustainable activation")
    world.assignment.is_lead, world.assignment.consolidated_at = True, datetime.now(UTC)
    db.session.add_all([
        AreaAssessment(submission_id=world.own_submission.id, area_id=area.id, kind="consolidated",
                       owner="consolidated", score=4, strengths="CONSOLIDATED-STRENGTH", improvements="",
                       recommendations="CONSOLIDATED-RECOMMENDATION", good_practices="CONSOLIDATED-GOOD-PRACTICE"),
        AreaAssessment(submission_id=world.own_submission.id, area_id=area.id, kind="reviewer",
                       owner=f"reviewer:{world.assignment.id}", assignment_id=world.assignment.id, score=1,
                       strengths="REVIEWER-OWN-TEXT", improvements="", recommendations="", good_practices=""),
    ])


def _flagged_values(world):
    """Own 2024: estimated, with an explanation; other 2023: confidential 77.7; other 2022: not available."""
    own = db_value(world.own_submission.id, world.indicator.id, 2024)
    own.flag, own.explanation = "estimated", "New counting of long-term jobseekers from 2024."
    ValueFactory(submission_id=world.other_submission.id, indicator_id=world.indicator.id, year=2023,
                 value=Decimal("77.7"), flag="confidential")
    ValueFactory(submission_id=world.other_submission.id, indicator_id=world.indicator.id, year=2022,
                 value=None, flag="not_available")
    ValueFactory(submission_id=world.own_submission.id, indicator_id=world.indicator.id, year=2023,
                 value=Decimal("39.9"), flag="break_in_series")


def db_value(submission_id, indicator_id, year):
    from peerreview.extensions import db
    from peerreview.submissions.models import IndicatorValue

    return db.session.scalar(select(IndicatorValue).where(
        IndicatorValue.submission_id == submission_id, IndicatorValue.indicator_id == indicator_id,
        IndicatorValue.year == year, IndicatorValue.breakdown == "_T"))


def test_the_feedback_pdf_prints_summary_assessment_notes_and_symbols_and_nothing_confidential(world, db):
    _without_published_report(world)
    world.cycle.hide_reviewer_names = True
    _consolidate(world, db)
    _flagged_values(world)
    db.session.add(ComparabilityNote(submission_id=world.own_submission.id, indicator_id=world.indicator.id,
                                     body="Counts registered jobseekers only."))
    texts.save_report_text(world.secretariat, world.cycle, world.own_org.id, version=None,
                           summary="## Key messages\n\n| Area | Finding |\n|---|---|\n| C | SUMMARY-CELL |\n\n"
                                   "<script>alert(1)</script>",
                           conclusions="CONCLUDING-TEXT")
    db.session.commit()
    report = rendered(world, kind="feedback", organisation_id=world.own_org.id)
    text = _text(report)
    assert "Executive summary" in text and "Key messages" in text and "SUMMARY-CELL" in text
    assert "<script>alert(1)</script>" in text  # shown as text, never markup
    assert "Conclusions" in text and "CONCLUDING-TEXT" in text
    assert "CONSOLIDATED-STRENGTH" in text and "CONSOLIDATED-GOOD-PRACTICE" in text
    assert "CONSOLIDATED-RECOMMENDATION" in text and "maturity 4 – Advanced" in text
    assert "REVIEWER-OWN-TEXT" not in text and "1 – Starting" not in text  # a reviewer's own scores never
    assert world.reviewer.name not in text  # the cycle hides reviewer names
    assert "e estimated; p provisional; b break in series" in text
    assert "40.5 e" in text and "39.9 b" in text
    assert "1a 2024: New counting of long-term jobseekers from 2024." in text
    assert "1a, national definition: Counts registered jobseekers only." in text
    assert "77.7" not in text and "77.7" not in _attached(report, "feedback-data.csv")
    assert "DRAFT" in text


def test_one_rule_of_what_a_report_may_print(world, db):
    _flagged_values(world)
    db.session.flush()
    printable = printable_values(world.cycle.id)
    other = world.other_org.id
    assert (other, world.indicator.id, "_T", 2023) not in printable  # confidential
    assert (other, world.indicator.id, "_T", 2022) not in printable  # no number
    assert "77.7" not in synthesis_csv(world.cycle).decode()
    own = printable[(world.own_org.id, world.indicator.id, "_T", 2024)]
    assert (own.value, own.flag, own.explanation) == (Decimal("40.5"), "estimated",
                                                      "New counting of long-term jobseekers from 2024.")
    world.own_submission.status = "draft"
    db.session.flush()
    assert all(org != world.own_org.id for org, *_rest in printable_values(world.cycle.id))


def test_an_anonymous_organisation_appears_under_its_code_everywhere(world, db):
    _consolidate(world, db)
    other = db.session.scalar(select(AreaAssessment).where(AreaAssessment.owner == "consolidated"))
    other.good_practices = "NETWORK-GOOD-PRACTICE"
    texts.choose_naming(world.delegate, world.own_submission, anonymous=True, version=None)
    # The host is named on the cover as the cycle's host (public knowledge), never beside figures.
    world.cycle.host_organisation_id = None
    db.session.commit()
    context = synthesis_context(world.cycle)
    names = {p["name"] for p in context["participants"]}
    assert names == {"PES 01", "Hello Work"}
    assert {p["country"] for p in context["participants"]} == {"", "JP"}
    report = rendered(world, kind="synthesis")
    text = _text(report)
    assert "PES 01" in text and "NETWORK-GOOD-PRACTICE" in text
    assert "Bundesagentur" not in text and "Bundesagentur" not in _attached(report, "synthesis-data.csv")
    assert "Bundesagentur" not in synthesis_csv(world.cycle).decode()
    assert "Good practices and recommendations" in text
    # The other organisation's feedback report shows it under its code too; its own names it.
    other_context = rendered(world, kind="feedback", organisation_id=world.other_org.id)
    assert "Bundesagentur" not in _text(other_context)


def test_a_code_stays_with_its_organisation_and_needs_the_current_version(world, db):
    first = texts.choose_naming(world.secretariat, world.own_submission, anonymous=True, version=None)
    second = texts.choose_naming(world.secretariat, world.other_submission, anonymous=True, version=None)
    assert (first.code, second.code) == ("PES 01", "PES 02")
    db.session.flush()
    texts.choose_naming(world.secretariat, world.own_submission, anonymous=False, version=first.version)
    assert first.code == ""
    texts.choose_naming(world.secretariat, world.own_submission, anonymous=True, version=first.version)
    assert first.code == "PES 01"
    with pytest.raises(Conflict, match="Someone else changed"):
        texts.choose_naming(world.secretariat, world.own_submission, anonymous=False, version=first.version - 1)


def test_the_texts_are_versioned_against_lost_updates(world, db):
    row = texts.save_report_text(world.secretariat, world.cycle, 0, summary="A", conclusions="", version=None)
    db.session.flush()
    opened = row.version
    texts.save_report_text(world.secretariat, world.cycle, 0, summary="B", conclusions="", version=opened)
    db.session.flush()
    with pytest.raises(Conflict, match="Someone else changed"):
        texts.save_report_text(world.secretariat, world.cycle, 0, summary="C", conclusions="", version=opened)
    with pytest.raises(Conflict):
        texts.save_report_text(world.secretariat, world.cycle, 0, summary="D", conclusions="", version=None)
    assert row.summary == "B"


def test_the_texts_page_previews_saves_and_keeps_what_was_typed_on_a_conflict(client, login, world, db):
    login(world.secretariat)
    url = f"/cycles/{world.cycle.id}/reports/texts/0"
    page = client.post(url, data={"summary": "## Heading\n\n<script>x</script>", "conclusions": "", "version": "",
                                  "preview": "Preview"}).get_data(as_text=True)
    assert "<h4>Heading</h4>" in page and "<script>x</script>" not in page
    assert texts.report_text(world.cycle.id, 0) is None  # a preview saves nothing
    assert client.post(url, data={"summary": "Saved", "conclusions": "", "version": ""}).status_code == 302
    stale = client.post(url, data={"summary": "MY-TYPED-TEXT", "conclusions": "", "version": "99"})
    assert stale.status_code == 422
    body = stale.get_data(as_text=True)
    assert "Someone else changed" in body and "MY-TYPED-TEXT" in body


def test_the_naming_page_offers_each_delegation_its_own_organisation_only(client, login, world):
    login(world.delegate)
    page = client.get(f"/cycles/{world.cycle.id}/naming").get_data(as_text=True)
    assert world.own_org.name in page and world.other_org.name not in page
    assert client.post(f"/cycles/{world.cycle.id}/naming/{world.other_submission.id}",
                       data={"naming": "anonymous"}).status_code == 403
    assert client.post(f"/cycles/{world.cycle.id}/naming/{world.own_submission.id}",
                       data={"naming": "anonymous", "version": ""}).status_code == 302
    assert "PES 01" in client.get(f"/cycles/{world.cycle.id}/naming").get_data(as_text=True)


def test_the_synthesis_print_data_reads_the_same_number_of_queries_at_any_size(world, db):
    def statements_for_synthesis() -> int:
        count = []
        listener = lambda *_a, **_k: count.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            synthesis_context(world.cycle)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(count)

    _consolidate(world, db)
    db.session.commit()
    small = statements_for_synthesis()
    for n in range(4):
        submission = SubmissionFactory(cycle=world.cycle, organisation=OrganisationFactory(), status="submitted")
        ValueFactory(submission_id=submission.id, indicator_id=world.indicator.id, explanation=f"Explained {n}")
        db.session.add(ComparabilityNote(submission_id=submission.id, indicator_id=world.indicator.id, body=f"N{n}"))
        texts.choose_naming(world.secretariat, submission, anonymous=n % 2 == 0, version=None)
    db.session.commit()
    db.session.expire_all()
    assert statements_for_synthesis() == small


def test_participants_list_names_first_then_codes_in_numeric_order(world):
    from types import SimpleNamespace

    from peerreview.reports.print_data import Names

    names = Names(world.cycle.id)
    names.codes = {1: "PES 100", 2: "PES 09", 3: "PES 10"}
    people = [(SimpleNamespace(id=i, name=n), "submitted") for i, n in ((1, "A"), (2, "B"), (3, "C"), (4, "Zed"),
                                                                        (5, "Alpha"))]
    assert [names.name(o) for o, _s in sorted(people, key=names.sort_key)] == [
        "Alpha", "Zed", "PES 09", "PES 10", "PES 100"]
