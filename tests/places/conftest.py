"""Fixtures of the place tests: one branch of the tree and a coordinator's client."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.places.models import Place
from tests.factories import (
    CommunityFactory,
    GridFactory,
    SpaceFactory,
    SubdistrictFactory,
    ZoneFactory,
)


@pytest.fixture
def branch() -> dict[str, Place]:
    """雕庄街道 > 清溪村 > 第一网格 > 健康广场 > 健身活动区, keyed by kind."""
    subdistrict = SubdistrictFactory(name="雕庄街道")
    community = CommunityFactory(parent=subdistrict, name="清溪村")
    grid = GridFactory(parent=community, name="清溪村第一网格")
    space = SpaceFactory(parent=grid, name="清溪村健康广场")
    zone = ZoneFactory(parent=space, name="健身活动区")
    return {
        "subdistrict": subdistrict,
        "community": community,
        "grid": grid,
        "space": space,
        "zone": zone,
    }


@pytest.fixture
def staff(client_as: Any, coordinator: Any) -> Any:
    """A client logged in as a community coordinator."""
    return client_as(coordinator)
