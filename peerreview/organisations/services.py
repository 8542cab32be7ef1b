"""Networks and organisations."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import _
from sqlalchemy import func, select

from peerreview.audit.services import record
from peerreview.errors import NotFound, PermissionDenied, ValidationFailed, refuse_stale_edit
from peerreview.extensions import db
from peerreview.organisations.models import Network, Organisation, network_membership
from peerreview.permissions import Action, can, require, scope


def list_organisations(actor) -> list[Organisation]:
    """The organisations of the networks the actor runs (members of several networks once)."""
    require(actor, Action.MANAGE_ORGANISATIONS)
    query = select(Organisation).where(scope(actor, Action.VIEW_ORGANISATION))
    return list(db.session.scalars(query.order_by(Organisation.country, Organisation.name)))


def secretariat_networks(actor) -> list[Network]:
    """The networks whose secretariat the actor belongs to, by name."""
    ids = actor.secretariat_network_ids if actor is not None and actor.is_authenticated else set()
    if not ids:
        return []
    return list(db.session.scalars(select(Network).where(Network.id.in_(ids)).order_by(Network.name)))


def acting_network(actor, network_id: int | None = None) -> Network:
    """The network a secretariat page works on: the one asked for, else the actor's first.

    A person may run several networks' secretariats; each page acts in one of them.
    """
    networks = secretariat_networks(actor)
    if not networks:
        raise PermissionDenied(_("Only a network secretariat can do this."))
    for network in networks:
        if network.id == network_id:
            return network
    return networks[0]


def network_organisations(network_id: int, kind: str | None = None) -> list[Organisation]:
    """Members of one network, by name (the caller has checked access to the network)."""
    query = (select(Organisation).join(network_membership, network_membership.c.organisation_id == Organisation.id)
             .where(network_membership.c.network_id == network_id).order_by(Organisation.name))
    if kind:
        query = query.where(Organisation.kind == kind)
    return list(db.session.scalars(query))


def organisations_by_id(ids) -> dict[int, Organisation]:
    """{id: Organisation} for the given ids, in one query."""
    ids = set(ids)
    if not ids:
        return {}
    return {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}


def get_organisation(actor, organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not can(actor, Action.VIEW_ORGANISATION, organisation):
        raise NotFound(_("No such organisation."))
    require(actor, Action.EDIT_ORGANISATION, organisation)
    return organisation


@dataclass
class OrganisationData:
    name: str
    short_name: str
    country: str
    kind: str = "pes"


def _validate(data: OrganisationData, network_ids: set[int], exclude_id: int | None) -> dict:
    """Every problem at once. Names are compared only within the given networks, so that
    an error never reveals the name of another network's organisation."""
    errors = {}
    if not data.name.strip():
        errors["name"] = _("Enter the organisation's name.")
    elif network_ids:
        clash = db.session.scalar(
            select(Organisation.id).join(network_membership, network_membership.c.organisation_id == Organisation.id)
            .where(network_membership.c.network_id.in_(network_ids),
                   func.lower(Organisation.name) == data.name.strip().lower(), Organisation.id != (exclude_id or 0))
            .limit(1))
        if clash is not None:
            errors["name"] = _("An organisation with this name already exists in your network.")
    if not data.short_name.strip():
        errors["short_name"] = _("Enter a short name, for example BA or ESDC.")
    if not data.country.strip() or len(data.country.strip()) > 8:
        errors["country"] = _("Enter the country code, for example DE or CA.")
    if data.kind not in Organisation.KINDS:
        errors["kind"] = _("Choose the kind of organisation.")
    return errors


def _values(data: OrganisationData) -> dict:
    return {"name": data.name.strip(), "short_name": data.short_name.strip(),
            "country": data.country.strip().upper(), "kind": data.kind}


def create_organisation(actor, network: Network, data: OrganisationData) -> Organisation:
    """A new member organisation of `network` (actor None: the command line)."""
    if actor is not None:
        require(actor, Action.CREATE_ORGANISATION, network)
    errors = _validate(data, {network.id}, None)
    if errors:
        raise ValidationFailed(_("The organisation could not be saved."), errors=errors)
    values = _values(data)
    organisation = Organisation(**values)
    organisation.networks.append(network)
    db.session.add(organisation)
    db.session.flush()
    record(actor, "organisation.create", organisation, after=values, network_ids=[network.id])
    return organisation


def update_organisation(actor, organisation_id: int, data: OrganisationData,
                        expected_version: int | None = None) -> Organisation:
    """Change an organisation; a shared one is changed for every network it belongs to,
    and the change is written to each of those networks' audit logs."""
    organisation = get_organisation(actor, organisation_id)
    refuse_stale_edit(organisation, expected_version)
    errors = _validate(data, organisation.network_ids, organisation.id)
    if errors:
        raise ValidationFailed(_("The organisation could not be saved."), errors=errors)
    values = _values(data)
    before = {key: getattr(organisation, key) for key in values}
    for key, value in values.items():
        setattr(organisation, key, value)
    record(actor, "organisation.update", organisation, before=before, after=values,
           network_ids=organisation.network_ids)
    db.session.flush()
    return organisation


def add_to_network(actor, organisation: Organisation, network: Network) -> None:
    """Make an existing organisation a member of another network too (the command line
    and the seed do this: a secretariat never browses other networks' members)."""
    if actor is not None:
        require(actor, Action.CREATE_ORGANISATION, network)
    if network.id in organisation.network_ids:
        return
    organisation.networks.append(network)
    db.session.flush()
    record(actor, "organisation.join", organisation, after={"network": network.short_name},
           network_ids=organisation.network_ids)


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
    secretariat = create_organisation(None, network, OrganisationData(
        name=f"{network.short_name} Secretariat", short_name=network.short_name, country=country,
        kind="secretariat"))
    return network, secretariat


def get_or_create_network(name: str, short_name: str) -> Network:
    network = db.session.scalar(select(Network).where(Network.short_name == short_name))
    if network is None:
        network = Network(name=name, short_name=short_name)
        db.session.add(network)
        db.session.flush()
        record(None, "network.create", network, after={"name": name}, network_id=network.id)
    return network
