"""Account rules: registration, login with throttling, sessions, tokens, and staff actions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from functools import cache

from flask import current_app
from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from marketplace import clock
from marketplace.accounts import passwords
from marketplace.accounts.models import ApiToken, LoginFailure, LoginSession, Organisation, User
from marketplace.accounts.signals import (
    organisation_verification_changed,
    user_reinstated,
    user_role_changed,
    user_suspended,
)
from marketplace.errors import Conflict, Forbidden, Invalid, NotFound, Throttled, Unauthorized
from marketplace.extensions import db
from marketplace.places.models import Place
from marketplace.text import normalise_email, normalise_phone

TOKEN_PREFIX = "mkt_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- registration -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    password: str
    display_name: str
    email: str | None = None
    phone: str | None = None
    organisation_name: str | None = None
    organisation_kind: str = "merchant"
    home_place_id: int | None = None


def register(registration: Registration) -> User:
    """Create a resident, or a merchant together with the organisation they name."""
    email = normalise_email(registration.email) if registration.email else None
    phone = normalise_phone(registration.phone) if registration.phone else None
    _refuse_taken_credentials(email, phone)
    if registration.home_place_id is not None:
        _require_home_place(registration.home_place_id)
    user = User(
        email=email,
        phone=phone,
        password_hash=passwords.hash_password(registration.password),
        display_name=registration.display_name,
        home_place_id=registration.home_place_id,
    )
    if registration.organisation_name:
        user.organisation = _new_organisation(
            registration.organisation_name, registration.organisation_kind
        )
        user.role = "merchant"
    db.session.add(user)
    _commit_or_conflict(
        "already_registered", "This e-mail, phone or organisation is already registered."
    )
    return user


def _refuse_taken_credentials(email: str | None, phone: str | None) -> None:
    if email and db.session.scalar(select(User.id).where(User.email == email)):
        raise Conflict("email_taken", "This e-mail address is already registered.")
    if phone and db.session.scalar(select(User.id).where(User.phone == phone)):
        raise Conflict("phone_taken", "This phone number is already registered.")


def _new_organisation(name: str, kind: str) -> Organisation:
    taken = db.session.scalar(
        select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
    )
    if taken:
        raise Conflict("organisation_exists", "An organisation with this name already exists.")
    return Organisation(name=name, kind=kind)


def _require_home_place(place_id: int) -> Place:
    place = db.session.get(Place, place_id)
    if place is None:
        raise Invalid({"home_place_id": "No such place."})
    if not place.can_host_listings:
        raise Invalid({"home_place_id": "Choose a community or a place inside one."})
    return place


def _commit_or_conflict(code: str, message: str) -> None:
    """Commit; a unique constraint lost to a concurrent writer becomes a 409."""
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(code, message) from exc


# --- login, sessions and throttling ------------------------------------------------------------


# The longest e-mail address, and the width of login_failures.login_key.
MAX_LOGIN_KEY_LENGTH = 254


def login_key(login: str) -> str:
    """The account a login string names: a normalised e-mail, or a normalised phone number."""
    key = normalise_email(login) if "@" in login else normalise_phone(login)
    # Lower-casing can lengthen a login the schema let through ("İ" becomes two characters).
    return key[:MAX_LOGIN_KEY_LENGTH]


def find_user_by_login(login: str) -> User | None:
    key = login_key(login)
    column = User.email if "@" in key else User.phone
    return db.session.scalar(select(User).where(column == key))


def authenticate(login: str, password: str, remote_addr: str) -> tuple[User, str]:
    """Check credentials and open a login session; returns the user and the session's key."""
    key = login_key(login)
    user = find_user_by_login(login)
    account_keys = _account_login_keys(key, user)
    _refuse_if_throttled(account_keys, remote_addr)
    if user is None:
        passwords.dummy_verify(password)
    if user is None or not passwords.verify_password(user.password_hash, password):
        _record_failure(key, remote_addr)
        raise Unauthorized("The login or password is wrong.", code="invalid_credentials")
    if user.is_suspended:
        raise Forbidden(
            "This account is suspended; contact your community coordinator.",
            code="account_suspended",
        )
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    db.session.execute(delete(LoginFailure).where(LoginFailure.login_key.in_(account_keys)))
    session_key = _open_login_session(user)
    db.session.commit()
    return user, session_key


def _account_login_keys(key: str, user: User | None) -> set[str]:
    """Every login string of the account, so failures by e-mail and by phone count together."""
    if user is None:
        return {key}
    return {key} | {login for login in (user.email, user.phone) if login}


def _refuse_if_throttled(account_keys: set[str], remote_addr: str) -> None:
    config = current_app.config
    window = config["LOGIN_THROTTLE_WINDOW"]
    since = clock.now() - window
    for failures, limit in (
        (LoginFailure.login_key.in_(account_keys), config["LOGIN_THROTTLE_PER_ACCOUNT"]),
        (LoginFailure.remote_addr == remote_addr, config["LOGIN_THROTTLE_PER_ADDRESS"]),
    ):
        count, oldest = db.session.execute(
            select(func.count(LoginFailure.id), func.min(LoginFailure.failed_at)).where(
                failures, LoginFailure.failed_at >= since
            )
        ).one()
        if count >= limit:
            raise Throttled((oldest + window - clock.now()).total_seconds())


def _record_failure(key: str, remote_addr: str) -> None:
    cutoff = clock.now() - current_app.config["LOGIN_THROTTLE_WINDOW"]
    db.session.execute(delete(LoginFailure).where(LoginFailure.failed_at < cutoff))
    db.session.add(LoginFailure(login_key=key, remote_addr=remote_addr, failed_at=clock.now()))
    db.session.commit()


def _open_login_session(user: User) -> str:
    session_key = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user=user, key_hash=_digest(session_key)))
    user.login_session_key = session_key
    return session_key


def user_for_session_key(session_key: str) -> User | None:
    """The active user of an open login session, or None."""
    user = _user_holding(LoginSession, "key_hash", session_key)
    if user is None:
        return None
    user.login_session_key = session_key
    return user


Credential = type[LoginSession] | type[ApiToken]


def _user_holding(credential: Credential, digest_column: str, secret: str) -> User | None:
    """The active user whose unrevoked credential (a login session, an API token) has this
    secret, or None."""
    user = db.session.scalars(
        _user_by_credential_statement(credential, digest_column), {"digest": _digest(secret)}
    ).first()
    return user if user is not None and user.is_active else None


@cache
def _user_by_credential_statement(
    credential: Credential, digest_column: str
) -> Select[tuple[User]]:
    # Built once for each kind of credential: every signed-in request runs it.
    return (
        select(User)
        .join(credential, credential.user_id == User.id)
        .where(
            getattr(credential, digest_column) == bindparam("digest"),
            credential.revoked_at.is_(None),
        )
    )


def end_login_session(session_key: str) -> None:
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.key_hash == _digest(session_key), LoginSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    db.session.commit()


def change_password(user: User, current_password: str, new_password: str) -> str:
    """Set a new password, end every login session of the user, and open a fresh one."""
    if not passwords.verify_password(user.password_hash, current_password):
        raise Invalid({"current_password": "The current password is wrong."})
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = clock.now()
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    session_key = _open_login_session(user)
    db.session.commit()
    return session_key


def update_profile(
    user: User,
    display_name: str | None,
    home_place_id: int | None,
    clear_home: bool,
    match_alerts: bool | None = None,
) -> User:
    if display_name is not None:
        user.display_name = display_name
    if match_alerts is not None:
        user.match_alerts = match_alerts
    if clear_home:
        user.home_place_id = None
    elif home_place_id is not None:
        user.home_place_id = _require_home_place(home_place_id).id
    db.session.commit()
    return user


# --- API tokens ---------------------------------------------------------------------------------


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new bearer token; the secret is returned here once and only its hash is stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_digest(secret), prefix=secret[:12])
    db.session.add(token)
    db.session.commit()
    return token, secret


def list_tokens(user: User, *, include_revoked: bool = False) -> list[ApiToken]:
    """The user's tokens, newest first; revoked ones only when asked for (the account page)."""
    query = select(ApiToken).where(ApiToken.user_id == user.id)
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(ApiToken.id.desc())))


def revoke_token(user: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound("No such token.")
    token.revoked_at = clock.now()
    db.session.commit()


def user_for_token(secret: str) -> User | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    return _user_holding(ApiToken, "token_hash", secret)


# --- staff actions on users and organisations ----------------------------------------------------


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def list_users(
    actor: User, status: str | None, role: str | None, page: int, per_page: int
) -> tuple[list[User], int]:
    _require_staff(actor)
    query = select(User)
    if status:
        query = query.where(User.status == status)
    if role:
        query = query.where(User.role == role)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    users = db.session.scalars(
        query.order_by(User.id).limit(per_page).offset((page - 1) * per_page)
    )
    return list(users), total


def _require_staff(actor: User) -> None:
    if not actor.is_staff:
        raise Forbidden("Only community coordinators can do this.")


def _require_authority_over(actor: User, target: User) -> None:
    """Staff act on other accounts; only admins act on staff accounts."""
    _require_staff(actor)
    if target.id == actor.id:
        raise Forbidden("You cannot do this to your own account.")
    if target.is_staff and not actor.is_admin:
        raise Forbidden("Only an admin can do this to a coordinator or admin.")


def suspend_user(actor: User, user_id: int, reason: str) -> User:
    """Suspend an account: it can no longer log in and its sessions and tokens stop working."""
    target = get_user(user_id)
    _require_authority_over(actor, target)
    if target.is_suspended:
        raise Conflict("already_suspended", "This user is already suspended.")
    target.status = "suspended"
    # A suspension may be about a hijacked account: every session and token ends now, and
    # after reinstatement the user logs in afresh.
    _end_sessions_and_tokens(target.id)
    db.session.flush()
    user_suspended.send(target, actor=actor, reason=reason)
    db.session.commit()
    return target


def _end_sessions_and_tokens(user_id: int) -> None:
    now = clock.now()
    for model in (LoginSession, ApiToken):
        db.session.execute(
            update(model)
            .where(model.user_id == user_id, model.revoked_at.is_(None))
            .values(revoked_at=now)
        )


def reinstate_user(actor: User, user_id: int, reason: str) -> User:
    target = get_user(user_id)
    _require_authority_over(actor, target)
    if not target.is_suspended:
        raise Conflict("not_suspended", "This user is not suspended.")
    target.status = "active"
    db.session.flush()
    user_reinstated.send(target, actor=actor, reason=reason)
    db.session.commit()
    return target


def change_role(actor: User, user_id: int, role: str, organisation_id: int | None) -> User:
    """Staff change roles; only admins grant or take away the admin role."""
    target = get_user(user_id)
    _require_authority_over(actor, target)
    if role == "admin" and not actor.is_admin:
        raise Forbidden("Only an admin can make another admin.")
    if role == "merchant":
        if organisation_id is None:
            raise Invalid({"organisation_id": "A merchant belongs to an organisation."})
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None:
            raise Invalid({"organisation_id": "No such organisation."})
        target.organisation = organisation
    else:
        target.organisation = None
    old_role = target.role
    target.role = role
    db.session.flush()
    user_role_changed.send(target, actor=actor, old_role=old_role)
    db.session.commit()
    return target


def get_organisation(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("No such organisation.")
    return organisation


def list_organisations(actor: User) -> list[Organisation]:
    """Every organisation by name, e.g. to choose the one a new merchant joins (staff)."""
    _require_staff(actor)
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def set_organisation_verified(actor: User, organisation_id: int, verified: bool) -> Organisation:
    _require_staff(actor)
    organisation = get_organisation(organisation_id)
    organisation.verified = verified
    db.session.flush()
    organisation_verification_changed.send(organisation, actor=actor)
    db.session.commit()
    return organisation
