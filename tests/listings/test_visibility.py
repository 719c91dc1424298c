"""Who sees a listing: anyone sees public ones; the owner sees theirs in any state; coordinators
see everything; anything else is 404, as if it did not exist."""

from __future__ import annotations

import pytest

from tests.factories import CoordinatorFactory, UserFactory
from tests.listing_factories import DonationOfferFactory, ItemOfferFactory
from tests.listings.responses import assert_error

NOT_PUBLIC = [
    ("pending", "open"),
    ("rejected", "open"),
    ("hidden", "open"),
    ("approved", "withdrawn"),
    ("approved", "expired"),
    ("approved", "closed"),
]
NOT_PUBLIC_IDS = [f"{moderation}-{status}" for moderation, status in NOT_PUBLIC]


@pytest.mark.parametrize("status", ["open", "fully_reserved"])
def test_approved_listing_open_or_fully_reserved_is_public(client, status):
    listing = ItemOfferFactory(status=status)

    response = client.get(f"/api/v1/listings/{listing.id}")

    assert response.status_code == 200
    assert (response.json["id"], response.json["is_public"]) == (listing.id, True)


@pytest.mark.parametrize(("moderation", "status"), NOT_PUBLIC, ids=NOT_PUBLIC_IDS)
def test_listing_that_is_not_public_is_missing_for_anonymous_and_other_residents(
    client, client_as, moderation, status
):
    listing = ItemOfferFactory(moderation=moderation, status=status)
    other_resident = client_as(UserFactory())

    for caller in (client, other_resident):
        assert_error(caller.get(f"/api/v1/listings/{listing.id}"), 404, "not_found")


@pytest.mark.parametrize(("moderation", "status"), NOT_PUBLIC, ids=NOT_PUBLIC_IDS)
def test_owner_and_coordinator_see_a_listing_in_any_state(client_as, moderation, status):
    listing = ItemOfferFactory(moderation=moderation, status=status)

    for caller in (listing.owner, CoordinatorFactory()):
        response = client_as(caller).get(f"/api/v1/listings/{listing.id}")
        assert response.status_code == 200
        assert (response.json["moderation"], response.json["status"]) == (moderation, status)
        assert response.json["is_public"] is False


def test_missing_listing_is_404(client):
    assert_error(client.get("/api/v1/listings/987654"), 404, "not_found")


def test_moderation_reason_is_shown_to_the_owner_and_coordinators_only(client, client_as):
    listing = ItemOfferFactory(moderation="rejected", moderation_reason="含联系方式")
    public = ItemOfferFactory(owner=listing.owner, moderation_reason="内部备注")

    owner_view = client_as(listing.owner).get(f"/api/v1/listings/{listing.id}")
    staff_view = client_as(CoordinatorFactory()).get(f"/api/v1/listings/{listing.id}")
    public_view = client.get(f"/api/v1/listings/{public.id}")

    assert owner_view.json["moderation_reason"] == "含联系方式"
    assert staff_view.json["moderation_reason"] == "含联系方式"
    assert public_view.json["moderation_reason"] is None


def test_listing_approved_without_a_reason_shows_no_reason_even_to_its_owner(client_as):
    listing = ItemOfferFactory(moderation="approved", moderation_reason="")

    for caller in (listing.owner, CoordinatorFactory()):
        response = client_as(caller).get(f"/api/v1/listings/{listing.id}")
        assert response.json["moderation_reason"] is None


def test_browsing_shows_only_public_listings_to_other_residents(client_as):
    public = ItemOfferFactory()
    fully_reserved = ItemOfferFactory(status="fully_reserved")
    for moderation, status in NOT_PUBLIC:
        ItemOfferFactory(moderation=moderation, status=status)

    response = client_as(UserFactory()).get("/api/v1/listings")

    assert response.status_code == 200
    assert {item["id"] for item in response.json["items"]} == {public.id, fully_reserved.id}
    assert response.json["total"] == 2


def test_owner_finds_their_listings_in_every_state_with_owner_me(client_as):
    owner = UserFactory()
    mine = [
        ItemOfferFactory(owner=owner, moderation=moderation, status=status)
        for moderation, status in [*NOT_PUBLIC, ("approved", "open")]
    ]
    ItemOfferFactory()

    response = client_as(owner).get("/api/v1/listings?owner=me&per_page=100")

    assert response.status_code == 200
    assert {item["id"] for item in response.json["items"]} == {listing.id for listing in mine}


def test_listing_shows_its_place_owner_organisation_and_category_label(client):
    listing = DonationOfferFactory(category="food")

    body = client.get(f"/api/v1/listings/{listing.id}").json

    assert body["category_label"] == "食品"
    assert body["place"] == {
        "id": listing.place.id,
        "name": listing.place.name,
        "kind": "community",
        "path": listing.place.path,
    }
    assert body["owner"] == {"id": listing.owner.id, "display_name": listing.owner.display_name}
    assert body["organisation"] == {
        "id": listing.organisation.id,
        "name": listing.organisation.name,
        "verified": False,
    }
    assert [window["place"]["id"] for window in body["pickup_windows"]] == [listing.place.id]
    assert "email" not in body["owner"]
