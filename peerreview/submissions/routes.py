import io
import re

from flask import Blueprint, Response, flash, redirect, render_template, request, send_file, url_for
from flask_babel import _, ngettext
from flask_login import current_user, login_required

from peerreview.cycles.services import get_cycle
from peerreview.errors import Conflict, ValidationFailed
from peerreview.forms_support import apply_errors, to_id
from peerreview.framework.breakdowns import BY_CODE
from peerreview.framework.services import framework_areas, framework_indicators
from peerreview.numbers import format_number, format_plain
from peerreview.permissions import Action
from peerreview.submissions import comparability, flags, previous, services, value_files
from peerreview.submissions import documents as document_services
from peerreview.submissions import explanations as explanation_services
from peerreview.submissions import narratives as narrative_services
from peerreview.submissions.forms import CellForm, CsrfForm, DocumentForm, ReturnForm, ValuesFileForm
from peerreview.submissions.narratives import text_digest
from peerreview.submissions.plausibility import check_submission

bp = Blueprint("submissions", __name__, url_prefix="/submissions")


def _editable_submission(submission_id: int):
    """The delegation's own submission, if it can be changed now; else a 409 that says why."""
    submission = services.get_submission(current_user, submission_id, Action.EDIT_SUBMISSION)
    problem = services.edit_problem(submission)
    if problem:
        raise Conflict(problem)
    return submission


@bp.route("/<int:submission_id>/edit", methods=["GET", "POST"])
@login_required
def edit(submission_id: int):
    submission = _editable_submission(submission_id)
    all_indicators = services.in_entry_order(framework_indicators(submission.cycle.framework_id))
    # Large frameworks can be filled one excellence area at a time (?area=C).
    areas = list(dict.fromkeys(i.area for i in all_indicators if i.area))
    area = request.args.get("area", "")
    indicators = [i for i in all_indicators if i.area and i.area.code == area] if area else all_indicators
    form = CsrfForm()
    page = ValuePage(submission, indicators, areas, area, form)
    if form.validate_on_submit():
        changes = services.changes_from_form(request.form, indicators, submission.cycle.years)
        try:
            result = services.save_values(current_user, submission, changes, indicators=indicators)
            notes = comparability.save_comparability_notes(current_user, submission,
                                                           _note_changes(request.form, indicators), indicators)
        except Conflict as conflict:
            # Refused as a whole (a simultaneous save of the same cells, or the submission was submitted):
            # nothing is saved, nothing typed is lost; the form comes back with the person's entries.
            form.form_errors.append(conflict.message)
            page.typed, page.status = dict(request.form), 409
            return page.render()
        page.errors, page.labels, page.conflicts = result.errors, result.error_labels, result.conflicts
        page.errors.update(notes.errors)
        page.note_conflicts = notes.conflicts
        details = request.form.get("details", "")
        back = url_for("submissions.edit", submission_id=submission.id, area=area or None,
                       _anchor=_return_anchor(request.form.get("anchor", "")))
        if not page.errors and not page.conflicts and not page.note_conflicts:
            flash(_("Draft saved: %(n)d value(s) and %(notes)d comparability note(s) changed.",
                    n=result.saved + result.cleared, notes=notes.changed), "success")
            cell = services.parse_cell_name(details)
            if cell is not None:  # the person asked for a cell's flag and note: the grid is saved first
                return redirect(url_for("submissions.edit_cell", submission_id=submission.id, indicator_id=cell[0],
                                        breakdown=cell[1], year=cell[2], area=area or None))
            if request.form.get("then") == "submit":
                return redirect(url_for("submissions.check", submission_id=submission.id))
            return redirect(back)
        # Valid values were saved; the invalid ones are shown as typed beside their cells, and the
        # cells someone else changed meanwhile are offered with both values to choose from.
        if page.errors:
            flash(_("%(saved)d value(s) saved. %(bad)d value(s) need correcting; they are marked below.",
                    saved=result.saved + result.cleared, bad=len(page.errors)), "warning")
        page.typed = {k: v for k, v in request.form.items()
                      if k[2:] in page.errors or k[3:] in page.errors or k in page.errors}
        page.typed.update({k: v for k, v in request.form.items() if k.startswith("cn-") and k in page.errors})
    return page.render()


def _note_changes(form, indicators) -> list:
    return [comparability.NoteChange(i.id, form[comparability.note_field(i.id)], to_id(form.get(f"cnv-{i.id}")) or 0,
                                     form.get(f"cnh-{i.id}"))
            for i in indicators if comparability.note_field(i.id) in form]


class ValuePage:
    """The value grid: stored values, flags and notes, with what the person typed (`typed`) on top of them.

    Each cell's o-, of- and on- fields hold the cell the next save starts from: the stored one, or, for
    a save refused as a whole, the one the person started from (`typed`'s o- fields), so that saving
    again still finds what others changed meanwhile. Comparability notes the same way (cnv-, cnh-).
    """

    def __init__(self, submission, indicators, areas, area, form):
        self.submission, self.indicators, self.areas, self.area, self.form = (submission, indicators, areas, area,
                                                                              form)
        self.typed: dict[str, str] = {}
        self.errors: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        self.conflicts: list = []
        self.note_conflicts: list = []
        self.status = 200

    def render(self):
        submission, typed = self.submission, self.typed
        values = services.value_map(submission.id)
        shown = {services.cell_name(i, b, y): format_plain(v.value) for (i, b, y), v in values.items()}
        stored = dict(shown)
        # (flag, note) of the cells that have either, now and as loaded.
        marks = {services.cell_name(i, b, y): (v.flag, v.note) for (i, b, y), v in values.items() if v.flag or v.note}
        started_marks = dict(marks)
        shown.update({k: v for k, v in typed.items() if k.startswith("v-")})
        stored.update({k[2:]: v for k, v in typed.items() if k.startswith("o-v-")})
        for key in typed:
            if key.startswith("f-v-") or key.startswith("n-v-"):
                name = key[2:]
                marks[name] = (typed.get("f-" + name, ""), typed.get("n-" + name, ""))
            elif key.startswith("of-v-") or key.startswith("on-v-"):
                name = key[3:]
                started_marks[name] = (typed.get("of-" + name, ""), typed.get("on-" + name, ""))
        earlier = {services.cell_name(*key): shown_before
                   for key, shown_before in previous.previous_values(submission, self.indicators).items()}
        saved_notes = comparability.notes_of(submission.id)
        notes = {i.id: saved_notes[i.id].body if i.id in saved_notes else "" for i in self.indicators}
        note_versions = {i.id: saved_notes[i.id].version if i.id in saved_notes else 0 for i in self.indicators}
        note_digests = {i: text_digest(body) for i, body in notes.items()}
        for key, text in typed.items():
            if key.startswith("cn-") and key[3:].isdigit():
                notes[int(key[3:])] = text
                note_versions[int(key[3:])] = to_id(typed.get(f"cnv-{key[3:]}")) or 0
        for conflict in self.note_conflicts:  # the person's own text stays; saving again now keeps it
            notes[conflict.indicator_id], note_versions[conflict.indicator_id] = conflict.yours, conflict.version
            note_digests[conflict.indicator_id] = text_digest(conflict.theirs)
        return render_template(
            "submissions/edit.html", submission=submission, indicators=self.indicators, form=self.form,
            areas=self.areas, area=self.area, shown=shown, stored=stored, marks=marks, started_marks=started_marks,
            errors=self.errors, labels=self.labels, conflicts=self.conflicts, note_conflicts=self.note_conflicts,
            earlier=earlier, cell_name=services.cell_name, flag_label=flags.flag_label, notes=notes,
            note_versions=note_versions, note_digests=note_digests, values=values,
            # The network comparison is left to the check page: it reads every submitted value of the cycle.
            warned=check_submission(submission, self.indicators, values, against_network=False).by_cell,
            flag_choices=[(code, str(label)) for code, label in flags.FLAGS.items()]), self.status


@bp.route("/<int:submission_id>/edit/<int:indicator_id>/<breakdown>/<int:year>", methods=["GET", "POST"])
@login_required
def edit_cell(submission_id: int, indicator_id: int, breakdown: str, year: int):
    """One cell's value, flag and source note: the flag-and-note editor that works without JavaScript."""
    submission = _editable_submission(submission_id)
    indicator = services.grid_indicator(submission, indicator_id, breakdown, year)
    name = services.cell_name(indicator.id, breakdown, year)
    stored = services.value_map(submission.id).get((indicator.id, breakdown, year))
    form = CellForm()
    form.flag.choices = [("", _("No flag"))] + [(code, str(label)) for code, label in flags.FLAGS.items()]
    conflict, status = None, 200
    started = {"value": format_plain(stored.value) if stored else "", "flag": stored.flag if stored else "",
               "note": stored.note if stored else ""}
    back = url_for("submissions.edit", submission_id=submission.id, area=request.args.get("area") or None,
                   _anchor=f"ind-{indicator.id}")
    if form.validate_on_submit():
        change = services.CellChange(indicator.id, breakdown, year, form.value.data or "",
                                     request.form.get("o-value", ""), form.flag.data or "", form.note.data or "",
                                     request.form.get("o-flag", ""), request.form.get("o-note", ""))
        try:
            result = services.save_values(current_user, submission, [change], indicators=[indicator])
        except Conflict as refused:
            form.form_errors.append(refused.message)
            status = 409
            started = {"value": change.started_from, "flag": change.started_flag, "note": change.started_note}
        else:
            if name in result.errors:
                apply_errors(form, {result.error_fields.get(name, "value"): result.errors[name]})
                status = 422
                started = {"value": change.started_from, "flag": change.started_flag, "note": change.started_note}
            elif result.conflicts:
                conflict, status = result.conflicts[0], 409
                # Saving again now keeps what the person typed: they have seen the other version.
                started = {"value": conflict.theirs, "flag": conflict.theirs_flag, "note": conflict.theirs_note}
            else:
                flash(_("%(cell)s saved.", cell=f"{indicator.code} {BY_CODE[breakdown].label} {year}"), "success")
                return redirect(back)
    elif request.method == "GET":
        form.value.data, form.flag.data, form.note.data = started["value"], started["flag"], started["note"]
    elif form.errors:
        status = 422
    return render_template("submissions/edit_cell.html", submission=submission, indicator=indicator,
                           breakdown=BY_CODE[breakdown], year=year, form=form, started=started, conflict=conflict,
                           back=back), status


@bp.route("/<int:submission_id>/copy-previous", methods=["POST"])
@login_required
def copy_previous(submission_id: int):
    """Fill the empty cells with the organisation's values of the previous cycle, as a starting point."""
    submission = _editable_submission(submission_id)
    result = previous.copy_previous_values(current_user, submission)
    flash(ngettext("%(num)d value copied from the previous cycle into empty cells. Check it before submitting.",
                   "%(num)d values copied from the previous cycle into empty cells. Check them before submitting.",
                   result.saved), "success")
    return redirect(url_for("submissions.edit", submission_id=submission.id))


def _return_anchor(anchor: str) -> str | None:
    """Back to where the person was after a save: an element id of the form's own making, nothing else."""
    return anchor if re.fullmatch(r"(ind|area)-[0-9A-Za-z_]{1,20}", anchor) else None


@bp.route("/<int:submission_id>/narratives", methods=["GET", "POST"])
@login_required
def narratives(submission_id: int):
    """The self-assessment: one text per excellence area, each with its own version."""
    submission = _editable_submission(submission_id)
    areas = framework_areas(submission.cycle.framework_id)
    form = CsrfForm()
    saved = narrative_services.narratives_for(submission.id)
    texts = {a.id: saved[a.id].body if a.id in saved else "" for a in areas}
    versions = {a.id: saved[a.id].version if a.id in saved else 0 for a in areas}
    digests = {a.id: narrative_services.text_digest(texts[a.id]) for a in areas}
    errors: dict[str, str] = {}
    conflicts: list = []
    status = 200
    if form.validate_on_submit():
        changes = [narrative_services.NarrativeChange(a.id, request.form[narrative_services.field_name(a.id)],
                                                      to_id(request.form.get(f"nv-{a.id}")) or 0,
                                                      request.form.get(f"nh-{a.id}"))
                   for a in areas if narrative_services.field_name(a.id) in request.form
                   and request.form.get(f"keep-{a.id}") != "theirs"]
        try:
            result = narrative_services.save_narratives(current_user, submission, changes)
        except ValidationFailed as failed:
            errors, status = failed.errors, 422
            texts.update({c.area_id: c.text for c in changes})
        except Conflict as conflict:  # refused as a whole; what the person typed stays in the form
            form.form_errors.append(conflict.message)
            status = 409
            texts.update({c.area_id: c.text for c in changes})
        else:
            if not result.conflicts:
                flash(_("Self-assessment saved: %(n)d area(s) changed.", n=result.changed), "success")
                return redirect(url_for("submissions.detail", submission_id=submission.id,
                                        _anchor="self-assessment"))
            conflicts = result.conflicts
            # The person's own text stays in the box; saving it again now is a deliberate choice.
            for conflict in conflicts:
                texts[conflict.area_id], versions[conflict.area_id] = conflict.yours, conflict.version
                digests[conflict.area_id] = narrative_services.text_digest(conflict.theirs)
    return render_template("submissions/narratives.html", submission=submission, areas=areas, texts=texts,
                           versions=versions, digests=digests, errors=errors, conflicts=conflicts, form=form,
                           field_name=narrative_services.field_name), status


@bp.route("/<int:submission_id>/check")
@login_required
def check(submission_id: int):
    """Before submitting: what is missing, what is unexplained, what will be locked; then the confirmation."""
    submission = _editable_submission(submission_id)
    return _check_page(submission, {}, 200)


def _check_page(submission, errors: dict, status: int, typed: dict | None = None, labels: dict | None = None):
    """The check page; `typed` keeps explanations the person wrote that were not saved (x-<cell>: text)."""
    indicators = services.in_entry_order(framework_indicators(submission.cycle.framework_id))
    values = services.value_map(submission.id)
    report = check_submission(submission, indicators, values)
    gaps = services.optional_gaps(submission, indicators, values, report)
    required = {cell for _i, cells in report.missing for cell in cells}
    missing = [(i, [c for c in empty if c not in required]) for i, empty in
               services.empty_cells(submission, indicators, values)]
    areas = framework_areas(submission.cycle.framework_id)
    texts = narrative_services.narratives_for(submission.id)
    empty_areas = [a for a in areas if not (texts.get(a.id) and texts[a.id].body.strip())]
    by_id = {i.id: i for i in indicators}
    return render_template("submissions/check.html", submission=submission, form=CsrfForm(), report=report,
                           missing=[(i, cells) for i, cells in missing if cells], gaps=gaps,
                           filled=len(values), values=values, by_id=by_id, cell_name=services.cell_name,
                           format_number=format_number,
                           expected=services.expected_value_count(indicators, submission.cycle.years),
                           areas=areas, empty_areas=empty_areas, errors=errors, typed=typed or {},
                           labels=labels or {}), status


@bp.route("/<int:submission_id>/explanations", methods=["POST"])
@login_required
def explanations(submission_id: int):
    """Save the explanations written on the check page; those not saved come back as typed, with the reason."""
    submission = _editable_submission(submission_id)  # the CSRF token is checked for every POST (CSRFProtect)
    changes = explanation_services.changes_from_form(request.form)
    result = explanation_services.save_explanations(current_user, submission, changes)
    if result.errors:
        flash(ngettext("%(num)d explanation saved.", "%(num)d explanations saved.", result.saved), "warning")
        return _check_page(submission, result.errors, 422,
                           {k: v for k, v in request.form.items() if k in result.errors}, result.labels)
    flash(ngettext("%(num)d explanation saved.", "%(num)d explanations saved.", result.saved), "success")
    return redirect(url_for("submissions.check", submission_id=submission.id, _anchor="warnings"))


@bp.route("/<int:submission_id>/submit", methods=["POST"])
@login_required
def submit(submission_id: int):
    submission = services.get_submission(current_user, submission_id, Action.EDIT_SUBMISSION)
    try:
        services.submit(current_user, submission, gaps_confirmed=request.form.get("confirm_gaps") == "yes")
    except ValidationFailed as failed:
        if not failed.errors:  # nothing entered at all
            flash(failed.message, "error")
            return redirect(url_for("submissions.edit", submission_id=submission.id))
        return _check_page(submission, failed.errors, 422)
    flash(_("Submitted. The values are now read-only; the network secretariat has been told."), "success")
    return redirect(url_for("submissions.detail", submission_id=submission.id))


@bp.route("/<int:submission_id>/return", methods=["POST"])
@login_required
def return_for_revision(submission_id: int):
    submission = services.get_submission(current_user, submission_id)
    form = ReturnForm()
    try:
        services.return_for_revision(current_user, submission, form.reason.data or "")
    except ValidationFailed as failed:
        flash(" ".join(failed.errors.values()) or failed.message, "error")
        return redirect(url_for("submissions.detail", submission_id=submission.id, _anchor="return"))
    flash(_("The submission is back with %(org)s as a draft.", org=submission.organisation.name), "success")
    return redirect(url_for("submissions.detail", submission_id=submission.id))


@bp.route("/<int:submission_id>/accept", methods=["POST"])
@login_required
def accept(submission_id: int):
    submission = services.get_submission(current_user, submission_id)
    services.accept(current_user, submission)
    flash(_("Accepted: the submission of %(org)s is locked.", org=submission.organisation.name), "success")
    return redirect(url_for("submissions.detail", submission_id=submission.id))


@bp.route("/<int:submission_id>/unlock", methods=["POST"])
@login_required
def unlock(submission_id: int):
    submission = services.get_submission(current_user, submission_id)
    try:
        services.unlock(current_user, submission, request.form.get("unlock_reason", ""))
    except ValidationFailed as failed:
        flash(" ".join(failed.errors.values()) or failed.message, "error")
        return redirect(url_for("submissions.detail", submission_id=submission.id, _anchor="accept"))
    flash(_("Unlocked: the submission of %(org)s can be returned to the delegation again.",
            org=submission.organisation.name), "success")
    return redirect(url_for("submissions.detail", submission_id=submission.id))

# --- spreadsheets (issue 7): the values as XLSX or CSV, both ways -------------------------------------------

def _attachment(data: bytes, mimetype: str, filename: str) -> Response:
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename,
                         max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:submission_id>/values.xlsx")
@login_required
def download_template(submission_id: int):
    submission = services.get_submission(current_user, submission_id, Action.EXCHANGE_VALUES)
    return _attachment(*value_files.export_file(current_user, submission, value_files.XLSX))


@bp.route("/<int:submission_id>/values.csv")
@login_required
def export_csv(submission_id: int):
    submission = services.get_submission(current_user, submission_id, Action.EXCHANGE_VALUES)
    return _attachment(*value_files.export_file(current_user, submission, value_files.CSV))


@bp.route("/<int:submission_id>/upload", methods=["GET", "POST"])
@login_required
def upload(submission_id: int):
    submission = services.get_submission(current_user, submission_id, Action.EXCHANGE_VALUES)
    problem = services.edit_problem(submission)
    if problem:
        raise Conflict(problem)
    form = ValuesFileForm()
    result, status = None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            file = form.file.data
            name = file.filename or ""
            kind = value_files.CSV if name.lower().endswith(".csv") else value_files.XLSX
            try:
                result = value_files.import_values(current_user, submission, value_files.Upload(
                    filename=name, data=file.read(), kind=kind))
            except ValidationFailed as refused:
                apply_errors(form, refused.errors or {"file": refused.message})
                status = 422
            else:
                if not result.problems:
                    flash(_("%(n)d value(s) changed from %(file)s.", n=result.changed, file=name), "success")
                    return redirect(url_for("submissions.detail", submission_id=submission.id))
        else:
            status = 422
    on_behalf = value_files.channel_for(current_user, submission) == value_files.CHANNEL_SECRETARIAT
    return render_template("submissions/upload.html", submission=submission, form=form, result=result,
                           on_behalf=on_behalf), status


@bp.route("/cycles/<int:cycle_id>/values.xlsx")
@login_required
def cycle_values_xlsx(cycle_id: int):
    cycle = get_cycle(current_user, cycle_id, Action.MANAGE_CYCLE)
    return _attachment(*value_files.cycle_export(current_user, cycle, value_files.XLSX))


@bp.route("/cycles/<int:cycle_id>/values.csv")
@login_required
def cycle_values_csv(cycle_id: int):
    cycle = get_cycle(current_user, cycle_id, Action.MANAGE_CYCLE)
    return _attachment(*value_files.cycle_export(current_user, cycle, value_files.CSV))


# --- supporting documents -----------------------------------------------------------------------------------

@bp.route("/<int:submission_id>/documents", methods=["GET", "POST"])
@login_required
def documents(submission_id: int):
    action = Action.ATTACH_DOCUMENT if request.method == "POST" else Action.VIEW_SUBMISSION
    submission = services.get_submission(current_user, submission_id, action)
    form = DocumentForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            file = form.document.data
            try:
                document = document_services.attach_document(current_user, submission, document_services.DocumentUpload(
                    filename=file.filename or "", data=file.read()))
            except ValidationFailed as refused:
                apply_errors(form, {"document": refused.message})
                status = 422
            else:
                flash(_("%(name)s is attached.", name=document.filename), "success")
                return redirect(url_for("submissions.documents", submission_id=submission.id))
        else:
            status = 422
    return render_template("submissions/documents.html", submission=submission, form=form,
                           documents=document_services.documents_of(current_user, submission)), status


@bp.route("/documents/<int:document_id>")
@login_required
def download_document(document_id: int):
    document = document_services.get_document(current_user, document_id)
    return _attachment(document_services.document_bytes(document), document_services.mimetype(document),
                       document.filename)
