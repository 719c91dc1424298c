"""Filters, orders, facets and pages of a text search, the same whether the index answers or,
with no index, the database does (``degraded``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.factories import CommunityFactory, GridFactory, SpaceFactory, SubdistrictFactory
from tests.listing_factories import ItemOfferFactory, ItemRequestFactory, SkillOfferFactory
from tests.search.conftest import NOW, ids_of, index_now, search


@pytest.fixture
def places() -> dict[str, Any]:
    subdistrict = SubdistrictFactory(name="雕庄街道")
    qingxi = CommunityFactory(parent=subdistrict, name="清溪村")
    grid = GridFactory(parent=qingxi, name="清溪村第一网格")
    return {
        "subdistrict": subdistrict,
        "qingxi": qingxi,
        "grid": grid,
        "square": SpaceFactory(parent=grid, name="健康广场"),
        "yangjia": CommunityFactory(parent=subdistrict, name="杨家埠社区"),
    }


def _times(hours_ago: int, days_left: int) -> dict[str, Any]:
    return {
        "created_at": NOW - timedelta(hours=hours_ago),
        "expires_at": NOW + timedelta(days=days_left),
    }


@pytest.fixture(params=["index", "database"])
def mode(request: pytest.FixtureRequest) -> str:
    """``index``: the listings are indexed; ``database``: there is no index at all."""
    return request.param


@pytest.fixture
def bikes(app: Any, frozen_clock: Any, places: dict[str, Any], mode: str) -> dict[str, Any]:
    """Four public listings about bicycles, one withdrawn, one about something else."""
    listings = {
        "offer": ItemOfferFactory(
            title="二手自行车", category="transport", place=places["grid"], **_times(1, 10)
        ),
        "request": ItemRequestFactory(
            title="求一辆自行车", category="transport", place=places["yangjia"], **_times(2, 5)
        ),
        "repair": SkillOfferFactory(
            title="修自行车 补胎", category="repair", place=places["square"], **_times(3, 20)
        ),
        "kids": ItemOfferFactory(
            title="儿童自行车", category="baby_kids", place=places["qingxi"],
            status="fully_reserved", **_times(4, 2),
        ),
        "withdrawn": ItemOfferFactory(
            title="自行车", category="transport", place=places["qingxi"], status="withdrawn",
            **_times(5, 9),
        ),
        "cooker": ItemOfferFactory(
            title="电饭煲", category="household", place=places["qingxi"], **_times(6, 9)
        ),
    }  # fmt: skip
    if mode == "index":
        index_now(app)
    return listings


def _search(client: Any, mode: str, **params: Any) -> dict[str, Any]:
    body = search(client, params.pop("q", "自行车"), **params)
    assert body["degraded"] is (mode == "database")
    return body


FILTERS = [
    ({"side": "offer"}, {"offer", "repair", "kids"}),
    ({"side": "request"}, {"request"}),
    ({"kind": "skill"}, {"repair"}),
    ({"kind": "item", "side": "offer"}, {"offer", "kids"}),
    ({"category": "transport"}, {"offer", "request"}),
    ({"category": "household"}, set()),
    ({"category": "beauty"}, set()),  # no listing at all in that category
    ({"side": "request", "available": "false"}, set()),
    ({"place": "subdistrict"}, {"offer", "request", "repair", "kids"}),
    ({"place": "qingxi"}, {"offer", "repair", "kids"}),
    ({"place": "grid"}, {"offer", "repair"}),
    ({"place": "square"}, {"repair"}),
    ({"place": "yangjia"}, {"request"}),
    ({"available": "true"}, {"offer", "request", "repair"}),
    ({"available": "false"}, {"kids"}),
    ({"side": "offer", "available": "true", "place": "qingxi"}, {"offer", "repair"}),
]


@pytest.mark.parametrize(
    ("filters", "expected"),
    FILTERS,
    ids=lambda value: str(sorted(value)) if isinstance(value, set) else str(value),
)
def test_filters_narrow_the_matches(client, places, bikes, mode, filters, expected):
    params = dict(filters)
    if "place" in params:
        params["place_id"] = places[params.pop("place")].id

    body = _search(client, mode, **params)

    assert set(ids_of(body)) == {bikes[name].id for name in expected}
    assert body["total"] == len(expected)
    assert sum(body["facets"]["category"].values()) == len(expected)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["offer", "request", "repair", "kids"]),
        ("ending_soon", ["kids", "request", "offer", "repair"]),
    ],
)
def test_sort_orders_the_matches(client, bikes, mode, sort, expected):
    body = _search(client, mode, sort=sort)

    assert ids_of(body) == [bikes[name].id for name in expected]


@pytest.mark.parametrize("mode", ["index"])
def test_relevance_puts_the_closest_match_first(client, bikes, mode):
    body = search(client, "修自行车")

    assert body["degraded"] is False
    assert ids_of(body)[0] == bikes["repair"].id


def test_facets_count_the_matches_per_category_and_kind(client, bikes, mode):
    body = _search(client, mode)

    assert body["facets"] == {
        "category": {"transport": 2, "repair": 1, "baby_kids": 1},
        "kind": {"item": 3, "skill": 1},
    }


def test_facets_follow_the_filters(client, bikes, mode):
    body = _search(client, mode, side="offer")

    assert body["facets"] == {
        "category": {"transport": 1, "repair": 1, "baby_kids": 1},
        "kind": {"item": 2, "skill": 1},
    }


def test_pages_split_the_matches_without_overlap(client, bikes, mode):
    pages = [_search(client, mode, sort="newest", per_page=3, page=page) for page in (1, 2, 3)]

    assert [ids_of(page) for page in pages] == [
        [bikes["offer"].id, bikes["request"].id, bikes["repair"].id],
        [bikes["kids"].id],
        [],
    ]
    assert {page["total"] for page in pages} == {4}
    assert [page["page"] for page in pages] == [1, 2, 3]


def test_every_hit_carries_a_snippet(client, bikes, mode):
    body = _search(client, mode)

    assert all("<mark>自行车</mark>" in item["snippet"] for item in body["items"])
