"""GET /listings: filters, order and pages of public listings; owner=me; staff state filters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace import clock
from marketplace.listings import services
from marketplace.listings.models import Listing
from tests.factories import (
    CommunityFactory,
    CoordinatorFactory,
    GridFactory,
    MerchantFactory,
    SpaceFactory,
    SubdistrictFactory,
)
from tests.listing_factories import (
    DonationOfferFactory,
    ItemOfferFactory,
    ItemRequestFactory,
    SkillOfferFactory,
    SkillRequestFactory,
)
from tests.listings.responses import assert_error, assert_field_errors


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.json["items"]]


@pytest.fixture
def assorted():
    """One public listing of each side and kind, in one community."""
    community = CommunityFactory()
    return {
        "item_offer": ItemOfferFactory(place=community, category="household"),
        "skill_offer": SkillOfferFactory(place=community, category="beauty"),
        "donation_offer": DonationOfferFactory(place=community, category="food"),
        "item_request": ItemRequestFactory(place=community, category="baby_kids"),
        "skill_request": SkillRequestFactory(place=community, category="tutoring"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("side=offer", {"item_offer", "skill_offer", "donation_offer"}),
        ("side=request", {"item_request", "skill_request"}),
        ("kind=skill", {"skill_offer", "skill_request"}),
        ("kind=donation", {"donation_offer"}),
        ("side=request&kind=item", {"item_request"}),
        ("category=tutoring", {"skill_request"}),
        ("category=household&side=request", set()),
    ],
)
def test_browse_filters_by_side_kind_and_category(client, assorted, query, expected):
    response = client.get(f"/api/v1/listings?{query}")

    assert set(_ids(response)) == {assorted[name].id for name in expected}
    assert response.json["total"] == len(expected)


def test_place_filter_includes_everything_inside_the_place(client):
    root = SubdistrictFactory()
    community = CommunityFactory(parent=root)
    grid = GridFactory(parent=community)
    in_community = ItemOfferFactory(place=community)
    in_grid = ItemOfferFactory(place=grid)
    in_space = ItemOfferFactory(place=SpaceFactory(parent=grid))
    ItemOfferFactory(place=CommunityFactory(parent=root))

    by_community = client.get(f"/api/v1/listings?place_id={community.id}")
    by_grid = client.get(f"/api/v1/listings?place_id={grid.id}")

    assert set(_ids(by_community)) == {in_community.id, in_grid.id, in_space.id}
    assert set(_ids(by_grid)) == {in_grid.id, in_space.id}


def test_place_filter_does_not_mistake_a_longer_id_for_a_child(client):
    """A path such as /1/2/ must not match /1/23/ of a sibling place."""
    root = SubdistrictFactory()
    community = CommunityFactory(parent=root)
    listing = ItemOfferFactory(place=community)
    for _ in range(12):
        ItemOfferFactory(place=CommunityFactory(parent=root))

    assert _ids(client.get(f"/api/v1/listings?place_id={community.id}")) == [listing.id]


def test_unknown_place_filter_is_a_field_error(client):
    assert_field_errors(client.get("/api/v1/listings?place_id=999999"), "place_id")


def test_available_means_something_is_left_to_claim(client):
    open_listing = ItemOfferFactory()
    fully_reserved = ItemOfferFactory(status="fully_reserved")

    available = client.get("/api/v1/listings?available=true")
    unavailable = client.get("/api/v1/listings?available=false")

    assert _ids(available) == [open_listing.id]
    assert _ids(unavailable) == [fully_reserved.id]


def test_newest_first_by_default(client):
    oldest = ItemOfferFactory()
    clock.advance(timedelta(hours=1))
    newest = ItemOfferFactory()
    clock.advance(timedelta(hours=1))
    middle = ItemOfferFactory(created_at=clock.now() - timedelta(minutes=90))

    assert _ids(client.get("/api/v1/listings")) == [newest.id, middle.id, oldest.id]
    assert _ids(client.get("/api/v1/listings?sort=newest")) == [newest.id, middle.id, oldest.id]


def test_ending_soon_orders_by_end(client):
    later = ItemOfferFactory(expires_at=clock.now() + timedelta(days=20))
    soonest = ItemOfferFactory(expires_at=clock.now() + timedelta(days=1))
    middle = ItemOfferFactory(expires_at=clock.now() + timedelta(days=5))

    response = client.get("/api/v1/listings?sort=ending_soon")

    assert _ids(response) == [soonest.id, middle.id, later.id]


def test_unknown_sort_is_a_field_error(client):
    assert_field_errors(client.get("/api/v1/listings?sort=cheapest"), "sort")


def test_pages_split_the_results_and_report_the_total(client):
    listings = []
    for _ in range(5):
        listings.append(ItemOfferFactory())
        clock.advance(timedelta(minutes=1))
    newest_first = [listing.id for listing in reversed(listings)]

    first = client.get("/api/v1/listings?per_page=2")
    third = client.get("/api/v1/listings?per_page=2&page=3")
    beyond = client.get("/api/v1/listings?per_page=2&page=4")

    assert _ids(first) == newest_first[:2]
    assert (first.json["total"], first.json["page"], first.json["per_page"]) == (5, 1, 2)
    assert _ids(third) == newest_first[4:]
    assert _ids(beyond) == []
    assert beyond.json["total"] == 5


@pytest.mark.parametrize("per_page", [0, 101, -1, "all"])
def test_per_page_must_be_one_to_a_hundred(client, per_page):
    assert_field_errors(client.get(f"/api/v1/listings?per_page={per_page}"), "per_page")


def test_a_hundred_per_page_is_allowed(client):
    response = client.get("/api/v1/listings?per_page=100")

    assert response.status_code == 200
    assert response.json["per_page"] == 100


def test_owner_me_includes_the_organisations_listings(client_as):
    donation = DonationOfferFactory(moderation="pending")
    colleague = MerchantFactory(organisation=donation.owner.organisation)
    ItemOfferFactory()

    response = client_as(colleague).get("/api/v1/listings?owner=me")

    assert _ids(response) == [donation.id]


def test_owner_me_needs_a_login(client):
    assert_error(client.get("/api/v1/listings?owner=me"), 401, "unauthorized")


def test_owner_me_can_filter_by_state(client_as):
    pending = ItemOfferFactory(moderation="pending")
    ItemOfferFactory(owner=pending.owner)

    response = client_as(pending.owner).get("/api/v1/listings?owner=me&moderation=pending")

    assert _ids(response) == [pending.id]


def test_residents_cannot_filter_other_peoples_listings_by_state(client_as, resident):
    ItemOfferFactory(moderation="pending")

    response = client_as(resident).get("/api/v1/listings?moderation=pending")

    assert_error(response, 403, "forbidden")


def test_coordinator_filters_every_listing_by_state(client_as):
    pending = ItemOfferFactory(moderation="pending")
    hidden_withdrawn = ItemOfferFactory(moderation="hidden", status="withdrawn")
    ItemOfferFactory()

    staff = client_as(CoordinatorFactory())

    assert _ids(staff.get("/api/v1/listings?moderation=pending")) == [pending.id]
    assert _ids(staff.get("/api/v1/listings?status=withdrawn")) == [hidden_withdrawn.id]


def _as_shown_alone(client, items) -> list[dict]:
    return [client.get(f"/api/v1/listings/{item['id']}").get_json() for item in items]


def test_each_browsed_listing_shows_what_the_listing_itself_shows(client, client_as, assorted):
    merchant = assorted["donation_offer"].owner
    ItemOfferFactory(
        owner=merchant,
        organisation=merchant.organisation,
        moderation="rejected",
        moderation_reason="照片不清楚",
    )
    coordinator = CoordinatorFactory()
    for asking, query, count in (
        (client, "", 5),
        (client_as(merchant), "?owner=me", 2),
        (client_as(coordinator), "?moderation=rejected", 1),
    ):
        items = asking.get(f"/api/v1/listings{query}").get_json()["items"]
        assert len(items) == count
        assert items == _as_shown_alone(asking, items)


def test_a_page_of_public_listings_leaves_out_one_that_stopped_being_public(app_ctx):
    """The page's ids and its snapshots are read by two queries; a listing withdrawn between
    them is not shown on a public page, and is on its owner's."""
    kept, gone = ItemOfferFactory(), ItemOfferFactory(status="withdrawn")
    every_listing = select(Listing).where(Listing.id.in_([kept.id, gone.id]))
    filters = services.BrowseFilters()

    public = services.page_of(every_listing, filters, public_only=True)
    anything = services.page_of(every_listing, filters, public_only=False)

    assert [listing.id for listing in public] == [kept.id]
    assert [listing.id for listing in anything] == [gone.id, kept.id]  # newest first
