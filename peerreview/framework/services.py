"""Indicator frameworks: excellence areas and indicators."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from decimal import Decimal

from flask_babel import _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from peerreview.audit.services import record
from peerreview.errors import (
    DomainError,
    NotFound,
    ValidationFailed,
    refuse_simultaneous_change,
    refuse_stale_edit,
    stale_edit_conflict,
)
from peerreview.extensions import db
from peerreview.framework.breakdowns import DIMENSIONS
from peerreview.framework.models import (
    DIRECTIONS,
    REQUIRED_CHOICES,
    REQUIRED_TOTAL,
    ExcellenceArea,
    Framework,
    Indicator,
)
from peerreview.i18n import clean_translations
from peerreview.organisations.models import Network
from peerreview.permissions import Action, require


def frameworks_of(network_id: int) -> list[Framework]:
    return list(db.session.scalars(select(Framework).where(Framework.network_id == network_id)
                                   .order_by(Framework.name)))


def list_frameworks(actor, network: Network) -> list[Framework]:
    require(actor, Action.MANAGE_FRAMEWORK, network)
    return frameworks_of(network.id)


def get_framework(actor, framework_id: int, *, check: bool = True) -> Framework:
    framework = db.session.get(Framework, framework_id)
    if framework is None:
        raise NotFound(_("No such indicator framework."))
    if check:
        require(actor, Action.MANAGE_FRAMEWORK, framework.network)
    return framework


def _part_of(framework: Framework, model, part_id: int, missing: str):
    """An indicator or area of this framework (the caller checked access to the framework); one of
    another framework answers as a missing one."""
    part = db.session.get(model, part_id)
    if part is None or part.framework_id != framework.id:
        raise NotFound(missing)
    return part


def get_indicator(framework: Framework, indicator_id: int) -> Indicator:
    return _part_of(framework, Indicator, indicator_id, _("No such indicator."))


def framework_indicators(framework_id: int) -> list[Indicator]:
    """All indicators of a framework with their areas, in two queries."""
    query = (
        select(Indicator)
        .where(Indicator.framework_id == framework_id)
        .options(selectinload(Indicator.area))
        .order_by(Indicator.position, Indicator.code)
    )
    return list(db.session.scalars(query))


def framework_areas(framework_id: int) -> list[ExcellenceArea]:
    query = select(ExcellenceArea).where(ExcellenceArea.framework_id == framework_id).order_by(ExcellenceArea.code)
    return list(db.session.scalars(query))


def create_framework(actor, network: Network, *, name: str, description: str = "",
                     translations: dict | None = None) -> Framework:
    require(actor, Action.MANAGE_FRAMEWORK, network)
    if not name.strip():
        raise ValidationFailed(_("The framework could not be created."),
                               errors={"name": _("Enter a name for the framework.")})

    def name_taken() -> ValidationFailed | None:
        if db.session.scalar(select(Framework.id).where(Framework.network_id == network.id,
                                                        Framework.name == name.strip())) is None:
            return None
        return ValidationFailed(_("The framework could not be created."),
                                errors={"name": _("This network already has a framework with this name.")})

    refusal = name_taken()
    if refusal is not None:
        raise refusal
    framework = Framework(network_id=network.id, name=name.strip(), description=description,
                          translations=clean_translations(translations, ("name", "description")))
    with refuse_simultaneous_change(explain=name_taken):  # created by someone else at the same moment
        db.session.add(framework)
        db.session.flush()
    record(actor, "framework.create", framework, after={"name": name}, network_id=network.id)
    return framework


def update_framework(actor, framework: Framework, *, name: str, description: str = "",
                     translations: dict | None = None, expected_version: int | None = None) -> Framework:
    """A framework's name and description, in English and per language; an edit that started from an
    older version is refused (Conflict), never applied over someone else's."""
    require(actor, Action.MANAGE_FRAMEWORK, framework.network)
    refuse_stale_edit(framework, expected_version)
    name = (name or "").strip()

    def name_taken() -> ValidationFailed | None:
        if db.session.scalar(select(Framework.id).where(Framework.network_id == framework.network_id,
                                                        Framework.name == name, Framework.id != framework.id)) is None:
            return None
        return ValidationFailed(_("The framework could not be saved."),
                                errors={"name": _("This network already has a framework with this name.")})

    if not name:
        raise ValidationFailed(_("The framework could not be saved."),
                               errors={"name": _("Enter a name for the framework.")})
    refusal = name_taken()
    if refusal is not None:
        raise refusal
    before = {"name": framework.name, "description": framework.description, "translations": framework.translations}
    after = {"name": name, "description": description or "",
             "translations": clean_translations(translations, ("name", "description"))}
    with refuse_simultaneous_change(explain=name_taken):  # the name taken at the same moment
        for key, value in after.items():
            setattr(framework, key, value)
        db.session.flush()
    record(actor, "framework.update", framework, before=before, after=after, network_id=framework.network_id)
    return framework


def get_area(framework: Framework, area_id: int) -> ExcellenceArea:
    return _part_of(framework, ExcellenceArea, area_id, _("No such excellence area."))


def update_area(actor, framework: Framework, area: ExcellenceArea, *, name: str,
                translations: dict | None = None, expected_version: int | None = None) -> ExcellenceArea:
    """An excellence area's name, in English and per language (its code stays: values refer to it)."""
    require(actor, Action.MANAGE_FRAMEWORK, framework.network)
    refuse_stale_edit(area, expected_version)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("The excellence area could not be saved."),
                               errors={"name": _("Enter the excellence area's name.")})
    before = {"name": area.name, "translations": area.translations}
    area.name, area.translations = name, clean_translations(translations, ("name",))
    db.session.flush()
    record(actor, "area.update", area, before=before, after={"name": area.name, "translations": area.translations},
           network_id=framework.network_id)
    return area


def save_area(actor, framework: Framework, *, code: str, name: str,
              translations: dict | None = None) -> ExcellenceArea:
    require(actor, Action.MANAGE_FRAMEWORK, framework.network)
    area = db.session.scalar(select(ExcellenceArea).where(ExcellenceArea.framework_id == framework.id,
                                                         ExcellenceArea.code == code))
    if area is not None and translations is not None:
        before = area.translations
        area.translations = clean_translations(translations, ("name",))
        record(actor, "area.update", area, before={"translations": before},
               after={"translations": area.translations}, network_id=framework.network_id)
    if area is None:
        area = ExcellenceArea(framework_id=framework.id, code=code, name=name,
                              translations=clean_translations(translations, ("name",)))
        db.session.add(area)
        record(actor, "area.create", area, after={"code": code, "name": name}, network_id=framework.network_id)
    return area


@dataclass
class IndicatorData:
    """What a secretariat enters about an indicator (the form, the seed and the tests build the same)."""

    code: str | None = None
    name: str | None = None
    definition: str | None = ""
    unit: str | None = None
    direction: str | None = "higher"
    decimals: int | None = 1
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    dimensions: str | None = ""
    area_id: int | None = None
    required: str | None = REQUIRED_TOTAL
    additive: bool = False
    change_threshold: Decimal | None = None
    # {"fr": {"name": ..., "definition": ...}, "es": {...}} (peerreview/i18n.py)
    translations: dict | None = None


def _validate_indicator(framework: Framework, indicator: IndicatorData, indicator_id: int | None) -> dict[str, str]:
    data = asdict(indicator)
    errors: dict[str, str] = {}
    code = (data.get("code") or "").strip()
    if not code:
        errors["code"] = _("Enter a code, for example 1a.")
    else:
        clash = db.session.scalar(select(Indicator.id).where(Indicator.framework_id == framework.id,
                                                             func.lower(Indicator.code) == code.lower()))
        if clash is not None and clash != indicator_id:
            errors["code"] = _("Another indicator of this framework has the code %(code)s.", code=code)
    if not (data.get("name") or "").strip():
        errors["name"] = _("Enter the indicator's name.")
    if not (data.get("unit") or "").strip():
        errors["unit"] = _("Enter the unit, for example % or persons.")
    if data.get("direction") not in DIRECTIONS:
        errors["direction"] = _("Choose whether higher or lower values are better.")
    decimals = data.get("decimals")
    if decimals is None or not 0 <= int(decimals) <= 6:
        errors["decimals"] = _("Decimals must be between 0 and 6.")
    low, high = data.get("min_value"), data.get("max_value")
    if low is not None and high is not None and Decimal(low) > Decimal(high):
        errors["max_value"] = _("The maximum must not be below the minimum.")
    unknown = set((data.get("dimensions") or "").split()) - set(DIMENSIONS)
    if unknown:
        errors["dimensions"] = _("Unknown breakdown: %(names)s.", names=", ".join(sorted(unknown)))
    if data.get("required") not in REQUIRED_CHOICES:
        errors["required"] = _("Choose which values are required.")
    threshold = data.get("change_threshold")
    if threshold is not None and not 0 < Decimal(threshold) <= 100000:
        errors["change_threshold"] = _("Enter a change in per cent above 0 (for example 50), or leave it empty.")
    area_id = data.get("area_id")
    if area_id and db.session.scalar(select(ExcellenceArea.id).where(
            ExcellenceArea.id == area_id, ExcellenceArea.framework_id == framework.id)) is None:
        errors["area_id"] = _("Choose an excellence area of this framework.")
    return errors


INDICATOR_FIELDS = tuple(f.name for f in fields(IndicatorData))


def save_indicator(actor, framework: Framework, data: IndicatorData, indicator_id: int | None = None,
                   expected_version: int | None = None) -> Indicator:
    """Create or update an indicator."""
    require(actor, Action.MANAGE_FRAMEWORK, framework.network)
    errors = _validate_indicator(framework, data, indicator_id)
    if errors:
        raise ValidationFailed(_("The indicator could not be saved."), errors=errors)
    values = asdict(data)
    values["code"] = values["code"].strip()
    values["area_id"] = values["area_id"] or None
    values["definition"] = values["definition"] or ""
    values["dimensions"] = " ".join(sorted(set((values["dimensions"] or "").split())))
    values["translations"] = clean_translations(values["translations"], ("name", "definition"))

    def clash() -> DomainError | None:
        """After a clash with a simultaneous save: the code taken meanwhile, or the indicator changed."""
        errors = _validate_indicator(framework, data, indicator_id)
        if errors:
            return ValidationFailed(_("The indicator could not be saved."), errors=errors)
        return None if indicator_id is None else stale_edit_conflict()

    if indicator_id is None:
        position = db.session.scalar(select(func.coalesce(func.max(Indicator.position), 0))
                                     .where(Indicator.framework_id == framework.id)) + 1
        indicator = Indicator(framework_id=framework.id, position=position, **values)
        db.session.add(indicator)
        record(actor, "indicator.create", indicator, after=values, network_id=framework.network_id)
    else:
        indicator = get_indicator(framework, indicator_id)
        refuse_stale_edit(indicator, expected_version)
        before = {key: getattr(indicator, key) for key in values}
        for key, value in values.items():
            setattr(indicator, key, value)
        record(actor, "indicator.update", indicator, before=before, after=values,
               network_id=framework.network_id)
    with refuse_simultaneous_change(explain=clash):
        db.session.flush()
    return indicator
