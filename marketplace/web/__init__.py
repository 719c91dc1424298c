"""The web front end: server-rendered pages in simplified Chinese over the domain services.

Pages live at ``/`` beside the API at ``/api/v1`` and share its login session. Views stay thin:
they turn a form into the body an API schema loads, call one service, and render (or redirect
after a successful post). Nothing here decides a rule; refusals come from the services as
``DomainError`` and are shown next to the form. Every form carries a CSRF token, templates
escape everything they print, and no page needs JavaScript.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, request

STATIC_DIR = Path(__file__).resolve().parent / "static"


class WebBlueprint(Blueprint):
    """Static files named with a ``?v=`` fingerprint may be cached for a year."""

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        if request.args.get("v"):
            return 365 * 24 * 3600
        return super().get_send_file_max_age(filename)


bp = WebBlueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)


def _fingerprints() -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in STATIC_DIR.iterdir()
        if path.is_file()
    }


def init_app(app: Flask) -> None:
    """Register the pages, their template helpers and the HTML error pages."""
    from marketplace import errors
    from marketplace.web import pages, views  # noqa: F401  (the views register their routes)

    app.config.setdefault("WEB_VISITOR_PLACE", "清溪村健康广场")
    app.config.setdefault("WEB_PER_PAGE", 10)
    app.extensions["marketplace.web.fingerprints"] = _fingerprints()
    app.register_blueprint(bp)
    pages.install_template_helpers(app)
    errors.render_pages_with(pages.render_error)


def asset_url(filename: str) -> Any:
    from flask import current_app, url_for

    version = current_app.extensions["marketplace.web.fingerprints"].get(filename, "")
    return url_for("web.static", filename=filename, v=version)
