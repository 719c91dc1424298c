"""Posting each side and kind of listing: what is stored, the defaults, and the kind's own rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import CoordinatorFactory, MerchantFactory, SubdistrictFactory
from tests.listings import bodies
from tests.listings.fixtures import NOW
from tests.listings.responses import assert_error, assert_field_errors
from tests.listings.state import listing_count, stored


def test_resident_gives_away_an_item_that_lives_thirty_days(poster_client, poster, community):
    response = poster_client.post("/api/v1/listings", json=bodies.item_offer(community.id))

    assert response.status_code == 201
    assert response.json["status"] == "open"
    listing = stored(response.json["id"])
    assert (listing.side, listing.kind, listing.mode) == ("offer", "item", "give")
    assert (listing.owner_id, listing.organisation_id, listing.place_id) == (
        poster.id,
        None,
        community.id,
    )
    assert listing.quantity == 1
    assert listing.created_at == NOW
    assert listing.expires_at == NOW + timedelta(days=30)
    assert listing.version == 1
    assert listing.auto_confirm is False
    assert listing.tags == ["自行车", "儿童"]


def test_item_offer_keeps_the_quantity_and_limit_it_was_given(poster_client, community):
    body = bodies.item_offer(community.id, quantity=6, per_person_limit=2)

    response = poster_client.post("/api/v1/listings", json=body)

    assert response.status_code == 201
    listing = stored(response.json["id"])
    assert (listing.quantity, listing.per_person_limit) == (6, 2)


def test_an_item_given_away_with_a_null_quantity_is_one_thing(poster_client, community):
    body = bodies.item_offer(community.id, quantity=None)

    response = poster_client.post("/api/v1/listings", json=body)

    assert response.status_code == 201, response.json
    assert stored(response.json["id"]).quantity == 1


def test_an_item_given_away_keeps_a_quantity(poster_client, community):
    created = poster_client.post("/api/v1/listings", json=bodies.item_offer(community.id)).json

    response = poster_client.patch(
        f"/api/v1/listings/{created['id']}", json={"version": created["version"], "quantity": None}
    )

    assert_field_errors(response, "quantity")
    assert stored(created["id"]).quantity == 1


def test_per_person_limit_cannot_exceed_the_quantity(poster_client, community):
    body = bodies.item_offer(community.id, quantity=2, per_person_limit=3)

    response = poster_client.post("/api/v1/listings", json=body)

    assert_field_errors(response, "per_person_limit")
    assert listing_count() == 0


def test_lent_item_is_one_thing_with_a_lending_period(poster_client, community):
    response = poster_client.post("/api/v1/listings", json=bodies.lend_offer(community.id))

    assert response.status_code == 201
    listing = stored(response.json["id"])
    assert (listing.mode, listing.max_lend_days, listing.quantity) == ("lend", 7, 1)


@pytest.mark.parametrize(
    ("fields", "field_in_error"),
    [
        ({"quantity": 2}, "quantity"),
        ({"max_lend_days": None}, "max_lend_days"),
        ({"per_person_limit": 1}, "per_person_limit"),
    ],
    ids=["several_units", "no_lending_period", "per_person_limit"],
)
def test_lent_item_breaking_the_lending_rules_is_refused(
    poster_client, community, fields, field_in_error
):
    response = poster_client.post(
        "/api/v1/listings", json=bodies.lend_offer(community.id, **fields)
    )

    assert_field_errors(response, field_in_error)
    assert listing_count() == 0


def test_given_item_has_no_lending_period(poster_client, community):
    response = poster_client.post(
        "/api/v1/listings", json=bodies.item_offer(community.id, max_lend_days=3)
    )

    assert_field_errors(response, "max_lend_days")


def test_item_offer_must_say_whether_it_is_given_or_lent(poster_client, community):
    body = bodies.item_offer(community.id)
    del body["mode"]

    response = poster_client.post("/api/v1/listings", json=body)

    assert_field_errors(response, "mode")


def test_skill_offer_stores_its_slots_in_time_order(poster_client, community):
    late = {"starts_at": bodies.later(days=3), "ends_at": bodies.later(days=3, hours=2)}
    soon = {"starts_at": bodies.later(days=1), "ends_at": bodies.later(days=1, hours=1)}
    body = bodies.skill_offer(community.id, slots=[{**late, "capacity": 4}, soon])

    response = poster_client.post("/api/v1/listings", json=body)

    assert response.status_code == 201
    listing = stored(response.json["id"])
    assert [(slot.starts_at, slot.capacity) for slot in listing.slots] == [
        (NOW + timedelta(days=1), 1),
        (NOW + timedelta(days=3), 4),
    ]
    assert listing.quantity is None
    assert listing.mode is None


@pytest.mark.parametrize("slots", [[], None], ids=["empty", "missing"])
def test_skill_offer_needs_at_least_one_slot(poster_client, community, slots):
    body = bodies.skill_offer(community.id, slots=slots)
    if slots is None:
        del body["slots"]

    response = poster_client.post("/api/v1/listings", json=body)

    assert_field_errors(response, "slots")


@pytest.mark.parametrize("field", ["quantity", "mode", "pickup_windows", "needed_by"])
def test_skill_offer_refuses_fields_of_other_kinds(poster_client, community, field):
    value = {
        "quantity": 3,
        "mode": "give",
        "pickup_windows": [],
        "needed_by": bodies.later(days=2),
    }[field]

    response = poster_client.post(
        "/api/v1/listings", json=bodies.skill_offer(community.id, **{field: value})
    )

    messages = assert_field_errors(response, field)
    assert messages[field] == ["Not used for a skill offer."]


def test_merchant_donates_for_their_organisation(client_as, community):
    merchant = MerchantFactory()

    response = client_as(merchant).post(
        "/api/v1/listings", json=bodies.donation_offer(community.id)
    )

    assert response.status_code == 201
    assert response.json["organisation"]["id"] == merchant.organisation_id
    listing = stored(response.json["id"])
    assert listing.organisation_id == merchant.organisation_id
    assert (listing.quantity, listing.per_person_limit, listing.auto_confirm) == (50, 2, True)
    assert [(window.starts_at, window.place_id) for window in listing.pickup_windows] == [
        (NOW + timedelta(days=2), community.id)
    ]


@pytest.mark.parametrize("poster_factory", [None, CoordinatorFactory], ids=["resident", "staff"])
def test_only_merchants_may_post_donations(client_as, poster, community, poster_factory):
    donor = poster_factory() if poster_factory else poster

    response = client_as(donor).post("/api/v1/listings", json=bodies.donation_offer(community.id))

    assert_error(response, 403, "organisation_required")
    assert listing_count() == 0


def test_merchants_item_offer_belongs_to_their_organisation(client_as, community):
    merchant = MerchantFactory()

    response = client_as(merchant).post("/api/v1/listings", json=bodies.item_offer(community.id))

    assert response.status_code == 201
    assert stored(response.json["id"]).organisation_id == merchant.organisation_id


@pytest.mark.parametrize(
    ("fields", "field_in_error"),
    [
        ({"quantity": None}, "quantity"),
        ({"pickup_windows": []}, "pickup_windows"),
        ({"slots": []}, "slots"),
    ],
    ids=["no_quantity", "no_pickup_window", "slots"],
)
def test_donation_missing_what_it_needs_is_refused(client_as, community, fields, field_in_error):
    body = bodies.donation_offer(community.id, **fields)

    response = client_as(MerchantFactory()).post("/api/v1/listings", json=body)

    assert_field_errors(response, field_in_error)
    assert listing_count() == 0


def test_pickup_window_must_be_inside_a_community(client_as, community):
    root = SubdistrictFactory()
    window = {"starts_at": bodies.later(days=2), "ends_at": bodies.later(days=2, hours=1)}
    body = bodies.donation_offer(community.id, pickup_windows=[{**window, "place_id": root.id}])

    response = client_as(MerchantFactory()).post("/api/v1/listings", json=body)

    assert_field_errors(response, "pickup_windows")


def test_item_request_is_normal_urgency_for_one_unit_by_default(poster_client, community):
    response = poster_client.post("/api/v1/listings", json=bodies.item_request(community.id))

    assert response.status_code == 201
    listing = stored(response.json["id"])
    assert (listing.side, listing.kind) == ("request", "item")
    assert (listing.urgency, listing.quantity_wanted) == ("normal", 1)
    assert listing.needed_by == NOW + timedelta(days=10)
    assert listing.quantity is None


def test_skill_request_keeps_the_urgency_and_number_it_was_given(poster_client, community):
    body = bodies.skill_request(community.id, urgency="high", quantity_wanted=3)

    response = poster_client.post("/api/v1/listings", json=body)

    assert response.status_code == 201
    listing = stored(response.json["id"])
    assert (listing.kind, listing.urgency, listing.quantity_wanted) == ("skill", "high", 3)
    assert listing.needed_by is None


def test_donations_cannot_be_requested(poster_client, community):
    body = bodies.item_request(community.id, kind="donation")

    response = poster_client.post("/api/v1/listings", json=body)

    assert_field_errors(response, "kind")


@pytest.mark.parametrize("field", ["quantity", "slots", "auto_confirm", "max_lend_days"])
def test_request_refuses_offer_fields(poster_client, community, field):
    value = {"quantity": 2, "slots": [], "auto_confirm": True, "max_lend_days": 3}[field]

    response = poster_client.post(
        "/api/v1/listings", json=bodies.item_request(community.id, **{field: value})
    )

    assert_field_errors(response, field)


def test_poster_may_choose_an_earlier_end(poster_client, community):
    body = bodies.item_offer(community.id, expires_at=bodies.later(days=7))

    response = poster_client.post("/api/v1/listings", json=body)

    assert response.status_code == 201
    assert stored(response.json["id"]).expires_at == NOW + timedelta(days=7)


@pytest.mark.parametrize(
    "ahead", [timedelta(minutes=-1), timedelta(days=91)], ids=["past", "beyond_ninety_days"]
)
def test_end_must_be_in_the_next_ninety_days(poster_client, community, ahead):
    body = bodies.item_offer(community.id, expires_at=(NOW + ahead).isoformat())

    response = poster_client.post("/api/v1/listings", json=body)

    assert_field_errors(response, "expires_at")
