"""Security headers for every response, pages and API alike, set in one ``after_request``.

Pages load only their own stylesheet (no inline script or style), so the policy is strict. The
one exception is the API's Swagger UI page at /api/v1/docs, whose flask-smorest template has an
inline script: for that path only, the policy allows exactly that script by its SHA-256 hash
(computed from the response) and inline styles, which Swagger UI sets while rendering.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Listings may carry https photo URLs; nothing else is loaded from elsewhere.
        "img-src 'self' data: https:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    # One pass over the headers, not a lookup per name: werkzeug raises and catches a
    # KeyError for every header a lookup misses, and here they all miss.
    present = {name.lower() for name, _value in response.headers}
    for name, value in SECURITY_HEADERS.items():
        if name.lower() not in present:
            response.headers.add(name, value)
    if "content-security-policy" not in present:
        response.headers["Content-Security-Policy"] = _policy_for(response)
    return response


def _docs_path() -> str:
    config = current_app.config
    prefix = (config.get("OPENAPI_URL_PREFIX") or "").rstrip("/")
    return f"{prefix}/{(config.get('OPENAPI_SWAGGER_UI_PATH') or '').strip('/')}"


def _policy_for(response: Response) -> str:
    if request.path != _docs_path() or response.direct_passthrough:
        return CONTENT_SECURITY_POLICY
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(response.get_data(as_text=True))
    )
    return CONTENT_SECURITY_POLICY.replace(
        "script-src 'self'", f"script-src 'self' {hashes}".rstrip()
    ).replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
