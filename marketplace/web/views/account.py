"""Logging in and out, and registering, by mobile number or e-mail."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_login import current_user

from marketplace.accounts import auth
from marketplace.accounts import services as accounts
from marketplace.accounts.schemas import LoginIn, RegisterIn
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
