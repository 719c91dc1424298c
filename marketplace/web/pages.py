"""What every page shares: who may see it, template helpers, flashes and the HTML error page."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from marketplace.accounts import auth
from marketplace.db import SAFE_METHODS
from marketplace.listings.models import CATEGORIES
from marketplace.notifications import services as notifications
from marketplace.web import asset_url, forms, labels

F = TypeVar("F", bound=Callable[..., Any])


# --- who may see a page --------------------------------------------------------------------------


def login_required(view: F) -> F:
    """Visitors are sent to the login page, and back here afterwards."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return redirect(url_for("web.login", next=_page_to_return_to()))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _page_to_return_to() -> str:
    """This page; for a form that was sent, the page it was sent from (the form's own address
    answers only POST), or the home page when that is not a page of this site."""
    if request.method in SAFE_METHODS:
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return url_for("web.home")
    page = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return safe_next(page, url_for("web.home"))


def staff_required(view: F) -> F:
    @functools.wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_staff:
            return error_page(403, "forbidden", "只有社区工作人员可以查看这个页面。")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def merchant_required(view: F) -> F:
    @functools.wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user.role != "merchant" or current_user.organisation_id is None:
            return error_page(403, "forbidden", "只有商户可以查看这个页面。")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site: never another host (an open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


# --- after a post --------------------------------------------------------------------------------


def done(message: str, target: str) -> Response:
    """Post/redirect/get: say what happened on the next page."""
    flash(message, "ok")
    return redirect(target, code=303)


def refused(problem: forms.FormProblem, target: str) -> Response:
    flash(problem.message, "error")
    for messages in problem.fields.values():
        for message in messages:
            flash(message, "error")
    return redirect(target, code=303)


# --- errors --------------------------------------------------------------------------------------


def error_page(status: int, code: str, message: str) -> tuple[str, int]:
    return render_template(
        "web/error.html", status=status, message=labels.error_message(code, message)
    ), status


def render_error(
    status: int,
    code: str,
    message: str,
    details: Mapping[str, Any],
    headers: Mapping[str, str],
) -> Response:
    """The HTML answer to an error raised outside a view's own handling (unknown pages, CSRF,
    unexpected failures); a page that needs a login sends the visitor to log in."""
    if status == 401:
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    text = labels.error_message(code, message)
    if status >= 500 and details.get("error_id"):
        text = f"{text}（错误编号 {details['error_id']}）"
    body = render_template("web/error.html", status=status, message=text)
    response = current_app.response_class(body, status=status, mimetype="text/html")
    for name, value in headers.items():
        response.headers[name] = value
    return response


# --- templates -----------------------------------------------------------------------------------


def _local(moment: datetime | date | None, pattern: str = "%m月%d日 %H:%M") -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        return forms.local_text(moment, pattern)
    return moment.strftime(pattern)


def _unread_count() -> int:
    if not current_user.is_authenticated:
        return 0
    return notifications.unread_count(current_user.id)


def install_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["when"] = _local
    app.jinja_env.filters["day"] = lambda moment: _local(moment, "%Y-%m-%d")

    # Globals rather than a context processor, so that imported macros see them too.
    app.jinja_env.globals.update(
        csrf_token=auth.form_csrf_token,
        unread_count=_unread_count,
        asset_url=asset_url,
        L=labels,
        CATEGORIES=CATEGORIES,
        user=current_user,
    )
