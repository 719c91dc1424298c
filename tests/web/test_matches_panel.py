"""The matches panel of a listing's page: the matching service's counterparts, best first, with
their reasons in plain Chinese, for the listing's managers and coordinators only."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from marketplace import clock
from marketplace.web import labels
from tests.factories import (
    CommunityFactory,
    CoordinatorFactory,
    SpaceFactory,
    SubdistrictFactory,
    UserFactory,
    ZoneFactory,
)
from tests.listing_factories import ItemOfferFactory, ItemRequestFactory
from tests.web.pages import text_of


@pytest.fixture
def stroller_pair(request: pytest.FixtureRequest) -> tuple[Any, Any, Any]:
    """A request for a stroller, an offer of one in the same zone and one in another community;
    the search index is built afterwards."""
    subdistrict = SubdistrictFactory(name="雕庄街道")
    village = CommunityFactory(name="清溪村", parent=subdistrict)
    zone = ZoneFactory(
        name="儿童游乐区", parent=SpaceFactory(name="清溪村健康广场", parent=village)
    )
    elsewhere = CommunityFactory(name="湖滨社区", parent=subdistrict)
    stroller = {"category": "baby_kids", "tags": ["婴儿车", "推车"]}
    wanted = ItemRequestFactory(
        title="求婴儿推车",
        place=zone,
        needed_by=clock.now() + timedelta(days=7),
        urgency="high",
        **stroller,
    )
    near = ItemOfferFactory(title="婴儿推车", place=zone, **stroller)
    far = ItemOfferFactory(title="二手婴儿推车", place=elsewhere, **stroller)
    request.getfixturevalue("search_index")
    return wanted, near, far


def panel_of(page: str) -> str:
    start = page.index('id="matches"')
    return page[start : page.index("</section>", start)]


def test_the_owner_sees_the_matching_services_counterparts_with_chinese_reasons(
    browser_as, stroller_pair
):
    wanted, near, far = stroller_pair
    owner = browser_as(wanted.owner)

    panel = panel_of(text_of(owner.get(f"/listings/{wanted.id}")))
    expected = owner.get(f"/api/v1/listings/{wanted.id}/matches?limit=5").get_json()["items"]

    titles = re.findall(r'class="card-title" href="[^"]*">([^<]+)</a>', panel)
    assert titles == [item["listing"]["title"] for item in expected]
    assert titles[0] == near.title and far.title in titles
    assert f'href="/listings/{near.id}?request_id={wanted.id}#claim"' in panel
    for item in expected:
        for reason in item["reasons"]:
            assert f"<li>{labels.match_reason(reason)}</li>" in panel
    assert "<li>同在儿童游乐区</li>" in panel
    assert "<li>需要日期前可用</li>" in panel
    assert panel.count("<li>") == sum(len(item["reasons"]) for item in expected)
    assert "急需" not in panel  # the requester knows how urgent their own request is


def test_the_owner_of_an_offer_sees_how_urgent_the_matching_requests_are(browser_as, stroller_pair):
    wanted, near, _far = stroller_pair

    panel = panel_of(text_of(browser_as(near.owner).get(f"/listings/{near.id}")))

    assert f'href="/listings/{wanted.id}"' in panel
    assert "<li>急需</li>" in panel


def test_a_coordinator_sees_the_panel_and_another_resident_does_not(browser_as, stroller_pair):
    wanted, _near, _far = stroller_pair

    coordinator_page = text_of(browser_as(CoordinatorFactory()).get(f"/listings/{wanted.id}"))
    resident_page = text_of(browser_as(UserFactory()).get(f"/listings/{wanted.id}"))

    assert "婴儿推车</a>" in panel_of(coordinator_page)
    assert 'id="matches"' not in resident_page
