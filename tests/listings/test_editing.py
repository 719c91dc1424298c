"""Owners edit their listings against the version they loaded; the kind's rules still apply."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace import clock
from tests.factories import SubdistrictFactory
from tests.listing_factories import (
    DonationOfferFactory,
    ItemOfferFactory,
    LendOfferFactory,
    SkillOfferFactory,
)
from tests.listings import bodies
from tests.listings.fixtures import NOW
from tests.listings.responses import assert_error, assert_field_errors
from tests.listings.state import stored


@pytest.fixture
def listing(poster):
    return ItemOfferFactory(owner=poster, title="旧书包", quantity=3)


def test_owner_edit_bumps_the_version_and_the_update_time(poster_client, listing):
    clock.advance(timedelta(hours=2))

    response = poster_client.patch(
        f"/api/v1/listings/{listing.id}", json={"version": 1, "title": "九成新书包", "quantity": 2}
    )

    assert response.status_code == 200
    assert response.json["version"] == 2
    saved = stored(listing.id)
    assert (saved.title, saved.quantity, saved.version) == ("九成新书包", 2, 2)
    assert saved.updated_at == NOW + timedelta(hours=2)
    assert saved.created_at == NOW


def test_edit_based_on_a_stale_version_is_refused(poster_client, listing):
    first = poster_client.patch(
        f"/api/v1/listings/{listing.id}", json={"version": 1, "quantity": 2}
    )

    second = poster_client.patch(
        f"/api/v1/listings/{listing.id}", json={"version": 1, "title": "另一个标题"}
    )

    assert first.status_code == 200
    details = assert_error(second, 409, "stale_version")
    assert details == {"current_version": 2}
    saved = stored(listing.id)
    assert (saved.title, saved.quantity, saved.version) == ("旧书包", 2, 2)


def test_edit_naming_a_future_version_is_stale_too(poster_client, listing):
    response = poster_client.patch(
        f"/api/v1/listings/{listing.id}", json={"version": 5, "quantity": 2}
    )

    assert_error(response, 409, "stale_version")
    assert stored(listing.id).quantity == 3


def test_edit_must_name_the_version_it_is_based_on(poster_client, listing):
    response = poster_client.patch(f"/api/v1/listings/{listing.id}", json={"quantity": 2})

    assert_field_errors(response, "version")
    assert stored(listing.id).quantity == 3


def test_edit_is_checked_against_the_listing_as_it_would_become(poster_client, listing):
    response = poster_client.patch(
        f"/api/v1/listings/{listing.id}", json={"version": 1, "per_person_limit": 4}
    )

    assert_field_errors(response, "per_person_limit")
    assert stored(listing.id).per_person_limit is None


def test_edit_cannot_add_fields_of_another_kind(poster_client, listing):
    slots = [{"starts_at": bodies.later(days=1), "ends_at": bodies.later(days=1, hours=1)}]

    response = poster_client.patch(
        f"/api/v1/listings/{listing.id}", json={"version": 1, "slots": slots}
    )

    assert_field_errors(response, "slots")


def test_edit_cannot_move_a_listing_to_the_subdistrict_root(poster_client, listing):
    response = poster_client.patch(
        f"/api/v1/listings/{listing.id}",
        json={"version": 1, "place_id": SubdistrictFactory().id},
    )

    assert_field_errors(response, "place_id")
    assert stored(listing.id).version == 1


@pytest.mark.parametrize("status", ["closed", "withdrawn"])
def test_closed_or_withdrawn_listing_cannot_be_edited(poster_client, poster, status):
    listing = ItemOfferFactory(owner=poster, status=status)

    response = poster_client.patch(
        f"/api/v1/listings/{listing.id}", json={"version": 1, "title": "重新上架"}
    )

    assert_error(response, 409, "invalid_transition")
    assert stored(listing.id).version == 1


def test_slot_that_has_started_may_stay_while_new_slots_must_be_in_the_future(
    poster_client, poster
):
    listing = SkillOfferFactory(owner=poster)
    slot = listing.slots[0]
    kept = {
        "id": slot.id,
        "starts_at": slot.starts_at.isoformat(),
        "ends_at": slot.ends_at.isoformat(),
    }
    clock.advance(timedelta(days=1, minutes=30))
    new_slot = {"starts_at": bodies.later(days=2), "ends_at": bodies.later(days=2, hours=1)}
    past_slot = {"starts_at": bodies.earlier(hours=3), "ends_at": bodies.earlier(hours=2)}

    accepted = poster_client.patch(
        f"/api/v1/listings/{listing.id}", json={"version": 1, "slots": [kept, new_slot]}
    )
    refused = poster_client.patch(
        f"/api/v1/listings/{listing.id}", json={"version": 2, "slots": [kept, past_slot]}
    )

    assert accepted.status_code == 200
    assert_field_errors(refused, "slots")
    saved = stored(listing.id)
    assert saved.slots[0].id == slot.id
    assert [entry.starts_at for entry in saved.slots] == [
        NOW + timedelta(days=1),
        NOW + timedelta(days=3, minutes=30),
    ]


def test_slots_left_out_of_an_edit_are_removed_and_named_ones_changed(poster_client, poster):
    listing = SkillOfferFactory(owner=poster)
    removed_id = listing.slots[0].id
    second = {"starts_at": bodies.later(days=4), "ends_at": bodies.later(days=4, hours=1)}
    clock.advance(timedelta(minutes=1))
    poster_client.patch(f"/api/v1/listings/{listing.id}", json={"version": 1, "slots": [second]})
    kept_id = stored(listing.id).slots[0].id
    moved = {
        "id": kept_id,
        "starts_at": bodies.later(days=5),
        "ends_at": bodies.later(days=5, hours=2),
        "capacity": 6,
    }

    response = poster_client.patch(
        f"/api/v1/listings/{listing.id}", json={"version": 2, "slots": [moved]}
    )

    assert response.status_code == 200
    saved = stored(listing.id)
    assert kept_id != removed_id
    assert [(slot.id, slot.starts_at, slot.capacity) for slot in saved.slots] == [
        (kept_id, NOW + timedelta(days=5, minutes=1), 6)
    ]


def test_slot_id_of_another_listing_is_refused(poster_client, poster):
    listing = SkillOfferFactory(owner=poster)
    foreign_slot = SkillOfferFactory().slots[0]
    entry = {
        "id": foreign_slot.id,
        "starts_at": bodies.later(days=2),
        "ends_at": bodies.later(days=2, hours=1),
    }

    response = poster_client.patch(
        f"/api/v1/listings/{listing.id}", json={"version": 1, "slots": [entry]}
    )

    assert_field_errors(response, "slots")
    assert stored(foreign_slot.listing_id).slots[0].starts_at == foreign_slot.starts_at


def test_merchant_edits_the_pickup_window_of_the_organisations_donation(client_as):
    donation = DonationOfferFactory()
    window = donation.pickup_windows[0]
    moved = {
        "id": window.id,
        "starts_at": bodies.later(days=3),
        "ends_at": bodies.later(days=3, hours=1),
        "place_id": donation.place_id,
    }

    response = client_as(donation.owner).patch(
        f"/api/v1/listings/{donation.id}", json={"version": 1, "pickup_windows": [moved]}
    )

    assert response.status_code == 200
    saved = stored(donation.id)
    assert [(entry.id, entry.starts_at) for entry in saved.pickup_windows] == [
        (window.id, NOW + timedelta(days=3))
    ]


def test_edit_of_text_is_normalised_like_a_new_listing(poster_client, listing):
    response = poster_client.patch(
        f"/api/v1/listings/{listing.id}",
        json={"version": 1, "title": "  ＡＢ\u200b书包 ", "tags": ["书包", "书包"]},
    )

    assert response.status_code == 200
    saved = stored(listing.id)
    assert (saved.title, saved.tags) == ("AB书包", ["书包"])


def test_lent_item_stays_one_thing_when_edited(client_as):
    listing = LendOfferFactory()

    response = client_as(listing.owner).patch(
        f"/api/v1/listings/{listing.id}", json={"version": 1, "quantity": 2, "max_lend_days": 14}
    )

    assert_field_errors(response, "quantity")
    assert (stored(listing.id).quantity, stored(listing.id).max_lend_days) == (1, 7)


def test_lending_period_can_be_changed(client_as):
    listing = LendOfferFactory()

    response = client_as(listing.owner).patch(
        f"/api/v1/listings/{listing.id}", json={"version": 1, "max_lend_days": 14}
    )

    assert response.status_code == 200
    assert stored(listing.id).max_lend_days == 14
