"""Accounts: sign-in, users, invitations and password resets."""
from __future__ import annotations

from flask import current_app
from flask_babel import _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from peerreview import jobs
from peerreview.audit.services import record
from peerreview.auth.models import ROLE_SECRETARIAT, ROLES, User
from peerreview.auth.passwords import password_problems
from peerreview.errors import NotFound, ValidationFailed
from peerreview.extensions import db
from peerreview.mail.services import external_url, send_mail
from peerreview.organisations.models import Network, Organisation
from peerreview.permissions import Action, require

# Checked when the e-mail is unknown so that a wrong address and a wrong
# password take the same time (no user enumeration by timing).
_DUMMY_HASH = None


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    global _DUMMY_HASH
    user = find_user_by_email(email)
    if user is None or not user.password_hash:
        from werkzeug.security import check_password_hash, generate_password_hash

        if _DUMMY_HASH is None:
            _DUMMY_HASH = generate_password_hash("not-a-real-password",
                                                 method=current_app.config["PASSWORD_HASH_METHOD"])
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not user.active or not user.check_password(password or ""):
        return None
    return user


def load_user(session_id: str) -> User | None:
    try:
        user_id, token = (int(part) for part in session_id.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_token != token:
        return None
    return user


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
        user.session_token += 1  # ends the user's sessions
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
    """Queue the reset for any address: the request does the same work whether it is known or not.

    The job (send_password_reset) looks the account up and mails only an active, known one;
    nothing the request does or writes depends on the address (no user enumeration by timing).
    """
    jobs.enqueue_after_commit(send_password_reset, normalise_email(email))


@jobs.task()
def send_password_reset(email: str) -> None:
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
    record(user, "user.password_set", user)
    return user
