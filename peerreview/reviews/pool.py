"""The reviewer pool of a network: profiles, load, and declared conflicts of interest."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from peerreview.audit.services import record
from peerreview.auth.models import ROLE_REVIEWER, RoleGrant, User
from peerreview.cycles.models import CLOSED, Cycle
from peerreview.errors import ValidationFailed
from peerreview.extensions import db
from peerreview.organisations.models import Network, Organisation, network_membership
from peerreview.permissions import Action, require, scope
from peerreview.reasons import reason_problem
from peerreview.reviews.models import DeclaredConflict, ReviewerAssignment, ReviewerProfile
from peerreview.submissions.models import Submission


@dataclass
class PoolRow:
    reviewer: User
    languages: str
    expertise: str
    load: int  # assignments in cycles of the network that are not closed


def reviewer_pool(actor, network: Network) -> list[PoolRow]:
    """Every active reviewer of the network with profile and load, in three queries."""
    require(actor, Action.MANAGE_REVIEWER_POOL, network)
    reviewers = list(db.session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == ROLE_REVIEWER, RoleGrant.network_id == network.id, User.active.is_(True))
        .options(selectinload(User.organisation)).order_by(User.name)))
    profiles = {p.user_id: p for p in db.session.scalars(select(ReviewerProfile).where(
        ReviewerProfile.network_id == network.id))}
    loads = dict(db.session.execute(
        select(ReviewerAssignment.reviewer_id, func.count())
        .join(Submission, Submission.id == ReviewerAssignment.submission_id)
        .join(Cycle, Cycle.id == Submission.cycle_id)
        .where(Cycle.network_id == network.id, Cycle.status != CLOSED)
        .group_by(ReviewerAssignment.reviewer_id)).all())
    return [PoolRow(r, profiles[r.id].languages if r.id in profiles else "",
                    profiles[r.id].expertise if r.id in profiles else "", loads.get(r.id, 0)) for r in reviewers]


@dataclass
class ProfileInput:
    languages: str
    expertise: str


def save_profile(actor, network: Network, reviewer_id: int, data: ProfileInput) -> ReviewerProfile:
    require(actor, Action.MANAGE_REVIEWER_POOL, network)
    reviewer = db.session.get(User, reviewer_id or 0)
    errors = {}
    if reviewer is None or not reviewer.has_role(ROLE_REVIEWER, network.id):
        errors["reviewer_id"] = _("Choose a peer reviewer of this network.")
    for name in ("languages", "expertise"):
        if len(getattr(data, name) or "") > 200:
            errors[name] = _("At most 200 characters.")
    if errors:
        raise ValidationFailed(_("The profile was not saved."), errors=errors)
    profile = db.session.scalar(select(ReviewerProfile).where(
        ReviewerProfile.user_id == reviewer.id, ReviewerProfile.network_id == network.id))
    if profile is None:
        profile = ReviewerProfile(user_id=reviewer.id, network_id=network.id)
        db.session.add(profile)
    profile.languages = ", ".join(p.strip() for p in (data.languages or "").split(",") if p.strip())
    profile.expertise = ", ".join(p.strip().upper() for p in (data.expertise or "").split(",") if p.strip())
    db.session.flush()
    record(actor, "reviewer.profile", reviewer, after={"languages": profile.languages,
                                                       "expertise": profile.expertise}, network_id=network.id)
    return profile


@dataclass
class ConflictInput:
    network_id: int
    with_organisation_id: int
    reason: str
    for_delegation: bool  # declared by the delegation (for its organisation), else by the reviewer


def declare_conflict(actor, data: ConflictInput) -> DeclaredConflict:
    """A reviewer, or a delegation, declares a conflict of interest with an organisation."""
    network = db.session.get(Network, data.network_id or 0)
    action = Action.DECLARE_DELEGATION_CONFLICT if data.for_delegation else Action.DECLARE_REVIEWER_CONFLICT
    require(actor, action, network)
    errors = {}
    member = db.session.scalar(select(Organisation.id).join(
        network_membership, network_membership.c.organisation_id == Organisation.id).where(
        network_membership.c.network_id == network.id, Organisation.id == (data.with_organisation_id or 0)))
    if member is None or member == actor.organisation_id:
        errors["with_organisation_id"] = _("Choose another organisation of this network.")
    reason = (data.reason or "").strip()
    problem = reason_problem(reason, missing=_("Say what the conflict of interest is."))
    if problem:
        errors["reason"] = problem
    if errors:
        raise ValidationFailed(_("The conflict of interest was not declared."), errors=errors)
    conflict = DeclaredConflict(network_id=network.id, with_organisation_id=member, reason=reason,
                                declared_by_id=actor.id,
                                organisation_id=actor.organisation_id if data.for_delegation else None,
                                reviewer_id=None if data.for_delegation else actor.id)
    db.session.add(conflict)
    db.session.flush()
    record(actor, "conflict.declare", conflict, after={"with_organisation_id": member, "reason": reason,
                                                       "by": "delegation" if data.for_delegation else "reviewer"},
           network_id=network.id)
    return conflict


def declared_conflicts(actor) -> list[DeclaredConflict]:
    """The declared conflicts this person may see: their own, their delegation's, their network's."""
    query = (select(DeclaredConflict).where(scope(actor, Action.VIEW_DECLARED_CONFLICT))
             .options(selectinload(DeclaredConflict.with_organisation)).order_by(DeclaredConflict.declared_at))
    return list(db.session.scalars(query))


def declaring_networks(actor) -> list[Network]:
    """The networks where the person reviews or speaks for a delegation."""
    ids = actor.network_ids(ROLE_REVIEWER) | actor.network_ids("delegate")
    return list(db.session.scalars(select(Network).where(Network.id.in_(sorted(ids) or [0]))))
