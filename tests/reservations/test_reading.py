"""Reading reservations (mine as claimant or as owner) and what a listing has left."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from marketplace import clock
from tests.factories import MerchantFactory, UserFactory
from tests.listing_factories import (
    DonationOfferFactory,
    ItemOfferFactory,
    LendOfferFactory,
    ListingSlotFactory,
    SkillOfferFactory,
)
from tests.reservation_factories import (
    DonationReservationFactory,
    LoanReservationFactory,
    ReservationFactory,
    SkillReservationFactory,
    local_today,
    organisation_listing,
)
from tests.reservations.helpers import NOW, assert_error, assert_field_errors, claim


@pytest.fixture
def both_sides(claimant: Any) -> dict[str, Any]:
    """The claimant's own claims of other people's listings, and claims of a listing of theirs."""
    sides = {}
    sides["mine_pending"] = ReservationFactory(claimant=claimant)
    clock.advance(timedelta(minutes=1))
    sides["mine_completed"] = ReservationFactory(claimant=claimant, status="completed")
    clock.advance(timedelta(minutes=1))
    own_listing = ItemOfferFactory(owner=claimant, quantity=5)
    sides["theirs_pending"] = ReservationFactory(listing=own_listing)
    clock.advance(timedelta(minutes=1))
    sides["theirs_confirmed"] = ReservationFactory(listing=own_listing, status="confirmed")
    ReservationFactory()  # someone else's business entirely
    return sides


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def test_my_reservations_as_claimant_and_as_owner_newest_first(
    claimant_client: Any, both_sides: dict[str, Any]
) -> None:
    response = claimant_client.get("/api/v1/reservations")

    assert ids(response) == [
        both_sides[name].id
        for name in ("theirs_confirmed", "theirs_pending", "mine_completed", "mine_pending")
    ]
    assert (response.json["total"], response.json["page"], response.json["per_page"]) == (4, 1, 20)


def test_reservations_by_role_and_status(claimant_client: Any, both_sides: dict[str, Any]) -> None:
    def listed(query: str) -> list[int]:
        return ids(claimant_client.get(f"/api/v1/reservations?{query}"))

    assert listed("role=claimant") == [
        both_sides["mine_completed"].id,
        both_sides["mine_pending"].id,
    ]
    assert listed("role=owner") == [
        both_sides["theirs_confirmed"].id,
        both_sides["theirs_pending"].id,
    ]
    assert listed("status=pending") == [
        both_sides["theirs_pending"].id,
        both_sides["mine_pending"].id,
    ]
    assert listed("role=owner&status=confirmed") == [both_sides["theirs_confirmed"].id]
    assert listed("role=claimant&status=waitlisted") == []
    assert listed("per_page=1&page=2") == [both_sides["theirs_pending"].id]


def test_pickup_codes_in_the_list_are_the_callers_own_only(
    claimant_client: Any, both_sides: dict[str, Any]
) -> None:
    items = claimant_client.get("/api/v1/reservations").json["items"]

    codes = {item["id"]: item["pickup_code"] for item in items}
    assert codes[both_sides["mine_pending"].id] == both_sides["mine_pending"].pickup_code
    assert codes[both_sides["theirs_pending"].id] is None


@pytest.mark.parametrize("query", ["role=everyone", "status=lost", "page=0", "per_page=101"])
def test_reservation_list_arguments_are_checked(claimant_client: Any, query: str) -> None:
    field = query.split("=")[0]

    assert_field_errors(claimant_client.get(f"/api/v1/reservations?{query}"), field)


def test_organisation_members_see_the_organisations_claims_as_owners(client_as: Any) -> None:
    rice = organisation_listing(DonationOfferFactory)
    reservation = DonationReservationFactory(listing=rice)
    colleague = MerchantFactory(organisation=rice.organisation)
    outsider = MerchantFactory()

    assert ids(client_as(colleague).get("/api/v1/reservations?role=owner")) == [reservation.id]
    assert ids(client_as(outsider).get("/api/v1/reservations?role=owner")) == []


def test_one_reservation_as_its_claimant(claimant_client: Any, claimant: Any) -> None:
    item = ItemOfferFactory(title="婴儿推车")
    reservation = ReservationFactory(listing=item, claimant=claimant, note="周六上午")

    body = claimant_client.get(f"/api/v1/reservations/{reservation.id}").json

    assert body["listing"] == {
        "id": item.id,
        "title": "婴儿推车",
        "kind": "item",
        "mode": "give",
        "owner_id": item.owner_id,
    }
    assert body["claimant_id"] == claimant.id
    assert body["claimant_name"] == claimant.display_name
    assert body["note"] == "周六上午"
    assert body["pickup_code"] == reservation.pickup_code
    assert body["created_at"] == "2026-12-01T02:00:00+00:00"


def test_unknown_reservation_is_404(claimant_client: Any) -> None:
    assert_error(claimant_client.get("/api/v1/reservations/987654"), 404, "not_found")


def test_reading_reservations_needs_a_login(client: Any) -> None:
    reservation = ReservationFactory()

    assert_error(client.get("/api/v1/reservations"), 401, "unauthorized")
    assert_error(client.get(f"/api/v1/reservations/{reservation.id}"), 401, "unauthorized")


# --- what a listing has left -------------------------------------------------------------------------


def test_listing_shows_units_left(client: Any) -> None:
    chairs = ItemOfferFactory(quantity=5, per_person_limit=None)
    ReservationFactory(listing=chairs, quantity=2)
    ReservationFactory(listing=chairs, status="picked_up")
    ReservationFactory(listing=chairs, status="cancelled", quantity=2)
    ReservationFactory(listing=chairs, status="waitlisted", quantity=4)

    availability = client.get(f"/api/v1/listings/{chairs.id}").json["availability"]

    assert availability == {"units_left": 2, "slots": [], "booked_periods": []}


def test_listing_shows_free_places_per_slot(client: Any) -> None:
    tutoring = SkillOfferFactory(slots=[])
    first = ListingSlotFactory(listing=tutoring, capacity=3)
    second = ListingSlotFactory(
        listing=tutoring,
        capacity=1,
        starts_at=NOW + timedelta(days=2),
        ends_at=NOW + timedelta(days=2, hours=1),
    )
    SkillReservationFactory(listing=tutoring, slot=first, quantity=2)
    SkillReservationFactory(listing=tutoring, slot=second, status="confirmed")

    availability = client.get(f"/api/v1/listings/{tutoring.id}").json["availability"]

    assert availability == {
        "units_left": None,
        "slots": [{"id": first.id, "free": 1}, {"id": second.id, "free": 0}],
        "booked_periods": [],
    }


def test_a_slot_that_has_begun_has_no_place_left_to_claim(client: Any) -> None:
    tutoring = SkillOfferFactory(slots=[])
    soon = ListingSlotFactory(listing=tutoring, capacity=3, starts_at=NOW + timedelta(hours=1))
    clock.advance(timedelta(hours=1))

    availability = client.get(f"/api/v1/listings/{tutoring.id}").json["availability"]

    assert availability["slots"] == [{"id": soon.id, "free": 0}]


def test_listing_shows_the_days_a_lent_item_is_taken_without_names(client: Any) -> None:
    drill = LendOfferFactory()
    today = local_today()
    borrowers = [UserFactory(display_name=f"借用人{n}") for n in range(4)]
    LoanReservationFactory(
        listing=drill,
        claimant=borrowers[0],
        status="confirmed",
        starts_on=today + timedelta(days=5),
        ends_on=today + timedelta(days=6),
    )
    LoanReservationFactory(
        listing=drill,
        claimant=borrowers[1],
        status="picked_up",
        starts_on=today,
        ends_on=today + timedelta(days=2),
    )
    LoanReservationFactory(
        listing=drill,
        claimant=borrowers[2],
        status="cancelled",
        starts_on=today + timedelta(days=3),
        ends_on=today + timedelta(days=4),
    )
    LoanReservationFactory(
        listing=drill,
        claimant=borrowers[3],
        status="returned",
        starts_on=today - timedelta(days=3),
        ends_on=today - timedelta(days=1),
    )

    response = client.get(f"/api/v1/listings/{drill.id}")

    assert response.json["availability"] == {
        "units_left": None,
        "slots": [],
        "booked_periods": [
            {"starts_on": "2026-12-01", "ends_on": "2026-12-03"},
            {"starts_on": "2026-12-06", "ends_on": "2026-12-07"},
        ],
    }
    text = response.get_data(as_text=True)
    assert not any(borrower.display_name in text for borrower in borrowers)
    assert "claimant" not in text


def test_a_loan_still_out_past_its_last_day_shows_as_booked_through_today(
    client: Any, claimant_client: Any
) -> None:
    today = local_today()
    drill = LendOfferFactory()
    LoanReservationFactory(
        listing=drill,
        status="picked_up",
        starts_on=today - timedelta(days=3),
        ends_on=today - timedelta(days=1),
    )

    response = client.get(f"/api/v1/listings/{drill.id}")
    from_today = claim(claimant_client, drill, starts_on=today, ends_on=today)
    from_tomorrow = claim(
        claimant_client,
        drill,
        starts_on=today + timedelta(days=1),
        ends_on=today + timedelta(days=1),
    )

    assert response.json["availability"]["booked_periods"] == [
        {"starts_on": "2026-11-28", "ends_on": "2026-12-01"}
    ]
    assert_error(from_today, 409, "overlap")
    assert from_tomorrow.status_code == 201, from_tomorrow.json
