"""Helpers of the page tests: log in through the login form and post forms with their token."""

from __future__ import annotations

import re
from html.parser import HTMLParser
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


class _FormReader(HTMLParser):
    """The values a browser would submit from the form posting to ``action``."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.values = action, False, {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.inside = found.get("action") == self.action
        if not self.inside or (not found.get("name") and tag != "option"):
            return
        if tag == "input" and found.get("type") not in ("checkbox", "radio", "submit"):
            self.values[found["name"]] = found.get("value", "")
        elif tag == "input" and found.get("type") in ("checkbox", "radio") and "checked" in found:
            self.values[found["name"]] = found.get("value", "on")
        elif tag == "select":
            self._select = found["name"]
        elif tag == "option" and self._select and "selected" in found:
            self.values[self._select] = found.get("value", "")
        elif tag == "textarea":
            self._textarea = found["name"]
            self.values[found["name"]] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_values(client: Any, path: str, action: str) -> dict[str, str]:
    """What the form posting to ``action`` on the page ``path`` submits as it is shown,
    CSRF token included."""
    reader = _FormReader(action)
    reader.feed(text_of(client.get(path)))
    assert reader.values, f"no form posting to {action} on {path}"
    return reader.values
