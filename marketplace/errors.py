"""Domain errors and the one JSON error shape every 4xx/5xx response uses.

``{"error": {"code": "sold_out", "message": "human readable", "details": {...}}}``

Services raise the ``DomainError`` subclasses; the handlers registered here turn them, werkzeug's
HTTP errors, flask-smorest's validation errors and unexpected exceptions into that shape.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, has_request_context, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

logger = logging.getLogger("marketplace.errors")

# Stable codes for the HTTP statuses the service returns when no more specific code applies.
STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "throttled",
    500: "internal_error",
    503: "unavailable",
}


class DomainError(Exception):
    """A rule of the domain refused the request; carries the HTTP status and a stable code."""

    status: int = 400
    code: str = "bad_request"
    message: str = "The request cannot be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.message = message or type(self).message
        self.code = code or type(self).code
        self.details = dict(details or {})
        self.headers = dict(headers or {})
        super().__init__(self.message)


class BadRequest(DomainError):
    status, code, message = 400, "bad_request", "The request is malformed."


class Unauthorized(DomainError):
    status, code, message = 401, "unauthorized", "Log in to do this."


class Forbidden(DomainError):
    status, code, message = 403, "forbidden", "You are not allowed to do this."


class NotFound(DomainError):
    status, code, message = 404, "not_found", "Not found."


class Conflict(DomainError):
    status, code, message = 409, "conflict", "The request conflicts with the current state."

    def __init__(self, code: str, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, code=code, **kwargs)


class Invalid(DomainError):
    """Input that passed the schema but breaks a rule; reported per field like schema errors."""

    status, code, message = 422, "invalid", "Some fields are invalid."

    def __init__(self, fields: Mapping[str, list[str] | str], message: str | None = None) -> None:
        normalised = {
            name: [msgs] if isinstance(msgs, str) else list(msgs) for name, msgs in fields.items()
        }
        super().__init__(message, details={"fields": normalised})


class Throttled(DomainError):
    status, code, message = 429, "throttled", "Too many attempts; try again later."

    def __init__(self, retry_after_seconds: int, message: str | None = None) -> None:
        retry_after = max(1, int(retry_after_seconds))
        super().__init__(
            message,
            details={"retry_after": retry_after},
            headers={"Retry-After": str(retry_after)},
        )


class Unavailable(DomainError):
    status, code, message = 503, "unavailable", "The service is busy; try again shortly."


# Renders an error as an HTML page for the web front end: (status, code, message, details,
# headers) -> response. Plugged in by marketplace.web, so this module never imports it.
PageRenderer = Callable[[int, str, str, Mapping[str, Any], Mapping[str, str]], Response]
_page_renderer: PageRenderer | None = None


def render_pages_with(renderer: PageRenderer | None) -> None:
    """Answer errors of pages (paths outside /api/) with HTML from ``renderer``; the API keeps
    the JSON error shape."""
    global _page_renderer
    _page_renderer = renderer


def _wants_page() -> bool:
    return (
        _page_renderer is not None
        and has_request_context()
        and not request.path.startswith("/api/")
    )


def error_response(
    status: int,
    code: str,
    message: str,
    details: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    if _wants_page():
        try:
            return _page_renderer(status, code, message, details or {}, headers or {})  # type: ignore[misc]
        except Exception:
            logger.exception("the error page could not be rendered; answering in JSON")
    response = jsonify(
        {"error": {"code": code, "message": message, "details": dict(details or {})}}
    )
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_domain_error(error: DomainError) -> Response:
    return error_response(error.status, error.code, error.message, error.details, error.headers)


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    if status >= 500:
        return handle_unexpected_exception(getattr(error, "original_exception", None) or error)
    data = getattr(error, "data", None) or {}
    details: dict[str, Any] = {}
    message = data.get("message") or error.description or ""
    if "messages" in data:
        details["fields"] = flatten_validation_messages(data["messages"])
        message = data.get("message") or STATUS_MESSAGES.get(status, message)
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    return error_response(
        status, STATUS_CODES.get(status, f"http_{status}"), message, details, headers
    )


STATUS_MESSAGES = {422: Invalid.message, 400: BadRequest.message}


def flatten_validation_messages(messages: Mapping[str, Any]) -> dict[str, list[str]]:
    """webargs reports ``{location: {field: [msgs]}}``; the API reports ``{field: [msgs]}``.

    Errors inside a field (a dict entry, a list item, a nested object) stay under the top-level
    field as messages prefixed with where they apply, e.g. ``"mon.0: Not a valid string."``.
    """
    fields: dict[str, list[str]] = {}
    for location_errors in messages.values():
        if isinstance(location_errors, Mapping):
            for name, field_messages in location_errors.items():
                fields.setdefault(str(name), []).extend(_messages_within(field_messages))
        else:
            fields.setdefault("_schema", []).extend(_messages_within(location_errors))
    return fields


def _messages_within(errors: Any, where: str = "") -> list[str]:
    if isinstance(errors, Mapping):
        found: list[str] = []
        for key, nested in errors.items():
            # marshmallow's Dict field files the errors of an entry's value under "value".
            inner = where if key == "value" else ".".join(filter(None, (where, str(key))))
            found.extend(_messages_within(nested, inner))
        return found
    items = errors if isinstance(errors, list) else [errors]
    return [f"{where}: {message}" if where else str(message) for message in items]


def handle_unexpected_exception(error: BaseException) -> Response:
    """Log the exception with an error id; the response carries only that id."""
    if isinstance(error, DomainError):
        return handle_domain_error(error)
    if isinstance(error, HTTPException) and not isinstance(error, InternalServerError):
        return handle_http_exception(error)
    error_id = uuid.uuid4().hex[:16]
    logger.error("unhandled error %s", error_id, exc_info=error)
    return error_response(
        500,
        "internal_error",
        f"Something went wrong on our side; quote error id {error_id} when you report it.",
        {"error_id": error_id},
    )


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected_exception)
