"""A page of search hits or of browsed listings costs a fixed number of queries, whatever kinds
of listing it holds and however many: the hits' owners, organisations, places, slots, pick-up
windows and booked periods are loaded with them, and nothing a page shows is left to load one
listing at a time."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask

from tests.factories import CommunityFactory
from tests.listing_factories import (
    DonationOfferFactory,
    ItemOfferFactory,
    LendOfferFactory,
    ListingSlotFactory,
    SkillOfferFactory,
)
from tests.reservation_factories import ReservationFactory
from tests.search.conftest import API, index_now, search
from tests.statements import count_statements


def _hits_of_every_kind(place: Any, count: int) -> None:
    """Each ``count`` times: an item, a lent item with a loan, a merchant's donation with a
    pick-up window, and a skill with two slots."""
    for _ in range(count):
        ItemOfferFactory(title="共享雨伞", place=place)
        lent = LendOfferFactory(title="共享电钻", place=place)
        ReservationFactory(
            listing=lent, status="confirmed", starts_on=date(2026, 12, 3), ends_on=date(2026, 12, 5)
        )
        DonationOfferFactory(title="共享大米", place=place)
        skill = SkillOfferFactory(title="共享理发", place=place)
        ListingSlotFactory.create_batch(2, listing=skill)


def test_a_page_of_hits_costs_the_same_queries_for_twelve_hits_as_for_four(
    app: Flask, frozen_clock: Any, client: Any
) -> None:
    place = CommunityFactory(name="清溪村")
    _hits_of_every_kind(place, 1)
    index_now(app)
    search(client, "共享")  # the first search after a change also checks the index's lag
    few = count_statements(app, lambda: search(client, "共享"))
    _hits_of_every_kind(place, 2)
    index_now(app)
    search(client, "共享")

    body: dict[str, Any] = {}
    many = count_statements(app, lambda: body.update(search(client, "共享")))

    assert body["total"] == 12 and not body["degraded"]
    assert {item["kind"] for item in body["items"]} == {"item", "donation", "skill"}
    assert any(item["availability"]["booked_periods"] for item in body["items"])
    assert all(item["owner"]["display_name"] for item in body["items"])
    assert len(many) == len(few), many


def test_a_page_of_browsed_listings_costs_the_same_queries_for_twelve_as_for_four(
    app: Flask, frozen_clock: Any, client: Any
) -> None:
    place = CommunityFactory(name="清溪村")
    _hits_of_every_kind(place, 1)
    few = count_statements(app, lambda: client.get(API))
    _hits_of_every_kind(place, 2)

    responses: list[Any] = []
    many = count_statements(app, lambda: responses.append(client.get(API)))

    assert responses[0].status_code == 200
    assert responses[0].get_json()["total"] == 12
    assert len(many) == len(few), many
