"""Search hits are read into ``ListingSnapshot``s, not ORM rows: each hit must show exactly what
the listing's own page (``GET /listings/{id}``, read through the ORM) shows, to every caller."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from marketplace import clock
from marketplace.listings.models import Listing
from marketplace.listings.snapshots import SNAPSHOT_COLUMNS
from tests.factories import CommunityFactory, OrganisationFactory, SpaceFactory, UserFactory
from tests.listing_factories import (
    DonationOfferFactory,
    ItemOfferFactory,
    ItemRequestFactory,
    LendOfferFactory,
    ListingSlotFactory,
    PickupWindowFactory,
    SkillOfferFactory,
    SkillRequestFactory,
)
from tests.reservation_factories import (
    LoanReservationFactory,
    SkillReservationFactory,
    organisation_listing,
)
from tests.search.conftest import API, index_now, search

WORD = "清溪共享"


def test_a_snapshot_copies_every_column_of_the_listings_table():
    assert sorted(SNAPSHOT_COLUMNS) == sorted(Listing.__table__.columns.keys())


@pytest.fixture
def owner() -> Any:
    return UserFactory()


@pytest.fixture
def every_kind(app: Any, frozen_clock: Any, owner: Any) -> list[int]:
    """One public listing of every side and kind, with whatever each can carry, all indexed."""
    village = CommunityFactory(name="清溪村")
    square = SpaceFactory(name="健康广场")
    lamp = ItemOfferFactory(
        title=f"{WORD} 台灯",
        description="<b>护眼</b> & 可调光",
        tags=["台灯", "二手"],
        photo_urls=["https://img.example.com/lamp.jpg"],
        place=village,
    )
    drill = LendOfferFactory(title=f"{WORD} 电钻", place=village)
    LoanReservationFactory(listing=drill, status="confirmed")
    haircut = SkillOfferFactory(title=f"{WORD} 理发", place=square, slots=[])
    tomorrow = clock.now() + timedelta(days=1)
    ListingSlotFactory(listing=haircut, starts_at=tomorrow + timedelta(hours=2), capacity=3)
    first_slot = ListingSlotFactory(listing=haircut, starts_at=tomorrow, capacity=2)
    SkillReservationFactory(listing=haircut, slot=first_slot, status="confirmed")
    rice = organisation_listing(
        DonationOfferFactory,
        title=f"{WORD} 大米",
        place=village,
        pickup_windows=[],
        owner=UserFactory(role="merchant", organisation=OrganisationFactory(verified=True)),
    )
    PickupWindowFactory(listing=rice, place=square, starts_at=tomorrow + timedelta(days=1))
    PickupWindowFactory(listing=rice, place=village, starts_at=tomorrow)
    made = [
        lamp,
        drill,
        haircut,
        rice,
        ItemRequestFactory(title=f"{WORD} 求婴儿车", place=village),
        SkillRequestFactory(title=f"{WORD} 求数学辅导", place=square),
        ItemOfferFactory(
            title=f"{WORD} 书架", owner=owner, moderation_reason="复核后通过", place=village
        ),
        ItemOfferFactory(title=f"{WORD} 童车", status="fully_reserved", place=village),
    ]
    ids = [listing.id for listing in made]
    index_now(app)
    return ids


@pytest.mark.parametrize("caller", ["visitor", "owner", "coordinator"])
def test_each_hit_shows_what_the_listing_itself_shows(
    client, client_as, owner, coordinator, every_kind, caller
):
    asking = {"visitor": client, "owner": client_as(owner), "coordinator": client_as(coordinator)}[
        caller
    ]
    body = search(asking, WORD)
    assert body["degraded"] is False
    assert sorted(item["id"] for item in body["items"]) == sorted(every_kind)
    for hit in body["items"]:
        alone = asking.get(f"{API}/{hit['id']}").get_json()
        assert hit["snippet"] and alone["snippet"] is None
        assert {**hit, "snippet": None} == alone


def test_hits_carry_the_details_of_their_kind(client, every_kind):
    hits = {item["title"]: item for item in search(client, WORD)["items"]}
    haircut = hits[f"{WORD} 理发"]
    assert [slot["capacity"] for slot in haircut["slots"]] == [2, 3]
    assert [slot["free"] for slot in haircut["availability"]["slots"]] == [1, 3]
    rice = hits[f"{WORD} 大米"]
    assert [window["place"]["name"] for window in rice["pickup_windows"]] == ["清溪村", "健康广场"]
    assert rice["organisation"]["verified"] is True
    assert len(hits[f"{WORD} 电钻"]["availability"]["booked_periods"]) == 1
    assert hits[f"{WORD} 书架"]["moderation_reason"] is None  # a visitor is not told
