"""An owner's edit cannot take back what claims already hold; it answers 422/409, never 500."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.extensions import db
from tests.listing_factories import DonationOfferFactory
from tests.reservation_factories import DonationReservationFactory, SkillReservationFactory


def _patch(client_as, listing, body):
    return client_as(listing.owner).patch(
        f"/api/v1/listings/{listing.id}", json={"version": listing.version, **body}
    )


def test_quantity_cannot_go_below_the_units_already_claimed(client_as):
    listing = DonationOfferFactory(quantity=5)
    DonationReservationFactory(listing=listing, quantity=3)

    response = _patch(client_as, listing, {"quantity": 2})

    assert response.status_code == 422
    assert "quantity" in response.json["error"]["details"]["fields"]
    assert listing.quantity == 5


@pytest.mark.parametrize(
    ("quantity", "claimed", "edited", "status", "left"),
    [
        (2, 2, 4, "open", 2),  # more units open a fully claimed offer again
        (5, 3, 3, "fully_reserved", 0),  # down to what is claimed fills it
    ],
)
def test_the_status_follows_an_edited_quantity(client_as, quantity, claimed, edited, status, left):
    listing = DonationOfferFactory(quantity=quantity)
    DonationReservationFactory(listing=listing, quantity=claimed)

    response = _patch(client_as, listing, {"quantity": edited})

    assert response.status_code == 200, response.json
    assert response.json["status"] == status
    assert response.json["availability"]["units_left"] == left


def test_a_booked_slot_cannot_be_removed_or_shrunk_below_its_bookings(client_as):
    first = SkillReservationFactory()
    listing, slot = first.listing, first.slot
    slot.capacity = 3
    SkillReservationFactory(listing=listing)
    assert slot.booked == 2

    removed = _patch(client_as, listing, {"slots": []})
    shrunk = _patch(
        client_as,
        listing,
        {
            "slots": [
                {
                    "id": slot.id,
                    "starts_at": slot.starts_at.isoformat(),
                    "ends_at": slot.ends_at.isoformat(),
                    "capacity": 1,
                }
            ]
        },
    )

    assert removed.status_code == 422
    assert shrunk.status_code == 422
    assert [s.id for s in listing.slots] == [slot.id]


def test_removing_a_pick_up_window_that_a_claim_uses_is_a_conflict(client_as):
    reservation = DonationReservationFactory()
    listing = reservation.listing
    other = listing.pickup_windows[0]
    start = other.starts_at.isoformat()
    end = other.ends_at.isoformat()

    response = _patch(
        client_as,
        listing,
        {"pickup_windows": [{"starts_at": start, "ends_at": end, "place_id": other.place_id}]},
    )

    assert response.status_code == 409
    assert response.json["error"]["code"] == "in_use"


def test_adding_a_slot_to_a_fully_booked_skill_opens_it_again(client_as):
    booked = SkillReservationFactory()
    listing, slot = booked.listing, booked.slot
    assert listing.status == "fully_reserved"
    kept = {
        "id": slot.id,
        "starts_at": slot.starts_at.isoformat(),
        "ends_at": slot.ends_at.isoformat(),
        "capacity": slot.capacity,
    }
    added = {
        "starts_at": (slot.starts_at + timedelta(days=1)).isoformat(),
        "ends_at": (slot.ends_at + timedelta(days=1)).isoformat(),
        "capacity": 2,
    }

    response = _patch(client_as, listing, {"slots": [kept, added]})

    assert response.status_code == 200, response.json
    assert response.json["status"] == "open"


def test_renewing_an_expired_offer_whose_units_are_all_claimed_keeps_it_fully_reserved(
    client_as,
):
    listing = DonationOfferFactory(quantity=2)
    DonationReservationFactory(listing=listing, quantity=2)
    listing.status = "expired"
    db.session.commit()

    response = client_as(listing.owner).post(f"/api/v1/listings/{listing.id}/renew", json={})

    assert response.status_code == 200, response.json
    assert response.json["status"] == "fully_reserved"
