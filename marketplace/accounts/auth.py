"""How a request is authenticated: session cookies (with CSRF) or bearer tokens.

A browser logs in and gets a Flask session cookie that carries the key of a ``LoginSession``
row; logging out or changing the password revokes that row, so a replayed cookie is refused.
API clients send ``Authorization: Bearer <token>`` instead and need no CSRF header. When both
are present the bearer token wins.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Request, current_app, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import current_user, login_user, logout_user

from marketplace.accounts import services
from marketplace.accounts.models import AnonymousUser, User
from marketplace.db import SAFE_METHODS
from marketplace.errors import Forbidden, Unauthorized
from marketplace.extensions import login_manager

CSRF_HEADER = "X-CSRF-Token"
# HTML forms cannot set headers; they send the same token in a hidden field of this name.
CSRF_FORM_FIELD = "csrf_token"
# The Flask session key holding the random seed of an anonymous visitor's CSRF token.
ANONYMOUS_CSRF_SEED = "csrf_seed"
# Endpoints that do not act as the logged-in user, so a session cookie gives them nothing to forge.
CSRF_EXEMPT_ENDPOINTS = frozenset({"auth.login", "auth.register"})


class SessionCookieInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, minus building the signing serializer for a request that
    carries no session cookie (every API call with a bearer token or none): it would only
    have been used to read the cookie."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookieInterface()
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.anonymous_user = AnonymousUser
    login_manager.user_loader(_load_session_user)
    login_manager.request_loader(_load_token_user)
    login_manager.unauthorized_handler(_refuse_anonymous)
    app.before_request(_check_csrf)


def _bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return secret.strip()
    return None


def _load_session_user(session_key: str) -> User | None:
    if _bearer_secret() is not None:
        return None  # the bearer token decides; see _load_token_user
    user = services.user_for_session_key(session_key)
    if user is not None:
        g.auth_method = "session"
    return user


def _load_token_user(_request: Any) -> User | None:
    secret = _bearer_secret()
    if secret is None:
        return None
    user = services.user_for_token(secret)
    if user is not None:
        g.auth_method = "token"
    return user


def acting_user() -> User | AnonymousUser:
    """The caller, looked up once: ``current_user`` is a proxy that finds the user again on
    every attribute read, and a service reads its actor many times."""
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _refuse_anonymous() -> None:
    raise Unauthorized()


def csrf_token(session_key: str | None = None) -> str | None:
    """The CSRF token of a login session: an HMAC of its key, so nothing extra is stored."""
    key = session_key or getattr(current_user, "login_session_key", None)
    if not key:
        return None
    return _hmac(b"csrf:" + key.encode())


def anonymous_csrf_token() -> str:
    """The CSRF token of a visitor who is not logged in (the web login and registration forms):
    an HMAC of a random seed kept in the signed Flask session, so another site can neither read
    nor forge it and cannot log the visitor in to an account of its choosing (login CSRF)."""
    seed = session.get(ANONYMOUS_CSRF_SEED)
    if not seed:
        seed = session[ANONYMOUS_CSRF_SEED] = secrets.token_urlsafe(16)
    return _hmac(b"anonymous-csrf:" + seed.encode())


def form_csrf_token() -> str:
    """The token a page puts in its forms: the login session's, or the visitor's."""
    if current_user.is_authenticated and g.get("auth_method") == "session":
        return csrf_token() or ""
    return anonymous_csrf_token()


def _hmac(message: bytes) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _supplied_csrf_token() -> str:
    """The token from the X-CSRF-Token header, or else from a form's csrf_token field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.form.get(CSRF_FORM_FIELD, "")
    return ""


def _is_page_request() -> bool:
    return not request.path.startswith("/api/")


def _check_csrf() -> None:
    if request.method in SAFE_METHODS or request.endpoint in CSRF_EXEMPT_ENDPOINTS:
        return
    if not current_user.is_authenticated:
        # The API's anonymous endpoints (login, register) change nothing a cookie could forge;
        # the web front end's anonymous forms carry the visitor's session-bound token.
        if _is_page_request():
            seed = session.get(ANONYMOUS_CSRF_SEED)
            expected_anonymous = anonymous_csrf_token() if seed else None
            _require_token(expected_anonymous)
        return
    if g.get("auth_method") != "session":
        return
    _require_token(csrf_token())


def _require_token(expected: str | None) -> None:
    supplied = _supplied_csrf_token()
    if not expected or not hmac.compare_digest(expected.encode(), supplied.encode()):
        raise Forbidden(
            f"Send the {CSRF_HEADER} header that login and /auth/me return.", code="csrf_failed"
        )


def start_browser_session(user: User, session_key: str) -> None:
    """Renew the cookie session for a fresh login, so no earlier session id survives."""
    session.clear()
    user.login_session_key = session_key
    login_user(user)
    g.auth_method = "session"


def end_browser_session() -> str | None:
    """Forget the cookie session; returns the login session key it carried, if any."""
    key = (
        getattr(current_user, "login_session_key", None)
        if g.get("auth_method") == "session"
        else None
    )
    logout_user()
    session.clear()
    return key


F = TypeVar("F", bound=Callable[..., Any])


def login_required(view: F) -> F:
    """401 for anonymous callers; checked before the request body is parsed."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            raise Unauthorized()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def staff_required(view: F) -> F:
    """401 for anonymous callers, 403 for anyone who is not a coordinator or admin."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            raise Unauthorized()
        if not current_user.is_staff:
            raise Forbidden("Only community coordinators can do this.")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
