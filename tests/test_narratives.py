"""Self-assessment narratives: saving, limits, safe Markdown, comments on them, the PDF."""
import io

import pytest
from pypdf import PdfReader

from peerreview.errors import ValidationFailed
from peerreview.markdown import render_markdown
from peerreview.submissions import narratives
from tests.factories import AreaFactory, CycleFactory, SubmissionFactory, UserFactory


@pytest.fixture()
def draft(db):
    cycle = CycleFactory(status="open")
    area_c = AreaFactory(framework=cycle.framework, code="C", name="Transitions")
    area_d = AreaFactory(framework=cycle.framework, code="D", name="Employers")
    submission = SubmissionFactory(cycle=cycle)
    delegate = UserFactory(network=submission.cycle.network, organisation=submission.organisation)
    return submission, area_c, area_d, delegate


def test_save_and_change_narratives(draft):
    submission, c, d, delegate = draft
    change = narratives.NarrativeChange
    assert narratives.save_narratives(delegate, submission, [change(c.id, "We coach **50+** jobseekers.", 0),
                                                             change(d.id, "", 0)]).changed == 1
    assert narratives.save_narratives(delegate, submission,
                                      [change(c.id, "We coach **50+** jobseekers.", 1)]).changed == 0
    assert narratives.narratives_for(submission.id)[c.id].body == "We coach **50+** jobseekers."


def test_every_too_long_text_is_reported_and_nothing_saved(draft):
    submission, c, d, delegate = draft
    long = "x" * (narratives.MAX_NARRATIVE_LENGTH + 1)
    with pytest.raises(ValidationFailed) as failed:
        narratives.save_narratives(delegate, submission, [narratives.NarrativeChange(c.id, long, 0),
                                                           narratives.NarrativeChange(d.id, long, 0)])
    assert set(failed.value.errors) == {narratives.field_name(c.id), narratives.field_name(d.id)}
    assert narratives.narratives_for(submission.id) == {}


def test_a_text_changed_meanwhile_is_offered_and_other_areas_are_saved(draft):
    submission, c, d, delegate = draft
    change = narratives.NarrativeChange
    colleague = UserFactory(network=submission.cycle.network, organisation=submission.organisation,
                            name="Colleague Carla")
    narratives.save_narratives(delegate, submission, [change(c.id, "first", 0)])
    narratives.save_narratives(colleague, submission, [change(c.id, "theirs", 1)])
    result = narratives.save_narratives(delegate, submission, [change(c.id, "mine", 1), change(d.id, "D text", 0)])
    saved = narratives.narratives_for(submission.id)
    assert saved[c.id].body == "theirs" and saved[d.id].body == "D text"
    (conflict,) = result.conflicts
    assert (conflict.label, conflict.theirs, conflict.yours, conflict.changed_by, conflict.version) == (
        "C Transitions", "theirs", "mine", "Colleague Carla", 2)
    assert result.changed == 1
    # Keeping one's own text: save it again from the version now shown.
    assert narratives.save_narratives(delegate, submission, [change(c.id, "mine", 2)]).changed == 1
    assert narratives.narratives_for(submission.id)[c.id].body == "mine"


def test_values_and_texts_never_block_each_other(draft):
    from peerreview.submissions import services
    from tests.factories import IndicatorFactory

    submission, c, _d, delegate = draft
    indicator = IndicatorFactory(framework=submission.cycle.framework)
    narratives.save_narratives(delegate, submission, [narratives.NarrativeChange(c.id, "first", 0)])
    services.save_values(delegate, submission, [services.CellChange(indicator.id, "_T", 2024, "10")])
    # The text form was loaded at version 1 of area C, before the value save: still saved.
    result = narratives.save_narratives(delegate, submission, [narratives.NarrativeChange(c.id, "second", 1)])
    assert result.conflicts == [] and narratives.narratives_for(submission.id)[c.id].body == "second"


def test_markdown_is_rendered_safely(app):
    html = str(render_markdown('**ok** <script>alert(1)</script> [x](javascript:alert(1)) '
                               '![i](file:///etc/passwd) <img src=x onerror=alert(1)> [y](https://example.org)'))
    assert "<strong>ok</strong>" in html
    assert "<script>" not in html and "<img" not in html and 'href="javascript' not in html
    assert 'href="https://example.org"' in html


def test_narrative_page_keeps_text_on_error_and_comments_can_anchor_to_it(client, login, world, db):
    area = world.indicator.area
    world.cycle.status = "open"
    world.own_submission.status = "draft"
    db.session.commit()
    login(world.delegate)
    field = narratives.field_name(area.id)
    long = "y" * (narratives.MAX_NARRATIVE_LENGTH + 5)
    r = client.post(f"/submissions/{world.own_submission.id}/narratives",
                    data={"version": world.own_submission.version, field: long})
    assert r.status_code == 422 and "Use at most 20000 characters" in r.get_data(as_text=True)
    assert long in r.get_data(as_text=True)
    r = client.post(f"/submissions/{world.own_submission.id}/narratives",
                    data={"version": world.own_submission.version, field: "Our **50+ team** <script>x</script>"})
    assert r.status_code == 302
    html = client.get(f"/submissions/{world.own_submission.id}").get_data(as_text=True)
    assert "<strong>50+ team</strong>" in html and "<script>x</script>" not in html

    world.cycle.status = "in_review"
    world.own_submission.status = "submitted"
    db.session.commit()
    login(world.reviewer)
    r = client.post(f"/submissions/{world.own_submission.id}/comments",
                    data={"anchor": f"area/{area.id}", "body": "How big is the team?", "visibility": "shared"})
    assert r.status_code == 302
    from peerreview.reports.services import render_report

    db.session.delete(world.published_report)
    db.session.commit()
    report = render_report(world.secretariat, world.cycle, kind="feedback", organisation_id=world.own_org.id)
    db.session.commit()  # the render job runs after the commit (at once in the tests)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(report.pdf)).pages)
    assert "50+ team" in text and "How big is the team?" in text and "Self-assessment" in text
