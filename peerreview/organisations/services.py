"""Networks and organisations."""
from __future__ import annotations

from flask_babel import _
from sqlalchemy import func, select

from peerreview.audit.services import record
from peerreview.errors import NotFound, ValidationFailed, refuse_stale_edit
from peerreview.extensions import db
from peerreview.organisations.models import Network, Organisation
from peerreview.permissions import Action, require


def list_organisations(actor=None, *, check: bool = True) -> list[Organisation]:
    if check:
        require(actor, Action.MANAGE_ORGANISATIONS)
    return list(db.session.scalars(select(Organisation).order_by(Organisation.country, Organisation.name)))


def organisations_by_id(ids) -> dict[int, Organisation]:
    """{id: Organisation} for the given ids, in one query."""
    ids = set(ids)
    if not ids:
        return {}
    return {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}


def list_networks() -> list[Network]:
    return list(db.session.scalars(select(Network).order_by(Network.name)))


def get_organisation(actor, organisation_id: int) -> Organisation:
    require(actor, Action.MANAGE_ORGANISATIONS)
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(_("No such organisation."))
    return organisation


def _validate(name: str, short_name: str, country: str, kind: str, exclude_id: int | None) -> dict:
    errors = {}
    if not name.strip():
        errors["name"] = _("Enter the organisation's name.")
    else:
        clash = db.session.scalar(
            select(Organisation).where(func.lower(Organisation.name) == name.strip().lower())
        )
        if clash is not None and clash.id != exclude_id:
            errors["name"] = _("An organisation with this name already exists.")
    if not short_name.strip():
        errors["short_name"] = _("Enter a short name, for example BA or ESDC.")
    if not country.strip() or len(country.strip()) > 8:
        errors["country"] = _("Enter the country code, for example DE or CA.")
    if kind not in Organisation.KINDS:
        errors["kind"] = _("Choose the kind of organisation.")
    return errors


def save_organisation(actor, *, name: str, short_name: str, country: str, kind: str = "pes",
                      network_id: int | None = None, organisation_id: int | None = None,
                      expected_version: int | None = None) -> Organisation:
    if actor is not None:
        require(actor, Action.MANAGE_ORGANISATIONS)
    errors = _validate(name, short_name, country, kind, organisation_id)
    if errors:
        raise ValidationFailed(_("The organisation could not be saved."), errors=errors)
    values = {"name": name.strip(), "short_name": short_name.strip(),
              "country": country.strip().upper(), "kind": kind, "network_id": network_id}
    if organisation_id is None:
        organisation = Organisation(**values)
        db.session.add(organisation)
        record(actor, "organisation.create", organisation, after=values)
    else:
        organisation = get_organisation(actor, organisation_id)
        refuse_stale_edit(organisation, expected_version)
        before = {key: getattr(organisation, key) for key in values}
        for key, value in values.items():
            setattr(organisation, key, value)
        record(actor, "organisation.update", organisation, before=before, after=values)
    db.session.flush()
    return organisation


def create_network(actor, *, name: str, short_name: str, country: str) -> tuple[Network, Organisation]:
    """A new network with its secretariat organisation (named "<short name> Secretariat")."""
    errors = {}
    if not name.strip():
        errors["name"] = _("Enter the network's name.")
    if not short_name.strip():
        errors["short_name"] = _("Enter a short name, for example WAPES.")
    elif db.session.scalar(select(Network.id).where(func.lower(Network.short_name) == short_name.strip().lower())):
        errors["short_name"] = _("A network with this short name already exists.")
    if errors:
        raise ValidationFailed(_("The network could not be created."), errors=errors)
    network = get_or_create_network(name.strip(), short_name.strip())
    secretariat = save_organisation(actor, name=f"{network.short_name} Secretariat", short_name=network.short_name,
                                    country=country, kind="secretariat", network_id=network.id)
    return network, secretariat


def get_or_create_network(name: str, short_name: str) -> Network:
    network = db.session.scalar(select(Network).where(Network.short_name == short_name))
    if network is None:
        network = Network(name=name, short_name=short_name)
        db.session.add(network)
        db.session.flush()
        record(None, "network.create", network, after={"name": name}, network_id=network.id)
    return network
