"""Submissions: invitations, the value grid, saving drafts, submitting and returning."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import _, format_datetime, ngettext
from sqlalchemy import String, bindparam, cast, func, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from peerreview.audit.services import record
from peerreview.auth.models import ROLE_DELEGATE, ROLE_SECRETARIAT
from peerreview.auth.services import role_holders
from peerreview.cycles.models import DRAFT as CYCLE_DRAFT
from peerreview.cycles.models import OPEN, PHASE_LABELS, Cycle
from peerreview.db_types import utcnow
from peerreview.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, refuse_simultaneous_change
from peerreview.extensions import db
from peerreview.framework.breakdowns import BY_CODE
from peerreview.framework.models import Indicator
from peerreview.framework.services import framework_indicators
from peerreview.i18n import in_locale, translated_text
from peerreview.mail.services import external_url, send_mail
from peerreview.numbers import ValueProblem, format_plain, parse_indicator_value, parse_plain
from peerreview.organisations.models import Organisation, network_membership
from peerreview.permissions import Action, require, scope
from peerreview.queries import count_per
from peerreview.submissions import flags
from peerreview.submissions.models import DRAFT, SUBMITTED, IndicatorValue, Submission
from peerreview.submissions.plausibility import CheckReport, check_submission


def cell_name(indicator_id: int, breakdown: str, year: int) -> str:
    """The form field name of one value: v-<indicator>-<breakdown>-<year>."""
    return f"v-{indicator_id}-{breakdown}-{year}"


def parse_cell_name(name: str) -> tuple[int, str, int] | None:
    """(indicator id, breakdown, year) of a form field name made by cell_name(); None for anything else."""
    parts = name.split("-")
    if len(parts) < 4 or parts[0] != "v" or not parts[1].isdigit() or not parts[-1].isdigit():
        return None
    return int(parts[1]), "-".join(parts[2:-1]), int(parts[-1])


def grid_indicator(submission: Submission, indicator_id: int, breakdown: str, year: int) -> Indicator:
    """The indicator of a cell of this submission, or NotFound for a cell the cycle does not collect."""
    indicator = db.session.get(Indicator, indicator_id)
    if (indicator is None or indicator.framework_id != submission.cycle.framework_id
            or breakdown not in {b.code for b in indicator.breakdowns} or year not in submission.cycle.years):
        raise NotFound(_("This submission has no such value."))
    return indicator


def cell_labels(indicators: list[Indicator], years: list[int]) -> dict[str, str]:
    """Readable names of the grid's cells: "1a Women 2024"."""
    return {cell_name(i.id, b.code, y): f"{i.code} {b.label} {y}" for i in indicators for b in i.breakdowns
            for y in years}


def in_entry_order(indicators: list[Indicator]) -> list[Indicator]:
    """Indicators as the entry form lists them: by excellence area in framework order (A, B, C...), then by
    their position in the framework; indicators outside any area last."""
    return sorted(indicators, key=lambda i: (i.area is None, i.area.code if i.area else "", i.position, i.code))


def get_submission(actor, submission_id: int, action: Action = Action.VIEW_SUBMISSION) -> Submission:
    # One query: the submission with its cycle and organisation (whose networks load only if asked).
    submission = db.session.get(Submission, submission_id, options=[
        joinedload(Submission.cycle), joinedload(Submission.organisation).lazyload(Organisation.networks)])
    if submission is None:
        raise NotFound(_("No such submission."))
    require(actor, action, submission)
    return submission


def _cycle_submissions_query(cycle_id: int):
    return (select(Submission).where(Submission.cycle_id == cycle_id)
            .options(selectinload(Submission.organisation), selectinload(Submission.submitted_by))
            .join(Submission.organisation).order_by(Organisation.name))


def cycle_submissions(cycle_id: int) -> list[Submission]:
    return list(db.session.scalars(_cycle_submissions_query(cycle_id)))


def visible_submissions(actor, cycle_id: int) -> list[Submission]:
    """The submissions of a cycle this user may open, in one query whatever their number."""
    query = _cycle_submissions_query(cycle_id).where(scope(actor, Action.VIEW_SUBMISSION))
    return list(db.session.scalars(query))


def visible_submission_ids_column(actor, cycle_id: int):
    """The ids of the submissions `visible_submissions` lists, and nothing else, as one column ("3,7,12" in
    any order, or NULL for none) to add to another query: the page that keys its cache on them saves a
    round trip."""
    return (select(func.aggregate_strings(cast(Submission.id, String), ","))
            .where(Submission.cycle_id == cycle_id, scope(actor, Action.VIEW_SUBMISSION)).scalar_subquery())


def submissions_for_delegate(actor) -> list[Submission]:
    """The submissions of the delegate's organisation, in the networks where they are a delegate."""
    query = (select(Submission).where(Submission.organisation_id == actor.organisation_id,
                                      scope(actor, Action.VIEW_SUBMISSION))
             .options(selectinload(Submission.cycle), selectinload(Submission.organisation)))
    return list(db.session.scalars(query))


def value_map(submission_id: int, *, with_authors: bool = False) -> dict[tuple[int, str, int], IndicatorValue]:
    query = select(IndicatorValue).where(IndicatorValue.submission_id == submission_id)
    if with_authors:
        query = query.options(selectinload(IndicatorValue.updated_by))
    rows = db.session.scalars(query)
    return {(v.indicator_id, v.breakdown, v.year): v for v in rows}


def _moment(when) -> str:
    """A moment in messages, in the reader's language (27 nov. 2026, 20:39), in UTC."""
    return format_datetime(when, "d MMM y, HH:mm", rebase=False)


def edit_problem(submission: Submission) -> str | None:
    """Why the delegation cannot change values now (who locked it, why, how to unlock)."""
    cycle = submission.cycle
    if submission.status == SUBMITTED:
        who = submission.submitted_by.name if submission.submitted_by else _("your delegation")
        return _("Submitted by %(who)s on %(when)s UTC, so the values are read-only. To change them, "
                 "ask the network secretariat to return the submission to your delegation.",
                 who=who, when=_moment(submission.submitted_at))
    if cycle.status != OPEN:
        return _("The cycle is %(phase)s; values can be changed only while it is open for submissions. "
                 "The network secretariat decides when the cycle opens.", phase=PHASE_LABELS[cycle.status])
    return None


# "clarification": the delegation corrects, in place, the value an open clarification request asks about
# (the submission stays submitted; only that cell; shown to reviewers as changed since submission).
VALUE_CHANNELS = ("form", "upload", "copy", "secretariat", "clarification", "api")


@dataclass(frozen=True)
class CellChange:
    """One cell as a person (or a file) sends it, with the cell they started from.

    `raw` is the text now in the cell ("" empties it), read with the number rule of
    peerreview.numbers (docs/numbers.md). `started_from` is the value the cell held when the person
    loaded the form or downloaded the file, as the app wrote it there (numbers.format_plain: a point,
    no grouping; "" for an empty cell). A `started_from` that is not in that format counts as empty,
    so the cell can never silently replace a value its sender did not see.

    `flag` (a code or label of submissions.flags, "" for none) and `note` (the source note) are
    what the person wants now, with `started_flag` and `started_note` as they were when the form
    was loaded; None means "not sent": the stored flag or note stays as it is.
    """

    indicator_id: int
    breakdown: str
    year: int
    raw: str
    started_from: str = ""
    flag: str | None = None
    note: str | None = None
    started_flag: str = ""
    started_note: str = ""


@dataclass(frozen=True)
class CellConflict:
    """A cell someone else changed after this person loaded it: theirs stays until the person chooses.

    `theirs` and `yours` are the values as text; the flags are codes and the notes as typed, so that
    the conflict form can send either version back; `theirs_words` and `yours_words` say it all in words.
    """

    cell: str
    label: str
    theirs: str
    yours: str
    changed_by: str
    changed_at: datetime | None
    theirs_flag: str = ""
    theirs_note: str = ""
    yours_flag: str = ""
    yours_note: str = ""

    @property
    def theirs_words(self) -> str:
        return flags.describe(self.theirs, self.theirs_flag, self.theirs_note)

    @property
    def yours_words(self) -> str:
        return flags.describe(self.yours, self.yours_flag, self.yours_note)


@dataclass
class SaveResult:
    saved: int = 0
    cleared: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    error_labels: dict[str, str] = field(default_factory=dict)
    error_fields: dict[str, str] = field(default_factory=dict)  # cell name -> "value", "flag" or "note"
    conflicts: list[CellConflict] = field(default_factory=list)


def changes_from_form(form: Mapping[str, str], indicators: list[Indicator], years: list[int]) -> list[CellChange]:
    """The cells of a posted value form.

    v-<cell> holds the value now and o-<cell> the value the form was loaded with; f-/of-<cell> the
    flag and n-/on-<cell> the source note, now and when loaded. The form writes f-, n-, of- and on-
    only for cells that have a flag or note (and the flag-and-note editor adds them), so a cell
    without them had none when the form was loaded. A cell sent without its o- field counts as
    started from empty, so it can never silently replace a value its sender did not see. In the
    conflict form, pick-<cell> = "theirs" leaves the cell as the other person saved it.
    """
    changes = []
    for indicator in indicators:
        for breakdown in indicator.breakdowns:
            for year in years:
                name = cell_name(indicator.id, breakdown.code, year)
                if name in form and form.get("pick-" + name) != "theirs":
                    changes.append(CellChange(indicator.id, breakdown.code, year, form[name],
                                              form.get("o-" + name, ""), form.get("f-" + name, ""),
                                              form.get("n-" + name, ""), form.get("of-" + name, ""),
                                              form.get("on-" + name, "")))
    return changes


def _read_started_from(text: str) -> Decimal | None:
    """The value a person started from, as the app wrote it; anything else counts as an empty cell (None)."""
    try:
        return parse_plain(text)
    except ValueProblem:
        return None


def _stored_state(row: IndicatorValue | None) -> tuple[Decimal | None, str, str]:
    if row is None:
        return None, "", ""
    return (None if row.value is None else Decimal(row.value)), row.flag or "", row.note or ""


def save_values(actor, submission: Submission, changes: Iterable[CellChange], *, channel: str = "form",
                indicators: list[Indicator] | None = None, clarification: Any = None) -> SaveResult:
    """Save the cells a person changed; never overwrite a cell someone else changed meanwhile.

    The one way values, their flags and their source notes are written, for the form, the
    flag-and-note editor, an uploaded spreadsheet ("upload"), a copy of the previous cycle ("copy")
    and the secretariat ("secretariat"). A cell is its value, flag and note together. For each
    CellChange:

    - unchanged (what is sent reads as the same cell as what the person started from): nothing written;
    - invalid (`raw` not a number, out of range; a flag that contradicts the value, submissions.flags):
      reported in `errors` (cell name -> message) and `error_labels`; nothing written for that cell,
      every other cell still saved;
    - the stored cell is no longer what the person started from (someone else changed its value,
      flag or note after the person loaded it): nothing written for that cell; a CellConflict (who
      changed it, when, their cell, yours) goes into `conflicts`. The person keeps the other cell by
      doing nothing, or their own by sending the cell again starting from CellConflict.theirs*;
    - otherwise the cell is written (a cell with no value and no flag is deleted).

    With channel "clarification", `clarification` is the open clarification request (a reviews Comment)
    the delegation answers: only its cell may change, the submission stays submitted, and the rule
    is `Action.CORRECT_VALUE` (docs/access-matrix.md).

    Cells outside the framework's grid (or the `indicators` given) are ignored. Two saves that
    race for the same cell in the same instant are caught by the cell's version (the loser's
    whole request gets a 409 and nothing of it is written). Saves of different cells never block
    each other: the submission itself is not versioned by a value save. Returns a SaveResult;
    the caller commits (one commit per request).
    """
    if channel not in VALUE_CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if channel == "clarification":
        changes = list(changes)
        _require_clarification_cell(actor, submission, clarification, changes)
    else:
        # The secretariat enters values on the delegation's behalf (channel "secretariat"): its own rule.
        require(actor, Action.EXCHANGE_VALUES if channel == "secretariat" else Action.EDIT_SUBMISSION, submission)
        problem = edit_problem(submission)
        if problem:
            raise Conflict(problem)
    if indicators is None:
        indicators = framework_indicators(submission.cycle.framework_id)
    grid = {(i.id, b.code, y): (i, b) for i in indicators for b in i.breakdowns for y in submission.cycle.years}
    existing = value_map(submission.id, with_authors=True)
    result = SaveResult()
    now = utcnow()
    new_rows: list[dict] = []
    to_clear: list[IndicatorValue] = []
    updates: list[dict] = []
    audit: list[tuple[str, tuple, tuple]] = []
    for change in changes:
        key = (change.indicator_id, change.breakdown, change.year)
        if key not in grid:
            continue
        indicator, breakdown = grid[key]
        name = cell_name(*key)
        label = f"{indicator.code} {breakdown.label} {change.year}"
        current = existing.get(key)
        stored = _stored_state(current)
        try:
            value = parse_indicator_value(change.raw, indicator)
        except ValueProblem as problem:
            result.errors[name] = str(problem)
            result.error_labels[name] = label
            continue
        flag = stored[1] if change.flag is None else flags.flag_code(change.flag)
        note = stored[2] if change.note is None else flags.clean_note(change.note)
        trouble = flags.cell_problem(value, change.flag if flag is None else flag, note)
        if trouble:
            result.error_fields[name], result.errors[name] = trouble
            result.error_labels[name] = label
            continue
        wanted = (value, flag, note)
        started = (_read_started_from(change.started_from),
                   stored[1] if change.flag is None else (flags.flag_code(change.started_flag) or ""),
                   stored[2] if change.note is None else flags.clean_note(change.started_note))
        if wanted == started:
            continue  # the person did not change this cell
        if stored == wanted:
            continue  # someone else already made the same change
        if stored != started:
            result.conflicts.append(CellConflict(
                cell=name, label=label, theirs=format_plain(stored[0]), yours=change.raw.strip(),
                changed_by=current.updated_by.name if current is not None and current.updated_by
                else (submission.last_saved_by.name if submission.last_saved_by else _("someone")),
                changed_at=current.updated_at if current is not None else submission.last_saved_at,
                theirs_flag=stored[1], theirs_note=stored[2], yours_flag=flag, yours_note=note))
            continue
        if value is None and not flag:
            to_clear.append(current)
        elif current is None:
            new_rows.append({"submission_id": submission.id, "indicator_id": key[0], "breakdown": key[1],
                             "year": key[2], "value": value, "flag": flag, "note": note,
                             "updated_at": now, "updated_by_id": actor.id, "version": 1})
        else:
            updates.append({"_id": current.id, "_version": current.version, "_value": value, "_flag": flag,
                            "_note": note})
        audit.append((name, stored, wanted))
    # Two saves racing for one cell: the second INSERT hits the unique constraint, the second UPDATE
    # or DELETE finds the cell's version moved on. Either way its request is refused as a whole.
    with refuse_simultaneous_change(explain=lambda: _refused_meanwhile(submission)):
        if new_rows:
            db.session.execute(IndicatorValue.__table__.insert(), new_rows)  # one bulk INSERT
            result.saved += len(new_rows)
        if updates:
            _update_cells(updates, actor, now)
            result.saved += len(updates)
        for row in to_clear:
            db.session.delete(row)
        result.cleared = len(to_clear)
        if audit:
            touch_submission(actor, submission, now, status=SUBMITTED if channel == "clarification" else DRAFT)
            before, after = history_entries(audit)
            after["channel"] = channel
            if clarification is not None:
                after["request"] = clarification.id
            record(actor, "submission.values", submission, before=before, after=after,
                   network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
        db.session.flush()
    return result


def history_entries(audit: list[tuple[str, tuple, tuple]]) -> tuple[dict, dict]:
    """The audit record of a save: (before, after), each {cell: value text or None} for changed values,
    "flag:<cell>": flag code and "note:<cell>": note for the cells whose flag or note changed
    (submissions.history puts them in words)."""
    before: dict = {}
    after: dict = {}
    for name, (old_value, old_flag, old_note), (new_value, new_flag, new_note) in audit:
        if old_value != new_value:
            before[name], after[name] = format_plain(old_value) or None, format_plain(new_value) or None
        if old_flag != new_flag:
            before["flag:" + name], after["flag:" + name] = old_flag, new_flag
        if old_note != new_note:
            before["note:" + name], after["note:" + name] = old_note, new_note
    return before, after


def _update_cells(updates: list[dict], actor, now: datetime) -> None:
    """Change stored cells in one batch, each only if still at the version read (compare and set)."""
    table = IndicatorValue.__table__
    statement = (table.update()
                 .where(table.c.id == bindparam("_id"), table.c.version == bindparam("_version"))
                 .values(value=bindparam("_value"), flag=bindparam("_flag"), note=bindparam("_note"),
                         updated_at=now, updated_by_id=actor.id,
                         version=table.c.version + 1))
    done = db.session.execute(statement, updates)
    if done.rowcount != len(updates):  # another request changed one of these cells in the meantime
        raise StaleDataError(f"{len(updates) - done.rowcount} of {len(updates)} cells changed meanwhile")
    for row in db.session.identity_map.values():
        if isinstance(row, IndicatorValue):
            db.session.expire(row)


def _require_clarification_cell(actor, submission: Submission, clarification: Any,
                                changes: list[CellChange]) -> None:
    """A correction in answer to a clarification request: that request's rule, and only its cell."""
    if clarification is None or clarification.submission_id != submission.id:
        raise PermissionDenied(_("A value is corrected in answer to a clarification request on it."))
    require(actor, Action.CORRECT_VALUE, clarification)
    cell = (clarification.indicator_id, clarification.breakdown, clarification.year)
    if any((c.indicator_id, c.breakdown, c.year) != cell for c in changes):
        raise PermissionDenied(_("Only the value the clarification request asks about can be corrected."))
    if submission.accepted_at is not None:
        raise Conflict(_("The network secretariat accepted and locked this submission; ask it to unlock the "
                         "submission before correcting the value."))


def touch_submission(actor, submission: Submission, now: datetime, *, status: str = DRAFT) -> None:
    """Note who saved last, without moving the submission's version; refuse if it is no longer in `status`.

    A plain UPDATE guarded by the status: it waits for a simultaneous submit (or return) to finish and
    then finds the submission no longer a draft, so no value lands in a submitted submission (and a
    correction on request, `status` SUBMITTED, none in a returned one).
    """
    table = Submission.__table__
    done = db.session.execute(table.update().where(table.c.id == submission.id, table.c.status == status)
                              .values(last_saved_at=now, last_saved_by_id=actor.id))
    if done.rowcount != 1:
        db.session.rollback()
        raise _refused_meanwhile(submission)
    db.session.expire(submission, ["last_saved_at", "last_saved_by_id", "last_saved_by"])


def _refused_meanwhile(submission: Submission) -> Conflict:
    """After a clash with a simultaneous request: what happened to the submission, in words."""
    db.session.refresh(submission)
    problem = edit_problem(submission)
    if problem:
        return Conflict(problem)
    return Conflict(_("Someone else changed some of these cells at the same moment, so nothing of this save "
                      "was kept. Your entries are still in the form: save again to see which cells differ."))


def expected_value_count(indicators: list[Indicator], years: list[int]) -> int:
    """How many cells a complete submission fills."""
    return sum(len(i.breakdowns) for i in indicators) * len(years)


def completeness(submission: Submission, indicators: list[Indicator], values: dict) -> tuple[int, int]:
    return len(values), expected_value_count(indicators, submission.cycle.years)


def value_counts(submission_ids: list[int]) -> dict[int, int]:
    """{submission id: number of values entered}, in one query."""
    return count_per(IndicatorValue.submission_id, submission_ids)


def empty_cells(submission: Submission, indicators: list[Indicator],
                values: dict) -> list[tuple[Indicator, list[tuple[int, str, int]]]]:
    """The empty cells of the grid, per indicator in entry order: [(indicator, [(id, breakdown, year)...])]."""
    empty = []
    for indicator in in_entry_order(indicators):
        cells = [(indicator.id, b.code, y) for b in indicator.breakdowns for y in submission.cycle.years
                 if (indicator.id, b.code, y) not in values]
        if cells:
            empty.append((indicator, cells))
    return empty


def missing_cells(submission: Submission, indicators: list[Indicator],
                  values: dict) -> list[tuple[Indicator, list[str]]]:
    """The empty cells of the grid, per indicator in entry order: [(indicator, ["Women 2023", ...])]."""
    return [(indicator, [f"{BY_CODE[b].label} {y}" for _i, b, y in cells])
            for indicator, cells in empty_cells(submission, indicators, values)]


def optional_gaps(submission: Submission, indicators: list[Indicator], values: dict, report: CheckReport) -> int:
    """How many empty cells are not required (submitting without them needs a confirmation)."""
    required = {cell for _indicator, cells in report.missing for cell in cells}
    return sum(1 for i in indicators for b in i.breakdowns for y in submission.cycle.years
               if (i.id, b.code, y) not in values and (i.id, b.code, y) not in required)


def submit_problems(report: CheckReport, gaps: int, gaps_confirmed: bool) -> dict[str, str]:
    """Why submitting is refused, per check-page field: required values, unexplained warnings, gaps."""
    errors = {}
    if report.missing:
        errors["required"] = ngettext(
            "%(num)d required value is missing. Fill it in, or flag it as not available or not applicable.",
            "%(num)d required values are missing. Fill them in, or flag them as not available or not applicable.",
            report.missing_count)
    if report.unexplained:
        errors["warnings"] = ngettext(
            "%(num)d value with a warning is not explained. Explain it below, or correct the value.",
            "%(num)d values with a warning are not explained. Explain each below, or correct the value.",
            len(report.unexplained))
    if gaps and not gaps_confirmed:
        errors["confirm_gaps"] = ngettext(
            "%(num)d value is missing. Fill it in, or confirm that you submit without it.",
            "%(num)d values are missing. Fill them in, or confirm that you submit without them.", gaps)
    return errors


def submit(actor, submission: Submission, *, gaps_confirmed: bool = False) -> Submission:
    """Submit the delegation's values (the check page asks first).

    Refused, with every problem at once: while a required value is missing (checks.py), while a
    plausibility warning is not explained, and while other cells are empty unless the person
    confirmed submitting without them.
    """
    require(actor, Action.EDIT_SUBMISSION, submission)
    problem = edit_problem(submission)
    if problem:
        raise Conflict(problem)
    values = value_map(submission.id)
    if not values:
        raise ValidationFailed(_("Enter at least one value before submitting."))
    indicators = framework_indicators(submission.cycle.framework_id)
    report = check_submission(submission, indicators, values)
    errors = submit_problems(report, optional_gaps(submission, indicators, values, report), gaps_confirmed)
    if errors:
        raise ValidationFailed(_("The submission was not submitted."), errors=errors)
    with refuse_simultaneous_change(explain=lambda: _submitted_meanwhile(submission)):
        submission.status = SUBMITTED
        submission.submitted_at = utcnow()
        submission.submitted_by_id = actor.id
        submission.returned_reason, submission.returned_at = "", None  # answered by this submission
        record(actor, "submission.transition", submission, before={"status": DRAFT},
               after={"status": SUBMITTED}, network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
        db.session.flush()
    _tell_secretariat(submission, actor)
    return submission


def _submitted_meanwhile(submission: Submission) -> Conflict | None:
    """After a clash with a simultaneous submit: who submitted, and when (None: something else changed)."""
    if submission.status != SUBMITTED:
        return None
    who = submission.submitted_by.name if submission.submitted_by else _("your delegation")
    return Conflict(_("This submission was already submitted by %(who)s at %(when)s UTC, at the same moment "
                      "as your request; nothing more was needed. To change the values, ask the network "
                      "secretariat to return the submission to your delegation.",
                      who=who, when=_moment(submission.submitted_at)))


def _tell_secretariat(submission: Submission, actor) -> None:
    """One e-mail to each secretariat member of the network when a delegation submits."""
    network_id = submission.cycle.network_id
    link = external_url("submissions.detail", submission_id=submission.id)
    for user in role_holders(network_id, ROLE_SECRETARIAT):
        with in_locale(user.locale):  # in the recipient's language
            cycle = translated_text(submission.cycle, "title")
            subject = _("%(org)s submitted to %(cycle)s", org=submission.organisation.name, cycle=cycle)
            body = _("%(who)s submitted the values of %(org)s for %(cycle)s.\n\n%(link)s\n", who=actor.name,
                     org=submission.organisation.name, cycle=cycle, link=link)
        send_mail(user.email, subject, body, network_id=network_id)


def accept(actor, submission: Submission) -> Submission:
    """The secretariat accepts a submitted submission: locked until unlocked with a reason."""
    require(actor, Action.MANAGE_CYCLE, submission.cycle)
    if submission.status != SUBMITTED:
        raise Conflict(_("Only a submitted submission can be accepted; this one is still a draft."))
    if submission.accepted_at is not None:
        raise Conflict(_("%(who)s accepted this submission on %(when)s UTC already.",
                         who=submission.accepted_by.name if submission.accepted_by else _("the secretariat"),
                         when=_moment(submission.accepted_at)))
    with refuse_simultaneous_change():
        submission.accepted_at, submission.accepted_by_id = utcnow(), actor.id
        record(actor, "submission.accept", submission, after={"accepted": True},
               network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
        db.session.flush()
    return submission


def unlock(actor, submission: Submission, reason: str) -> Submission:
    """Undo an acceptance, only with a reason (recorded); the submission stays submitted."""
    require(actor, Action.MANAGE_CYCLE, submission.cycle)
    if submission.accepted_at is None:
        raise Conflict(_("This submission is not accepted, so there is nothing to unlock."))
    if not reason.strip():
        raise ValidationFailed(_("The submission was not unlocked."),
                               errors={"unlock_reason": _("Say why the accepted submission is unlocked.")})
    with refuse_simultaneous_change():
        submission.accepted_at, submission.accepted_by_id = None, None
        record(actor, "submission.unlock", submission, before={"accepted": True},
               after={"accepted": False, "reason": reason.strip()}, network_id=submission.cycle.network_id,
               cycle_id=submission.cycle_id)
        db.session.flush()
    return submission


def return_for_revision(actor, submission: Submission, reason: str) -> Submission:
    require(actor, Action.MANAGE_CYCLE, submission.cycle)
    if submission.status != SUBMITTED:
        raise Conflict(_("Only a submitted submission can be returned; this one is still a draft."))
    if submission.accepted_at is not None:
        raise Conflict(_("This submission is accepted and locked. Unlock it first, with a reason, to return it."))
    if submission.cycle.status != OPEN:
        raise Conflict(_("Submissions can be returned only while the cycle is open for submissions."))
    if not reason.strip():
        raise ValidationFailed(_("The submission was not returned."),
                               errors={"reason": _("Say why the submission is returned.")})

    def returned_meanwhile() -> Conflict | None:
        if submission.status != DRAFT:
            return None
        return Conflict(_("Someone else returned this submission to %(org)s at the same moment; it is a draft "
                          "again, and your reason was not recorded.", org=submission.organisation.name))

    with refuse_simultaneous_change(explain=returned_meanwhile):
        submission.status = DRAFT
        submission.submitted_at = None
        submission.returned_reason, submission.returned_at = reason.strip(), utcnow()
        record(actor, "submission.transition", submission, before={"status": SUBMITTED},
               after={"status": DRAFT, "reason": reason.strip()}, network_id=submission.cycle.network_id,
               cycle_id=submission.cycle_id)
        db.session.flush()
    _tell_delegation(submission, reason.strip())
    return submission


def _tell_delegation(submission: Submission, reason: str) -> None:
    network_id = submission.cycle.network_id
    link = external_url("submissions.edit", submission_id=submission.id)
    for user in role_holders(network_id, ROLE_DELEGATE, submission.organisation_id):
        with in_locale(user.locale):  # in the recipient's language
            subject = _("Your submission to %(cycle)s was returned",
                        cycle=translated_text(submission.cycle, "title"))
            body = _("The network secretariat returned the submission of %(org)s so that you can change it.\n\n"
                     "Reason: %(reason)s\n\n%(link)s\n", org=submission.organisation.name, reason=reason,
                     link=link)
        send_mail(user.email, subject, body, network_id=network_id)


def invitable_organisations(cycle: Cycle) -> list[Organisation]:
    """Public employment services of the cycle's network that do not take part in it yet."""
    taking_part = select(Submission.organisation_id).where(Submission.cycle_id == cycle.id)
    query = (select(Organisation).join(network_membership, network_membership.c.organisation_id == Organisation.id)
             .where(network_membership.c.network_id == cycle.network_id, Organisation.kind == "pes",
                    Organisation.id.not_in(taking_part))
             .order_by(Organisation.name))
    return list(db.session.scalars(query))


def invite_organisation(actor, cycle: Cycle, organisation_id: int):
    """Make an organisation a participant: it gets an empty draft submission."""
    require(actor, Action.MANAGE_CYCLE, cycle)
    if cycle.status not in (CYCLE_DRAFT, OPEN):
        raise Conflict(_("Organisations can only be invited while the cycle is a draft or open for "
                         "submissions; this cycle is %(phase)s.", phase=PHASE_LABELS[cycle.status]))
    organisation = db.session.get(Organisation, organisation_id or 0)
    if organisation is None or organisation.kind != "pes" or cycle.network_id not in organisation.network_ids:
        raise ValidationFailed(_("The organisation could not be invited."),
                               errors={"organisation_id": _("Choose a public employment service of this network.")})
    # Only a page opened before someone else invited it offers an organisation taking part
    # already: a conflict with that other change, whether it came first or at the same moment.
    def taking_part() -> Conflict | None:
        if db.session.scalar(select(Submission.id).where(Submission.cycle_id == cycle.id,
                                                         Submission.organisation_id == organisation.id)) is None:
            return None
        return Conflict(_("%(org)s already takes part in this cycle.", org=organisation.name))

    refusal = taking_part()
    if refusal is not None:
        raise refusal
    submission = Submission(cycle_id=cycle.id, organisation_id=organisation.id)
    with refuse_simultaneous_change(explain=taking_part):
        db.session.add(submission)
        db.session.flush()
    record(actor, "cycle.invite", submission, after={"organisation": organisation.name},
           network_id=cycle.network_id, cycle_id=cycle.id)
    return submission
