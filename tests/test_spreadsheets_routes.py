"""The spreadsheet and document pages: every error path answers with its message, nothing valid is lost."""
from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from peerreview.extensions import db
from peerreview.submissions import spreadsheets
from peerreview.submissions.models import SubmissionDocument
from peerreview.submissions.services import value_map
from tests.factories import build_world


@pytest.fixture()
def w(db):
    world = build_world("open")
    world.own_submission.status = "draft"
    world.own_submission.submitted_at = None
    db.session.commit()
    return world


def _post_file(client, url: str, data: bytes, filename: str, field: str = "file"):
    return client.post(url, data={field: (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def _template(client, w) -> bytes:
    response = client.get(f"/submissions/{w.own_submission.id}/values.xlsx")
    assert response.status_code == 200
    assert response.mimetype == spreadsheets.XLSX_TYPE
    assert "attachment" in response.headers["Content-Disposition"]
    return response.data


def _set(data: bytes, changes: dict) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[spreadsheets.VALUES_SHEET]
    for row in range(spreadsheets.HEADER_ROW + 1, sheet.max_row + 1):
        key = (sheet.cell(row, 1).value, sheet.cell(row, 6).value, sheet.cell(row, 7).value)
        if key in changes:
            sheet.cell(row, 8).value = changes[key]
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_upload_page_has_a_labelled_file_input_and_the_download_links(client, login, w):
    login(w.delegate)
    page = client.get(f"/submissions/{w.own_submission.id}/upload").get_data(as_text=True)
    assert '<label class="govuk-label" for="file">' in page
    assert 'type="file"' in page and 'enctype="multipart/form-data"' in page
    assert f"/submissions/{w.own_submission.id}/values.xlsx" in page
    assert f"/submissions/{w.own_submission.id}/values.csv" in page
    detail = client.get(f"/submissions/{w.own_submission.id}").get_data(as_text=True)
    assert f"/submissions/{w.own_submission.id}/upload" in detail


def test_a_clean_upload_saves_and_returns_to_the_submission(client, login, w):
    login(w.delegate)
    data = _set(_template(client, w), {("1a", "_T", 2022): "12,5", ("3a", "_T", 2024): 900})
    response = _post_file(client, f"/submissions/{w.own_submission.id}/upload", data, "values.xlsx")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/submissions/{w.own_submission.id}")
    values = {k: Decimal(v.value) for k, v in value_map(w.own_submission.id).items()}
    assert values[(w.indicator.id, "_T", 2022)] == Decimal("12.5")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 value(s) changed from values.xlsx." in page
    assert "file values.xlsx uploaded (by the delegation): 2 value(s) saved, 0 cell(s) not saved" in page


def test_an_upload_with_bad_cells_saves_the_rest_and_lists_them_in_a_table(client, login, w):
    login(w.delegate)
    data = _set(_template(client, w), {("1a", "_T", 2022): "=A1*2", ("1a", "_T", 2023): 150,
                                       ("1a", "_T", 2024): 41})
    response = _post_file(client, f"/submissions/{w.own_submission.id}/upload", data, "values.xlsx")
    assert response.status_code == 200  # the valid cell is saved: the request commits
    page = response.get_data(as_text=True)
    assert "1 value(s) saved, 0 cleared, 0 flag(s) or note(s) changed" in page and "2 cell(s) were not saved" in page
    assert '<caption class="govuk-table__caption govuk-table__caption--m">Cells not saved</caption>' in page
    assert "This cell holds a formula (=A1*2)" in page and "Must be at most 100." in page
    db.session.expire_all()
    assert Decimal(value_map(w.own_submission.id)[(w.indicator.id, "_T", 2024)].value) == Decimal("41")


@pytest.mark.parametrize(("make", "filename", "message"), [
    (lambda t: b"", "values.xlsx", "The file is empty."),
    (lambda t: b"just text", "values.xlsx", "This file is not an Excel workbook (.xlsx)"),
    (lambda t: t, "values.xlsm", "Files with macros (values.xlsm) are refused."),
    (lambda t: b"PK" + b"\0" * (5 * 1024 * 1024 + 10), "values.xlsx", "files of at most 5 MB are accepted"),
    (lambda t: b"indicator,value\n1a,3\n", "values.csv", "The first row must hold the headers"),
])
def test_a_refused_file_is_reported_beside_the_field_and_in_the_summary(client, login, w, make, filename, message):
    login(w.delegate)
    data = make(_template(client, w))
    before = dict(value_map(w.own_submission.id))
    response = _post_file(client, f"/submissions/{w.own_submission.id}/upload", data, filename)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and 'href="#file"' in page
    assert 'class="govuk-error-message"' in page and message in page
    assert dict(value_map(w.own_submission.id)).keys() == before.keys()


def test_a_zip_bomb_and_another_submissions_file_are_refused(client, login, w):
    login(w.delegate)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    response = _post_file(client, f"/submissions/{w.own_submission.id}/upload", bomb.getvalue(), "values.xlsx")
    assert response.status_code == 422 and "zip bomb" in response.get_data(as_text=True)
    login(w.secretariat)
    other = client.get(f"/submissions/{w.other_submission.id}/values.csv").data
    response = _post_file(client, f"/submissions/{w.own_submission.id}/upload", other, "other.csv")
    assert response.status_code == 422
    assert "This file belongs to another submission" in response.get_data(as_text=True)


def test_no_file_chosen(client, login, w):
    login(w.delegate)
    response = client.post(f"/submissions/{w.own_submission.id}/upload", data={},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose the file to upload." in response.get_data(as_text=True)


def test_the_secretariat_uploads_on_behalf_with_a_warning(client, login, w):
    login(w.secretariat)
    page = client.get(f"/submissions/{w.own_submission.id}/upload").get_data(as_text=True)
    assert "You are uploading on behalf of the delegation of Bundesagentur für Arbeit" in page
    text = client.get(f"/submissions/{w.own_submission.id}/values.csv").data.decode("utf-8-sig")
    text = text.replace("1a,_T,2022,,", "1a,_T,2022,7,", 1)
    response = _post_file(client, f"/submissions/{w.own_submission.id}/upload", text.encode(), "values.csv")
    assert response.status_code == 302
    detail = client.get(f"/submissions/{w.own_submission.id}").get_data(as_text=True)
    assert "uploaded (by the secretariat on the delegation's behalf)" in detail.replace("&#39;", "'")


def test_cycle_export_holds_submitted_values_only_one_row_each(client, login, w):
    login(w.secretariat)
    page = client.get(f"/cycles/{w.cycle.id}").get_data(as_text=True)
    assert f"/submissions/cycles/{w.cycle.id}/values.xlsx" in page
    rows = list(csv.reader(io.StringIO(client.get(f"/submissions/cycles/{w.cycle.id}/values.csv")
                                       .data.decode("utf-8-sig"))))
    assert rows[0] == ["organisation", "country", "indicator", "indicator_name", "unit", "breakdown",
                       "breakdown_label", "year", "value", "flag", "note", "explanation", "comparability_note"]
    # The own submission is a draft here: only Hello Work's submitted value is exported.
    assert rows[1:] == [["Hello Work", "JP", "1a", "Transitions into employment", "%", "_T", "Total", "2024",
                         "50.1", "", "", "", ""]]
    workbook = load_workbook(io.BytesIO(client.get(f"/submissions/cycles/{w.cycle.id}/values.xlsx").data))
    sheet = workbook.active
    assert [c.value for c in sheet[2]][:3] == ["Hello Work", "JP", "1a"] and sheet.cell(2, 9).value == 50.1
    login(w.delegate)
    assert client.get(f"/cycles/{w.cycle.id}").get_data(as_text=True).count("/values.xlsx") == 0
    assert client.get(f"/submissions/cycles/{w.cycle.id}/values.csv").status_code == 403


def test_cycle_export_names_indicators_in_the_readers_language(client, login, w, db):
    w.indicator.translations = {"fr": {"name": "Transitions vers l'emploi"}}
    w.secretariat.locale = "fr"
    db.session.commit()
    login(w.secretariat)
    rows = list(csv.reader(io.StringIO(client.get(f"/submissions/cycles/{w.cycle.id}/values.csv")
                                       .data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["organisation", "country", "indicator", "indicator_name"]  # headers stay
    assert rows[1][2:4] == ["1a", "Transitions vers l'emploi"]


# --- documents ---------------------------------------------------------------------------------------------

def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def test_documents_are_attached_listed_and_downloaded_by_those_who_see_the_submission(client, login, w):
    login(w.delegate)
    url = f"/submissions/{w.own_submission.id}/documents"
    response = _post_file(client, url, b"%PDF-1.7 register extract", "Registerauszug für 2024.pdf", "document")
    assert response.status_code == 302
    response = _post_file(client, url, _docx(), "method.docx", "document")
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Registerauszug für 2024.pdf" in page and "method.docx" in page and "DOCX" in page
    detail = client.get(f"/submissions/{w.own_submission.id}").get_data(as_text=True)
    assert "Registerauszug für 2024.pdf" in detail
    document = db.session.query(SubmissionDocument).filter_by(kind="pdf", filename="Registerauszug für 2024.pdf").one()
    for person, status in ((w.reviewer, 200), (w.secretariat, 200), (w.other_delegate, 403),
                           (w.unassigned_reviewer, 403), (w.other_secretariat, 403)):
        login(person)
        response = client.get(f"/submissions/documents/{document.id}")
        assert response.status_code == status, person.email
        if status == 200:
            assert response.data == b"%PDF-1.7 register extract" and response.mimetype == "application/pdf"
            assert "attachment" in response.headers["Content-Disposition"]
    login(w.reviewer)
    assert "Attach a document" not in client.get(url).get_data(as_text=True)
    assert client.get("/submissions/documents/999999").status_code == 404


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"MZ\x90\x00 an exe", "report.pdf", "not a PDF, XLSX or DOCX document (by its content)"),
    (b"%PDF-1.7", "report.docx", "The content of “report.docx” is a PDF file, but its name does not end in .pdf"),
    (b"", "empty.pdf", "The file is empty."),
    (b"%PDF-" + b"0" * (5 * 1024 * 1024), "big.pdf", "files of at most 5 MB are accepted"),
    (None, "macro.docx", "contains macros"),
    (None, "notes.docm", "Files with macros (notes.docm) are refused."),
])
def test_refused_documents_say_why(client, login, w, data, filename, message):
    if data is None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("word/document.xml", "<w:document/>")
            archive.writestr("word/vbaProject.bin", b"VBA")
        data = out.getvalue()
    login(w.delegate)
    response = _post_file(client, f"/submissions/{w.own_submission.id}/documents", data, filename, "document")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'href="#document"' in page
    assert db.session.query(SubmissionDocument).filter_by(submission_id=w.own_submission.id).count() == 1


def test_the_secretariat_attaches_on_behalf_and_it_shows(client, login, w):
    login(w.secretariat)
    response = _post_file(client, f"/submissions/{w.own_submission.id}/documents", b"%PDF-1.4 x", "note.pdf",
                          "document")
    assert response.status_code == 302
    page = client.get(f"/submissions/{w.own_submission.id}/documents").get_data(as_text=True)
    assert "Wanda Sec (secretariat, on the delegation's behalf)" in page.replace("&#39;", "'")
