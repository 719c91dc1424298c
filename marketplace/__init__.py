"""Neighbourhood resource- and skill-sharing marketplace: the Flask application factory."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import config as settings
from marketplace.db import IdConverter
from marketplace.json_provider import OrjsonProvider

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: str | Mapping[str, Any] | None = None) -> Flask:
    """Build the app.

    ``config`` is an environment name (``development``, ``testing``, ``production``), a mapping
    of settings applied over the environment's (its ``ENV_NAME`` picks the environment), or None
    to follow ``MARKETPLACE_ENV``.
    """
    app = Flask(__name__, instance_path=os.environ.get("MARKETPLACE_INSTANCE_PATH") or None)
    app.url_map.converters["int"] = IdConverter
    overrides = dict(config) if isinstance(config, Mapping) else {}
    environment = config if isinstance(config, str) else overrides.pop("ENV_NAME", None)
    app.config.update(settings.load(environment, Path(app.instance_path)))
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    # Chinese text goes out as UTF-8 (3 bytes a character), not as \uXXXX escapes (6 bytes).
    # Keys keep the order the schemas declare them in (id, side, kind, title, ...).
    app.json = OrjsonProvider(app)

    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]

    _configure_logging()
    _import_models()
    _init_extensions(app)
    _register_blueprints(app)
    return app


def _configure_logging() -> None:
    logger = logging.getLogger("marketplace")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def _import_models() -> None:
    """Every table must be known to the metadata before migrations or create_all look at it."""
    from marketplace.accounts import models as _accounts  # noqa: F401
    from marketplace.listings import models as _listings  # noqa: F401
    from marketplace.matching import models as _matching  # noqa: F401
    from marketplace.moderation import models as _moderation  # noqa: F401
    from marketplace.notifications import models as _notifications  # noqa: F401
    from marketplace.places import models as _places  # noqa: F401
    from marketplace.points import models as _points  # noqa: F401
    from marketplace.reservations import models as _reservations  # noqa: F401
    from marketplace.search import models as _search  # noqa: F401


def _init_extensions(app: Flask) -> None:
    from marketplace import cli, errors
    from marketplace.accounts import auth
    from marketplace.db import configure_engine, end_transactions_that_wrote_nothing
    from marketplace.extensions import api, db, migrate
    from marketplace.matching import setup as matching_setup
    from marketplace.moderation.services import connect_signals as connect_moderation_signals
    from marketplace.points import setup as points_setup
    from marketplace.reservations import setup as reservations_setup
    from marketplace.search import setup as search_setup

    db.init_app(app)
    with app.app_context():
        engine = db.engine
    configure_engine(engine, app.config["SQLITE_BUSY_TIMEOUT"])
    if engine.dialect.name == "postgresql":
        # Teardowns run in reverse order: this one runs last but for removing the session.
        app.teardown_appcontext(end_transactions_that_wrote_nothing)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    api.init_app(app)
    errors.register_error_handlers(app)
    auth.init_app(app)
    cli.register(app)
    connect_moderation_signals()
    search_setup.init_app(app)
    reservations_setup.init_app(app)
    matching_setup.init_app(app)
    points_setup.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from marketplace.accounts.views import BLUEPRINTS as ACCOUNT_BLUEPRINTS
    from marketplace.extensions import api
    from marketplace.listings.views import blp as listings_blp
    from marketplace.matching.views import blp as matching_blp
    from marketplace.moderation.views import blp as moderation_blp
    from marketplace.notifications.views import blp as notifications_blp
    from marketplace.openapi import register_docs_assets
    from marketplace.places.views import blp as places_blp
    from marketplace.points.views import blp as points_blp
    from marketplace.reservations.views import blp as reservations_blp
    from marketplace.stats.views import blp as stats_blp
    from marketplace.web import init_app as init_web
    from marketplace.web import security as web_security

    blueprints = (
        *ACCOUNT_BLUEPRINTS,
        places_blp,
        listings_blp,
        moderation_blp,
        notifications_blp,
        reservations_blp,
        matching_blp,
        points_blp,
        stats_blp,
    )
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.components.security_scheme(
        "sessionCookie",
        {"type": "apiKey", "in": "cookie", "name": app.config["SESSION_COOKIE_NAME"]},
    )
    register_docs_assets(app)
    init_web(app)
    web_security.init_app(app)
