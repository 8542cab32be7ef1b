"""Cycles: the record of a round (creation, editing, who sees it). Invitations are in
submissions/, the phase guards in workflow/phases.py."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date

from flask_babel import _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from peerreview.audit.services import record
from peerreview.cycles.models import DRAFT, Cycle
from peerreview.errors import (
    DomainError,
    NotFound,
    ValidationFailed,
    refuse_simultaneous_change,
    refuse_stale_edit,
    stale_edit_conflict,
)
from peerreview.extensions import db
from peerreview.framework.models import Framework
from peerreview.i18n import LOCALES, SOURCE_LOCALE, clean_translations
from peerreview.organisations.models import Network, Organisation
from peerreview.permissions import Action, require, scope


@dataclass
class CycleData:
    """What a secretariat enters about a cycle (the form, the seed and the tests build the same).

    A field left None is missing; the validation says so.
    """

    title: str | None = None
    theme: str | None = ""
    framework_id: int | None = None
    host_organisation_id: int | None = None
    kickoff_place: str | None = ""
    kickoff_start: date | None = None
    kickoff_end: date | None = None
    first_year: int | None = None
    last_year: int | None = None
    submission_deadline: date | None = None
    review_deadline: date | None = None
    reporting_deadline: date | None = None
    # Demo or test figures: every report of the cycle says they are illustrative.
    illustrative_data: bool = False
    forbid_reciprocal_reviews: bool = False
    hide_reviewer_names: bool = False
    # The language its reports are written in (peerreview/i18n.py).
    report_locale: str | None = SOURCE_LOCALE
    # {"fr": {"title": ..., "theme": ...}, "es": {...}}
    translations: dict | None = None


CYCLE_FIELDS = tuple(f.name for f in fields(CycleData))


def get_cycle(actor, cycle_id: int, action: Action = Action.VIEW_CYCLE) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound(_("No such cycle."))
    require(actor, action, cycle)
    return cycle


def visible_cycles(actor) -> list[Cycle]:
    """The cycles a user takes part in, in one query (the same rule as VIEW_CYCLE)."""
    query = (select(Cycle).where(scope(actor, Action.VIEW_CYCLE)).options(selectinload(Cycle.network))
             .order_by(Cycle.first_year.desc(), Cycle.title))
    return list(db.session.scalars(query))


def cycle_problems(network: Network, cycle_data: CycleData, cycle_id: int | None = None) -> dict[str, str]:
    """Every problem of the cycle data at once, keyed by field."""
    data = asdict(cycle_data)
    errors: dict[str, str] = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = _("Enter a title.")
    else:
        clash = db.session.scalar(select(Cycle.id).where(Cycle.network_id == network.id,
                                                         func.lower(Cycle.title) == title.lower()))
        if clash is not None and clash != cycle_id:
            errors["title"] = _("Another cycle of this network already has this title.")
    framework = db.session.get(Framework, data.get("framework_id") or 0)
    if framework is None or framework.network_id != network.id:
        errors["framework_id"] = _("Choose an indicator framework of this network.")
    host_id = data.get("host_organisation_id")
    host = db.session.get(Organisation, host_id) if host_id else None
    if host_id and (host is None or network.id not in host.network_ids):
        errors["host_organisation_id"] = _("Choose the host organisation.")
    start, end = data.get("kickoff_start"), data.get("kickoff_end")
    if start and end and end < start:
        errors["kickoff_end"] = _("The kick-off cannot end before it starts.")
    first, last = data.get("first_year"), data.get("last_year")
    if not first or not last:
        errors["first_year"] = _("Enter the first and last reference years.")
    elif last < first:
        errors["last_year"] = _("The last reference year cannot be before the first.")
    elif last - first > 9:
        errors["last_year"] = _("A cycle covers at most 10 reference years.")
    deadlines = [("submission_deadline", data.get("submission_deadline")),
                 ("review_deadline", data.get("review_deadline")),
                 ("reporting_deadline", data.get("reporting_deadline"))]
    previous: date | None = None
    for key, value in deadlines:
        if value and previous and value < previous:
            errors[key] = _("Deadlines must follow each other: submission, review, reporting.")
        previous = value or previous
    if (data.get("report_locale") or SOURCE_LOCALE) not in LOCALES:
        errors["report_locale"] = _("Choose one of the languages offered.")
    return errors


def save_cycle(actor, network: Network, data: CycleData, cycle_id: int | None = None,
               expected_version: int | None = None) -> Cycle:
    require(actor, Action.CREATE_CYCLE, network)
    errors = cycle_problems(network, data, cycle_id)
    if errors:
        raise ValidationFailed(_("The cycle could not be saved."), errors=errors)
    values = asdict(data)
    values["title"] = values["title"].strip()
    values["host_organisation_id"] = values["host_organisation_id"] or None
    values["illustrative_data"] = bool(values["illustrative_data"])
    values["forbid_reciprocal_reviews"] = bool(values["forbid_reciprocal_reviews"])
    values["hide_reviewer_names"] = bool(values["hide_reviewer_names"])
    values["report_locale"] = values["report_locale"] or SOURCE_LOCALE
    values["translations"] = clean_translations(values["translations"], ("title", "theme"))

    def clash() -> DomainError | None:
        """After a clash with a simultaneous save: the title taken meanwhile, or the cycle changed."""
        errors = cycle_problems(network, data, cycle_id)
        if errors:
            return ValidationFailed(_("The cycle could not be saved."), errors=errors)
        return None if cycle_id is None else stale_edit_conflict()

    if cycle_id is None:
        cycle = Cycle(network_id=network.id, status=DRAFT, **values)
        with refuse_simultaneous_change(explain=clash):
            db.session.add(cycle)
            db.session.flush()
        record(actor, "cycle.create", cycle, after=values, network_id=network.id, cycle_id=cycle.id)
        return cycle
    cycle = get_cycle(actor, cycle_id, Action.MANAGE_CYCLE)
    refuse_stale_edit(cycle, expected_version)
    if cycle.status != DRAFT and values["framework_id"] != cycle.framework_id:
        raise ValidationFailed(_("The cycle could not be saved."), errors={
            "framework_id": _("The framework can only be changed while the cycle is a draft.")})
    before = {key: getattr(cycle, key) for key in values}
    with refuse_simultaneous_change(explain=clash):
        for key, value in values.items():
            setattr(cycle, key, value)
        record(actor, "cycle.update", cycle, before=before, after=values, network_id=network.id,
               cycle_id=cycle.id)
        db.session.flush()
    return cycle


def usual_report_locale(network_id: int) -> str:
    """The language a new cycle's reports are offered in: that of the network's latest cycle (a network
    keeps to its working language), else the default."""
    latest = db.session.scalar(select(Cycle.report_locale).where(Cycle.network_id == network_id)
                               .order_by(Cycle.id.desc()).limit(1))
    return latest if latest in LOCALES else SOURCE_LOCALE
