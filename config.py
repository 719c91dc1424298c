"""Settings for the marketplace service, read from environment variables when the app is created.

Three named configurations exist: ``development`` (the embedded default: SQLite file and Whoosh
index under ``instance/``, a generated secret key kept in ``instance/secret_key``), ``testing`` and
``production``. ``MARKETPLACE_ENV`` picks one; every setting below can be overridden by the
environment variable named next to it (see the README's configuration table).
"""

from __future__ import annotations

import os
import secrets
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("development", "testing", "production")
MIN_SECRET_KEY_LENGTH = 32


class ConfigurationError(RuntimeError):
    """The service cannot start with the settings it was given."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from exc


# Prescription drugs, tobacco, weapons, drugs, counterfeit goods, wildlife: not tradeable here.
DEFAULT_PROHIBITED_WORDS = (
    "处方药", "处方", "抗生素", "安眠药", "香烟", "烟草", "电子烟", "雪茄", "枪支", "仿真枪",
    "气枪", "弹药", "管制刀具", "弩", "毒品", "大麻", "假货", "高仿", "仿冒", "野生动物",
    "prescription drug", "cigarette", "tobacco", "vape", "gun", "firearm", "ammunition",
    "crossbow", "cannabis", "marijuana", "counterfeit", "replica",
)  # fmt: skip


def _prohibited_words() -> tuple[str, ...]:
    path = os.environ.get("MARKETPLACE_PROHIBITED_WORDS_FILE")
    if not path:
        return DEFAULT_PROHIBITED_WORDS
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigurationError(
            f"MARKETPLACE_PROHIBITED_WORDS_FILE cannot be read: {exc}"
        ) from exc
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from exc


def _env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = os.environ.get(name) or default
    if value not in choices:
        raise ConfigurationError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def common_settings(instance_path: Path) -> dict[str, Any]:
    """Settings shared by every environment."""
    return {
        "API_TITLE": "Qingxi neighbourhood sharing marketplace",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        # Swagger UI's assets come from the installed swagger-ui-bundle package, never a CDN.
        "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
        "SQLALCHEMY_DATABASE_URI": os.environ.get("MARKETPLACE_DATABASE_URL")
        or _sqlite_url(instance_path / "marketplace.sqlite3"),
        "SEARCH_DIR": os.environ.get("MARKETPLACE_SEARCH_DIR") or str(instance_path / "search"),
        # inline: each process brings the index up to date after its own writes (one host, any
        # number of workers; Whoosh's lock lets one write at a time). worker: only
        # `flask search worker` writes the index; web processes never wait for its lock.
        "SEARCH_INDEXING": _env_choice(
            "MARKETPLACE_SEARCH_INDEXING", ("inline", "worker"), "inline"
        ),
        # Seconds a process waits for the index's write lock before leaving changes queued.
        "SEARCH_LOCK_TIMEOUT": _env_float("MARKETPLACE_SEARCH_LOCK_TIMEOUT", 5.0),
        # Changes older than this that are not in the index yet make search use the database.
        "SEARCH_MAX_LAG": _env_float("MARKETPLACE_SEARCH_MAX_LAG", 5.0),
        # Seconds a SQLite writer waits for the write lock before giving up.
        "SQLITE_BUSY_TIMEOUT": _env_int("MARKETPLACE_SQLITE_BUSY_TIMEOUT", 30),
        # Requests larger than this are refused with 413; listings carry text and photo URLs only.
        "MAX_CONTENT_LENGTH": _env_int("MARKETPLACE_MAX_CONTENT_LENGTH", 1024 * 1024),
        "SESSION_COOKIE_NAME": "marketplace_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
        # Login throttling: failures counted per account and per client address in one window.
        "LOGIN_THROTTLE_WINDOW": timedelta(
            minutes=_env_int("MARKETPLACE_LOGIN_WINDOW_MINUTES", 15)
        ),
        "LOGIN_THROTTLE_PER_ACCOUNT": _env_int("MARKETPLACE_LOGIN_FAILURES_PER_ACCOUNT", 10),
        "LOGIN_THROTTLE_PER_ADDRESS": _env_int("MARKETPLACE_LOGIN_FAILURES_PER_ADDRESS", 50),
        # Number of reverse proxies in front of the app whose X-Forwarded-For is trusted.
        "PROXY_COUNT": _env_int("MARKETPLACE_PROXY_COUNT", 0),
        # The service's local zone: used for display and opening-hours rules, never for storage.
        "LOCAL_TIMEZONE": os.environ.get("MARKETPLACE_TIMEZONE") or "Asia/Shanghai",
        # Listings live 30 days unless renewed; an owner may ask for at most 90 at a time.
        "LISTING_LIFETIME_DAYS": _env_int("MARKETPLACE_LISTING_LIFETIME_DAYS", 30),
        "LISTING_MAX_LIFETIME_DAYS": _env_int("MARKETPLACE_LISTING_MAX_LIFETIME_DAYS", 90),
        # Owners hear this many days before their listing expires, once.
        "LISTING_EXPIRY_REMINDER_DAYS": _env_int("MARKETPLACE_EXPIRY_REMINDER_DAYS", 3),
        # pre: every listing waits for a coordinator; post: published at once, can be hidden;
        # trusted: pre-moderation until a user has completed a few exchanges (or is a merchant
        # of a verified organisation), post-moderation after that.
        "MODERATION_MODE": _env_choice(
            "MARKETPLACE_MODERATION_MODE", ("pre", "post", "trusted"), "trusted"
        ),
        "MODERATION_TRUSTED_AFTER_EXCHANGES": _env_int("MARKETPLACE_TRUSTED_AFTER_EXCHANGES", 3),
        # Distinct residents whose open reports hide a listing until a coordinator reviews it.
        "MODERATION_REPORTS_TO_HIDE": _env_int("MARKETPLACE_REPORTS_TO_HIDE", 3),
        # Words that send a listing to the review queue whatever the mode; a file with one word
        # per line replaces the built-in list.
        "PROHIBITED_WORDS": _prohibited_words(),
        # A claim nobody confirms within this many hours expires and frees its capacity.
        "RESERVATION_HOLD_HOURS": _env_float("MARKETPLACE_HOLD_HOURS", 24.0),
        # Open claims (waitlisted, pending, confirmed, picked up) one user may hold at once.
        "RESERVATION_MAX_ACTIVE": _env_int("MARKETPLACE_MAX_ACTIVE_RESERVATIONS", 5),
        # Minutes after a pick-up window or skill slot ends before a claim counts as a no-show.
        "RESERVATION_NO_SHOW_GRACE_MINUTES": _env_int("MARKETPLACE_NO_SHOW_GRACE_MINUTES", 30),
        # How many days ahead a loan may start: a booking years out would hold the item for a
        # promise nobody can plan around.
        "RESERVATION_LOAN_DAYS_AHEAD": _env_int("MARKETPLACE_LOAN_DAYS_AHEAD", 90),
        # How long before its slot a skill session may begin (be "picked up"): a session that
        # could begin and be completed days ahead would earn points for hours not yet served.
        "RESERVATION_EARLY_START_MINUTES": _env_int("MARKETPLACE_SESSION_EARLY_MINUTES", 30),
        # Wrong pick-up codes allowed before the pick-up is locked, and for how long.
        "PICKUP_MAX_FAILURES": _env_int("MARKETPLACE_PICKUP_MAX_FAILURES", 5),
        "PICKUP_LOCK_MINUTES": _env_int("MARKETPLACE_PICKUP_LOCK_MINUTES", 15),
        # How much each feature counts in a match score (they are normalised to sum to 1).
        # Distance and time matter most after the words themselves: a stroller across the
        # subdistrict, or one that expires before it is needed, helps nobody.
        "MATCHING_WEIGHTS": {
            "text": 0.28,
            "category": 0.10,
            "place": 0.24,
            "time": 0.18,
            "quantity": 0.08,
            "freshness": 0.04,
            "reliability": 0.05,
            "urgency": 0.03,
        },
        # Candidates taken from the search index before rescoring: the best word matches in the
        # whole subdistrict, and the best ones in the listing's own community (so that a plainer
        # match next door is not crowded out by better-worded ones far away). Distance weighs
        # more than a slightly better wording, so more of the nearby ones are taken.
        "MATCHING_CANDIDATES": _env_int("MARKETPLACE_MATCHING_CANDIDATES", 15),
        "MATCHING_NEARBY_CANDIDATES": _env_int("MARKETPLACE_MATCHING_NEARBY_CANDIDATES", 30),
        # The search for candidates looks for at most this many of a listing's words, the rarest
        # in the index first (婴儿车 rather than 儿童), in titles, tags and descriptions.
        "MATCHING_SEARCH_WORDS": _env_int("MARKETPLACE_MATCHING_SEARCH_WORDS", 4),
        # A match whose text relevance (the share of words the two listings have in common,
        # counted fully for the best search hit) reaches this counts in full; below it the whole
        # score shrinks in proportion, so that being close by and on time never makes the wrong
        # thing a match (a cot guard next door is no answer to a request for a pram).
        "MATCHING_WORDS_FULL_AT": _env_float("MARKETPLACE_MATCHING_WORDS_FULL_AT", 0.3),
        # A new public listing alerts the owners of counterparts scoring at least this.
        "MATCHING_ALERT_THRESHOLD": _env_float("MARKETPLACE_MATCH_ALERT_THRESHOLD", 0.6),
        "MATCHING_ALERTS_PER_DAY": _env_int("MARKETPLACE_MATCH_ALERTS_PER_DAY", 5),
        # 益起来 points: per hour of skill service (hours rounded up to the half hour), and for
        # the owner of an item lent or given away.
        "POINTS_PER_SKILL_HOUR": _env_int("MARKETPLACE_POINTS_PER_SKILL_HOUR", 10),
        "POINTS_FOR_SHARING": _env_int("MARKETPLACE_POINTS_FOR_SHARING", 2),
        # Hours the claimant has to dispute a skill the provider marked complete.
        "POINTS_DISPUTE_HOURS": _env_int("MARKETPLACE_POINTS_DISPUTE_HOURS", 72),
        # Exchanges between the same two users that earn points within 30 days (anti-farming).
        "POINTS_PAIR_LIMIT_PER_MONTH": _env_int("MARKETPLACE_POINTS_PAIR_LIMIT", 3),
    }


def development_settings(instance_path: Path) -> dict[str, Any]:
    return {
        "DEBUG": False,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _instance_secret(instance_path),
    }


def testing_settings(instance_path: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "testing-secret-key-not-for-production-use-000",
        "SQLALCHEMY_DATABASE_URI": os.environ.get("MARKETPLACE_TEST_DATABASE_URL")
        or _sqlite_url(instance_path / "test.sqlite3"),
        # Hashing costs are lowered so that the suite stays fast; production keeps argon2 defaults.
        "PASSWORD_HASH_FAST": True,
    }


def production_settings(instance_path: Path) -> dict[str, Any]:
    secret_key = os.environ.get("SECRET_KEY", "")
    if len(secret_key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(
            "production needs SECRET_KEY set to a random value of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters (e.g. python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))')"
        )
    return {"SECRET_KEY": secret_key, "SESSION_COOKIE_SECURE": True}


def _instance_secret(instance_path: Path) -> str:
    """The development secret key, generated once and kept in instance/secret_key."""
    key_file = instance_path / "secret_key"
    instance_path.mkdir(parents=True, exist_ok=True)
    try:
        # Created readable by the owner only, and only once even if two workers start together.
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret(key_file)
    key = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    return key


def _read_secret(key_file: Path) -> str:
    """The key another process created; it may still be writing it."""
    for _attempt in range(50):
        key = key_file.read_text().strip()
        if key:
            return key
        time.sleep(0.02)
    raise ConfigurationError(f"{key_file} is empty; delete it to generate a new secret key")


def load(environment: str | None, instance_path: Path) -> dict[str, Any]:
    """All settings of one environment, with environment variables applied."""
    name = environment or os.environ.get("MARKETPLACE_ENV") or "development"
    if name not in ENVIRONMENTS:
        raise ConfigurationError(
            f"MARKETPLACE_ENV must be one of {', '.join(ENVIRONMENTS)}, got {name!r}"
        )
    settings = common_settings(instance_path)
    specific = {
        "development": development_settings,
        "testing": testing_settings,
        "production": production_settings,
    }[name]
    settings.update(specific(instance_path))
    settings["ENV_NAME"] = name
    return settings
