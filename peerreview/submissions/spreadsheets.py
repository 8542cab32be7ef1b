"""A submission's values as files: the XLSX template and the CSV, written and read back.

Writing and reading only; `value_files.py` checks permissions and applies what was read.

Both formats hold one row per value (indicator code, breakdown code, year, value, flag,
note) and carry what identifies the submission and cycle, plus the value each cell had
when the file was made ("value when exported"), so that an upload changes only the cells
the person changed and never puts back a value someone else changed meanwhile.

Column headers are fixed English words (files travel between countries and locales);
numbers in text cells may use a decimal comma or point (peerreview.numbers).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from peerreview.exports import spreadsheet_safe
from peerreview.framework.breakdowns import BY_CODE
from peerreview.framework.models import Indicator
from peerreview.i18n import translated_text
from peerreview.numbers import MAX_ABS, ValueProblem, format_plain, parse_decimal, parse_indicator_value
from peerreview.submissions.flags import DROPDOWN_LABELS, FLAGS, cell_problem, flag_code
from peerreview.submissions.uploads import FileRefused, check_name, check_size, open_office_zip

VALUES_SHEET = "Values"
DEFINITIONS_SHEET = "Definitions"
ID_SHEET = "peerreview"
HEADER_ROW = 4
XLSX_HEADERS = ("Code", "Indicator", "Unit", "Allowed values", "Breakdown", "Breakdown code", "Year", "Value",
                "Flag", "Note", "Value when exported", "Flag when exported", "Note when exported")
# Columns of the XLSX values sheet (1-based), by meaning.
COL_CODE, COL_BREAKDOWN, COL_YEAR, COL_VALUE, COL_FLAG, COL_NOTE, COL_BASELINE = 1, 6, 7, 8, 9, 10, 11
COL_BASELINE_FLAG, COL_BASELINE_NOTE = 12, 13
CSV_HEADERS = ("indicator", "breakdown", "year", "value", "flag", "note", "value_when_exported", "submission_id",
               "cycle_id", "flag_when_exported", "note_when_exported")
CSV_SHEET = "CSV"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Problem:
    """Why one cell of a file was not applied: where (sheet, A1 reference) and why."""

    sheet: str
    cell: str
    reason: str
    what: str = ""  # the row's indicator, breakdown and year in words ("1a Women 2023"), when readable

    @property
    def row(self) -> int:
        return int("".join(c for c in self.cell if c.isdigit()) or 0)


@dataclass(frozen=True)
class Cell:
    """One row of a file that passed every check of the file itself."""

    indicator_id: int
    breakdown: str
    year: int
    value: Decimal | None
    flag: str
    note: str
    baseline: Decimal | None  # the value when the file was exported
    sheet: str
    row: int
    value_ref: str  # A1 reference of the value cell, for messages
    baseline_flag: str = ""  # the flag and note when the file was exported
    baseline_note: str = ""


@dataclass
class ReadResult:
    cells: list[Cell] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Identity:
    """Which submission (and of which cycle) a file is meant for."""

    submission_id: int
    cycle_id: int
    organisation: str
    cycle_title: str


def range_in_words(indicator: Indicator) -> str:
    low, high = indicator.min_value, indicator.max_value
    if low is not None and high is not None:
        text = _("%(low)s to %(high)s", low=format_plain(low), high=format_plain(high))
    elif low is not None:
        text = _("%(low)s or more", low=format_plain(low))
    elif high is not None:
        text = _("%(high)s or less", high=format_plain(high))
    else:
        text = _("any number")
    if indicator.decimals == 0:
        return _("%(range)s, whole numbers", range=text)
    return _("%(range)s, up to %(n)d decimals", range=text, n=indicator.decimals)


def _rows(indicators: list[Indicator], years: list[int]):
    for indicator in indicators:
        for breakdown in indicator.breakdowns:
            for year in years:
                yield indicator, breakdown, year


# --- writing -----------------------------------------------------------------------------------------------

def template_xlsx(identity: Identity, indicators: list[Indicator], years: list[int], values: dict) -> bytes:
    """The XLSX template: a protected values sheet, a definitions sheet, a hidden identification sheet.

    `values` maps (indicator id, breakdown code, year) to a stored IndicatorValue.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = VALUES_SHEET
    sheet["A1"] = _("Values of %(org)s for %(cycle)s", org=identity.organisation, cycle=identity.cycle_title)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = _("peerreview submission %(s)d, cycle %(c)d. Upload this file to this submission only. Fill "
                    "the yellow cells: Value (decimal point or comma), Flag (from the list), Note.",
                    s=identity.submission_id, c=identity.cycle_id)
    sheet["A2"].alignment = Alignment(wrap_text=False)
    for column, header in enumerate(XLSX_HEADERS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=column, value=header)
        cell.font = Font(bold=True)
    open_cell = Protection(locked=False)
    fill = PatternFill("solid", fgColor="FFF7C2")
    flag_list = DataValidation(type="list", formula1='"' + ",".join(DROPDOWN_LABELS.values()) + '"',
                               allow_blank=True, showErrorMessage=True, errorTitle="Flag",
                               error=_("Choose a flag from the list, or leave the cell empty."))
    sheet.add_data_validation(flag_list)
    validations: dict[int, DataValidation] = {}
    row = HEADER_ROW
    # Headers stay English (files travel between countries); names are in the reader's language.
    names = {i.id: translated_text(i, "name") for i in indicators}
    for indicator, breakdown, year in _rows(indicators, years):
        row += 1
        stored = values.get((indicator.id, breakdown.code, year))
        baseline = format_plain(stored.value) if stored is not None else ""
        text_cells = (indicator.code, names[indicator.id], indicator.unit, range_in_words(indicator),
                      str(breakdown.label), breakdown.code)
        for column, text in enumerate(text_cells, start=1):
            cell = sheet.cell(row=row, column=column, value=spreadsheet_safe(text))
            cell.data_type = "s"
        sheet.cell(row=row, column=COL_YEAR, value=year)
        value_cell = sheet.cell(row=row, column=COL_VALUE, value=stored.value if stored is not None else None)
        value_cell.number_format = "0" if indicator.decimals == 0 else "0." + "0" * indicator.decimals
        note = stored.note if stored is not None and stored.note else None
        note_cell = sheet.cell(row=row, column=COL_NOTE, value=note)
        note_cell.data_type = "s"
        flag = stored.flag if stored is not None and stored.flag else ""
        flag_cell = sheet.cell(row=row, column=COL_FLAG, value=DROPDOWN_LABELS.get(flag) or None)
        for cell in (value_cell, flag_cell, note_cell):
            cell.protection = open_cell
            cell.fill = fill
        for column, text in ((COL_BASELINE, baseline), (COL_BASELINE_FLAG, flag), (COL_BASELINE_NOTE, note or "")):
            baseline_cell = sheet.cell(row=row, column=column, value=text)
            baseline_cell.data_type = "s"
        if indicator.id not in validations:
            validations[indicator.id] = _value_validation(indicator)
            sheet.add_data_validation(validations[indicator.id])
        validations[indicator.id].add(value_cell.coordinate)
        flag_list.add(sheet.cell(row=row, column=COL_FLAG).coordinate)
    for column, width in zip("ABCDEFGHIJKLM", (8, 40, 12, 24, 18, 10, 6, 12, 16, 30, 12, 12, 12), strict=True):
        sheet.column_dimensions[column].width = width
    for column in "KLM":  # what the cells held at export: the upload changes only what the person changed
        sheet.column_dimensions[column].hidden = True
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    sheet.protection.sheet = True  # no password: it guards against slips, not against people
    sheet.protection.formatColumns = False
    _definitions_sheet(workbook, indicators)
    _identity_sheet(workbook, identity)
    workbook.security = WorkbookProtection(lockStructure=True)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _value_validation(indicator: Indicator) -> DataValidation:
    low = indicator.min_value if indicator.min_value is not None else -MAX_ABS
    high = indicator.max_value if indicator.max_value is not None else MAX_ABS
    return DataValidation(type="whole" if indicator.decimals == 0 else "decimal", operator="between",
                          formula1=format_plain(low), formula2=format_plain(high), allow_blank=True,
                          showErrorMessage=True, errorTitle=indicator.code,
                          error=_("Enter a number: %(allowed)s.", allowed=range_in_words(indicator)))


def _definitions_sheet(workbook: Workbook, indicators: list[Indicator]) -> None:
    sheet = workbook.create_sheet(DEFINITIONS_SHEET)
    headers = ("Code", "Indicator", "Excellence area", "Unit", "Allowed values", "Breakdowns", "Definition")
    for column, header in enumerate(headers, start=1):
        sheet.cell(row=1, column=column, value=header).font = Font(bold=True)
    for row, indicator in enumerate(indicators, start=2):
        area = f"{indicator.area.code} {translated_text(indicator.area, 'name')}" if indicator.area else ""
        texts = (indicator.code, translated_text(indicator, "name"), area, indicator.unit, range_in_words(indicator),
                 ", ".join(str(b.label) for b in indicator.breakdowns), translated_text(indicator, "definition"))
        for column, text in enumerate(texts, start=1):
            cell = sheet.cell(row=row, column=column, value=spreadsheet_safe(text))
            cell.data_type = "s"
            cell.alignment = Alignment(wrap_text=column == 7, vertical="top")
    row = len(indicators) + 3
    sheet.cell(row=row, column=1, value="Flags").font = Font(bold=True)
    for offset, label in enumerate(DROPDOWN_LABELS.values(), start=1):
        sheet.cell(row=row + offset, column=1, value=label)
    for column, width in zip("ABCDEFG", (8, 40, 30, 12, 24, 30, 80), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.protection.sheet = True


def _identity_sheet(workbook: Workbook, identity: Identity) -> None:
    sheet = workbook.create_sheet(ID_SHEET)
    rows = (("submission_id", identity.submission_id), ("cycle_id", identity.cycle_id),
            ("organisation", identity.organisation), ("cycle", identity.cycle_title),
            ("exported_at", dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")))
    for row, (key, value) in enumerate(rows, start=1):
        sheet.cell(row=row, column=1, value=key)
        cell = sheet.cell(row=row, column=2, value=spreadsheet_safe(value))
        if isinstance(value, str):
            cell.data_type = "s"
    sheet.sheet_state = "veryHidden"
    sheet.protection.sheet = True


def values_csv(identity: Identity, indicators: list[Indicator], years: list[int], values: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for indicator, breakdown, year in _rows(indicators, years):
        stored = values.get((indicator.id, breakdown.code, year))
        value = format_plain(stored.value) if stored is not None else ""
        note = spreadsheet_safe(stored.note) if stored is not None and stored.note else ""
        flag = stored.flag if stored is not None and stored.flag else ""
        writer.writerow([spreadsheet_safe(indicator.code), breakdown.code, year, value, flag, note, value,
                         identity.submission_id, identity.cycle_id, flag, note])
    return "\ufeff" + out.getvalue()  # the BOM makes Excel read UTF-8


# --- reading -----------------------------------------------------------------------------------------------

class _RowReader:
    """Checks the rows of one file against the framework and the cycle; collects cells and problems."""

    def __init__(self, indicators: list[Indicator], years: list[int], sheet: str, columns: dict[str, str]):
        self.by_code = {i.code.strip().lower(): i for i in indicators}
        # Indicator.breakdowns builds a list on every call: once per indicator here, not once per row.
        self.breakdowns = {i.id: [b.code for b in i.breakdowns] for i in indicators}
        self.years = set(years)
        self.sheet = sheet
        self.columns = columns  # meaning -> column letter, for A1 references
        self.seen: dict[tuple, int] = {}
        self.result = ReadResult()
        self.row_key: tuple = ()

    def problem(self, column: str, row: int, reason: str) -> None:
        code, breakdown, year = self.row_key
        known = BY_CODE.get(_text(breakdown))
        what = " ".join(t for t in (_text(code), str(known.label) if known else _text(breakdown), _text(year)) if t)
        self.result.problems.append(Problem(self.sheet, f"{self.columns[column]}{row}", reason, what))

    def read(self, row: int, code, breakdown, year, value, flag, note, baseline, baseline_flag=None,
             baseline_note=None) -> None:
        before = len(self.result.problems)
        self.row_key = (code, breakdown, year)
        indicator = self.by_code.get(_text(code).lower())
        if indicator is None:
            self.problem("code", row, _("Unknown indicator code “%(code)s”; use the codes of the template.",
                                        code=_text(code)))
            return
        breakdown_code = _text(breakdown)
        if breakdown_code not in self.breakdowns[indicator.id]:
            known = BY_CODE.get(breakdown_code)
            self.problem("breakdown", row, _("%(code)s is not collected by “%(b)s”; its breakdowns are %(list)s.",
                                             code=indicator.code, b=known.label if known else breakdown_code,
                                             list=", ".join(self.breakdowns[indicator.id])))
        year_number = _year(year)
        if year_number not in self.years:
            self.problem("year", row, _("The year “%(y)s” is not a reference year of this cycle (%(first)d–%(last)d).",
                                        y=_text(year), first=min(self.years), last=max(self.years)))
        if len(self.result.problems) > before:
            return
        key = (indicator.id, breakdown_code, year_number)
        if key in self.seen:
            self.problem("code", row, _("%(code)s %(b)s %(y)d appears twice; row %(first)d has it already. Only "
                                        "that row was read.", code=indicator.code, b=breakdown_code,
                                        y=year_number, first=self.seen[key]))
            return
        self.seen[key] = row
        parsed = self._value(row, value, indicator)
        flag_text = _text(flag)
        code_of_flag = flag_code(flag_text) if flag_text else ""
        note_text = _note(note)
        if code_of_flag is None:
            self.problem("flag", row, _("“%(flag)s” is not a flag; choose one of: %(list)s.", flag=flag_text,
                                        list=", ".join(str(label) for label in FLAGS.values())))
        elif parsed is not False:
            trouble = cell_problem(parsed, code_of_flag, note_text)  # the one rule of value, flag and note
            if trouble:
                self.problem(trouble[0], row, trouble[1])
        if len(self.result.problems) > before or parsed is False:
            return
        self.result.cells.append(Cell(indicator.id, breakdown_code, year_number, parsed, code_of_flag or "",
                                      note_text, _baseline(baseline), self.sheet, row,
                                      f"{self.columns['value']}{row}", flag_code(_text(baseline_flag)) or "",
                                      _note(baseline_note)))

    def _value(self, row: int, raw, indicator: Indicator) -> Decimal | None | bool:
        """The value, None when empty, or False after reporting a problem."""
        try:
            return parse_indicator_value(_number_text(raw), indicator)
        except _Formula as formula:
            self.problem("value", row, _("This cell holds a formula (%(f)s). Formulas are never turned into values: "
                                         "type the number itself.", f=str(formula)[:60]))
        except ValueProblem as problem:
            self.problem("value", row, str(problem))
        return False


class _Formula(ValueError):
    pass


def _text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def _year(raw) -> int | None:
    text = _text(raw)
    return int(text) if text.isdigit() and len(text) == 4 else None


def _note(raw) -> str:
    text = _text(raw)
    # An exported note that looked like a formula was written with a leading quote (CSV injection).
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]
    return text


def _number_text(raw) -> str:
    """A cell's content as text for the number parser; formulas, dates and booleans refused."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        raise ValueProblem(_("Enter a number, not TRUE or FALSE."))
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        # Spreadsheets store binary doubles: 15 significant digits are what the person typed.
        return format(Decimal(format(raw, ".15g")), "f")
    if isinstance(raw, Decimal):
        return format(raw, "f")
    if isinstance(raw, (dt.date, dt.datetime, dt.time)):
        raise ValueProblem(_("Enter a number, not a date or time."))
    if not isinstance(raw, str):  # ArrayFormula, DataTableFormula
        raise _Formula(getattr(raw, "text", None) or "=…")
    if raw.lstrip().startswith("="):
        raise _Formula(raw.strip())
    return raw


def _baseline(raw) -> Decimal | None:
    try:
        text = _number_text(raw)
    except (ValueProblem, _Formula):
        return None
    try:
        return parse_decimal(text)
    except ValueProblem:
        return None


def read_identity_xlsx(workbook) -> tuple[int | None, int | None]:
    if ID_SHEET not in workbook.sheetnames:
        return None, None
    found = {}
    for key, value, *_rest in workbook[ID_SHEET].iter_rows(min_row=1, max_row=5, max_col=2, values_only=True):
        found[_text(key)] = _text(value)
    def as_int(text):
        return int(text) if text and text.isdigit() else None
    return as_int(found.get("submission_id")), as_int(found.get("cycle_id"))


def check_identity(found_submission: int | None, found_cycle: int | None, identity: Identity) -> None:
    if found_submission is None or found_cycle is None:
        raise FileRefused(_("This file does not say which submission it belongs to. Download the template of "
                            "this submission, fill it in and upload it."))
    if found_cycle != identity.cycle_id:
        raise FileRefused(_("This file belongs to another cycle (cycle %(found)d), not to %(cycle)s. Nothing was "
                            "saved.", found=found_cycle, cycle=identity.cycle_title))
    if found_submission != identity.submission_id:
        raise FileRefused(_("This file belongs to another submission (submission %(found)d), not to the submission "
                            "of %(org)s. Nothing was saved.", found=found_submission, org=identity.organisation))


def read_xlsx(data: bytes, filename: str, identity: Identity, indicators: list[Indicator],
              years: list[int]) -> ReadResult:
    """Read a filled template: a FileRefused for the whole file, or every cell and every problem."""
    check_size(data)
    check_name(filename)
    open_office_zip(data, kind=_("an Excel workbook (.xlsx)")).close()
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds of errors on damaged files
        raise FileRefused(_("This file could not be read as an Excel workbook (.xlsx). Save it again from your "
                            "spreadsheet program as “Excel workbook” and upload it.")) from None
    try:
        check_identity(*read_identity_xlsx(workbook), identity)
        if VALUES_SHEET not in workbook.sheetnames:
            raise FileRefused(_("The workbook has no sheet named “%(name)s”. Use the template of this submission.",
                                name=VALUES_SHEET))
        rows = workbook[VALUES_SHEET].iter_rows(min_row=HEADER_ROW, max_col=len(XLSX_HEADERS), values_only=True)
        header = next(rows, ())
        found = tuple(_text(h).lower() for h in header)
        # Templates made before flags were stored end at "Value when exported": read, with no flag or note
        # known at export (so a cell whose stored flag or note was set since is refused, never overwritten).
        legacy = tuple(h.lower() for h in XLSX_HEADERS[:COL_BASELINE]) + ("",) * (len(found) - COL_BASELINE)
        if found != tuple(h.lower() for h in XLSX_HEADERS) and found != legacy:
            raise FileRefused(_("Row %(row)d of the sheet “%(sheet)s” must hold the headers %(headers)s; the "
                                "file's columns were changed. Use the template of this submission.",
                                row=HEADER_ROW, sheet=VALUES_SHEET, headers=", ".join(XLSX_HEADERS)))
        columns = {"code": "A", "breakdown": "F", "year": "G", "value": "H", "flag": "I", "note": "J"}
        reader = _RowReader(indicators, years, VALUES_SHEET, columns)
        for row, cells in enumerate(rows, start=HEADER_ROW + 1):
            if not any(c is not None and c != "" for c in cells):
                continue
            cells = tuple(cells) + (None,) * (len(XLSX_HEADERS) - len(cells))
            reader.read(row, cells[COL_CODE - 1], cells[COL_BREAKDOWN - 1], cells[COL_YEAR - 1],
                        cells[COL_VALUE - 1], cells[COL_FLAG - 1], cells[COL_NOTE - 1], cells[COL_BASELINE - 1],
                        cells[COL_BASELINE_FLAG - 1], cells[COL_BASELINE_NOTE - 1])
    finally:
        workbook.close()
    return reader.result


def read_csv(data: bytes, filename: str, identity: Identity, indicators: list[Indicator],
             years: list[int]) -> ReadResult:
    check_size(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(_("This file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")) from None
    if "\x00" in text:
        raise FileRefused(_("This file is not a CSV text file."))
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(rows, [])]
    except csv.Error:
        header = []
    if tuple(header[:len(CSV_HEADERS)]) != CSV_HEADERS:
        raise FileRefused(_("The first row must hold the headers %(headers)s. Export the CSV of this submission "
                            "and fill that.", headers=",".join(CSV_HEADERS)))
    columns = {name: get_column_letter(CSV_HEADERS.index(key) + 1) for name, key in (
        ("code", "indicator"), ("breakdown", "breakdown"), ("year", "year"), ("value", "value"), ("flag", "flag"),
        ("note", "note"))}
    reader = _RowReader(indicators, years, CSV_SHEET, columns)
    ids: set[tuple[str, str]] = set()
    body = []
    try:
        for row, cells in enumerate(rows, start=2):
            if not any(c.strip() for c in cells):
                continue
            cells = cells + [""] * (len(CSV_HEADERS) - len(cells))
            ids.add((cells[7].strip(), cells[8].strip()))
            body.append((row, cells))
    except csv.Error as error:
        raise FileRefused(_("This CSV file cannot be read: %(error)s.", error=str(error))) from None
    if not body:
        raise FileRefused(_("This file holds the headers but no values. Export the CSV of this submission and "
                            "fill that."))
    if len(ids) > 1:
        raise FileRefused(_("The rows of this file name several submissions or cycles; a file belongs to one "
                            "submission. Nothing was saved."))
    found_submission, found_cycle = next(iter(ids), ("", ""))
    check_identity(int(found_submission) if found_submission.isdigit() else None,
                   int(found_cycle) if found_cycle.isdigit() else None, identity)
    for row, cells in body:
        reader.read(row, *cells[:7], *cells[9:11])
    return reader.result
