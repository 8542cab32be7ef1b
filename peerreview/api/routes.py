"""The JSON API under /api/v1: thin views over the features' services (docs/api.md).

Every request but the public ones (the OpenAPI document, the SDMX export of published values) is
made with a personal access token (Authorization: Bearer): cookies sign no one in here, so CSRF
cannot apply and is off for this blueprint. The token's scopes and its owner's roles are both asked
by permissions.can(). Objects the owner may not see answer 404, whatever network they belong to.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for
from flask_babel import _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from peerreview.api import published, resources, sdmx, tokens
from peerreview.api.schemas import DEFAULT_LIMIT, MAX_LIMIT, openapi_document, validator
from peerreview.cycles.models import Cycle
from peerreview.errors import Conflict, ValidationFailed, problem_response
from peerreview.extensions import csrf, db, limiter
from peerreview.framework.models import Framework, Indicator
from peerreview.framework.services import framework_indicators
from peerreview.numbers import format_plain
from peerreview.permissions import Action, can, required_scope, scope, token_allows
from peerreview.reports.models import VERSION_WITHDRAWN, Report, ReportVersion
from peerreview.reports.services import report_filename, version_pdf
from peerreview.submissions.models import Submission
from peerreview.submissions.services import CellChange, cell_name, edit_problem, save_values, value_map

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

PUBLIC_ENDPOINTS = {"api.openapi", "api.sdmx_data", "api.sdmx_structure"}


def _rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _rate_key() -> str:
    """Per token (its digest, never the token itself); requests without one share their address's budget."""
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return "token:" + tokens.digest(secret.strip())
    return "address:" + (request.remote_addr or "")


def _limits_off() -> bool:
    return not current_app.config.get("RATELIMIT_ENABLED", True)


limiter.limit(_rate_limit, key_func=_rate_key, exempt_when=_limits_off)(bp)


def _unauthorized(detail: str, error: str | None = None) -> Response:
    response = problem_response(401, detail)
    challenge = 'Bearer realm="peerreview"' + (f', error="{error}"' if error else "")
    response.headers["WWW-Authenticate"] = challenge
    return response


@bp.before_request
def authenticate():
    g.api_token = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        if request.cookies.get(current_app.config["SESSION_COOKIE_NAME"]):
            return _unauthorized(_("The API does not accept the sign-in of the pages: send a personal access "
                                   "token (Authorization: Bearer <token>), made on your account's API tokens page."))
        return _unauthorized(_("Send a personal access token: Authorization: Bearer <token>."))
    token = tokens.authenticate(secret.strip())
    if token is None:
        return _unauthorized(_("This token is unknown, expired or revoked."), "invalid_token")
    g.api_token = token
    return None


@bp.teardown_request
def forget_token(_error=None) -> None:
    # The token narrows can() for its own request only (an app context can outlive a request).
    g.pop("api_token", None)


def _actor():
    return g.api_token.user


class Refused(Exception):
    def __init__(self, response: Response):
        self.response = response


@bp.errorhandler(Refused)
def _refused(error: Refused):
    return error.response


def _need_scope(action: Action) -> None:
    """403 when the token's scopes do not cover the action, whoever its owner is."""
    if not token_allows(g.api_token, action):
        raise Refused(problem_response(403, _("This token may not do this: it needs the %(scope)s scope.",
                                              scope=required_scope(action) or "?")))


def _visible(model, object_id: int, action: Action, options: list | None = None):
    """The object if the token and its owner may see it; 404 otherwise (another network's included)."""
    _need_scope(action)
    obj = db.session.get(model, object_id, options=options or [])
    if obj is None or not can(_actor(), action, obj):
        raise Refused(problem_response(404, _("No such object, or not one you may see.")))
    return obj


# --- pagination -------------------------------------------------------------------------

def _int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    text = request.args.get(name)
    if text is None:
        return default
    if not text.isascii() or not text.isdigit() or not (low <= int(text) <= high):
        raise ValidationFailed(_("Invalid query parameter."), errors={
            name: _("Give a whole number from %(low)d to %(high)d.", low=low, high=high)})
    return int(text)


def _page(query, key_column, serialise: Callable[[Any], dict], **path) -> Response:
    """Keyset pagination: items after the cursor by `key_column`, and a link to the next page."""
    limit = _int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    cursor = _int_arg("cursor", None, 0, 2**31 - 1)
    if cursor is not None:
        query = query.where(key_column > cursor)
    rows = list(db.session.scalars(query.order_by(key_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    items = serialise(rows)
    args = {"limit": limit} if "limit" in request.args else {}
    links = {"self": url_for(request.endpoint, **path, **args, **({"cursor": cursor} if cursor is not None else {})),
             "next": url_for(request.endpoint, **path, **args, cursor=rows[-1].id) if more else None}
    return jsonify({"items": items, "links": links})


def _scoped_list(model, action: Action, serialise: Callable[[Any], dict], *options) -> Response:
    """A page of the objects the token and its owner may see (permissions.scope: the rule of can())."""
    _need_scope(action)
    query = select(model).where(scope(_actor(), action)).options(*options)
    return _page(query, model.id, lambda rows: [serialise(row) for row in rows])


# --- endpoints ---------------------------------------------------------------------------------

@bp.route("/openapi.json")
def openapi():
    return jsonify(openapi_document(url_for("api.openapi").rsplit("/", 1)[0]))


@bp.route("/frameworks")
def frameworks():
    return _scoped_list(Framework, Action.VIEW_FRAMEWORK, resources.framework, selectinload(Framework.areas),
                        selectinload(Framework.network))


@bp.route("/frameworks/<int:framework_id>")
def framework(framework_id: int):
    return jsonify(resources.framework(_visible(Framework, framework_id, Action.VIEW_FRAMEWORK)))


@bp.route("/frameworks/<int:framework_id>/indicators")
def indicators(framework_id: int):
    _visible(Framework, framework_id, Action.VIEW_FRAMEWORK)
    query = (select(Indicator).where(Indicator.framework_id == framework_id)
             .options(selectinload(Indicator.area)))
    return _page(query, Indicator.id, lambda rows: [resources.indicator(i) for i in rows], framework_id=framework_id)


@bp.route("/cycles")
def cycles():
    return _scoped_list(Cycle, Action.VIEW_CYCLE, resources.cycle, selectinload(Cycle.network))


@bp.route("/cycles/<int:cycle_id>")
def cycle(cycle_id: int):
    return jsonify(resources.cycle(_visible(Cycle, cycle_id, Action.VIEW_CYCLE)))


@bp.route("/cycles/<int:cycle_id>/participants")
def participants(cycle_id: int):
    _visible(Cycle, cycle_id, Action.VIEW_CYCLE)
    actor = _actor()
    may_open = set(db.session.scalars(select(Submission.id).where(
        Submission.cycle_id == cycle_id, scope(actor, Action.VIEW_SUBMISSION))))

    def serialise(rows):
        return [{"organisation": resources.organisation(s.organisation), "status": s.status,
                 "submitted_at": resources.dt(s.submitted_at), "submission_id": s.id if s.id in may_open else None}
                for s in rows]

    query = (select(Submission).where(Submission.cycle_id == cycle_id)
             .options(selectinload(Submission.organisation)))
    return _page(query, Submission.id, serialise, cycle_id=cycle_id)


@bp.route("/cycles/<int:cycle_id>/comparisons")
def comparisons(cycle_id: int):
    cycle = _visible(Cycle, cycle_id, Action.COMPARE_INDICATORS)

    def serialise(rows):
        statistics = published.network_statistics(cycle.id, [i.id for i in rows])
        return [{"indicator": i.code, "indicator_id": i.id, "statistics": [
            {"breakdown": breakdown, "year": year, "n": spread.n, "median": format_plain(spread.median),
             "q1": format_plain(spread.q1), "q3": format_plain(spread.q3), "min": format_plain(spread.low),
             "max": format_plain(spread.high)}
            for (indicator_id, breakdown, year), spread in sorted(statistics.items()) if indicator_id == i.id]}
            for i in rows]

    query = select(Indicator).where(Indicator.framework_id == cycle.framework_id)
    return _page(query, Indicator.id, serialise, cycle_id=cycle_id)


_SUBMISSION_OPTIONS = [selectinload(Submission.cycle), selectinload(Submission.organisation)]


@bp.route("/submissions/<int:submission_id>")
def submission(submission_id: int):
    found = _visible(Submission, submission_id, Action.VIEW_SUBMISSION, _SUBMISSION_OPTIONS)
    actor = _actor()
    may_write = can(actor, Action.EDIT_SUBMISSION, found) or can(actor, Action.EXCHANGE_VALUES, found)
    problem = edit_problem(found)
    return jsonify({"id": found.id, "cycle_id": found.cycle_id,
                    "organisation": resources.organisation(found.organisation),
                    "status": found.status, "submitted_at": resources.dt(found.submitted_at),
                    "editable": may_write and problem is None, "edit_problem": problem})


@bp.route("/submissions/<int:submission_id>/values")
def values(submission_id: int):
    found = _visible(Submission, submission_id, Action.VIEW_SUBMISSION, _SUBMISSION_OPTIONS)
    codes = {i.id: i.code for i in framework_indicators(found.cycle.framework_id)}
    rows = sorted(value_map(found.id).values(), key=lambda v: (codes.get(v.indicator_id, ""), v.breakdown, v.year))
    # A confidential value is never shown to another organisation, its reviewers included.
    hide = not can(_actor(), Action.READ_CONFIDENTIAL_VALUES, found)
    return jsonify({"submission_id": found.id, "values": [
        resources.value(codes[v.indicator_id], v, hide_confidential=hide) for v in rows if v.indicator_id in codes]})


@bp.route("/submissions/<int:submission_id>/values", methods=["PATCH"])
def change_values(submission_id: int):
    """All or nothing: every cell's version must match, every value must be valid; else nothing is saved."""
    actor = _actor()
    _need_scope(Action.EDIT_SUBMISSION)
    found = _visible(Submission, submission_id, Action.VIEW_SUBMISSION, _SUBMISSION_OPTIONS)
    # The delegation, or the secretariat on its behalf (as on the pages); reviewers only read.
    channel = "api" if can(actor, Action.EDIT_SUBMISSION, found) else "secretariat"
    if channel == "secretariat" and not can(actor, Action.EXCHANGE_VALUES, found):
        return problem_response(403, _("You may read this submission's values but not change them."))
    if problem := edit_problem(found):  # submitted, or the cycle not open: 409 with the reason
        raise Conflict(problem)
    body = request.get_json(silent=True)
    if body is None:
        return problem_response(400, _("Send a JSON body (Content-Type: application/json)."))
    problems = {"/".join(str(p) for p in error.absolute_path) or "body": error.message
                for error in validator("ValuesPatch").iter_errors(body)}
    if problems:
        raise ValidationFailed(_("The body does not follow the ValuesPatch schema."), errors=problems)
    indicators_by_code = {i.code: i for i in framework_indicators(found.cycle.framework_id)}
    existing = value_map(found.id)
    changes, conflicts, unknown = [], [], {}
    for cell in body["values"]:
        key = f"{cell['indicator']}/{cell['breakdown']}/{cell['year']}"
        indicator = indicators_by_code.get(cell["indicator"])
        if (indicator is None or cell["breakdown"] not in {b.code for b in indicator.breakdowns}
                or cell["year"] not in found.cycle.years):
            unknown[key] = _("No such cell in this cycle's grid.")
            continue
        current = existing.get((indicator.id, cell["breakdown"], cell["year"]))
        version = current.version if current is not None else 0
        if version != cell["version"]:
            conflicts.append({"indicator": indicator.code, "breakdown": cell["breakdown"], "year": cell["year"],
                              "sent_version": cell["version"], "version": version,
                              "value": format_plain(current.value) if current is not None and current.value is not None
                              else None, "flag": current.flag if current is not None else "",
                              "updated_at": resources.dt(current.updated_at) if current is not None else None})
            continue
        raw = cell["value"]
        changes.append(CellChange(
            indicator.id, cell["breakdown"], cell["year"], "" if raw is None else str(raw),
            started_from=format_plain(current.value) if current is not None and current.value is not None else "",
            flag=cell.get("flag"), note=cell.get("note"),
            started_flag=current.flag if current is not None else "",
            started_note=current.note if current is not None else ""))
    if unknown:
        raise ValidationFailed(_("Some cells are not part of this submission."), errors=unknown)
    if conflicts:
        return problem_response(409, _("Someone else changed %(n)d of these cells after the versions you sent; "
                                       "nothing was saved. Read them again, then send your changes.",
                                       n=len(conflicts)), cells=conflicts)
    result = save_values(actor, found, changes, channel=channel)
    if result.errors:
        codes = {i.id: code for code, i in indicators_by_code.items()}
        labels = {cell_name(c.indicator_id, c.breakdown, c.year): f"{codes[c.indicator_id]}/{c.breakdown}/{c.year}"
                  for c in changes}
        raise ValidationFailed(_("Some values were not accepted; nothing was saved."),
                               errors={labels.get(name, name): message for name, message in result.errors.items()})
    after = value_map(found.id)
    codes = {i.id: i.code for i in indicators_by_code.values()}
    changed = [after[(c.indicator_id, c.breakdown, c.year)] for c in changes
               if (c.indicator_id, c.breakdown, c.year) in after]
    return jsonify({"saved": result.saved, "cleared": result.cleared,
                    "values": [resources.value(codes[v.indicator_id], v) for v in changed]})


@bp.route("/reports")
def reports():
    """Published versions (network and public tiers) the owner may read; drafts stay with the pages."""
    return _scoped_list(ReportVersion, Action.DOWNLOAD_REPORT_VERSION, resources.report_version,
                        selectinload(ReportVersion.report).selectinload(Report.organisation))


@bp.route("/reports/<int:version_id>")
def report(version_id: int):
    return jsonify(resources.report_version(_visible(ReportVersion, version_id, Action.DOWNLOAD_REPORT_VERSION)))


@bp.route("/reports/<int:version_id>/pdf")
def report_pdf(version_id: int):
    found = _visible(ReportVersion, version_id, Action.DOWNLOAD_REPORT_VERSION)
    if found.state == VERSION_WITHDRAWN:  # listed, with its reason, but no longer served
        return problem_response(404, _("This version was withdrawn: %(reason)s", reason=found.state_reason))
    response = Response(version_pdf(found), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{report_filename(found.report).removesuffix(".pdf")}-v{found.number}.pdf"')
    response.headers["X-Content-SHA256"] = found.sha256
    return response


# --- SDMX: public once the cycle's synthesis report is -------------------------------------------

def _published_cycle(cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None or not can(None, Action.READ_PUBLISHED_DATA, cycle):
        raise Refused(problem_response(404, _("No such cycle, or its synthesis report is not published.")))
    return cycle


@bp.route("/cycles/<int:cycle_id>/sdmx/data.csv")
def sdmx_data(cycle_id: int):
    cycle = _published_cycle(cycle_id)
    response = Response(sdmx.data_csv(cycle), mimetype="application/vnd.sdmx.data+csv")
    response.headers["Content-Type"] = "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{sdmx.dataflow_id(cycle)}.csv"'
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.route("/cycles/<int:cycle_id>/sdmx/structure.xml")
def sdmx_structure(cycle_id: int):
    cycle = _published_cycle(cycle_id)
    response = Response(sdmx.structure_xml(cycle), mimetype="application/vnd.sdmx.structure+xml")
    response.headers["Content-Type"] = "application/vnd.sdmx.structure+xml; version=2.1; charset=utf-8"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
