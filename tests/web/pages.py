"""Helpers of the page tests: log in through the login form and post forms with their token."""

from __future__ import annotations

import re
from typing import Any

from tests.factories import PASSWORD

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(client: Any, path: str = "/") -> str:
    """The CSRF token the forms of ``path`` carry."""
    response = client.get(path)
    match = TOKEN.search(response.get_data(as_text=True))
    assert match, f"no form with a CSRF token on {path}"
    return match.group(1)


def log_in(client: Any, user: Any, password: str = PASSWORD) -> Any:
    """Log in through the login page, as a browser does."""
    token = form_token(client, "/login")
    response = client.post(
        "/login",
        data={"login": user.email or user.phone, "password": password, "csrf_token": token},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


def post_form(client: Any, path: str, data: dict[str, Any], token_from: str = "/") -> Any:
    """Post a form the way its page does, with the page's CSRF token."""
    return client.post(path, data={**data, "csrf_token": form_token(client, token_from)})


def text_of(response: Any) -> str:
    return response.get_data(as_text=True)
