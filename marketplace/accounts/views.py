"""/auth, /users and /organisations endpoints."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user

from marketplace.accounts import auth, services
from marketplace.accounts.schemas import (
    LoginIn,
    OrganisationOut,
    PasswordChangeIn,
    ProfileIn,
    PublicUserOut,
    ReasonIn,
    RegisterIn,
    RoleIn,
    SessionOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    UserListArgs,
    UserOut,
    VerifyIn,
)
from marketplace.openapi import ApiBlueprint, documents_errors
from marketplace.schemas import page_of

auth_blp = ApiBlueprint(
    "auth", __name__, url_prefix="/api/v1/auth", description="Accounts, login and tokens"
)
users_blp = ApiBlueprint(
    "users", __name__, url_prefix="/api/v1/users", description="Users (staff actions)"
)
organisations_blp = ApiBlueprint(
    "organisations", __name__, url_prefix="/api/v1/organisations", description="Organisations"
)


def _session_payload(user: Any) -> dict[str, Any]:
    return {"user": user, "csrf_token": auth.csrf_token()}


@auth_blp.route("/register", methods=["POST"])
@auth_blp.arguments(RegisterIn)
@auth_blp.response(201, UserOut)
@documents_errors(auth_blp, 409)
def register(data: dict[str, Any]) -> Any:
    """Register a resident, or a merchant with the organisation it names."""
    return services.register(services.Registration(**data))


@auth_blp.route("/login", methods=["POST"])
@auth_blp.arguments(LoginIn)
@auth_blp.response(200, SessionOut)
@documents_errors(auth_blp, 401, 403, 429)
def login(data: dict[str, Any]) -> Any:
    """Log in with an e-mail address or mobile number; sets the session cookie."""
    user, session_key = services.authenticate(
        data["login"], data["password"], request.remote_addr or ""
    )
    auth.start_browser_session(user, session_key)
    return _session_payload(user)


@auth_blp.route("/logout", methods=["POST"])
@auth.login_required
@auth_blp.response(204)
@documents_errors(auth_blp, 401, 403)
def logout() -> None:
    """End this login session; its cookie no longer works."""
    session_key = auth.end_browser_session()
    if session_key:
        services.end_login_session(session_key)


@auth_blp.route("/me", methods=["GET"])
@auth.login_required
@auth_blp.response(200, SessionOut)
@documents_errors(auth_blp, 401)
def me() -> Any:
    """The logged-in user, and the CSRF token of this session."""
    return _session_payload(current_user)


@auth_blp.route("/me", methods=["PATCH"])
@auth.login_required
@auth_blp.arguments(ProfileIn)
@auth_blp.response(200, UserOut)
@documents_errors(auth_blp, 401, 403)
def update_me(data: dict[str, Any]) -> Any:
    """Change the display name, the home place (null clears it) or match alerts."""
    clear_home = "home_place_id" in data and data["home_place_id"] is None
    return services.update_profile(
        current_user,
        data.get("display_name"),
        data.get("home_place_id"),
        clear_home,
        data.get("match_alerts"),
    )


@auth_blp.route("/password", methods=["POST"])
@auth.login_required
@auth_blp.arguments(PasswordChangeIn)
@auth_blp.response(200, SessionOut)
@documents_errors(auth_blp, 401, 403)
def change_password(data: dict[str, Any]) -> Any:
    """Change the password; every other login session of the user ends."""
    user = current_user._get_current_object()
    session_key = services.change_password(user, data["current_password"], data["new_password"])
    auth.start_browser_session(user, session_key)
    return _session_payload(user)


@auth_blp.route("/tokens", methods=["GET"])
@auth.login_required
@auth_blp.response(200, TokenOut(many=True))
@documents_errors(auth_blp, 401)
def list_tokens() -> Any:
    """The caller's bearer tokens, without their secrets."""
    return services.list_tokens(current_user)


@auth_blp.route("/tokens", methods=["POST"])
@auth.login_required
@auth_blp.arguments(TokenIn)
@auth_blp.response(201, TokenCreatedOut)
@documents_errors(auth_blp, 401, 403)
def create_token(data: dict[str, Any]) -> Any:
    """Create a bearer token for an API client; the secret is in this response only."""
    token, secret = services.create_token(current_user, data["name"])
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "token": secret,
    }


@auth_blp.route("/tokens/<int:token_id>", methods=["DELETE"])
@auth.login_required
@auth_blp.response(204)
@documents_errors(auth_blp, 401, 403, 404)
def revoke_token(token_id: int) -> None:
    """Revoke one of the caller's tokens."""
    services.revoke_token(current_user, token_id)


@users_blp.route("", methods=["GET"])
@auth.staff_required
@users_blp.arguments(UserListArgs, location="query")
@users_blp.response(200, page_of(UserOut, "UserPage"))
@documents_errors(users_blp, 401, 403)
def list_users(args: dict[str, Any]) -> Any:
    """Users, filtered by status and role (staff)."""
    users, total = services.list_users(
        current_user, args.get("status"), args.get("role"), args["page"], args["per_page"]
    )
    return {"items": users, "total": total, "page": args["page"], "per_page": args["per_page"]}


@users_blp.route("/<int:user_id>", methods=["GET"])
@users_blp.response(200, PublicUserOut)
@documents_errors(users_blp, 404)
def get_user(user_id: int) -> Any:
    """A user's public profile."""
    return services.get_user(user_id)


@users_blp.route("/<int:user_id>/suspend", methods=["POST"])
@auth.staff_required
@users_blp.arguments(ReasonIn)
@users_blp.response(200, UserOut)
@documents_errors(users_blp, 401, 403, 404, 409)
def suspend_user(data: dict[str, Any], user_id: int) -> Any:
    """Suspend a user: no login, no tokens, no writes (staff)."""
    return services.suspend_user(current_user, user_id, data["reason"])


@users_blp.route("/<int:user_id>/reinstate", methods=["POST"])
@auth.staff_required
@users_blp.arguments(ReasonIn)
@users_blp.response(200, UserOut)
@documents_errors(users_blp, 401, 403, 404, 409)
def reinstate_user(data: dict[str, Any], user_id: int) -> Any:
    """Lift a suspension (staff)."""
    return services.reinstate_user(current_user, user_id, data["reason"])


@users_blp.route("/<int:user_id>/role", methods=["PUT"])
@auth.staff_required
@users_blp.arguments(RoleIn)
@users_blp.response(200, UserOut)
@documents_errors(users_blp, 401, 403, 404)
def change_role(data: dict[str, Any], user_id: int) -> Any:
    """Change a user's role; a merchant names its organisation (staff; admin for admins)."""
    return services.change_role(current_user, user_id, data["role"], data["organisation_id"])


@organisations_blp.route("/<int:organisation_id>", methods=["GET"])
@organisations_blp.response(200, OrganisationOut)
@documents_errors(organisations_blp, 404)
def get_organisation(organisation_id: int) -> Any:
    return services.get_organisation(organisation_id)


@organisations_blp.route("/<int:organisation_id>/verification", methods=["PUT"])
@auth.staff_required
@organisations_blp.arguments(VerifyIn)
@organisations_blp.response(200, OrganisationOut)
@documents_errors(organisations_blp, 401, 403, 404)
def set_verification(data: dict[str, Any], organisation_id: int) -> Any:
    """Mark an organisation verified or not (staff); verified merchants are trusted posters."""
    return services.set_organisation_verified(current_user, organisation_id, data["verified"])


BLUEPRINTS = (auth_blp, users_blp, organisations_blp)
