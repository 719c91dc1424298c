"""Fixtures of the matching tests: a stopped clock, settings a test may change, and a small place
tree around the Qingxi square with the people who post in it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from flask import Flask

from marketplace.extensions import db
from marketplace.search import indexer
from tests.factories import (
    CommunityFactory,
    GridFactory,
    SpaceFactory,
    SubdistrictFactory,
    UserFactory,
    ZoneFactory,
)


@pytest.fixture(autouse=True)
def _clock_stands_still(frozen_clock: datetime) -> datetime:
    return frozen_clock


@pytest.fixture
def build_index(app: Flask) -> Callable[[], None]:
    """Build the search index from what the test has flushed so far, at the moment the test
    calls it (the ``search_index`` fixture builds it before the test body runs)."""

    def build() -> None:
        with app.app_context():
            db.session.commit()
            indexer.rebuild()

    return build


@dataclass
class Square:
    """雕庄街道 > 清溪村 > 第一网格 > 健康广场 > 儿童游乐区 / 共享集市区, 第二网格, and 湖滨社区."""

    subdistrict: Any
    village: Any
    grid: Any
    square: Any
    kids_zone: Any
    market_zone: Any
    other_grid: Any
    other_community: Any


@pytest.fixture
def places() -> Square:
    subdistrict = SubdistrictFactory(name="雕庄街道")
    village = CommunityFactory(name="清溪村", parent=subdistrict)
    grid = GridFactory(name="清溪村第一网格", parent=village)
    square = SpaceFactory(name="清溪村健康广场", parent=grid)
    return Square(
        subdistrict=subdistrict,
        village=village,
        grid=grid,
        square=square,
        kids_zone=ZoneFactory(name="儿童游乐区", parent=square),
        market_zone=ZoneFactory(name="共享集市区", parent=square),
        other_grid=GridFactory(name="清溪村第二网格", parent=village),
        other_community=CommunityFactory(name="湖滨社区", parent=subdistrict),
    )


@pytest.fixture
def requester() -> Any:
    """A resident who asks for things."""
    return UserFactory()


@pytest.fixture
def giver() -> Any:
    """A resident who offers things."""
    return UserFactory()
