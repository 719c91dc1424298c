"""Assertions on the service's one error shape."""

from __future__ import annotations

from typing import Any


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """Check the response is ``{"error": {"code", "message", "details"}}`` with this status and
    code, and return its ``details``."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert list(body) == ["error"]
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]["details"]


def assert_field_errors(response: Any, *fields: str) -> dict[str, list[str]]:
    """Check the response is a 422 naming exactly these fields, and return the messages."""
    details = assert_error(response, 422, "invalid")
    assert sorted(details["fields"]) == sorted(fields), details
    return details["fields"]
