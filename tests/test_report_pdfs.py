"""The PDFs as an archive and a reader see them: PDF/A-3u identification, metadata, tags with alt
text, the data attached as CSV (equal to the data), contents with page numbers, page x of y, the
illustrative notice only where the cycle says so, and a layout that holds at 150 organisations.
Read back with pypdf, an independent reader."""
import csv
import io
from decimal import Decimal

from pypdf import PdfReader

from peerreview.charts import PAGE_HEIGHT
from peerreview.reports.print_data import feedback_csv, synthesis_context, synthesis_csv
from tests.factories import OrganisationFactory, SubmissionFactory, ValueFactory
from tests.test_reports import _without_published_report, rendered


def _reader(report) -> PdfReader:
    return PdfReader(io.BytesIO(report.pdf))


def _xmp(reader: PdfReader) -> str:
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()


def _structure(reader: PdfReader) -> list[tuple[str, object]]:
    found = []

    def walk(node):
        node = node.get_object()
        if not hasattr(node, "get"):
            return
        if "/S" in node:
            found.append((node["/S"], node.get("/Alt")))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else ([kids] if kids is not None else []):
            if hasattr(kid, "get_object"):
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


def _text(reader: PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def test_a_feedback_report_is_pdf_a_3u_tagged_with_metadata_and_its_data(world):
    _without_published_report(world)
    report = rendered(world, kind="feedback", organisation_id=world.own_org.id)
    reader = _reader(report)
    xmp = _xmp(reader)
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp
    info = reader.metadata
    assert info["/Author"] == "WAPES"  # the network puts its name on it
    assert info["/Title"] == "Feedback report – Bundesagentur für Arbeit"
    assert info["/Subject"] == "Feedback report for Bundesagentur für Arbeit in WAPES Global Peer Review"
    assert f"peerreview report {report.id}" in info["/Keywords"]
    assert reader.trailer["/Root"]["/Lang"] == "en"
    tags = _structure(reader)
    assert {"/Document", "/H1", "/H2", "/Table", "/Figure"} <= {t for t, _alt in tags}
    figures = [alt for t, alt in tags if t == "/Figure"]
    assert figures and all(alt for alt in figures)  # every chart has alt text
    attached = reader.attachments["feedback-data.csv"][0]
    assert attached == feedback_csv(world.cycle, world.own_org)
    rows = list(csv.DictReader(io.StringIO(attached.decode())))
    row = next(r for r in rows if r["indicator"] == "1a" and r["year"] == "2024")
    assert (row["value"], row["network_median"], row["n"]) == ("40.5", "45.3", "2")  # (40.5 + 50.1) / 2


def test_contents_with_page_numbers_running_header_and_page_x_of_y(world):
    report = rendered(world, kind="synthesis")
    pages = _text(_reader(report))
    total = len(pages)
    assert "Contents" in pages[1]
    assert any(line.startswith("Method and definitions") and line.rstrip()[-1].isdigit()
               for line in pages[1].splitlines())  # a leader and the page number
    assert f"Page 2 of {total}" in pages[1] and f"Page {total} of {total}" in pages[-1]
    assert "Page 1 of" not in pages[0]  # the cover has no footer
    assert "Synthesis report" in pages[2] and "WAPES Global Peer Review" in pages[2]  # the running header


def test_the_synthesis_cover_does_not_repeat_the_network_and_lists_countries(world):
    context = synthesis_context(world.cycle)
    assert context["cover"]["subtitle"] == "WAPES Global Peer Review" != context["cover"]["network"]
    assert {(p["name"], p["country"]) for p in context["participants"]} == {
        ("Bundesagentur für Arbeit", "DE"), ("Hello Work", "JP")}
    one = next(i for i in context["indicators"] if i["code"] == "1a")
    assert [(r["name"], r["country"], [v["text"] for v in r["values"]]) for r in one["table"]] == [
        ("Bundesagentur für Arbeit", "DE", ["–", "–", "40.5"]), ("Hello Work", "JP", ["–", "–", "50.1"])]
    assert "Hello Work (JP)" in str(one["chart"])


def test_the_synthesis_attaches_every_submitted_value(world):
    report = rendered(world, kind="synthesis")
    attached = _reader(report).attachments["synthesis-data.csv"][0]
    assert attached == synthesis_csv(world.cycle)
    assert attached.decode().splitlines() == ["organisation,country,indicator,year,value,flag",
                                              "Bundesagentur für Arbeit,DE,1a,2024,40.5,",
                                              "Hello Work,JP,1a,2024,50.1,"]


def test_the_illustrative_notice_only_where_the_cycle_says_so(world, db):
    text = "\n".join(_text(_reader(rendered(world, kind="synthesis"))))
    assert "illustrative" not in text
    world.cycle.illustrative_data = True
    db.session.commit()
    text = "\n".join(_text(_reader(rendered(world, kind="synthesis"))))
    assert "The figures of this cycle are illustrative, not official statistics." in text


def test_at_150_organisations_every_chart_fits_its_page_and_shows_the_reviewed_pes(world, db):
    _without_published_report(world)
    for i in range(148):
        org = OrganisationFactory(name=f"Public Employment Service of Country {i:03d}", network=world.network)
        submission = SubmissionFactory(cycle=world.cycle, organisation=org, status="submitted")
        ValueFactory(submission_id=submission.id, indicator_id=world.indicator.id, value=Decimal(20 + i % 60))
    db.session.commit()
    from peerreview.reports.services import feedback_context

    context = feedback_context(world.cycle, world.own_org)
    drawn = [c for c in context["charts"] if c["svg"]]
    assert drawn
    for chart in drawn:
        height = float(str(chart["svg"]).split('viewBox="0 0 ', 1)[1].split('"', 1)[0].split()[1])
        assert height <= PAGE_HEIGHT
        assert "Bundesagentur für Arbeit (DE): 40.5" in str(chart["svg"])  # the reviewed PES, in every chart
    report = rendered(world, kind="feedback", organisation_id=world.own_org.id)
    reader = _reader(report)
    pages = _text(reader)
    chart_page = next(i for i, p in enumerate(pages) if "Headline indicators, last reference year" in p)
    assert "1a Transitions into employment (2024)" in pages[chart_page]  # the heading is not alone on its page
    for page in reader.pages:
        box = page.mediabox
        assert (float(box.width), float(box.height)) == (595.0, 842.0) or abs(float(box.width) - 595.28) < 1


def test_the_secretariat_marks_a_cycle_illustrative_and_can_take_it_back(world, db):
    from dataclasses import replace

    from peerreview.cycles import services as cycles

    data = cycles.CycleData(**{key: getattr(world.cycle, key) for key in cycles.CYCLE_FIELDS})
    assert data.illustrative_data is False  # real unless someone says otherwise
    cycles.save_cycle(world.secretariat, world.network, replace(data, illustrative_data=True), world.cycle.id,
                      expected_version=world.cycle.version)
    db.session.flush()
    assert world.cycle.illustrative_data is True
    cycles.save_cycle(world.secretariat, world.network, replace(data, illustrative_data=False), world.cycle.id,
                      expected_version=world.cycle.version)
    db.session.flush()
    assert world.cycle.illustrative_data is False


def test_the_cycle_form_has_a_labelled_checkbox_for_illustrative_figures(client, login, world):
    login(world.secretariat)
    html = client.get(f"/cycles/{world.cycle.id}/edit").get_data(as_text=True)
    assert 'name="illustrative_data"' in html and "not official statistics" in html


def test_the_feedback_report_shows_sex_and_age_groups_incl_50_plus(world, db):
    _without_published_report(world)
    # 1a is collected by sex and age (the factory's default); last reference year 2024.
    for submission, value in ((world.own_submission, "22.5"), (world.other_submission, "31.0")):
        ValueFactory(submission_id=submission.id, indicator_id=world.indicator.id, breakdown="Y_GE50",
                     value=Decimal(value))
    ValueFactory(submission_id=world.own_submission.id, indicator_id=world.indicator.id, breakdown="SEX_F",
                 value=Decimal("41.0"))
    world.other_submission.status = "draft"  # its 31.0 must leave the median: drafts are nobody's business
    db.session.commit()
    from peerreview.reports.services import feedback_context

    table = next(t for t in feedback_context(world.cycle, world.own_org)["breakdowns"] if t["code"] == "1a")
    rows = {r["label"]: (r["own"], r["median"], r["n"]) for r in table["rows"]}
    assert rows["Aged 50 and over"] == ("22.5", "22.5", 1)
    assert rows["Women"] == ("41.0", "41.0", 1)
    assert rows["Men"] == ("–", "–", 0)
    world.other_submission.status = "submitted"
    db.session.commit()
    report = rendered(world, kind="feedback", organisation_id=world.own_org.id)
    text = "\n".join(_text(_reader(report)))
    assert "By sex and age group" in text and "Aged 50 and over 22.5 26.8 (2)" in text  # (22.5 + 31.0) / 2 = 26.75
