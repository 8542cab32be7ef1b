"""Accounts: sign-in, users, invitations and password resets."""
from __future__ import annotations

import secrets
from types import SimpleNamespace

from flask import current_app
from flask_babel import _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug import security

from peerreview.audit.services import record
from peerreview.auth import sessions
from peerreview.auth.models import ROLE_SECRETARIAT, ROLES, User
from peerreview.auth.passwords import password_problems
from peerreview.auth.sessions import end_all_sessions, end_session, start_session
from peerreview.errors import NotFound, ValidationFailed
from peerreview.extensions import db
from peerreview.mail.services import external_url, send_mail
from peerreview.organisations.models import Network, Organisation
from peerreview.permissions import Action, require

# Checked when there is no real hash to check (unknown address, account without a password yet),
# so that every sign-in attempt does the same work. One per hashing method, made on first use.
_DUMMY_HASHES: dict[str, str] = {}


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


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
        record(user, "user.login", user)
        return user
    record(None, "user.login_failed", user if user is not None else _NO_ACCOUNT)
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


def list_users(actor) -> list[User]:
    require(actor, Action.MANAGE_USERS)
    query = select(User).options(selectinload(User.organisation), selectinload(User.network))
    return list(db.session.scalars(query.order_by(User.name)))


def create_user(actor, *, email: str, name: str, role: str, organisation_id: int,
                network_id: int | None = None, password: str | None = None) -> User:
    """Create an account. Without a password, an invitation with a link is e-mailed."""
    if actor is not None:  # None: the command line, run by whoever runs the server
        require(actor, Action.MANAGE_USERS)
    errors: dict[str, str] = {}
    email = normalise_email(email)
    if not email or "@" not in email:
        errors["email"] = _("Enter an e-mail address like name@example.org.")
    elif find_user_by_email(email):
        errors["email"] = _("A user with this e-mail address already exists.")
    if not (name or "").strip():
        errors["name"] = _("Enter the person's name.")
    if role not in ROLES:
        errors["role"] = _("Choose a role.")
    if db.session.get(Organisation, organisation_id or 0) is None:
        errors["organisation_id"] = _("Choose the organisation the person works for.")
    if role == ROLE_SECRETARIAT:
        if db.session.get(Network, network_id or 0) is None:
            errors["network_id"] = _("Choose the network whose secretariat the person belongs to.")
    else:
        network_id = None
    if password:
        problems = password_problems(password, email=email, name=name)
        if problems:
            errors["password"] = " ".join(problems)
    if errors:
        raise ValidationFailed(_("The user could not be created."), errors=errors)
    user = User(email=email, name=name.strip(), role=role, organisation_id=organisation_id,
                network_id=network_id)
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(actor, "user.create", user, after={"email": email, "role": role,
                                              "organisation_id": organisation_id})
    if not password:
        send_invitation(user)
    return user


def set_user_active(actor, user_id: int, active: bool) -> User:
    require(actor, Action.MANAGE_USERS)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    if user.id == actor.id and not active:
        raise ValidationFailed(_("You cannot deactivate your own account."))
    record(actor, "user.active", user, before={"active": user.active}, after={"active": active})
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


def send_invitation(user: User) -> None:
    days = current_app.config["INVITATION_MAX_AGE"] // 86400
    body = _("Hello %(name)s,\n\nan account was created for you on peerreview. Choose your password "
             "with this link within %(days)d days:\n\n%(link)s\n", name=user.name, days=days,
             link=_set_password_link(user, "invite"))
    send_mail(user.email, _("You are invited to peerreview"), body, sensitive=True)


def request_password_reset(email: str) -> None:
    """Send a reset link if the address is known; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    body = _("Hello %(name)s,\n\nsomeone asked to reset your password. If it was you, choose a new one "
             "within %(minutes)d minutes with this link; it works once:\n\n%(link)s\n\n"
             "If it was not you, ignore this message.", name=user.name, minutes=minutes,
             link=_set_password_link(user, "reset"))
    send_mail(user.email, _("Reset your peerreview password"), body, sensitive=True)
    record(None, "user.password_reset_requested", user)


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
    record(user, "user.password_set", user)
    return user
