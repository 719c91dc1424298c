"""Logging in and out, registering by mobile number or e-mail, and the account page: profile,
password and API tokens."""

from __future__ import annotations

from typing import Any

from flask import make_response, render_template, request, url_for
from flask_login import current_user

from marketplace.accounts import auth
from marketplace.accounts import services as accounts
from marketplace.accounts.models import ApiToken
from marketplace.accounts.schemas import LoginIn, PasswordChangeIn, ProfileIn, RegisterIn, TokenIn
from marketplace.errors import DomainError
from marketplace.places import services as places
from marketplace.web import bp, forms
from marketplace.web.pages import done, login_required, safe_next


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    target = safe_next(request.values.get("next"), url_for("web.home"))
    problem = forms.FormProblem()
    values = {"login": request.form.get("login", "")}
    if request.method == "POST":
        try:
            data = forms.parse(LoginIn(), forms.cleaned(request.form, ("login", "password")))
            user, session_key = accounts.authenticate(
                data["login"], data["password"], request.remote_addr or ""
            )
        except DomainError as error:
            problem = forms.FormProblem.of(error)
            status = error.status
        else:
            auth.start_browser_session(user, session_key)
            return done(f"欢迎回来，{user.display_name}！", target)
        return render_template(
            "web/login.html", problem=problem, values=values, next=target
        ), status
    return render_template("web/login.html", problem=problem, values=values, next=target)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    session_key = auth.end_browser_session()
    if session_key:
        accounts.end_login_session(session_key)
    return done("您已退出登录。", url_for("web.home"))


REGISTER_FIELDS = ("display_name", "phone", "email", "password", "home_place_id")


@bp.route("/register", methods=["GET", "POST"])
def register() -> Any:
    problem = forms.FormProblem()
    values = {name: request.form.get(name, "") for name in (*REGISTER_FIELDS, "organisation_name")}
    status = 200
    if request.method == "POST":
        body = forms.cleaned(
            request.form, (*REGISTER_FIELDS, "organisation_name"), integers=("home_place_id",)
        )
        try:
            data = forms.parse(RegisterIn(), body)
            accounts.register(accounts.Registration(**data))
            user, session_key = accounts.authenticate(
                data.get("email") or data["phone"], data["password"], request.remote_addr or ""
            )
        except DomainError as error:
            problem, status = forms.FormProblem.of(error), error.status
        else:
            auth.start_browser_session(user, session_key)
            return done("注册成功，欢迎加入清溪邻里共享！", url_for("web.home"))
    return render_template(
        "web/register.html",
        problem=problem,
        values=values,
        places=[place for place in places.list_places() if place.can_host_listings],
        logged_in=current_user.is_authenticated,
    ), status


# --- my account: name, home place, match alerts, password and API tokens -------------------------


def _account_page(
    profile_problem: forms.FormProblem | None = None,
    password_problem: forms.FormProblem | None = None,
    token_problem: forms.FormProblem | None = None,
    new_token: tuple[ApiToken, str] | None = None,
) -> str:
    """The account page; ``new_token`` is a token just created with its secret, shown once."""
    values = {
        "display_name": current_user.display_name,
        "home_place_id": str(current_user.home_place_id or ""),
        "match_alerts": "on" if current_user.match_alerts else "",
    }
    if profile_problem:
        values = {name: request.form.get(name, "") for name in values}
    return render_template(
        "web/account.html",
        values=values,
        profile_problem=profile_problem or forms.FormProblem(),
        password_problem=password_problem or forms.FormProblem(),
        token_problem=token_problem or forms.FormProblem(),
        token_name=request.form.get("name", "") if token_problem else "",
        tokens=accounts.list_tokens(current_user, include_revoked=True),
        new_token=new_token,
        places=[place for place in places.list_places() if place.can_host_listings],
    )


@bp.get("/me/account")
@login_required
def account() -> Any:
    return _account_page()


@bp.post("/me/account")
@login_required
def update_account() -> Any:
    body = forms.cleaned(request.form, ("home_place_id",), ("home_place_id",))
    body.setdefault("home_place_id", None)  # "不设置" clears it, as null does in the API
    body["display_name"] = request.form.get("display_name", "")  # the form always shows a name
    body["match_alerts"] = request.form.get("match_alerts") == "on"
    try:
        data = forms.parse(ProfileIn(), body)
        accounts.update_profile(
            current_user,
            data.get("display_name"),
            data["home_place_id"],
            data["home_place_id"] is None,
            data["match_alerts"],
        )
    except DomainError as error:
        return _account_page(profile_problem=forms.FormProblem.of(error)), error.status
    return done("已保存。", url_for("web.account"))


@bp.post("/me/password")
@login_required
def change_password() -> Any:
    """A new password ends every other login session; this browser stays logged in."""
    body = forms.cleaned(request.form, ("current_password", "new_password"))
    try:
        data = forms.parse(PasswordChangeIn(), body)
        user = current_user._get_current_object()
        session_key = accounts.change_password(user, data["current_password"], data["new_password"])
    except DomainError as error:
        return _account_page(password_problem=forms.FormProblem.of(error)), error.status
    auth.start_browser_session(user, session_key)
    return done("密码已修改，其他设备上的登录已退出。", url_for("web.account"))


@bp.post("/me/tokens")
@login_required
def create_token() -> Any:
    """The new secret is in this response only: never in the session, a flash or a cookie, and
    the browser is told not to keep the page."""
    try:
        data = forms.parse(TokenIn(), forms.cleaned(request.form, ("name",)))
        token, secret = accounts.create_token(current_user, data["name"])
    except DomainError as error:
        return _account_page(token_problem=forms.FormProblem.of(error)), error.status
    response = make_response(_account_page(new_token=(token, secret)), 201)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/me/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Any:
    """Another user's token, or one already revoked, is not found (404)."""
    accounts.revoke_token(current_user, token_id)
    return done("令牌已撤销，用它的程序不能再访问了。", url_for("web.account", _anchor="tokens"))
