"""What the database holds after a request, read afresh, and the cookie a client carries."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from marketplace.accounts.models import ApiToken, LoginFailure, LoginSession, Organisation, User
from marketplace.extensions import db

SESSION_COOKIE = "marketplace_session"


def stored_user(user_id: int) -> User | None:
    db.session.expire_all()
    return db.session.get(User, user_id)


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0


def organisation_named(name: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def stored_organisation(organisation_id: int) -> Organisation | None:
    db.session.expire_all()
    return db.session.get(Organisation, organisation_id)


def organisation_count() -> int:
    return db.session.scalar(select(func.count(Organisation.id))) or 0


def open_login_sessions(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(LoginSession.id)).where(
                LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)
            )
        )
        or 0
    )


def stored_tokens(user: User) -> list[ApiToken]:
    db.session.expire_all()
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))


def login_failures() -> int:
    return db.session.scalar(select(func.count(LoginFailure.id))) or 0


def session_cookie(client: Any) -> str:
    """The value of the client's session cookie (it must have one)."""
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None, "the client holds no session cookie"
    return cookie.value


def client_with_cookie(app: Flask, value: str) -> Any:
    """A fresh client that holds nothing but the given session cookie, as a replaying attacker."""
    replaying = app.test_client()
    replaying.set_cookie(SESSION_COOKIE, value)
    return replaying


def session_contents(app: Flask, value: str) -> dict[str, Any]:
    """What a (signed, not encrypted) Flask session cookie carries."""
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return dict(serializer.loads(value))


def signed_session_cookie(app: Flask, contents: dict[str, Any]) -> str:
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return serializer.dumps(contents)
