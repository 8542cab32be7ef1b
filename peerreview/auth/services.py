"""Accounts: sign-in, users, invitations and password resets."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from types import SimpleNamespace

from flask import current_app
from flask_babel import _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug import security

from peerreview import jobs
from peerreview.audit.services import record
from peerreview.auth import sessions
from peerreview.auth.models import ROLE_LABELS, ROLE_SECRETARIAT, ROLES, RoleGrant, User
from peerreview.auth.passwords import password_problems
from peerreview.auth.sessions import end_all_sessions, end_session, start_session
from peerreview.errors import NotFound, PermissionDenied, ValidationFailed, refuse_simultaneous_change
from peerreview.extensions import db
from peerreview.i18n import current as current_locale
from peerreview.i18n import in_locale, supported
from peerreview.mail.services import external_url, send_mail
from peerreview.organisations.models import Network, Organisation
from peerreview.permissions import Action, can, require, scope

# Checked when there is no real hash to check (unknown address, account without a password yet),
# so that every sign-in attempt does the same work. One per hashing method, made on first use.
_DUMMY_HASHES: dict[str, str] = {}


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    # The roles come in the same statement: sign-in runs the same SQL whether or not
    # the address has an account (see authenticate).
    query = (select(User).where(func.lower(User.email) == normalise_email(email))
             .options(joinedload(User.grants)))
    return db.session.execute(query).unique().scalar_one_or_none()


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = security.generate_password_hash(secrets.token_urlsafe(16), method=method)
    return _DUMMY_HASHES[method]


# The object of a failed sign-in for an address that belongs to no account.
_NO_ACCOUNT = SimpleNamespace(__tablename__=User.__tablename__, id=None)


def authenticate(email: str, password: str) -> User | None:
    """The account with this address and password, if it may sign in; else None.

    Every path does the same work, so that neither time nor writes tell an unknown address, an
    account without a password, a deactivated account and a wrong password apart: one lookup,
    exactly one password-hash check (against a dummy hash when there is no real one), then one
    audit event, `user.login` or `user.login_failed`.
    """
    user = find_user_by_email(email)
    dummy = _dummy_hash()
    real_hash = user.password_hash if user is not None else None
    password_matches = security.check_password_hash(real_hash or dummy, password or "")
    if user is not None and real_hash and password_matches and user.active:
        record(user, "user.login", user, network_ids=user.network_ids())
        return user
    # Each network where the account holds a role sees the failed attempts on it.
    record(None, "user.login_failed", user if user is not None else _NO_ACCOUNT,
           network_ids=user.network_ids() if user is not None else None)
    return None


def sign_in(email: str, password: str, user_agent: str | None = "") -> User | None:
    """Authenticate and, if that worked, start a server-side session (its key goes into the cookie)."""
    user = authenticate(email, password)
    if user is not None:
        start_session(user, user_agent)
    return user


def sign_out(user: User) -> None:
    """End the session this request was made with: a copy of its cookie no longer signs anyone in."""
    end_session(user)


def load_user(session_key: str) -> User | None:
    return sessions.load_user(session_key)


def set_locale(actor: User, locale: str | None) -> None:
    """The person's own language (None: their browser's preference); an unknown one is refused."""
    if locale and supported(locale) is None:
        raise ValidationFailed(_("Choose one of the languages offered."),
                               errors={"locale": _("Choose one of the languages offered.")})
    actor.locale = locale or None
    db.session.flush()


def list_users(actor) -> list[User]:
    """The people holding a role in a network the actor runs, in one query."""
    require(actor, Action.MANAGE_USERS)
    query = (select(User).where(scope(actor, Action.VIEW_USER))
             .options(selectinload(User.organisation)).order_by(User.name))
    return list(db.session.scalars(query))


def role_holders(network_id: int, role: str, organisation_id: int | None = None) -> list[User]:
    """Active people holding `role` in a network (of one organisation, for delegates)."""
    query = (select(User).join(RoleGrant, RoleGrant.user_id == User.id)
             .where(RoleGrant.network_id == network_id, RoleGrant.role == role, User.active.is_(True)))
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    return list(db.session.scalars(query.order_by(User.name)))


def users_networks(user: User) -> set[int]:
    """Every network where the person holds a role: their account events are logged in each."""
    return user.network_ids()


@dataclass
class NewUser:
    """A person a secretariat adds to its network (forms, the CLI and the seed build the same)."""

    email: str
    name: str
    role: str
    organisation_id: int
    network_id: int
    password: str | None = None


def create_user(actor, data: NewUser) -> User:
    """Give a person a role in a network; create their account if it does not exist yet.

    A new account is invited by e-mail to choose a password. An address that already has
    an account (perhaps in another network) is given the role and told so by e-mail; its
    name and organisation stay as the person keeps them, and nothing about the account's
    other networks is revealed to this secretariat.
    """
    network = db.session.get(Network, data.network_id or 0)
    if actor is not None:  # None: the command line, run by whoever runs the server
        if network is None:
            raise PermissionDenied(_("You do not have permission to do this."))
        require(actor, Action.GRANT_ROLE, network)
    errors: dict[str, str] = {}
    email = normalise_email(data.email)
    name = (data.name or "").strip()
    if not email or "@" not in email:
        errors["email"] = _("Enter an e-mail address like name@example.org.")
    if not name:
        errors["name"] = _("Enter the person's name.")
    if data.role not in ROLES:
        errors["role"] = _("Choose a role.")
    if network is None:
        errors["network_id"] = _("Choose the network.")
    organisation = db.session.get(Organisation, data.organisation_id or 0)
    if organisation is None or (actor is not None and not can(actor, Action.VIEW_ORGANISATION, organisation)):
        errors["organisation_id"] = _("Choose the organisation the person works for.")
    if data.password:
        problems = password_problems(data.password, email=email, name=name)
        if problems:
            errors["password"] = " ".join(problems)
    existing = find_user_by_email(email) if email else None
    if existing is not None and network is not None and existing.has_role(data.role, network.id):
        errors["email"] = _("This person already has this role in %(network)s.", network=network.short_name)
    if errors:
        raise ValidationFailed(_("The user could not be created."), errors=errors)
    if existing is None:
        user = User(email=email, name=name, organisation_id=organisation.id)
        if data.password:
            user.set_password(data.password)
        # The same person added twice at the same moment: the second insert meets the unique e-mail.
        with refuse_simultaneous_change(explain=lambda: _role_taken(email, network, data.role)):
            db.session.add(user)
            db.session.flush()
        grant_role(actor, user, network, data.role, notify=False)
        record(actor, "user.create", user, after={"email": email, "organisation_id": organisation.id},
               network_ids=[network.id])
        if not data.password:
            send_invitation(user, network)
        return user
    grant_role(actor, existing, network, data.role, notify=True)
    return existing


def grant_role(actor, user: User, network: Network, role: str, *, notify: bool = True) -> RoleGrant:
    if actor is not None:
        require(actor, Action.GRANT_ROLE, network)
    if role not in ROLES:
        raise ValidationFailed(_("Choose a role."), errors={"role": _("Choose a role.")})
    grant = RoleGrant(user=user, network_id=network.id, role=role, granted_by_id=getattr(actor, "id", None))
    email = user.email
    with refuse_simultaneous_change(explain=lambda: _role_taken(email, network, role)):  # granted twice at once
        db.session.add(grant)
        db.session.flush()
    record(actor, "user.grant", user, after={"role": role, "network": network.short_name}, network_ids=[network.id])
    if notify:
        with in_locale(user.locale):  # in the recipient's language
            body = _("Hello %(name)s,\n\nyou now take part in %(network)s on peerreview as %(role)s. Sign in "
                     "with your usual e-mail address and password:\n\n%(link)s\n", name=user.name,
                     network=network.name, role=ROLE_LABELS[role], link=external_url("auth.login"))
            subject = _("You take part in %(network)s", network=network.short_name)
        send_mail(user.email, subject, body, network_id=network.id)
    return grant


def revoke_role(actor, grant_id: int) -> RoleGrant:
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None or not can(actor, Action.GRANT_ROLE, grant.network):
        raise NotFound(_("No such role."))
    if grant.user_id == actor.id and grant.role == ROLE_SECRETARIAT:
        raise ValidationFailed(_("You cannot remove your own secretariat role."))
    record(actor, "user.revoke", grant.user, before={"role": grant.role, "network": grant.network.short_name},
           network_ids=[grant.network_id])
    db.session.delete(grant)
    return grant


def get_user(actor, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not can(actor, Action.VIEW_USER, user):
        raise NotFound(_("No such user."))
    return user


def _role_taken(email: str, network: Network, role: str) -> ValidationFailed | None:
    """After a clash with a simultaneous request: did it give this person this role already?"""
    user = find_user_by_email(email)
    if user is None or not user.has_role(role, network.id):
        return None
    return ValidationFailed(_("The user could not be created."), errors={
        "email": _("This person already has this role in %(network)s.", network=network.short_name)})


def set_user_active(actor, user_id: int, active: bool) -> User:
    user = get_user(actor, user_id)
    require(actor, Action.DEACTIVATE_USER, user)
    if user.id == actor.id and not active:
        raise ValidationFailed(_("You cannot deactivate your own account."))
    record(actor, "user.active", user, before={"active": user.active}, after={"active": active},
           network_ids=users_networks(user))
    user.active = active
    if not active:
        user.session_token += 1  # ends the user's reset and invitation links
        end_all_sessions(user)
    return user


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _token_for(user: User, salt: str) -> str:
    # The session token is part of the payload: once the password is set the
    # token no longer matches, which makes every token single-use.
    return _serializer(salt).dumps({"u": user.id, "t": user.session_token})


def _set_password_link(user: User, salt: str) -> str:
    return external_url("auth.set_password", token=_token_for(user, salt))


def send_invitation(user: User, network: Network | None = None) -> None:
    days = current_app.config["INVITATION_MAX_AGE"] // 86400
    with in_locale(user.locale):  # in the recipient's language
        body = _("Hello %(name)s,\n\nan account was created for you on peerreview. Choose your password "
                 "with this link within %(days)d days:\n\n%(link)s\n", name=user.name, days=days,
                 link=_set_password_link(user, "invite"))
        subject = _("You are invited to peerreview")
    send_mail(user.email, subject, body, sensitive=True, network_id=network.id if network else None)


def request_password_reset(email: str) -> None:
    """Queue the reset for any address: the request does the same work whether it is known or not.

    The job (send_password_reset) looks the account up and mails only an active, known one;
    nothing the request does or writes depends on the address (no user enumeration by timing).
    The language of the page it was asked on goes with it, for a person who chose none.
    """
    jobs.enqueue_after_commit(send_password_reset, normalise_email(email), current_locale())


@jobs.task()
def send_password_reset(email: str, asked_in: str | None = None) -> None:
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    with in_locale(user.locale or asked_in):  # in the recipient's language
        body = _("Hello %(name)s,\n\nsomeone asked to reset your password. If it was you, choose a new one "
                 "within %(minutes)d minutes with this link; it works once:\n\n%(link)s\n\n"
                 "If it was not you, ignore this message.", name=user.name, minutes=minutes,
                 link=_set_password_link(user, "reset"))
        subject = _("Reset your peerreview password")
    send_mail(user.email, subject, body, sensitive=True)
    record(None, "user.password_reset_requested", user, network_ids=users_networks(user))
    db.session.commit()


def user_for_token(token: str) -> User:
    for salt, max_age_key in (("reset", "PASSWORD_RESET_MAX_AGE"), ("invite", "INVITATION_MAX_AGE")):
        try:
            payload = _serializer(salt).loads(token, max_age=current_app.config[max_age_key])
        except SignatureExpired:
            raise ValidationFailed(_("This link has expired. Ask for a new one.")) from None
        except BadSignature:
            continue
        user = db.session.get(User, payload.get("u"))
        if user is None or user.session_token != payload.get("t") or not user.active:
            raise ValidationFailed(_("This link has already been used or is no longer valid."))
        return user
    raise ValidationFailed(_("This link is not valid."))


def set_password_with_token(token: str, password: str) -> User:
    user = user_for_token(token)
    problems = password_problems(password, email=user.email, name=user.name)
    if problems:
        raise ValidationFailed(_("Choose another password."), errors={"password": " ".join(problems)})
    user.set_password(password)
    end_all_sessions(user)  # a password changed after a theft locks the thief out
    record(user, "user.password_set", user, network_ids=users_networks(user))
    return user
