"""Fixtures of the core tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select

from marketplace.extensions import db
from marketplace.places.models import Place


@pytest.fixture
def staff_client(client_as: Any, coordinator: Any) -> Any:
    """A client logged in as a community coordinator."""
    return client_as(coordinator)


@pytest.fixture
def committed_places(committed: Flask) -> Iterator[Flask]:
    """``committed`` for tests that commit places with children.

    ``committed`` empties each table with one DELETE, which the tree's own ON DELETE RESTRICT
    foreign key refuses while a parent and its children are both there; so the places are
    removed leaves first before it runs.
    """
    yield committed
    with committed.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            parents = select(Place.parent_id).where(Place.parent_id.is_not(None))
            while connection.execute(delete(Place).where(Place.id.not_in(parents))).rowcount:
                pass
