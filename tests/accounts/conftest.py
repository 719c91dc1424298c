"""Fixtures of the account tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from marketplace.extensions import db
from tests.conftest import make_app
from tests.factories import AdminFactory


@pytest.fixture
def admin() -> Any:
    return AdminFactory()


@pytest.fixture
def staff(client_as: Callable[[Any], Any], coordinator: Any) -> Any:
    """A client logged in as a community coordinator."""
    return client_as(coordinator)


@pytest.fixture
def admin_client(client_as: Callable[[Any], Any], admin: Any) -> Any:
    return client_as(admin)


@pytest.fixture
def worker_apps(
    committed: Flask, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Flask, Flask]]:
    """Two app instances on the test database, each with its own engine: two worker processes
    as far as the database can tell. Their rows are committed; ``committed`` empties the
    tables afterwards."""
    monkeypatch.setenv("MARKETPLACE_INSTANCE_PATH", str(tmp_path))  # make_app sets it
    workers = (
        make_app(database_url, tmp_path / "worker-1"),
        make_app(database_url, tmp_path / "worker-2"),
    )
    yield workers
    for worker in workers:
        with worker.app_context():
            db.engine.dispose()
