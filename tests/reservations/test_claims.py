"""Claiming offers of each kind: what a claim holds, and every rule that refuses one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from marketplace import clock
from marketplace.errors import Unauthorized
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.reservations import capacity, services
from marketplace.reservations.models import Reservation
from tests.factories import CoordinatorFactory, MerchantFactory, UserFactory
from tests.listing_factories import (
    DonationOfferFactory,
    ItemOfferFactory,
    ItemRequestFactory,
    LendOfferFactory,
    ListingSlotFactory,
    PickupWindowFactory,
    SkillOfferFactory,
)
from tests.reservation_factories import (
    LoanReservationFactory,
    ReservationFactory,
    local_today,
    organisation_listing,
)
from tests.reservations.helpers import (
    NOW,
    act,
    assert_error,
    assert_field_errors,
    claim,
    notices,
    reservation_of,
    stored_listing,
    stored_slot,
)
from tests.statements import one_by_one, statements_sent


def tomorrow() -> Any:
    return local_today() + timedelta(days=1)


# --- items given away ------------------------------------------------------------------------------


def test_claiming_a_give_away_item_holds_it_for_the_owner_to_confirm(
    claimant_client: Any, claimant: Any, owner: Any
) -> None:
    item = ItemOfferFactory(owner=owner, quantity=1)

    response = claim(claimant_client, item, note="明天下午来拿")

    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "pending"
    assert body["quantity"] == 1
    assert body["claimant_id"] == claimant.id
    assert body["hold_expires_at"] == "2026-12-02T02:00:00+00:00"
    assert body["pickup_code"].isdigit() and len(body["pickup_code"]) == 6
    assert body["events"] == [
        {
            "action": "claim",
            "from_status": None,
            "to_status": "pending",
            "actor_id": claimant.id,
            "at": "2026-12-01T02:00:00+00:00",
            "note": "",
        }
    ]
    reservation = reservation_of(response)
    assert reservation.note == "明天下午来拿"
    assert reservation.hold_expires_at == NOW + timedelta(hours=24)
    listing = stored_listing(item)
    assert (listing.units_reserved, listing.status) == (1, "fully_reserved")


def test_taking_the_last_unit_and_freeing_it_change_the_listing_in_one_update_each(
    app: Any, client_as: Any, claimant_client: Any, owner: Any
) -> None:
    rice = ItemOfferFactory(owner=owner, quantity=1)
    rice_id, version = rice.id, rice.version
    owner_client = client_as(owner)

    def status() -> str:
        db.session.expire_all()
        return db.session.get(Listing, rice_id).status

    with statements_sent(app) as claimed:
        response = claimant_client.post(f"/api/v1/listings/{rice_id}/reservations", json={})
    assert response.status_code == 201, response.json
    assert status() == "fully_reserved"
    with statements_sent(app) as cancelled:
        assert act(claimant_client, response.json["id"], "cancel").status_code == 200
    assert status() == "open"

    for sent in (one_by_one(claimed), one_by_one(cancelled)):
        listing_updates = [s for s in sent if s.startswith("UPDATE listings")]
        assert len(listing_updates) == 1, listing_updates
        assert "status" in listing_updates[0]
        outbox_rows = [s for s in sent if s.startswith("INSERT INTO search_outbox")]
        assert outbox_rows and not any("RETURNING" in s for s in outbox_rows), outbox_rows
    # Claims are not edits: an edit the owner based on the listing before them still applies.
    edited = owner_client.patch(
        f"/api/v1/listings/{rice_id}", json={"version": version, "quantity": 2}
    )
    assert edited.status_code == 200, edited.json
    assert edited.json["availability"]["units_left"] == 2


def test_hold_time_is_configurable(app: Any, claimant_client: Any, monkeypatch: Any) -> None:
    monkeypatch.setitem(app.config, "RESERVATION_HOLD_HOURS", 2)
    item = ItemOfferFactory()

    response = claim(claimant_client, item)

    assert response.status_code == 201
    assert reservation_of(response).hold_expires_at == NOW + timedelta(hours=2)


def test_the_owner_hears_of_a_claim(claimant_client: Any, owner: Any) -> None:
    item = ItemOfferFactory(owner=owner, title="儿童自行车")

    response = claim(claimant_client, item)

    [notice] = notices(owner)
    assert notice.kind == "claim_received"
    assert notice.payload == {
        "reservation_id": response.json["id"],
        "listing_id": item.id,
        "title": "儿童自行车",
        "status": "pending",
    }


def test_second_claim_of_a_single_item_is_sold_out(client_as: Any) -> None:
    item = ItemOfferFactory(quantity=1)
    ReservationFactory(listing=item)

    response = claim(client_as(UserFactory()), item)

    assert assert_error(response, 409, "sold_out") == {"left": 0}
    assert stored_listing(item).units_reserved == 1


def test_a_claim_refused_as_sold_out_writes_nothing(app: Any, client_as: Any) -> None:
    item = ItemOfferFactory(quantity=1)
    ReservationFactory(listing=item)
    latecomer, path = client_as(UserFactory()), f"/api/v1/listings/{item.id}/reservations"

    with statements_sent(app) as sent:
        response = latecomer.post(path, json={})

    assert_error(response, 409, "sold_out")
    assert [s for s in sent if s.startswith(("INSERT", "UPDATE", "DELETE"))] == []


def take_without_looking(listing: Listing, quantity: int) -> bool:
    """Units taken as if the counters read under the lock said they fit."""
    capacity._move_units(listing, quantity)
    return True


def test_units_the_databases_check_refuses_are_answered_sold_out_and_nothing_is_kept(
    client_as: Any, owner: Any, monkeypatch: Any
) -> None:
    """The CHECK on a listing's claimed units is the last line: should a claim ever take units
    that are not there, the write fails, and the claimant hears sold_out, as from the service's
    own check."""
    item = ItemOfferFactory(owner=owner, quantity=1)
    ReservationFactory(listing=item)
    claimant = UserFactory()
    monkeypatch.setattr(capacity, "take_units", take_without_looking)

    response = claim(client_as(claimant), item)

    assert_error(response, 409, "sold_out")
    assert stored_listing(item).units_reserved == 1
    assert (
        db.session.scalars(
            select(Reservation.id).where(Reservation.claimant_id == claimant.id)
        ).all()
        == []
    )
    assert notices(owner, "claim_received") == []


def test_multi_unit_item_is_claimed_up_to_what_is_left(client_as: Any) -> None:
    chairs = ItemOfferFactory(quantity=3, per_person_limit=None)
    first, second = client_as(UserFactory()), client_as(UserFactory())

    assert claim(first, chairs, quantity=2).status_code == 201
    assert assert_error(claim(second, chairs, quantity=2), 409, "sold_out") == {"left": 1}
    assert claim(second, chairs, quantity=1).status_code == 201

    listing = stored_listing(chairs)
    assert (listing.units_reserved, listing.units_left, listing.status) == (3, 0, "fully_reserved")


def test_per_person_limit_counts_the_claimants_active_claims_of_the_listing(
    claimant_client: Any, claimant: Any
) -> None:
    chairs = ItemOfferFactory(quantity=10, per_person_limit=2)
    ReservationFactory(listing=chairs, claimant=claimant, status="confirmed")
    ReservationFactory(listing=chairs, claimant=claimant, status="cancelled")
    ReservationFactory(listing=chairs, claimant=claimant, status="completed", quantity=3)

    refused = claim(claimant_client, chairs, quantity=2)
    accepted = claim(claimant_client, chairs, quantity=1)
    refused_again = claim(claimant_client, chairs, quantity=1)

    assert assert_error(refused, 409, "quota_exceeded") == {"per_person_limit": 2, "held": 1}
    assert accepted.status_code == 201
    assert assert_error(refused_again, 409, "quota_exceeded")["held"] == 2


def test_a_claim_reads_what_the_claimant_holds_with_the_listing(
    app: Any, claimant_client: Any, claimant: Any
) -> None:
    chairs = ItemOfferFactory(quantity=10, per_person_limit=2)
    ReservationFactory(listing=chairs, claimant=claimant, status="confirmed")
    ReservationFactory(listing=ItemOfferFactory(quantity=5), claimant=claimant, quantity=3)
    path = f"/api/v1/listings/{chairs.id}/reservations"

    with statements_sent(app) as sent:
        accepted = claimant_client.post(path, json={"quantity": 1})
    refused = claimant_client.post(path, json={"quantity": 1})

    # Units held of another listing count toward the quota of claims, not toward this limit.
    assert accepted.status_code == 201, accepted.json
    assert assert_error(refused, 409, "quota_exceeded") == {"per_person_limit": 2, "held": 2}
    reading_claims = [s for s in sent if s.startswith("SELECT") and "FROM reservations" in s]
    assert len(reading_claims) == 1, reading_claims
    assert "FROM listings" in reading_claims[0]


def test_claim_above_the_per_person_limit_is_refused_even_when_units_are_left(
    claimant_client: Any,
) -> None:
    rice = DonationOfferFactory(quantity=20, per_person_limit=2)

    response = claim(claimant_client, rice, quantity=3, pickup_window_id=rice.pickup_windows[0].id)

    assert_error(response, 409, "quota_exceeded")
    assert stored_listing(rice).units_reserved == 0


def test_auto_confirm_item_is_confirmed_at_once(claimant_client: Any) -> None:
    item = ItemOfferFactory(auto_confirm=True)

    response = claim(claimant_client, item)

    assert response.status_code == 201
    assert response.json["status"] == "confirmed"
    assert response.json["confirmed_at"] == "2026-12-01T02:00:00+00:00"
    assert response.json["hold_expires_at"] is None


def test_give_away_claim_refuses_loan_and_slot_fields(claimant_client: Any) -> None:
    item = ItemOfferFactory()

    response = claim(claimant_client, item, starts_on=tomorrow(), slot_id=1)

    assert_field_errors(response, "starts_on", "slot_id")


@pytest.mark.parametrize(
    "body",
    [{"quantity": 2.9}, {"quantity": "2"}, {"slot_id": 1.5}, {"request_id": "7"}],
)
def test_a_claims_numbers_are_whole_numbers_not_rounded_text(
    claimant_client: Any, body: dict[str, Any]
) -> None:
    item = ItemOfferFactory(quantity=5)

    response = claim(claimant_client, item, **body)

    assert_field_errors(response, *body)
    assert stored_listing(item).units_reserved == 0


# --- donations -------------------------------------------------------------------------------------


def test_donation_is_collected_in_one_of_its_pick_up_windows(claimant_client: Any) -> None:
    rice = DonationOfferFactory(quantity=20, per_person_limit=2)
    window = rice.pickup_windows[0]

    response = claim(claimant_client, rice, quantity=2, pickup_window_id=window.id)

    assert response.status_code == 201, response.json
    assert response.json["status"] == "confirmed"  # donations auto-confirm
    assert response.json["pickup_window_id"] == window.id
    listing = stored_listing(rice)
    assert (listing.units_reserved, listing.units_left, listing.status) == (2, 18, "open")


def test_donation_claim_needs_a_window_of_its_own_that_is_not_over(claimant_client: Any) -> None:
    rice = DonationOfferFactory()
    other_window = PickupWindowFactory()
    over = PickupWindowFactory(
        listing=rice, starts_at=NOW - timedelta(hours=3), ends_at=NOW - timedelta(hours=1)
    )

    missing = claim(claimant_client, rice)
    foreign = claim(claimant_client, rice, pickup_window_id=other_window.id)
    past = claim(claimant_client, rice, pickup_window_id=over.id)

    for response in (missing, foreign, past):
        assert_field_errors(response, "pickup_window_id")
    assert stored_listing(rice).units_reserved == 0


def test_donation_claim_is_sold_out_when_fewer_units_are_left(client_as: Any) -> None:
    rice = DonationOfferFactory(quantity=3, per_person_limit=3)
    window_id = rice.pickup_windows[0].id
    assert (
        claim(client_as(UserFactory()), rice, quantity=2, pickup_window_id=window_id).status_code
        == 201
    )

    response = claim(client_as(UserFactory()), rice, quantity=2, pickup_window_id=window_id)

    assert assert_error(response, 409, "sold_out") == {"left": 1}


# --- loans ----------------------------------------------------------------------------------------


def test_loan_is_claimed_for_a_period_within_max_lend_days(claimant_client: Any) -> None:
    drill = LendOfferFactory(max_lend_days=7)
    starts_on = tomorrow()

    response = claim(
        claimant_client, drill, starts_on=starts_on, ends_on=starts_on + timedelta(days=6)
    )

    assert response.status_code == 201, response.json
    assert response.json["status"] == "pending"
    assert response.json["starts_on"] == "2026-12-02"
    assert response.json["ends_on"] == "2026-12-08"
    assert stored_listing(drill).status == "open"  # loans have no units to run out of


@pytest.mark.parametrize(
    ("offset_start", "length", "fields"),
    [
        (-1, 1, ("starts_on",)),  # started yesterday
        (1, 8, ("ends_on",)),  # eight days, seven allowed
        (3, -1, ("ends_on",)),  # ends before it starts
        (91, 1, ("starts_on",)),  # more than 90 days ahead
    ],
)
def test_loan_period_rules(
    claimant_client: Any, offset_start: int, length: int, fields: tuple[str, ...]
) -> None:
    drill = LendOfferFactory(max_lend_days=7)
    starts_on = local_today() + timedelta(days=offset_start)

    response = claim(
        claimant_client, drill, starts_on=starts_on, ends_on=starts_on + timedelta(days=length - 1)
    )

    assert_field_errors(response, *fields)


def test_loan_may_start_as_far_ahead_as_configured(claimant_client: Any) -> None:
    drill = LendOfferFactory(max_lend_days=7)
    starts_on = local_today() + timedelta(days=90)

    response = claim(claimant_client, drill, starts_on=starts_on, ends_on=starts_on)

    assert response.status_code == 201, response.json


def test_a_loan_at_the_calendars_end_is_refused_not_an_error(claimant_client: Any) -> None:
    drill = LendOfferFactory(max_lend_days=7)

    response = claim(claimant_client, drill, starts_on="9999-12-31", ends_on="9999-12-31")

    assert_field_errors(response, "starts_on")


def test_loan_claim_needs_both_dates_and_no_units(claimant_client: Any) -> None:
    drill = LendOfferFactory()

    assert_field_errors(claim(claimant_client, drill, starts_on=tomorrow()), "starts_on")
    assert_field_errors(
        claim(claimant_client, drill, starts_on=tomorrow(), ends_on=tomorrow(), quantity=2),
        "quantity",
    )


@pytest.mark.parametrize(
    ("start", "end", "overlaps"),
    [
        (1, 3, True),  # the same days
        (3, 5, True),  # shares the last day (both days included)
        (0, 1, True),  # shares the first day
        (0, 5, True),  # around it
        (4, 6, False),  # from the day after it ends
        (0, 0, False),  # the day before (today)
    ],
)
def test_loans_of_one_item_never_overlap(
    claimant_client: Any, start: int, end: int, overlaps: bool
) -> None:
    drill = LendOfferFactory()
    today = local_today()
    LoanReservationFactory(
        listing=drill,
        status="confirmed",
        starts_on=today + timedelta(days=1),
        ends_on=today + timedelta(days=3),
    )

    response = claim(
        claimant_client,
        drill,
        starts_on=today + timedelta(days=start),
        ends_on=today + timedelta(days=end),
        waitlist=True,  # loans have no waitlist: an overlap is refused all the same
    )

    if overlaps:
        assert_error(response, 409, "overlap")
    else:
        assert response.status_code == 201, response.json


@pytest.mark.parametrize("status", ["declined", "cancelled", "expired", "no_show", "returned"])
def test_loans_that_no_longer_hold_the_item_free_their_days(
    claimant_client: Any, status: str
) -> None:
    drill = LendOfferFactory()
    old = LoanReservationFactory(listing=drill, status=status)

    response = claim(claimant_client, drill, starts_on=old.starts_on, ends_on=old.ends_on)

    assert response.status_code == 201, response.json


# --- skills ---------------------------------------------------------------------------------------


def test_skill_slot_is_booked_up_to_its_capacity(client_as: Any) -> None:
    haircut = SkillOfferFactory(slots=[])
    slot = ListingSlotFactory(listing=haircut, capacity=2)
    other_slot = ListingSlotFactory(
        listing=haircut, starts_at=NOW + timedelta(days=2), ends_at=NOW + timedelta(days=2, hours=1)
    )

    first = claim(client_as(UserFactory()), haircut, slot_id=slot.id)
    second = claim(client_as(UserFactory()), haircut, slot_id=slot.id)
    third = claim(client_as(UserFactory()), haircut, slot_id=slot.id)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json["slot_id"] == slot.id
    assert assert_error(third, 409, "slot_full") == {"slot_id": slot.id}
    assert stored_slot(slot).booked == 2
    assert stored_slot(other_slot).booked == 0
    assert stored_listing(haircut).status == "open"  # the other slot still has room


def test_skill_claim_may_take_several_places(claimant_client: Any) -> None:
    tutoring = SkillOfferFactory(slots=[])
    slot = ListingSlotFactory(listing=tutoring, capacity=3)

    too_many = claim(claimant_client, tutoring, slot_id=slot.id, quantity=4)
    response = claim(claimant_client, tutoring, slot_id=slot.id, quantity=3)

    assert_error(too_many, 409, "slot_full")
    assert response.status_code == 201
    assert stored_slot(slot).booked == 3
    assert stored_listing(tutoring).status == "fully_reserved"


def test_filling_the_last_slot_is_no_edit_of_the_skill(
    client_as: Any, claimant_client: Any, owner: Any
) -> None:
    tutoring = SkillOfferFactory(owner=owner, slots=[])
    slot = ListingSlotFactory(listing=tutoring, capacity=1)
    version = tutoring.version

    assert claim(claimant_client, tutoring, slot_id=slot.id).status_code == 201

    assert stored_listing(tutoring).status == "fully_reserved"
    # The owner's edit, based on the listing as it was before the claim, still applies.
    edited = client_as(owner).patch(
        f"/api/v1/listings/{tutoring.id}", json={"version": version, "title": "初中数学辅导"}
    )
    assert edited.status_code == 200, edited.json
    assert (edited.json["title"], edited.json["status"]) == ("初中数学辅导", "fully_reserved")


def test_skill_claim_needs_a_slot_of_its_own_that_has_not_started(claimant_client: Any) -> None:
    haircut = SkillOfferFactory()
    started = ListingSlotFactory(
        listing=haircut, starts_at=NOW - timedelta(minutes=5), ends_at=NOW + timedelta(hours=1)
    )
    foreign = ListingSlotFactory()

    for body in ({}, {"slot_id": foreign.id}, {"slot_id": started.id}):
        assert_field_errors(claim(claimant_client, haircut, **body), "slot_id")
    assert_field_errors(
        claim(claimant_client, haircut, slot_id=haircut.slots[0].id, pickup_window_id=1),
        "pickup_window_id",
    )


# --- the request a claim fulfils -------------------------------------------------------------------


def test_claim_names_the_claimants_own_open_request(claimant_client: Any, claimant: Any) -> None:
    need = ItemRequestFactory(owner=claimant)
    item = ItemOfferFactory()

    response = claim(claimant_client, item, request_id=need.id)

    assert response.status_code == 201, response.json
    assert response.json["request_id"] == need.id
    assert reservation_of(response).request_id == need.id


def test_claim_may_name_the_claimants_request_still_in_review(
    claimant_client: Any, claimant: Any
) -> None:
    need = ItemRequestFactory(owner=claimant, moderation="pending")

    response = claim(claimant_client, ItemOfferFactory(), request_id=need.id)

    assert response.status_code == 201, response.json
    assert response.json["request_id"] == need.id


@pytest.mark.parametrize(
    "which", ["someone_elses", "an_offer", "closed", "rejected", "hidden", "missing"]
)
def test_claim_refuses_a_request_that_is_not_the_claimants_open_one(
    claimant_client: Any, claimant: Any, which: str
) -> None:
    request_id = {
        "someone_elses": lambda: ItemRequestFactory().id,
        "an_offer": lambda: ItemOfferFactory(owner=claimant).id,
        "closed": lambda: ItemRequestFactory(owner=claimant, status="withdrawn").id,
        "rejected": lambda: ItemRequestFactory(owner=claimant, moderation="rejected").id,
        "hidden": lambda: ItemRequestFactory(owner=claimant, moderation="hidden").id,
        "missing": lambda: 987_654,
    }[which]()
    item = ItemOfferFactory()

    response = claim(claimant_client, item, request_id=request_id)

    assert_field_errors(response, "request_id")
    assert stored_listing(item).units_reserved == 0


# --- who may claim ----------------------------------------------------------------------------------


def test_nobody_claims_their_own_listing(owner_client: Any, owner: Any) -> None:
    item = ItemOfferFactory(owner=owner)

    assert_error(claim(owner_client, item), 403, "own_listing")


def test_organisation_members_do_not_claim_their_organisations_listing(client_as: Any) -> None:
    rice = organisation_listing(DonationOfferFactory)
    colleague = MerchantFactory(organisation=rice.organisation)

    response = claim(client_as(colleague), rice, pickup_window_id=rice.pickup_windows[0].id)

    assert_error(response, 403, "own_listing")


@pytest.mark.parametrize(
    ("changes", "code_for_coordinator"),
    [
        ({"moderation": "pending"}, "not_claimable"),
        ({"moderation": "hidden"}, "not_claimable"),
        ({"status": "withdrawn"}, "not_claimable"),
        ({"status": "closed"}, "not_claimable"),
        ({"status": "expired"}, "not_claimable"),
    ],
)
def test_non_public_listings_cannot_be_claimed(
    client_as: Any, claimant_client: Any, changes: dict[str, str], code_for_coordinator: str
) -> None:
    item = ItemOfferFactory(**changes)

    assert_error(claim(claimant_client, item), 404, "not_found")
    assert_error(claim(client_as(CoordinatorFactory()), item), 409, code_for_coordinator)
    assert stored_listing(item).units_reserved == 0


def test_requests_are_not_claimed(claimant_client: Any) -> None:
    assert_error(claim(claimant_client, ItemRequestFactory()), 409, "not_claimable")


def test_unknown_listing_is_404(claimant_client: Any) -> None:
    response = claimant_client.post("/api/v1/listings/987654/reservations", json={})

    assert_error(response, 404, "not_found")


def test_anonymous_claim_is_401(client: Any) -> None:
    item = ItemOfferFactory()

    assert_error(claim(client, item), 401, "unauthorized")
    assert stored_listing(item).units_reserved == 0


def test_suspended_user_cannot_claim(client_as: Any, claimant: Any) -> None:
    """Suspension ends the user's sessions, so the request is anonymous."""
    item = ItemOfferFactory()
    suspended_client = client_as(claimant)
    claimant.status = "suspended"
    db.session.flush()

    assert_error(claim(suspended_client, item), 401, "unauthorized")
    assert stored_listing(item).units_reserved == 0


def test_suspended_user_cannot_claim_through_the_service(app_ctx: Any) -> None:
    """A suspended user is not an authenticated one (Flask-Login's ``is_active``)."""
    item = ItemOfferFactory()
    suspended = UserFactory(status="suspended")

    with pytest.raises(Unauthorized):
        services.claim(suspended, item.id, services.Claim())

    assert stored_listing(item).units_reserved == 0


# --- the quota of open claims ----------------------------------------------------------------------


def test_sixth_open_claim_exceeds_the_quota(claimant_client: Any, claimant: Any) -> None:
    for status in ("waitlisted", "pending", "confirmed", "picked_up", "pending"):
        ReservationFactory(claimant=claimant, status=status)
    for status in ("completed", "declined", "cancelled", "expired", "no_show"):
        ReservationFactory(claimant=claimant, status=status)  # closed claims do not count
    item = ItemOfferFactory()

    response = claim(claimant_client, item)

    assert assert_error(response, 409, "quota_exceeded") == {"limit": 5, "active": 5}
    assert stored_listing(item).units_reserved == 0


def test_cancelling_a_claim_makes_room_under_the_quota(claimant_client: Any, claimant: Any) -> None:
    held = [ReservationFactory(claimant=claimant) for _ in range(5)]
    item = ItemOfferFactory()
    assert_error(claim(claimant_client, item), 409, "quota_exceeded")

    claimant_client.post(f"/api/v1/reservations/{held[0].id}/cancel", json={})

    assert claim(claimant_client, item).status_code == 201


def test_quota_is_configurable(app: Any, claimant_client: Any, monkeypatch: Any) -> None:
    monkeypatch.setitem(app.config, "RESERVATION_MAX_ACTIVE", 2)
    first, second, third = ItemOfferFactory(), ItemOfferFactory(), ItemOfferFactory()

    assert claim(claimant_client, first).status_code == 201
    assert claim(claimant_client, second).status_code == 201
    assert assert_error(claim(claimant_client, third), 409, "quota_exceeded") == {
        "limit": 2,
        "active": 2,
    }


def test_claim_times_come_from_the_clock(claimant_client: Any) -> None:
    clock.advance(timedelta(hours=5))
    response = claim(claimant_client, ItemOfferFactory())

    assert response.json["created_at"] == "2026-12-01T07:00:00+00:00"
    assert response.json["hold_expires_at"] == "2026-12-02T07:00:00+00:00"
