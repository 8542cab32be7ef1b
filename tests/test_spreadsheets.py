"""Spreadsheets both ways (issue 7): XLSX template and CSV, round trips, hostile files, lost updates."""
from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from peerreview.audit.models import AuditEvent
from peerreview.errors import Conflict, PermissionDenied
from peerreview.extensions import db
from peerreview.submissions import spreadsheets
from peerreview.submissions.models import IndicatorValue
from peerreview.submissions.services import CellChange, save_values, value_map
from peerreview.submissions.uploads import FileRefused
from peerreview.submissions.value_files import CSV, XLSX, Upload, export_file, import_values
from tests.factories import build_world

FIRST = spreadsheets.HEADER_ROW + 1


@pytest.fixture()
def w(db):
    """Network A's cycle open for submissions; the own organisation's submission is a draft."""
    world = build_world("open")
    world.own_submission.status = "draft"
    world.own_submission.submitted_at = None
    db.session.commit()
    return world


def stored(submission) -> dict:
    return {k: (Decimal(v.value), v.note) for k, v in value_map(submission.id).items()}


def sheet_rows(data: bytes):
    workbook = load_workbook(io.BytesIO(data))
    return workbook, workbook[spreadsheets.VALUES_SHEET]


def row_of(sheet, code: str, breakdown: str, year: int) -> int:
    for row in range(FIRST, sheet.max_row + 1):
        if (sheet.cell(row, 1).value, sheet.cell(row, 6).value, sheet.cell(row, 7).value) == (code, breakdown, year):
            return row
    raise AssertionError((code, breakdown, year))


def save(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_of(w, actor=None) -> bytes:
    return export_file(actor or w.delegate, w.own_submission, XLSX)[0]


def upload_xlsx(w, data: bytes, actor=None, filename="values.xlsx"):
    return import_values(actor or w.delegate, w.own_submission, Upload(filename, data, XLSX))


# --- the template ------------------------------------------------------------------------------------------

def test_template_holds_every_cell_current_values_definitions_and_identity(w):
    workbook, sheet = sheet_rows(xlsx_of(w))
    assert tuple(c.value for c in sheet[spreadsheets.HEADER_ROW]) == spreadsheets.XLSX_HEADERS
    # 1a: total, 2 sexes, 3 age groups x 3 years; 3a: total x 3 years
    assert sheet.max_row - spreadsheets.HEADER_ROW == 6 * 3 + 3
    row = row_of(sheet, "1a", "_T", 2024)
    assert sheet.cell(row, 8).value == Decimal("40.5") or sheet.cell(row, 8).value == 40.5
    assert sheet.cell(row, 3).value == "%" and sheet.cell(row, 4).value == "0 to 100, up to 1 decimals"
    assert sheet.cell(row, 11).value == "40.5"  # the value when exported, hidden
    assert sheet.column_dimensions["K"].hidden
    # Locked outside the data area; value, flag and note cells open.
    assert sheet.protection.sheet
    assert sheet.cell(row, 1).protection.locked and sheet.cell(row, 11).protection.locked
    assert not any(sheet.cell(row, c).protection.locked for c in (8, 9, 10))
    validations = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    flag_dv = next(dv for dv in validations.values() if dv.type == "list")
    assert "not available" in flag_dv.formula1 and "break in series" in flag_dv.formula1
    assert f"I{row}" in str(flag_dv.sqref)
    value_dv = next(dv for dv in validations.values() if dv.type == "decimal" and f"H{row}" in str(dv.sqref))
    assert (value_dv.formula1, value_dv.formula2) == ("0", "100")
    whole = next(dv for dv in validations.values() if dv.type == "whole")  # 3a: whole numbers, 0 or more
    assert whole.formula1 == "0"
    definitions = workbook[spreadsheets.DEFINITIONS_SHEET]
    assert [c.value for c in definitions[2]][:2] == ["1a", "Transitions into employment"]
    assert workbook[spreadsheets.ID_SHEET].sheet_state == "veryHidden"
    assert workbook[spreadsheets.ID_SHEET]["B1"].value == w.own_submission.id
    assert f"submission {w.own_submission.id}, cycle {w.cycle.id}" in sheet["A2"].value


def test_a_template_names_indicators_in_the_readers_language_and_keeps_english_headers(w, app):
    from peerreview.i18n import in_locale

    w.indicator.translations = {"fr": {"name": "Transitions vers l'emploi", "definition": "Part des sorties."}}
    db.session.commit()
    with app.test_request_context(), in_locale("fr"):
        data = xlsx_of(w)
    workbook, sheet = sheet_rows(data)
    assert tuple(c.value for c in sheet[spreadsheets.HEADER_ROW]) == spreadsheets.XLSX_HEADERS
    assert sheet.cell(row_of(sheet, "1a", "_T", 2024), 2).value == "Transitions vers l'emploi"
    definitions = [c.value for c in workbook[spreadsheets.DEFINITIONS_SHEET][2]]
    assert definitions[1] == "Transitions vers l'emploi" and definitions[6] == "Part des sorties."
    assert sheet.cell(row_of(sheet, "3a", "_T", 2024), 2).value == "Vacancies filled"  # no translation: original
    upload_xlsx(w, data)  # read back as any template: by codes, not names


def test_reviewers_and_other_delegations_get_no_file(w):
    for person in (w.reviewer, w.other_delegate, w.other_secretariat):
        with pytest.raises(PermissionDenied):
            export_file(person, w.own_submission, XLSX)


# --- round trips -------------------------------------------------------------------------------------------

def test_xlsx_round_trip_saves_changes_and_exports_the_same_data(w):
    workbook, sheet = sheet_rows(xlsx_of(w))
    sheet.cell(row_of(sheet, "1a", "_T", 2024), 8).value = 41.2
    sheet.cell(row_of(sheet, "1a", "SEX_F", 2023), 8).value = "38,4"  # decimal comma, typed as text
    sheet.cell(row_of(sheet, "1a", "SEX_F", 2023), 10).value = "Register data, June"
    sheet.cell(row_of(sheet, "3a", "_T", 2022), 8).value = 12345
    result = upload_xlsx(w, save(workbook))
    db.session.commit()
    assert result.problems == [] and (result.saved, result.cleared) == (3, 0)
    ind = w.indicator.id
    values = stored(w.own_submission)
    assert values[(ind, "_T", 2024)] == (Decimal("41.2"), "")
    assert values[(ind, "SEX_F", 2023)] == (Decimal("38.4"), "Register data, June")
    # Export again, import unchanged: nothing changes; the data are the same.
    again = xlsx_of(w)
    result = upload_xlsx(w, again)
    assert (result.saved, result.cleared, result.notes, result.problems) == (0, 0, 0, [])
    assert stored(w.own_submission) == values
    _wb, sheet = sheet_rows(again)
    assert sheet.cell(row_of(sheet, "1a", "SEX_F", 2023), 10).value == "Register data, June"


def test_csv_round_trip_with_decimal_comma_semicolons_and_a_cleared_cell(w):
    text = export_file(w.delegate, w.own_submission, CSV)[0].decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == spreadsheets.CSV_HEADERS
    assert len(rows) == 1 + 21
    for row in rows[1:]:
        if row[:3] == ["1a", "_T", "2024"]:
            row[3] = ""  # clear 40.5
        if row[:3] == ["1a", "Y_GE50", "2022"]:
            row[3], row[5] = "27,3", "=HYPERLINK(x)"  # decimal comma; a note that looks like a formula
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)  # as a German Excel saves it
    result = import_values(w.delegate, w.own_submission, Upload("values.csv", out.getvalue().encode(), CSV))
    db.session.commit()
    assert result.problems == [] and (result.saved, result.cleared) == (1, 1)
    ind = w.indicator.id
    assert stored(w.own_submission) == {(ind, "Y_GE50", 2022): (Decimal("27.3"), "=HYPERLINK(x)")}
    exported = export_file(w.delegate, w.own_submission, CSV)[0].decode("utf-8-sig")
    assert "1a,Y_GE50,2022,27.3,,'=HYPERLINK(x),27.3," in exported  # CSV injection neutralised
    result = import_values(w.delegate, w.own_submission, Upload("values.csv", exported.encode(), CSV))
    assert (result.saved, result.notes, result.problems) == (0, 0, [])
    assert stored(w.own_submission)[(ind, "Y_GE50", 2022)] == (Decimal("27.3"), "=HYPERLINK(x)")


# --- every problem at once, the rest saved -----------------------------------------------------------------

def test_every_bad_cell_is_listed_with_sheet_cell_and_reason_and_the_rest_is_saved(w):
    workbook, sheet = sheet_rows(xlsx_of(w))
    r_formula = row_of(sheet, "1a", "_T", 2022)
    r_range = row_of(sheet, "1a", "_T", 2023)
    r_decimals = row_of(sheet, "1a", "SEX_M", 2022)
    r_flag = row_of(sheet, "1a", "SEX_M", 2023)
    r_good = row_of(sheet, "1a", "SEX_M", 2024)
    r_na = row_of(sheet, "1a", "Y_LT25", 2022)
    r_text = row_of(sheet, "3a", "_T", 2023)
    sheet.cell(r_formula, 8).value = "=SUM(H6:H7)"
    sheet.cell(r_range, 8).value = 140
    sheet.cell(r_decimals, 8).value = "12,34"
    sheet.cell(r_flag, 9).value = "guessed"
    sheet.cell(r_good, 8).value = 33.3
    sheet.cell(r_na, 8).value = 5
    sheet.cell(r_na, 9).value = "not available"
    sheet.cell(r_text, 8).value = "many"
    sheet.cell(sheet.max_row + 1, 1).value = "9z"
    sheet.cell(sheet.max_row, 6).value = "_T"
    sheet.cell(sheet.max_row, 7).value = 2024
    result = upload_xlsx(w, save(workbook))
    cells = {p.cell: p.reason for p in result.problems}
    assert all(p.sheet == "Values" for p in result.problems)
    assert cells[f"H{r_formula}"].startswith("This cell holds a formula (=SUM(H6:H7))")
    assert cells[f"H{r_range}"] == "Must be at most 100."
    assert cells[f"H{r_decimals}"] == "Use at most 1 decimal place."
    assert cells[f"I{r_flag}"].startswith("“guessed” is not a flag")
    assert cells[f"H{r_na}"].startswith("A value flagged “not available” must be empty")
    assert cells[f"H{r_text}"] == "Enter a number, like 12.5 or 12,5."
    assert cells[f"A{sheet.max_row}"].startswith("Unknown indicator code “9z”")
    assert len(result.problems) == 7
    assert result.saved == 1
    values = stored(w.own_submission)
    assert values[(w.indicator.id, "SEX_M", 2024)][0] == Decimal("33.3")
    # The formula was not turned into a value, nor anything else that was refused.
    assert (w.indicator.id, "_T", 2022) not in values and (w.indicator.id, "_T", 2023) not in values


def test_a_cell_someone_else_changed_after_the_export_is_listed_not_overwritten(w):
    data = xlsx_of(w)
    ind = w.indicator.id
    # Another delegate saves 1a Total 2024 and 1a Women 2024 in the form after the export.
    save_values(w.delegate, w.own_submission, [CellChange(ind, "_T", 2024, "44.4", "40.5"),
                                               CellChange(ind, "SEX_F", 2024, "20", "")])
    db.session.commit()
    workbook, sheet = sheet_rows(data)
    sheet.cell(row_of(sheet, "1a", "_T", 2024), 8).value = 41.0  # changed here too: conflict
    sheet.cell(row_of(sheet, "1a", "SEX_M", 2024), 8).value = 39.0  # only here: saved
    result = upload_xlsx(w, save(workbook))
    assert result.saved == 1 and len(result.problems) == 1
    problem = result.problems[0]
    assert problem.cell == f"H{row_of(sheet, '1a', '_T', 2024)}"
    assert "changed by Dora Delegate after this file was exported: it is now 44.4; your value 41 was not saved" \
        in problem.reason
    values = stored(w.own_submission)
    assert values[(ind, "_T", 2024)][0] == Decimal("44.4")
    assert values[(ind, "SEX_F", 2024)][0] == Decimal("20")  # unchanged in the file: not put back to empty
    assert values[(ind, "SEX_M", 2024)][0] == Decimal("39")


# --- the whole file refused --------------------------------------------------------------------------------

def _refused(w, data: bytes, filename: str = "values.xlsx", kind: str = XLSX) -> str:
    before = stored(w.own_submission)
    with pytest.raises(FileRefused) as refused:
        import_values(w.delegate, w.own_submission, Upload(filename, data, kind))
    assert stored(w.own_submission) == before
    return refused.value.message


def _changed_template(w) -> tuple:
    workbook, sheet = sheet_rows(xlsx_of(w))
    sheet.cell(row_of(sheet, "1a", "_T", 2022), 8).value = 10
    return workbook, sheet


def test_a_file_of_another_submission_or_cycle_is_refused_whole(w):
    other = export_file(w.secretariat, w.other_submission, XLSX)[0]
    assert "belongs to another submission" in _refused(w, other)
    workbook, _sheet = _changed_template(w)
    workbook[spreadsheets.ID_SHEET]["B2"].value = w.cycle.id + 1000
    assert "belongs to another cycle" in _refused(w, save(workbook))
    del workbook[spreadsheets.ID_SHEET]
    assert "does not say which submission" in _refused(w, save(workbook))
    text = export_file(w.secretariat, w.other_submission, CSV)[0]
    assert "belongs to another submission" in _refused(w, text, "values.csv", CSV)


def test_hostile_and_broken_files_are_refused_with_the_reason(w):
    assert _refused(w, b"") == "The file is empty."
    assert "not an Excel workbook" in _refused(w, b"code;value\n1a;12\n")
    assert "not an Excel workbook" in _refused(w, b"%PDF-1.7 not a workbook")
    assert "old-format Office file (.xls, .doc) or a file protected by a password" in _refused(
        w, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "values.xls")
    assert "files of at most 5 MB" in _refused(w, b"PK" + b"\0" * (5 * 1024 * 1024))
    # Damaged: a zip that is no workbook.
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert "could not be read as an Excel workbook" in _refused(w, plain.getvalue())


def test_a_zip_bomb_is_refused_unread(w, monkeypatch):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    data = bomb.getvalue()
    assert len(data) < 200 * 1024
    import openpyxl

    def never(*args, **kwargs):
        raise AssertionError("openpyxl opened a zip bomb")
    monkeypatch.setattr(openpyxl.reader.excel, "load_workbook", never)
    monkeypatch.setattr(spreadsheets, "load_workbook", never)
    assert "would unpack to 60 MB" in _refused(w, data)
    small = io.BytesIO()
    with zipfile.ZipFile(small, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (3 * 1024 * 1024))  # ratio ~1000
    assert "zip bomb" in _refused(w, small.getvalue())


def test_macros_are_refused(w):
    workbook, _sheet = _changed_template(w)
    data = save(workbook)
    assert "macros" in _refused(w, data, "values.xlsm")
    with_vba = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(with_vba, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 VBA")
    assert "contains macros" in _refused(w, with_vba.getvalue())


def test_changed_headers_are_refused(w):
    workbook, sheet = _changed_template(w)
    sheet.cell(spreadsheets.HEADER_ROW, 8).value = "Amount"
    assert "must hold the headers" in _refused(w, save(workbook))
    text = export_file(w.delegate, w.own_submission, CSV)[0].decode("utf-8-sig").replace("value,flag", "val,flag", 1)
    assert "first row must hold the headers" in _refused(w, text.encode(), "v.csv", CSV)
    assert "not UTF-8" in _refused(w, "indicator;Größe".encode("utf-16"), "v.csv", CSV)
    assert "holds the headers but no values" in _refused(w, ",".join(spreadsheets.CSV_HEADERS).encode(), "v.csv", CSV)


def test_a_csv_formula_is_an_error_at_its_cell(w):
    text = export_file(w.delegate, w.own_submission, CSV)[0].decode("utf-8-sig")
    lines = text.splitlines()
    lines[1] = lines[1].replace(",40.5,,", ",=40+1,,", 1) if ",40.5,," in lines[1] else lines[1]
    lines = [line.replace("1a,_T,2022,,", "1a,_T,2022,=1+1,", 1) for line in lines]
    lines = [line.replace("1a,_T,2023,,", "1a,_T,2023,17,", 1) for line in lines]
    result = import_values(w.delegate, w.own_submission, Upload("v.csv", "\n".join(lines).encode(), CSV))
    assert [(p.sheet, p.cell) for p in result.problems] == [("CSV", "D2")]
    assert result.problems[0].reason.startswith("This cell holds a formula (=1+1)")
    assert stored(w.own_submission)[(w.indicator.id, "_T", 2023)][0] == Decimal("17")


# --- who and when ------------------------------------------------------------------------------------------

def test_the_secretariat_uploads_on_behalf_and_it_is_recorded(w):
    workbook, sheet = sheet_rows(xlsx_of(w, w.secretariat))
    sheet.cell(row_of(sheet, "1a", "_T", 2022), 8).value = 10
    result = upload_xlsx(w, save(workbook), actor=w.secretariat)
    assert result.channel == "secretariat" and result.saved == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "submission.upload"))
    assert event.actor_id == w.secretariat.id and event.after["channel"] == "secretariat"
    row = db.session.scalar(select(IndicatorValue).where(IndicatorValue.year == 2022))
    assert row.updated_by_id == w.secretariat.id


def test_nothing_is_imported_into_a_submitted_submission_or_by_a_reviewer(w):
    data = xlsx_of(w)
    with pytest.raises(PermissionDenied):
        upload_xlsx(w, data, actor=w.reviewer)
    from peerreview.db_types import utcnow
    w.own_submission.status, w.own_submission.submitted_at = "submitted", utcnow()
    db.session.flush()
    with pytest.raises(Conflict) as refused:
        upload_xlsx(w, data)
    assert "so the values are read-only" in refused.value.message


# --- a file written by another spreadsheet program ---------------------------------------------------------

LIBREOFFICE = Path(__file__).resolve().parent / "data" / "libreoffice-resaved.xlsx"


def test_a_template_re_saved_by_libreoffice_calc_is_read_the_same(w):
    """tests/data/make_libreoffice_fixture.py made the file once with LibreOffice Calc; nothing is installed here.

    LibreOffice writes empty text cells as no cell and turns the very hidden sheet into a hidden one; the
    values, the text typed with a decimal comma, the formula and the note come through as typed.
    """
    from peerreview.framework.services import framework_indicators

    data = LIBREOFFICE.read_bytes()
    identity = spreadsheets.Identity(1, 1, "Bundesagentur für Arbeit", "WAPES Global Peer Review")
    indicators = framework_indicators(w.cycle.framework_id)
    read = spreadsheets.read_xlsx(data, "filled.xlsx", identity, indicators, w.cycle.years)
    ind = {i.code: i.id for i in indicators}
    cells = {(c.indicator_id, c.breakdown, c.year): (c.value, c.flag, c.note, c.baseline) for c in read.cells}
    assert cells[(ind["1a"], "_T", 2022)] == (Decimal("41.3"), "", "Register data, month-end stocks", None)
    assert cells[(ind["1a"], "SEX_F", 2022)] == (Decimal("38.4"), "", "", None)
    assert cells[(ind["1a"], "_T", 2024)] == (Decimal("40.5"), "", "", Decimal("40.5"))
    assert cells[(ind["3a"], "_T", 2023)] == (Decimal("1200"), "", "", None)
    # The file flags 1a 50+ 2023 "estimated" without a number: an estimate needs its number.
    assert [(p.sheet, p.cell) for p in read.problems] == [("Values", "H11"), ("Values", "H21")]
    assert read.problems[0].reason.startswith("This cell holds a formula (=H5+1)")
    assert "needs its number" in read.problems[1].reason and read.problems[1].what == "1a Aged 50 and over 2023"
    assert len(read.cells) == 21 - 2
    other = spreadsheets.Identity(2, 1, "Hello Work", "WAPES Global Peer Review")
    with pytest.raises(FileRefused):
        spreadsheets.read_xlsx(data, "filled.xlsx", other, indicators, w.cycle.years)


def test_each_listed_cell_says_which_value_it_is(w):
    workbook, sheet = sheet_rows(xlsx_of(w))
    row = row_of(sheet, "1a", "SEX_F", 2023)
    sheet.cell(row, 8).value = "lots"
    problem, = upload_xlsx(w, save(workbook)).problems
    assert (problem.cell, problem.what) == (f"H{row}", "1a Women 2023")


# --- flags and notes both ways -----------------------------------------------------------------------------

def cells_of(submission) -> dict:
    db.session.expire_all()
    return {k: (v.value, v.flag, v.note) for k, v in value_map(submission.id).items()}


def test_xlsx_round_trip_of_flags_and_notes(w):
    ind = w.indicator.id
    save_values(w.delegate, w.own_submission, [CellChange(ind, "_T", 2024, "40.5", "40.5", "provisional", "Q1")])
    db.session.commit()
    workbook, sheet = sheet_rows(xlsx_of(w))
    total = row_of(sheet, "1a", "_T", 2024)
    assert (sheet.cell(total, 9).value, sheet.cell(total, 10).value) == ("provisional", "Q1")
    assert (sheet.cell(total, 12).value, sheet.cell(total, 13).value) == ("provisional", "Q1")
    assert sheet.column_dimensions["L"].hidden and sheet.column_dimensions["M"].hidden
    sheet.cell(total, 9).value = "Estimated"  # a label, any case
    sheet.cell(total, 10).value = "Survey, second quarter"
    women = row_of(sheet, "1a", "SEX_F", 2023)
    sheet.cell(women, 9).value = "NOT_AVAILABLE"  # a code
    sheet.cell(women, 10).value = "Not collected by sex before 2024"
    men = row_of(sheet, "1a", "SEX_M", 2023)
    sheet.cell(men, 8).value, sheet.cell(men, 9).value = 31.5, "confidential"
    result = upload_xlsx(w, save(workbook))
    db.session.commit()
    assert result.problems == [] and (result.saved, result.notes, result.cleared) == (1, 2, 0)
    expected = {(ind, "_T", 2024): (Decimal("40.5"), "estimated", "Survey, second quarter"),
                (ind, "SEX_F", 2023): (None, "not_available", "Not collected by sex before 2024"),
                (ind, "SEX_M", 2023): (Decimal("31.5"), "confidential", "")}
    assert cells_of(w.own_submission) == expected
    # Export again, import unchanged: the same data, nothing written.
    again = xlsx_of(w)
    result = upload_xlsx(w, again)
    assert (result.saved, result.notes, result.cleared, result.problems) == (0, 0, 0, [])
    assert cells_of(w.own_submission) == expected
    _wb, sheet = sheet_rows(again)
    assert sheet.cell(row_of(sheet, "1a", "SEX_F", 2023), 9).value == "not available"


def test_csv_round_trip_of_flags_and_notes_and_a_flag_changed_meanwhile(w):
    ind = w.indicator.id
    text = export_file(w.delegate, w.own_submission, CSV)[0].decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-2:] == ["flag_when_exported", "note_when_exported"]
    for row in rows[1:]:
        if row[:3] == ["1a", "_T", "2024"]:
            row[4], row[5] = "break in series", "New definition from 2024"
        if row[:3] == ["1a", "_T", "2023"]:
            row[4], row[5] = "not applicable", ""
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    # Someone flags 1a Total 2024 in the form after the export: the file's flag is not put over it.
    save_values(w.delegate, w.own_submission, [CellChange(ind, "_T", 2024, "40.5", "40.5", "estimated", "")])
    db.session.commit()
    result = import_values(w.delegate, w.own_submission, Upload("values.csv", out.getvalue().encode(), CSV))
    db.session.commit()
    assert (result.saved, result.notes) == (0, 1) and len(result.problems) == 1  # a flag alone: "notes"
    assert "it is now 40.5, estimated" in result.problems[0].reason
    assert "break in series, note: New definition from 2024" in result.problems[0].reason
    assert cells_of(w.own_submission) == {(ind, "_T", 2024): (Decimal("40.5"), "estimated", ""),
                                          (ind, "_T", 2023): (None, "not_applicable", "")}
    exported = export_file(w.delegate, w.own_submission, CSV)[0].decode("utf-8-sig")
    assert f"1a,_T,2023,,not_applicable,,,{w.own_submission.id},{w.cycle.id},not_applicable," in exported
    result = import_values(w.delegate, w.own_submission, Upload("values.csv", exported.encode(), CSV))
    assert (result.saved, result.notes, result.problems) == (0, 0, [])


def test_a_flag_that_contradicts_its_value_is_listed_at_its_cell(w):
    workbook, sheet = sheet_rows(xlsx_of(w))
    row = row_of(sheet, "1a", "_T", 2024)  # 40.5
    sheet.cell(row, 9).value = "not available"
    other = row_of(sheet, "1a", "SEX_F", 2022)
    sheet.cell(other, 10).value = "A note without a value"
    result = upload_xlsx(w, save(workbook))
    assert [(p.cell, p.reason.split(":")[0]) for p in result.problems] == [
        (f"H{row}", "A value flagged “not available” must be empty"),
        (f"J{other}", "A note needs a value or a flag beside it")]
