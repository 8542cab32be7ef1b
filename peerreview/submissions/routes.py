import io

from flask import Blueprint, Response, flash, redirect, render_template, request, send_file, url_for
from flask_babel import _
from flask_login import current_user, login_required

from peerreview.cycles.services import get_cycle
from peerreview.errors import Conflict, ValidationFailed
from peerreview.forms_support import apply_errors, to_id
from peerreview.framework.services import framework_areas, framework_indicators
from peerreview.numbers import format_plain
from peerreview.permissions import Action
from peerreview.submissions import documents as document_services
from peerreview.submissions import narratives as narrative_services
from peerreview.submissions import services, value_files
from peerreview.submissions.forms import DocumentForm, ReturnForm, ValuesFileForm, VersionForm

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
    all_indicators = framework_indicators(submission.cycle.framework_id)
    # Large frameworks can be filled one excellence area at a time (?area=C).
    areas = list(dict.fromkeys(i.area for i in all_indicators if i.area))
    area = request.args.get("area", "")
    indicators = [i for i in all_indicators if i.area and i.area.code == area] if area else all_indicators
    form = VersionForm()
    raw: dict[str, str] = {}
    errors: dict[str, str] = {}
    labels: dict[str, str] = {}
    status = 200
    if form.validate_on_submit():
        raw = {k: v for k, v in request.form.items() if k.startswith("v-")}
        try:
            result = services.save_values(current_user, submission, raw, indicators=indicators,
                                          expected_version=to_id(form.version.data))
        except Conflict as conflict:
            # Nothing is saved, nothing the user typed is lost: the form comes back with their entries.
            form.form_errors.append(conflict.message)
            status = 409
        else:
            errors, labels = result.errors, result.error_labels
            if not errors:
                flash(_("Draft saved: %(n)d value(s) changed.", n=result.saved + result.cleared), "success")
                if request.form.get("then") == "submit":
                    return redirect(url_for("submissions.detail", submission_id=submission.id,
                                            _anchor="submit"))
                return redirect(url_for("submissions.edit", submission_id=submission.id, area=area or None))
            # Valid values were saved; the invalid ones are shown as typed beside their cells.
            flash(_("%(saved)d value(s) saved. %(bad)d value(s) need correcting; they are marked below.",
                    saved=result.saved + result.cleared, bad=len(errors)), "warning")
            raw = {k: v for k, v in raw.items() if k in errors}
    # The next save starts from what is stored now; after a conflict the user's entries
    # stay in the form, and saving them again is a deliberate choice.
    form.version.data = submission.version
    values = services.value_map(submission.id)
    shown = {services.cell_name(i, b, y): format_plain(v.value) for (i, b, y), v in values.items()}
    shown.update(raw)
    return render_template("submissions/edit.html", submission=submission, indicators=indicators, form=form,
                           areas=areas, area=area,
                           shown=shown, errors=errors, labels=labels, cell_name=services.cell_name), status


@bp.route("/<int:submission_id>/narratives", methods=["GET", "POST"])
@login_required
def narratives(submission_id: int):
    """The self-assessment: one text per excellence area."""
    submission = _editable_submission(submission_id)
    areas = framework_areas(submission.cycle.framework_id)
    form = VersionForm()
    texts = {a.id: request.form.get(narrative_services.field_name(a.id), "") for a in areas}
    errors: dict[str, str] = {}
    status = 200
    if form.validate_on_submit():
        try:
            changed = narrative_services.save_narratives(current_user, submission, texts,
                                                         expected_version=to_id(form.version.data))
        except ValidationFailed as failed:
            errors, status = failed.errors, 422
        except Conflict as conflict:
            form.form_errors.append(conflict.message)
            status = 409
        else:
            flash(_("Self-assessment saved: %(n)d area(s) changed.", n=changed), "success")
            return redirect(url_for("submissions.detail", submission_id=submission.id, _anchor="self-assessment"))
    else:
        saved = narrative_services.narratives_for(submission.id)
        texts = {a.id: saved[a.id].body if a.id in saved else "" for a in areas}
        form.version.data = submission.version
    return render_template("submissions/narratives.html", submission=submission, areas=areas, texts=texts,
                           errors=errors, form=form, field_name=narrative_services.field_name), status


@bp.route("/<int:submission_id>/submit", methods=["POST"])
@login_required
def submit(submission_id: int):
    submission = services.get_submission(current_user, submission_id, Action.EDIT_SUBMISSION)
    try:
        services.submit(current_user, submission)
    except ValidationFailed as failed:
        flash(failed.message, "error")
        return redirect(url_for("submissions.edit", submission_id=submission.id))
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
    return _attachment(document.data, document_services.mimetype(document), document.filename)
