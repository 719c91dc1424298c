"""Settings come from the environment; production refuses to start without a real secret key."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import config
from marketplace import create_app

REPOSITORY = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k" * config.MIN_SECRET_KEY_LENGTH


@pytest.fixture
def instance(tmp_path, monkeypatch):
    """An instance folder of its own and an environment without the settings under test."""
    instance_path = tmp_path / "instance"
    monkeypatch.setenv("MARKETPLACE_INSTANCE_PATH", str(instance_path))
    for name in (
        "SECRET_KEY",
        "MARKETPLACE_ENV",
        "MARKETPLACE_DATABASE_URL",
        "MARKETPLACE_SEARCH_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    return instance_path


def test_production_without_secret_key_refuses_to_start(instance):
    with pytest.raises(config.ConfigurationError) as refused:
        create_app("production")

    message = str(refused.value)
    assert "SECRET_KEY" in message
    assert "\n" not in message


def test_production_with_a_short_secret_key_refuses_to_start(instance, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * (config.MIN_SECRET_KEY_LENGTH - 1))

    with pytest.raises(config.ConfigurationError, match="SECRET_KEY") as refused:
        create_app("production")

    assert "\n" not in str(refused.value)


def test_production_chosen_by_the_environment_refuses_without_secret_key(instance, monkeypatch):
    monkeypatch.setenv("MARKETPLACE_ENV", "production")

    with pytest.raises(config.ConfigurationError, match="SECRET_KEY"):
        create_app()


def test_wsgi_without_secret_key_exits_with_one_line_naming_it(tmp_path):
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"SECRET_KEY", "PYTHONWARNINGS"}
    }
    environment.update(
        MARKETPLACE_ENV="production", MARKETPLACE_INSTANCE_PATH=str(tmp_path / "instance")
    )

    finished = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert finished.returncode != 0
    lines = finished.stderr.splitlines()
    assert len(lines) == 1, finished.stderr
    assert "SECRET_KEY" in lines[0]
    assert "Traceback" not in finished.stderr


def test_unknown_environment_name_refuses_to_start(instance, monkeypatch):
    monkeypatch.setenv("MARKETPLACE_ENV", "staging")

    with pytest.raises(config.ConfigurationError, match="MARKETPLACE_ENV"):
        create_app()


def test_production_uses_the_given_secret_key_and_secure_cookies(instance, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", GOOD_SECRET)

    app = create_app("production")

    assert app.config["SECRET_KEY"] == GOOD_SECRET
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert not app.debug
    assert not app.testing


def test_development_does_not_require_secure_cookies(instance):
    app = create_app("development")

    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_development_generates_a_private_secret_key_once_and_reuses_it(instance):
    first = create_app("development")

    key_file = instance / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(first.config["SECRET_KEY"]) >= config.MIN_SECRET_KEY_LENGTH

    second = create_app("development")

    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_development_prefers_a_secret_key_from_the_environment(instance, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", GOOD_SECRET)

    app = create_app("development")

    assert app.config["SECRET_KEY"] == GOOD_SECRET
    assert not (instance / "secret_key").exists()


def test_database_url_and_search_dir_come_from_the_environment(instance, tmp_path, monkeypatch):
    database_url = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    monkeypatch.setenv("MARKETPLACE_DATABASE_URL", database_url)
    monkeypatch.setenv("MARKETPLACE_SEARCH_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("SECRET_KEY", GOOD_SECRET)

    for environment in ("development", "production"):
        app = create_app(environment)

        assert app.config["SQLALCHEMY_DATABASE_URI"] == database_url
        assert app.config["SEARCH_DIR"] == str(tmp_path / "index")


def test_database_and_search_index_default_to_the_instance_folder(instance):
    app = create_app("development")

    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'marketplace.sqlite3'}"
    assert app.config["SEARCH_DIR"] == str(instance / "search")


def test_integer_setting_that_is_not_a_number_refuses_to_start(instance, monkeypatch):
    monkeypatch.setenv("MARKETPLACE_MAX_CONTENT_LENGTH", "one megabyte")

    with pytest.raises(config.ConfigurationError, match="MARKETPLACE_MAX_CONTENT_LENGTH"):
        create_app("development")
