"""The audit log pages of a network's secretariat (recording is in audit/, below every feature)."""
from datetime import date

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from peerreview.audit import services
from peerreview.forms_support import to_id
from peerreview.organisations.services import acting_network
from peerreview.workflow.audit_words import describe

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _filters() -> dict:
    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None

    # to_id: an id no database can hold (or garbled text) filters nothing instead of failing.
    return {"action": request.args.get("action", "").strip(), "cycle_id": to_id(request.args.get("cycle")) or None,
            "date_from": day("from"), "date_to": day("to")}


def _network():
    """The network whose log is read: ?network=<id> among the user's secretariats, else the first."""
    return acting_network(current_user, to_id(request.args.get("network")))


@bp.route("/")
@login_required
def index():
    network = _network()
    filters = _filters()
    page = min(max(request.args.get("page", 1, type=int), 1), 100_000)
    events, more = services.list_events(current_user, network, page=page, **filters)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("audit/index.html", events=describe(events), more=more, page=page, filters=filters,
                           args=args)


@bp.route("/export.csv")
@login_required
def export():
    network = _network()
    data = services.export_csv(current_user, network, **_filters())
    return Response(data, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'})
