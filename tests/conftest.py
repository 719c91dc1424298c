"""Test fixtures: one app per run, a database per run built by the migrations, and a
transaction per test that is rolled back afterwards.

Set ``MARKETPLACE_TEST_DATABASE_URL`` to a PostgreSQL URL to run the suite there; by default it
runs on a SQLite file in a temporary directory.

Each test runs inside one outer transaction on one connection; the app's session joins it with
savepoints, so services can commit and the test still leaves nothing behind. Before every
request the test client commits what the test flushed (factories flush, never commit) and after
it the session rolls back whatever the request left uncommitted, as a fresh request session
would. Tests that need real separate connections use the ``committed`` fixture instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from marketplace import clock, create_app
from marketplace.extensions import db
from tests import factories

DATABASE_URL_VARIABLE = "MARKETPLACE_TEST_DATABASE_URL"


def pytest_report_header() -> str:
    return f"database: {os.environ.get(DATABASE_URL_VARIABLE) or 'SQLite (temporary file)'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    """The database of this test process. Under pytest-xdist every worker gets its own: a
    SQLite file in its temporary directory, or a PostgreSQL database named after the one
    given with the worker's id appended (created when missing)."""
    configured = os.environ.get(DATABASE_URL_VARIABLE)
    if not configured:
        return f"sqlite:///{tmp_path_factory.mktemp('database') / 'test.sqlite3'}"
    if worker_id == "master":
        return configured
    return _postgres_database_for_worker(configured, worker_id)


def _postgres_database_for_worker(configured: str, worker_id: str) -> str:
    url = make_url(configured)
    name = f"{url.database}_{worker_id}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def make_app(database_url: str, instance_path: Path, **overrides: Any) -> Flask:
    os.environ["MARKETPLACE_INSTANCE_PATH"] = str(instance_path)
    return create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SEARCH_DIR": str(instance_path / "search"),
            **overrides,
        }
    )


def reset_database(app: Flask) -> None:
    """Drop everything in the database and build the schema with the migrations."""
    from flask_migrate import upgrade

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        else:
            db.drop_all()
            with engine.begin() as connection:
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = make_app(database_url, tmp_path_factory.mktemp("instance"))
    app.test_client_class = ApiClient
    reset_database(app)
    yield app
    with app.app_context():
        db.engine.dispose()


class TestSession(scoped_session):
    """The app's session during a test: ending a request rolls back, it never closes."""

    def remove(self) -> None:
        self.registry().rollback()


@pytest.fixture(autouse=True)
def db_session(request: pytest.FixtureRequest, app: Flask) -> Iterator[Session | None]:
    if "committed" in request.fixturenames:
        yield None
        return
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    session = TestSession(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
        scopefunc=lambda: "test",
    )
    original = db.session
    db.session = session
    try:
        yield session()
    finally:
        session.registry().close()
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def committed(app: Flask) -> Iterator[Flask]:
    """For tests that need committed data and separate connections; empties every table after."""
    yield app
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()  # no pooled connection outlives the test


def empty_all_tables() -> None:
    """Delete every row, whatever refers to what (places refer to places)."""
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    with db.engine.connect() as connection:
        # Outside any transaction, where SQLite honours the pragma (the driver is in autocommit).
        raw = connection.connection.dbapi_connection
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                for table in reversed(tables):
                    connection.execute(table.delete())
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


@pytest.fixture(autouse=True)
def _search_dir(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """Each test gets its own (initially absent) search index directory, and starts with none
    of what the app remembers of its index (how far behind it was found, what was logged)."""
    previous = app.config["SEARCH_DIR"]
    app.config["SEARCH_DIR"] = str(tmp_path / "search")
    _forget_search_state(app)
    yield tmp_path / "search"
    index = app.extensions.pop("marketplace.search_index", None)
    if index is not None:
        index.close()
    _forget_search_state(app)
    app.config["SEARCH_DIR"] = previous


def _forget_search_state(app: Flask) -> None:
    for key in [key for key in app.extensions if key.startswith("marketplace.search")]:
        del app.extensions[key]


@pytest.fixture
def search_index(app: Flask, _search_dir: Path) -> Any:
    """A built search index holding whatever the test has flushed so far."""
    from marketplace.search import indexer

    with app.app_context():
        db.session.commit()
        indexer.rebuild()
        return indexer.get_index()


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    yield
    clock.unfreeze()


# 2026-12-01 10:00 in Qingxi: the moment the domain tests' factories and figures are written for.
FROZEN_AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def frozen_clock() -> datetime:
    """The clock stands still at ``FROZEN_AT`` (tests move it with ``clock.advance``); packages
    whose every test needs it use it from an autouse fixture of their own conftest."""
    clock.freeze(FROZEN_AT)
    return FROZEN_AT


@pytest.fixture
def app_config(app: Flask) -> Iterator[dict[str, Any]]:
    """``app.config`` for changing settings in one test; every change is undone afterwards."""
    saved = dict(app.config)
    yield app.config
    app.config.clear()
    app.config.update(saved)


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    """An app context for calling services directly; do not make client requests inside it."""
    with app.app_context():
        yield app


class ApiClient(FlaskClient):
    """A test client that commits the test's flushed setup before each request and sends the
    CSRF token of its login session on state-changing requests."""

    csrf_token: str | None = None
    bearer: str | None = None

    def open(self, *args: Any, **kwargs: Any) -> Any:
        db.session.commit()
        headers = dict(kwargs.pop("headers", None) or {})
        if self.csrf_token and "X-CSRF-Token" not in headers:
            headers["X-CSRF-Token"] = self.csrf_token
        if self.bearer and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.bearer}"
        return super().open(*args, headers=headers, **kwargs)

    def login(self, login: str, password: str = factories.PASSWORD) -> Any:
        response = self.post("/api/v1/auth/login", json={"login": login, "password": password})
        if response.status_code == 200:
            self.csrf_token = response.json["csrf_token"]
        return response


@pytest.fixture
def cli(app: Flask) -> Callable[..., Any]:
    """Run a ``flask`` command; what the test flushed is committed first, as for requests."""
    runner = app.test_cli_runner()

    def invoke(*args: str) -> Any:
        db.session.commit()
        return runner.invoke(args=list(args))

    return invoke


@pytest.fixture
def client(app: Flask) -> ApiClient:
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def client_as(app: Flask) -> Callable[[Any], ApiClient]:
    """A new client logged in (session cookie + CSRF token) as the given user."""

    def log_in(user: Any) -> ApiClient:
        new_client: ApiClient = app.test_client()  # type: ignore[assignment]
        response = new_client.login(user.email or user.phone)
        assert response.status_code == 200, response.json
        return new_client

    return log_in


@pytest.fixture
def resident() -> Any:
    return factories.UserFactory()


@pytest.fixture
def coordinator() -> Any:
    return factories.CoordinatorFactory()
