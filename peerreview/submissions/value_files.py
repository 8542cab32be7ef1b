"""Services of the spreadsheets: export a submission's values, import a filled file, export a cycle.

Who: the delegation of the submission's organisation, and the network's secretariat on its
behalf (channel "secretariat", recorded as such). When: while the delegation could change the
values in the form (same rule, same message).

An import refuses the whole file when it cannot be read or belongs elsewhere; otherwise it
saves every valid changed cell and lists every other one with its sheet, cell and reason. A
cell is changed when the file's value differs from the value it had at export; if the stored
value moved on meanwhile (someone else saved it), the cell is not saved but listed, with who
changed it, their value and the file's.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import _
from openpyxl import Workbook
from sqlalchemy import select

from peerreview.audit.services import record
from peerreview.cycles.models import Cycle
from peerreview.errors import Conflict
from peerreview.exports import spreadsheet_safe
from peerreview.extensions import db
from peerreview.framework.breakdowns import BY_CODE
from peerreview.framework.models import Indicator
from peerreview.framework.services import framework_indicators
from peerreview.i18n import translated_text
from peerreview.numbers import format_plain
from peerreview.organisations.models import Organisation
from peerreview.permissions import Action, is_delegate_of, require
from peerreview.submissions import spreadsheets
from peerreview.submissions.comparability import comparability_notes
from peerreview.submissions.models import SUBMITTED, IndicatorValue, Submission
from peerreview.submissions.services import CellChange, cell_name, edit_problem, save_values, value_map
from peerreview.submissions.spreadsheets import Cell, Identity, Problem

CHANNEL_UPLOAD = "upload"
CHANNEL_SECRETARIAT = "secretariat"
XLSX, CSV = "xlsx", "csv"


@dataclass(frozen=True)
class Upload:
    """A file sent to a submission: its name, its bytes, and the format the person chose."""

    filename: str
    data: bytes
    kind: str  # XLSX or CSV


@dataclass
class ImportResult:
    channel: str
    saved: int = 0
    cleared: int = 0
    notes: int = 0  # cells whose flag or note changed, not their value
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.saved + self.cleared + self.notes


def identity_of(submission: Submission) -> Identity:
    return Identity(submission.id, submission.cycle_id, submission.organisation.name, submission.cycle.title)


def channel_for(actor, submission: Submission) -> str:
    delegate = is_delegate_of(actor, submission.organisation_id, submission.cycle.network_id)
    return CHANNEL_UPLOAD if delegate else CHANNEL_SECRETARIAT


def export_file(actor, submission: Submission, kind: str) -> tuple[bytes, str, str]:
    """(bytes, mimetype, file name) of the submission's values as an XLSX template or a CSV file."""
    require(actor, Action.EXCHANGE_VALUES, submission)
    indicators = framework_indicators(submission.cycle.framework_id)
    values = value_map(submission.id)
    identity = identity_of(submission)
    stem = f"{submission.organisation.short_name}-{submission.cycle.title}".replace(" ", "-")
    stem = "".join(c for c in stem if c.isalnum() or c in "-_")[:80] or "values"
    if kind == XLSX:
        data = spreadsheets.template_xlsx(identity, indicators, submission.cycle.years, values)
        return data, spreadsheets.XLSX_TYPE, f"{stem}-values.xlsx"
    text = spreadsheets.values_csv(identity, indicators, submission.cycle.years, values)
    return text.encode("utf-8"), "text/csv", f"{stem}-values.csv"


def read_upload(upload: Upload, submission: Submission, indicators: list[Indicator]) -> spreadsheets.ReadResult:
    """Read and check a file without touching the database (FileRefused for the whole file)."""
    reader = spreadsheets.read_xlsx if upload.kind == XLSX else spreadsheets.read_csv
    return reader(upload.data, upload.filename, identity_of(submission), indicators, submission.cycle.years)


def import_values(actor, submission: Submission, upload: Upload) -> ImportResult:
    require(actor, Action.EXCHANGE_VALUES, submission)
    problem = edit_problem(submission)
    if problem:
        raise Conflict(problem)
    indicators = framework_indicators(submission.cycle.framework_id)
    read = read_upload(upload, submission, indicators)
    result = ImportResult(channel=channel_for(actor, submission), problems=list(read.problems))
    refused = _apply(actor, submission, read.cells, indicators, result)
    result.problems.extend(refused)
    result.problems.sort(key=lambda p: (p.sheet, p.row, p.cell))
    record(actor, "submission.upload", submission,
           after={"channel": result.channel, "file": upload.filename[:200], "format": upload.kind,
                  "saved": result.saved, "cleared": result.cleared, "notes": result.notes,
                  "not_saved": len(result.problems)},
           network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
    return result


def _apply(actor, submission: Submission, cells: list[Cell], indicators: list[Indicator],
           result: ImportResult) -> list[Problem]:
    """The one place that writes what a file changed; returns the cells not saved, as problems at the file's cell.

    Each cell goes to save_values with the value, flag and note it had at export as its starting
    point, so a cell someone else changed after the export is refused per cell there (never put
    back), and the flag-and-note rules are the form's. Counts go into `result`: values saved and
    cleared, cells whose flag or note alone changed (`notes`), cells unchanged.
    """
    by_name = {cell_name(c.indicator_id, c.breakdown, c.year): c for c in cells}
    changes = [CellChange(c.indicator_id, c.breakdown, c.year, format_plain(c.value), format_plain(c.baseline),
                          c.flag, c.note, c.baseline_flag, c.baseline_note) for c in cells]
    outcome = save_values(actor, submission, changes, channel=result.channel, indicators=indicators)
    problems = [Problem(by_name[name].sheet, by_name[name].value_ref, message, outcome.error_labels.get(name, ""))
                for name, message in outcome.errors.items() if name in by_name]
    refused = set(outcome.errors)
    for conflict in outcome.conflicts:
        refused.add(conflict.cell)
        if conflict.cell in by_name:
            cell = by_name[conflict.cell]
            problems.append(Problem(cell.sheet, cell.value_ref, what=conflict.label, reason=_(
                "%(cell)s was changed by %(who)s after this file was exported: it is now %(now)s; your value "
                "%(yours)s was not saved. Keep theirs, or type yours again in the form or a new file.",
                cell=conflict.label, who=conflict.changed_by, now=conflict.theirs_words,
                yours=conflict.yours_words)))
    changed = 0
    for name, cell in by_name.items():
        if name in refused:
            continue
        if cell.value == cell.baseline and (cell.flag, cell.note) != (cell.baseline_flag, cell.baseline_note):
            result.notes += 1
        elif cell.value == cell.baseline:
            result.unchanged += 1
        else:
            changed += 1
    result.cleared = outcome.cleared
    result.saved = outcome.saved - result.notes
    result.unchanged += max(changed - outcome.saved - outcome.cleared, 0)
    return problems


# --- the whole cycle, for the secretariat ------------------------------------------------------------------

CYCLE_HEADERS = ("organisation", "country", "indicator", "indicator_name", "unit", "breakdown", "breakdown_label",
                 "year", "value", "flag", "note", "explanation", "comparability_note")
VALUE_COLUMN = CYCLE_HEADERS.index("value")


def cycle_rows(actor, cycle: Cycle) -> list[tuple]:
    """Every submitted value of the cycle, one row each, in two queries. Secretariat only.

    Confidential values are included, with their flag: only the secretariat gets this export.
    """
    require(actor, Action.MANAGE_CYCLE, cycle)
    query = (select(Organisation.name, Organisation.country, Indicator.code, Indicator.name, Indicator.unit,
                    IndicatorValue.breakdown, IndicatorValue.year, IndicatorValue.value, IndicatorValue.flag,
                    IndicatorValue.note, IndicatorValue.explanation, Submission.id, Indicator.id)
             .join(Submission, Submission.id == IndicatorValue.submission_id)
             .join(Organisation, Organisation.id == Submission.organisation_id)
             .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
             .where(Submission.cycle_id == cycle.id, Submission.status == SUBMITTED)
             .order_by(Organisation.name, Indicator.position, Indicator.code, IndicatorValue.breakdown,
                       IndicatorValue.year))
    found = db.session.execute(query).all()
    notes = comparability_notes({row[11] for row in found})
    # Names in the reader's language where the secretariat entered them (codes and headers stay as they are).
    names = {i.id: translated_text(i, "name")
             for i in db.session.scalars(select(Indicator).where(Indicator.framework_id == cycle.framework_id))}
    rows = []
    for (org, country, code, name, unit, breakdown, year, value, flag, note, explanation, submission_id,
         indicator_id) in found:
        label = BY_CODE[breakdown].label if breakdown in BY_CODE else breakdown
        rows.append((org, country, code, names.get(indicator_id, name), unit, breakdown, str(label), year,
                     format_plain(Decimal(value)) if value is not None else "", flag or "", note or "",
                     explanation or "", notes.get((submission_id, indicator_id), "")))
    return rows


def cycle_export(actor, cycle: Cycle, kind: str) -> tuple[bytes, str, str]:
    rows = cycle_rows(actor, cycle)
    stem = "".join(c for c in cycle.title.replace(" ", "-") if c.isalnum() or c in "-_")[:80] or "cycle"
    if kind == CSV:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CYCLE_HEADERS)
        writer.writerows([spreadsheet_safe(c) for c in row] for row in rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv", f"{stem}-submitted-values.csv"
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Submitted values")[:31])
    sheet.append(list(CYCLE_HEADERS))
    for row in rows:
        sheet.append([(Decimal(c) if c else None) if column == VALUE_COLUMN else spreadsheet_safe(c)
                      for column, c in enumerate(row)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), spreadsheets.XLSX_TYPE, f"{stem}-submitted-values.xlsx"
