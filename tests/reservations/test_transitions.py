"""Moving a reservation through its states over HTTP: confirm, decline, cancel, pick up (with the
claimant's code), return, complete and no-show; who hears of it; what is recorded."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from marketplace import clock
from marketplace.extensions import db
from tests.factories import CoordinatorFactory, MerchantFactory, UserFactory
from tests.listing_factories import (
    DonationOfferFactory,
    ItemOfferFactory,
    LendOfferFactory,
    ListingSlotFactory,
    PickupWindowFactory,
    SkillOfferFactory,
)
from tests.reservation_factories import (
    LOCAL_ZONE,
    DonationReservationFactory,
    LoanReservationFactory,
    ReservationFactory,
    SkillReservationFactory,
    local_today,
    organisation_listing,
)
from tests.reservations.helpers import (
    NOW,
    act,
    assert_error,
    assert_field_errors,
    claim,
    notice_kinds,
    notices,
    reliability,
    reservation_of,
    stored_listing,
    stored_slot,
)


def wrong_code_for(reservation: Any) -> str:
    return "000000" if reservation.pickup_code != "000000" else "111111"


# --- confirm and decline ---------------------------------------------------------------------------


def test_owner_confirms_a_pending_claim(owner_client: Any, owner: Any, claimant: Any) -> None:
    reservation = ReservationFactory(listing=ItemOfferFactory(owner=owner), claimant=claimant)
    clock.advance(timedelta(hours=2))

    response = act(owner_client, reservation, "confirm")

    assert response.status_code == 200, response.json
    assert response.json["status"] == "confirmed"
    assert response.json["confirmed_at"] == "2026-12-01T04:00:00+00:00"
    assert response.json["hold_expires_at"] is None
    assert response.json["pickup_code"] is None  # the owner asks the claimant for it
    assert response.json["events"][-1] == {
        "action": "confirm",
        "from_status": "pending",
        "to_status": "confirmed",
        "actor_id": owner.id,
        "at": "2026-12-01T04:00:00+00:00",
        "note": "",
    }
    assert notice_kinds(claimant) == ["reservation_confirmed"]
    assert notice_kinds(owner) == []


def test_organisation_member_confirms_a_claim_of_the_organisations_listing(
    client_as: Any, claimant: Any
) -> None:
    rice = organisation_listing(DonationOfferFactory, auto_confirm=False)
    reservation = DonationReservationFactory(listing=rice, claimant=claimant, status="pending")
    colleague = MerchantFactory(organisation=rice.organisation)

    response = act(client_as(colleague), reservation, "confirm")

    assert response.status_code == 200, response.json
    assert reservation_of(reservation.id).events[-1].actor_id == colleague.id
    assert notice_kinds(claimant) == ["reservation_confirmed"]


def test_owner_declines_with_a_reason_and_the_unit_goes_back(
    owner_client: Any, owner: Any, claimant: Any
) -> None:
    item = ItemOfferFactory(owner=owner, quantity=1)
    reservation = ReservationFactory(listing=item, claimant=claimant)
    assert stored_listing(item).status == "fully_reserved"

    response = act(owner_client, reservation, "decline", reason="已经送人了")

    assert response.status_code == 200, response.json
    assert response.json["status"] == "declined"
    assert response.json["close_reason"] == "已经送人了"
    assert response.json["closed_at"] == "2026-12-01T02:00:00+00:00"
    assert response.json["hold_expires_at"] is None  # no hold is left to run out
    listing = stored_listing(item)
    assert (listing.units_reserved, listing.status) == (0, "open")
    [notice] = notices(claimant)
    assert notice.kind == "reservation_declined"
    assert notice.payload["reason"] == "已经送人了"


def test_decline_needs_a_reason(owner_client: Any, owner: Any) -> None:
    reservation = ReservationFactory(listing=ItemOfferFactory(owner=owner))

    assert_field_errors(act(owner_client, reservation, "decline"), "reason")
    assert_field_errors(act(owner_client, reservation, "decline", reason="  "), "reason")
    assert reservation_of(reservation.id).status == "pending"


# --- cancel ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "confirmed"])
def test_claimant_cancels_without_a_reason(
    claimant_client: Any, claimant: Any, owner: Any, status: str
) -> None:
    item = ItemOfferFactory(owner=owner)
    reservation = ReservationFactory(listing=item, claimant=claimant, status=status)

    response = act(claimant_client, reservation, "cancel")

    assert response.status_code == 200, response.json
    assert response.json["status"] == "cancelled"
    assert response.json["events"][-1]["actor_id"] == claimant.id
    assert (stored_listing(item).units_reserved, stored_listing(item).status) == (0, "open")
    assert notice_kinds(owner) == ["reservation_cancelled"]
    assert notice_kinds(claimant) == []


def test_owner_cancels_only_with_a_reason(owner_client: Any, owner: Any, claimant: Any) -> None:
    item = ItemOfferFactory(owner=owner)
    reservation = ReservationFactory(listing=item, claimant=claimant, status="confirmed")

    without = act(owner_client, reservation, "cancel")
    blank = act(owner_client, reservation, "cancel", reason="   ")
    assert reservation_of(reservation.id).status == "confirmed"
    response = act(owner_client, reservation, "cancel", reason="东西坏了")

    assert_error(without, 409, "reason_required")
    assert_error(blank, 409, "reason_required")
    assert response.status_code == 200
    assert response.json["close_reason"] == "东西坏了"
    assert stored_listing(item).units_reserved == 0
    [notice] = notices(claimant)
    assert (notice.kind, notice.payload["reason"]) == ("reservation_cancelled", "东西坏了")


def test_coordinator_cancels_with_a_reason_and_both_parties_hear_of_it(
    client_as: Any, owner: Any, claimant: Any
) -> None:
    coordinator = CoordinatorFactory()
    coordinator_client = client_as(coordinator)
    item = ItemOfferFactory(owner=owner)
    reservation = ReservationFactory(listing=item, claimant=claimant)

    without = act(coordinator_client, reservation, "cancel")
    response = act(coordinator_client, reservation, "cancel", reason="违反社区公约")

    assert_error(without, 409, "reason_required")
    assert response.status_code == 200
    assert response.json["events"][-1]["actor_id"] == coordinator.id
    assert response.json["events"][-1]["note"] == "违反社区公约"
    assert notice_kinds(claimant) == ["reservation_cancelled"]
    assert notice_kinds(owner) == ["reservation_cancelled"]
    assert notice_kinds(coordinator) == []


def test_picked_up_claim_cannot_be_cancelled(claimant_client: Any, claimant: Any) -> None:
    reservation = ReservationFactory(claimant=claimant, status="picked_up")

    details = assert_error(act(claimant_client, reservation, "cancel"), 409, "invalid_transition")

    assert details == {"status": "picked_up", "action": "cancel"}


# --- pick-up codes ---------------------------------------------------------------------------------


def test_pickup_with_the_claimants_code_hands_the_item_over(
    owner_client: Any, owner: Any, claimant: Any
) -> None:
    item = ItemOfferFactory(owner=owner, quantity=1)
    reservation = ReservationFactory(listing=item, claimant=claimant, status="confirmed")

    response = act(owner_client, reservation, "pickup", code=reservation.pickup_code)

    assert response.status_code == 200, response.json
    assert response.json["status"] == "picked_up"
    assert response.json["picked_up_at"] == "2026-12-01T02:00:00+00:00"
    listing = stored_listing(item)
    assert (listing.units_handed_over, listing.status) == (1, "closed")
    assert notice_kinds(claimant) == ["reservation_picked_up"]


def test_wrong_code_is_refused_and_counted(owner_client: Any, owner: Any) -> None:
    item = ItemOfferFactory(owner=owner)
    reservation = ReservationFactory(listing=item, status="confirmed")

    response = act(owner_client, reservation, "pickup", code=wrong_code_for(reservation))

    assert assert_error(response, 409, "wrong_code") == {"attempts_left": 4}
    stored = reservation_of(reservation.id)
    assert (stored.status, stored.pickup_failures) == ("confirmed", 1)
    assert stored_listing(item).units_handed_over == 0


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", "１２３４５６", "123456\n"])
def test_pickup_code_has_six_ascii_digits(owner_client: Any, owner: Any, code: str) -> None:
    reservation = ReservationFactory(listing=ItemOfferFactory(owner=owner), status="confirmed")

    assert_field_errors(act(owner_client, reservation, "pickup", code=code), "code")
    assert_field_errors(act(owner_client, reservation, "pickup"), "code")
    assert reservation_of(reservation.id).pickup_failures == 0


def test_five_wrong_codes_lock_the_pickup_for_fifteen_minutes(
    owner_client: Any, owner: Any
) -> None:
    reservation = ReservationFactory(listing=ItemOfferFactory(owner=owner), status="confirmed")
    wrong, right = wrong_code_for(reservation), reservation.pickup_code

    left = [
        assert_error(act(owner_client, reservation, "pickup", code=wrong), 409, "wrong_code")
        for _ in range(5)
    ]
    locked = act(owner_client, reservation, "pickup", code=right)
    clock.advance(timedelta(minutes=14, seconds=59))
    still_locked = act(owner_client, reservation, "pickup", code=right)
    clock.advance(timedelta(seconds=1))
    unlocked = act(owner_client, reservation, "pickup", code=right)

    assert [details["attempts_left"] for details in left] == [4, 3, 2, 1, 0]
    retry_after = assert_error(locked, 409, "pickup_locked")["retry_after"]
    assert 900 <= retry_after <= 901
    assert locked.headers["Retry-After"] == str(retry_after)
    assert assert_error(still_locked, 409, "pickup_locked")["retry_after"] in (1, 2)
    assert unlocked.status_code == 200, unlocked.json
    assert unlocked.json["status"] == "picked_up"


def test_the_lock_belongs_to_one_reservation(owner_client: Any, owner: Any) -> None:
    item = ItemOfferFactory(owner=owner, quantity=2)
    locked, other = (ReservationFactory(listing=item, status="confirmed") for _ in range(2))
    for _ in range(5):
        act(owner_client, locked, "pickup", code=wrong_code_for(locked))

    response = act(owner_client, other, "pickup", code=other.pickup_code)

    assert response.status_code == 200
    assert_error(act(owner_client, locked, "pickup", code=locked.pickup_code), 409, "pickup_locked")


def test_wrong_codes_count_afresh_after_the_lock(owner_client: Any, owner: Any) -> None:
    reservation = ReservationFactory(listing=ItemOfferFactory(owner=owner), status="confirmed")
    for _ in range(5):
        act(owner_client, reservation, "pickup", code=wrong_code_for(reservation))
    clock.advance(timedelta(minutes=15))

    response = act(owner_client, reservation, "pickup", code=wrong_code_for(reservation))

    assert assert_error(response, 409, "wrong_code") == {"attempts_left": 4}


def test_pickup_lock_is_configurable(
    app: Any, owner_client: Any, owner: Any, monkeypatch: Any
) -> None:
    monkeypatch.setitem(app.config, "PICKUP_MAX_FAILURES", 2)
    monkeypatch.setitem(app.config, "PICKUP_LOCK_MINUTES", 1)
    reservation = ReservationFactory(listing=ItemOfferFactory(owner=owner), status="confirmed")
    for _ in range(2):
        act(owner_client, reservation, "pickup", code=wrong_code_for(reservation))

    locked = act(owner_client, reservation, "pickup", code=reservation.pickup_code)
    clock.advance(timedelta(minutes=1))
    unlocked = act(owner_client, reservation, "pickup", code=reservation.pickup_code)

    assert 60 <= assert_error(locked, 409, "pickup_locked")["retry_after"] <= 61
    assert unlocked.status_code == 200


def test_a_skill_session_begins_only_shortly_before_its_slot(
    owner_client: Any, owner: Any, claimant: Any
) -> None:
    haircut = SkillOfferFactory(owner=owner)
    reservation = ReservationFactory(listing=haircut, claimant=claimant, status="confirmed")
    starts_at = haircut.slots[0].starts_at
    assert starts_at - NOW > timedelta(hours=2)

    refused = act(owner_client, reservation, "pickup", code=reservation.pickup_code)

    opens_at = starts_at - timedelta(minutes=30)
    assert assert_error(refused, 409, "too_early") == {"from": opens_at.isoformat()}
    stored = reservation_of(reservation.id)
    assert (stored.status, stored.pickup_failures) == ("confirmed", 0)

    clock.freeze(opens_at)
    begun = act(owner_client, reservation, "pickup", code=reservation.pickup_code)

    assert begun.status_code == 200, begun.json
    assert begun.json["status"] == "picked_up"


def test_too_early_is_told_before_the_code_is_checked(owner_client: Any, owner: Any) -> None:
    """A wrong code sent too early costs no attempt: nothing could have been handed over."""
    reservation = ReservationFactory(listing=SkillOfferFactory(owner=owner), status="confirmed")

    response = act(owner_client, reservation, "pickup", code=wrong_code_for(reservation))

    assert_error(response, 409, "too_early")
    assert reservation_of(reservation.id).pickup_failures == 0


def test_how_early_a_session_may_begin_is_configurable(
    app: Any, monkeypatch: Any, owner_client: Any, owner: Any
) -> None:
    monkeypatch.setitem(app.config, "RESERVATION_EARLY_START_MINUTES", 24 * 60)
    reservation = ReservationFactory(listing=SkillOfferFactory(owner=owner), status="confirmed")

    response = act(owner_client, reservation, "pickup", code=reservation.pickup_code)

    assert response.status_code == 200, response.json


def test_a_lent_item_goes_out_from_the_loans_first_day(owner_client: Any, owner: Any) -> None:
    tomorrow = local_today() + timedelta(days=1)
    reservation = LoanReservationFactory(
        listing=LendOfferFactory(owner=owner), status="confirmed", starts_on=tomorrow
    )

    refused = act(owner_client, reservation, "pickup", code=reservation.pickup_code)

    assert assert_error(refused, 409, "too_early") == {"from": tomorrow.isoformat()}
    clock.advance(timedelta(days=1))
    handed_over = act(owner_client, reservation, "pickup", code=reservation.pickup_code)
    assert handed_over.status_code == 200, handed_over.json
    assert handed_over.json["status"] == "picked_up"


def test_pickup_of_an_unconfirmed_claim_is_an_invalid_transition(
    owner_client: Any, owner: Any
) -> None:
    reservation = ReservationFactory(listing=ItemOfferFactory(owner=owner), status="pending")

    response = act(owner_client, reservation, "pickup", code=reservation.pickup_code)

    assert_error(response, 409, "invalid_transition")
    assert reservation_of(reservation.id).pickup_failures == 0


def test_handing_over_every_unit_closes_the_listing(owner_client: Any, owner: Any) -> None:
    rice = DonationOfferFactory(owner=owner, organisation=None, quantity=3, per_person_limit=None)
    first = DonationReservationFactory(listing=rice, quantity=2)
    second = DonationReservationFactory(listing=rice, quantity=1)
    assert stored_listing(rice).status == "fully_reserved"

    act(owner_client, first, "pickup", code=first.pickup_code)
    assert (stored_listing(rice).units_handed_over, stored_listing(rice).status) == (
        2,
        "fully_reserved",
    )
    act(owner_client, second, "pickup", code=second.pickup_code)

    listing = stored_listing(rice)
    assert (listing.units_reserved, listing.units_handed_over, listing.status) == (3, 3, "closed")


def test_handing_over_every_place_of_every_slot_closes_a_skill_offer(
    owner_client: Any, owner: Any
) -> None:
    haircuts = SkillOfferFactory(owner=owner, slots=[])
    morning = ListingSlotFactory(listing=haircuts, capacity=2)
    noon = ListingSlotFactory(
        listing=haircuts, capacity=1, starts_at=morning.ends_at, ends_at=NOW + timedelta(days=2)
    )
    in_the_morning = SkillReservationFactory.create_batch(
        2, listing=haircuts, slot=morning, status="confirmed"
    )
    at_noon = SkillReservationFactory(listing=haircuts, slot=noon, status="confirmed")
    clock.advance(timedelta(days=1))  # the morning slot starts

    for reservation in in_the_morning:
        assert (
            act(owner_client, reservation, "pickup", code=reservation.pickup_code).status_code
            == 200
        )
    assert (stored_slot(morning).handed_over, stored_slot(noon).handed_over) == (2, 0)
    assert stored_listing(haircuts).status == "fully_reserved"

    clock.advance(timedelta(hours=1))  # the noon slot starts
    response = act(owner_client, at_noon, "pickup", code=at_noon.pickup_code)

    assert response.status_code == 200, response.json
    assert (stored_slot(noon).handed_over, stored_listing(haircuts).status) == (1, "closed")


def test_a_place_nobody_came_for_keeps_a_skill_offer_from_closing(
    owner_client: Any, owner: Any
) -> None:
    haircuts = SkillOfferFactory(owner=owner, slots=[])
    slot = ListingSlotFactory(listing=haircuts, capacity=2)
    came, stayed_away = SkillReservationFactory.create_batch(
        2, listing=haircuts, slot=slot, status="confirmed"
    )
    clock.advance(timedelta(days=1, hours=2))  # the slot is over

    act(owner_client, came, "pickup", code=came.pickup_code)
    response = act(owner_client, stayed_away, "no-show")

    assert response.status_code == 200, response.json
    assert (stored_slot(slot).booked, stored_slot(slot).handed_over) == (1, 1)
    assert stored_listing(haircuts).status != "closed"


def test_an_offer_time_expired_closes_once_its_last_units_are_handed_over(
    owner_client: Any, owner: Any
) -> None:
    rice = DonationOfferFactory(owner=owner, organisation=None, quantity=2, per_person_limit=None)
    first, second = DonationReservationFactory.create_batch(2, listing=rice)
    rice.status = "expired"  # its pick-up windows ended while both claims were still to collect
    db.session.flush()

    act(owner_client, first, "pickup", code=first.pickup_code)
    assert stored_listing(rice).status == "expired"
    act(owner_client, second, "pickup", code=second.pickup_code)

    assert (stored_listing(rice).units_handed_over, stored_listing(rice).status) == (2, "closed")


def test_an_offer_time_expired_stays_expired_when_a_claim_of_it_ends_unfulfilled(
    owner_client: Any, owner: Any
) -> None:
    rice = DonationOfferFactory(owner=owner, organisation=None, quantity=2, per_person_limit=None)
    first, second = DonationReservationFactory.create_batch(2, listing=rice)
    rice.status = "expired"
    db.session.flush()

    act(owner_client, first, "pickup", code=first.pickup_code)
    response = act(owner_client, second, "cancel", reason="没有来领")

    assert response.status_code == 200, response.json
    assert (stored_listing(rice).units_handed_over, stored_listing(rice).status) == (1, "expired")


# --- return, complete, no-show ---------------------------------------------------------------------


def test_return_on_time_is_not_late(owner_client: Any, owner: Any, claimant: Any) -> None:
    today = local_today()
    reservation = LoanReservationFactory(
        listing=LendOfferFactory(owner=owner),
        claimant=claimant,
        status="picked_up",
        starts_on=today - timedelta(days=2),
        ends_on=today,
    )

    response = act(owner_client, reservation, "return")

    assert response.status_code == 200, response.json
    assert response.json["status"] == "returned"
    assert response.json["returned_at"] == "2026-12-01T02:00:00+00:00"
    assert reliability(claimant) == (0, 0, 0)
    assert notice_kinds(claimant) == ["reservation_returned"]


def test_late_return_counts_against_the_borrower(
    owner_client: Any, owner: Any, claimant: Any
) -> None:
    today = local_today()
    reservation = LoanReservationFactory(
        listing=LendOfferFactory(owner=owner),
        claimant=claimant,
        status="picked_up",
        starts_on=today - timedelta(days=3),
        ends_on=today - timedelta(days=1),
        overdue=True,
    )

    response = act(owner_client, reservation, "return")

    assert response.status_code == 200
    assert response.json["overdue"] is False
    assert reliability(claimant) == (0, 0, 1)
    assert reliability(owner) == (0, 0, 0)


def test_only_loans_are_returned(owner_client: Any, owner: Any) -> None:
    reservation = ReservationFactory(listing=ItemOfferFactory(owner=owner), status="picked_up")

    assert_error(act(owner_client, reservation, "return"), 409, "invalid_transition")


@pytest.mark.parametrize("by", ["claimant", "owner"])
def test_completing_an_exchange_counts_for_both_parties(
    client_as: Any, owner: Any, claimant: Any, by: str
) -> None:
    reservation = ReservationFactory(
        listing=ItemOfferFactory(owner=owner), claimant=claimant, status="picked_up"
    )
    actor, other = (claimant, owner) if by == "claimant" else (owner, claimant)
    actor_client = client_as(actor)

    response = act(actor_client, reservation, "complete")

    assert response.status_code == 200, response.json
    assert response.json["status"] == "completed"
    assert response.json["completed_at"] == "2026-12-01T02:00:00+00:00"
    assert reliability(claimant) == (1, 0, 0)
    assert reliability(owner) == (1, 0, 0)
    assert notice_kinds(other) == ["reservation_completed"]
    assert notice_kinds(actor) == []
    me = actor_client.get("/api/v1/auth/me").json["user"]
    assert me["reliability"] == {"completed_exchanges": 1, "no_shows": 0, "late_returns": 0}


def test_a_loan_completes_only_once_it_is_back(
    owner_client: Any, claimant_client: Any, owner: Any, claimant: Any
) -> None:
    reservation = LoanReservationFactory(
        listing=LendOfferFactory(owner=owner), claimant=claimant, status="picked_up"
    )

    too_early = act(claimant_client, reservation, "complete")
    act(owner_client, reservation, "return")
    response = act(claimant_client, reservation, "complete")

    assert_error(too_early, 409, "invalid_transition")
    assert response.status_code == 200
    assert response.json["status"] == "completed"
    assert reliability(claimant) == (1, 0, 0)


def test_owner_marks_a_no_show(
    client_as: Any, owner_client: Any, owner: Any, claimant: Any
) -> None:
    item = ItemOfferFactory(owner=owner, quantity=1)
    reservation = ReservationFactory(listing=item, claimant=claimant, status="confirmed")

    response = act(owner_client, reservation, "no-show")

    assert response.status_code == 200, response.json
    assert response.json["status"] == "no_show"
    assert response.json["events"][-1]["actor_id"] == owner.id
    listing = stored_listing(item)
    assert (listing.units_reserved, listing.status) == (0, "open")
    assert reliability(claimant) == (0, 1, 0)
    assert notice_kinds(claimant) == ["reservation_no_show"]
    me = client_as(claimant).get("/api/v1/auth/me").json["user"]
    assert me["reliability"] == {"completed_exchanges": 0, "no_shows": 1, "late_returns": 0}


def test_no_show_needs_a_confirmed_claim(owner_client: Any, owner: Any) -> None:
    reservation = ReservationFactory(listing=ItemOfferFactory(owner=owner), status="pending")

    assert_error(act(owner_client, reservation, "no-show"), 409, "invalid_transition")


def _confirmed_claim_with_a_time(kind: str, owner: Any, claimant: Any) -> tuple[Any, Any]:
    """A confirmed claim of ``kind`` and when the time to collect it is over: its window's or
    slot's end, or midnight after its loan's first day (tomorrow)."""
    if kind == "donation":
        listing = DonationOfferFactory(owner=owner, organisation=None)
        reservation = DonationReservationFactory(listing=listing, claimant=claimant)
        return reservation, reservation.pickup_window.ends_at
    if kind == "skill":
        listing = SkillOfferFactory(owner=owner)
        reservation = SkillReservationFactory(
            listing=listing, claimant=claimant, status="confirmed"
        )
        return reservation, reservation.slot.ends_at
    listing = LendOfferFactory(owner=owner)
    reservation = LoanReservationFactory(listing=listing, claimant=claimant, status="confirmed")
    day_after = reservation.starts_on + timedelta(days=1)
    return reservation, datetime.combine(day_after, time(), tzinfo=LOCAL_ZONE)


@pytest.mark.parametrize("kind", ["donation", "skill", "loan"])
def test_a_no_show_is_recorded_only_once_the_time_to_collect_is_over(
    kind: str, owner_client: Any, owner: Any, claimant: Any
) -> None:
    reservation, over_at = _confirmed_claim_with_a_time(kind, owner, claimant)
    clock.advance(over_at - NOW - timedelta(minutes=1))

    early = act(owner_client, reservation, "no-show")

    assert assert_error(early, 409, "too_early") == {"from": over_at.astimezone(UTC).isoformat()}
    assert reservation_of(reservation.id).status == "confirmed"
    assert reliability(claimant) == (0, 0, 0)
    assert notice_kinds(claimant) == []

    clock.advance(timedelta(minutes=1))
    response = act(owner_client, reservation, "no-show")

    assert response.status_code == 200, response.json
    assert reliability(claimant) == (0, 1, 0)


@pytest.mark.parametrize("kind", ["donation", "skill", "loan"])
def test_a_claimant_cannot_cancel_a_pickup_they_missed(
    kind: str, cli: Any, claimant_client: Any, owner: Any, claimant: Any
) -> None:
    """A cancel after the time to collect would erase the no-show the sweeper records."""
    reservation, over_at = _confirmed_claim_with_a_time(kind, owner, claimant)
    clock.advance(over_at - NOW)

    late = act(claimant_client, reservation, "cancel")

    assert assert_error(late, 409, "too_late") == {"ended_at": over_at.astimezone(UTC).isoformat()}
    assert reservation_of(reservation.id).status == "confirmed"
    assert notice_kinds(owner) == []
    clock.advance(timedelta(minutes=31))  # and the grace
    assert cli("reservations", "sweep").exit_code == 0
    assert reservation_of(reservation.id).status == "no_show"
    assert reliability(claimant) == (0, 1, 0)


def test_a_claimant_cancels_until_the_time_to_collect_is_over(
    claimant_client: Any, owner: Any, claimant: Any
) -> None:
    reservation, over_at = _confirmed_claim_with_a_time("donation", owner, claimant)
    clock.advance(over_at - NOW - timedelta(seconds=1))

    response = act(claimant_client, reservation, "cancel")

    assert response.status_code == 200, response.json
    assert reliability(claimant) == (0, 0, 0)


def test_after_a_missed_pickup_the_owner_or_a_coordinator_may_still_cancel(
    client_as: Any, owner_client: Any, owner: Any, claimant: Any
) -> None:
    missed, over_at = _confirmed_claim_with_a_time("donation", owner, claimant)
    other, _ = _confirmed_claim_with_a_time("donation", owner, UserFactory())
    clock.advance(over_at - NOW + timedelta(minutes=5))

    by_owner = act(owner_client, missed, "cancel", reason="约好改天再来")
    by_coordinator = act(client_as(CoordinatorFactory()), other, "cancel", reason="核实后取消")

    assert (by_owner.status_code, by_coordinator.status_code) == (200, 200)
    assert reliability(claimant) == (0, 0, 0)


def test_a_no_show_is_checked_for_who_asks_before_when(client_as: Any, owner: Any) -> None:
    reservation, _over_at = _confirmed_claim_with_a_time("donation", owner, UserFactory())

    assert_error(act(client_as(UserFactory()), reservation, "no-show"), 404, "not_found")
    claimant_client = client_as(reservation.claimant)
    assert_error(act(claimant_client, reservation, "no-show"), 403, "forbidden")


def test_a_hold_ends_when_the_time_to_collect_does(
    claimant_client: Any, owner: Any, claimant: Any
) -> None:
    rice = DonationOfferFactory(owner=owner, organisation=None, auto_confirm=False)
    window = rice.pickup_windows[0]
    soon = PickupWindowFactory(
        listing=rice, starts_at=NOW + timedelta(hours=1), ends_at=NOW + timedelta(hours=2)
    )

    in_two_hours = claim(claimant_client, rice, pickup_window_id=soon.id)
    tomorrow = claim(claimant_client, rice, pickup_window_id=window.id)

    assert in_two_hours.json["hold_expires_at"] == soon.ends_at.isoformat()
    # The window ends later than the 24 hours' hold.
    assert window.ends_at > NOW + timedelta(hours=24)
    assert tomorrow.json["hold_expires_at"] == (NOW + timedelta(hours=24)).isoformat()


@pytest.mark.parametrize("kind", ["donation", "skill", "loan"])
def test_a_claim_confirmed_too_late_expires_and_never_becomes_a_no_show(
    kind: str, cli: Any, owner_client: Any, owner: Any, claimant: Any
) -> None:
    """The hold outlasted the time to collect (as holds given before they ended with it did):
    a confirmation now would only make the claimant miss it."""
    reservation, over_at = _confirmed_claim_with_a_time(kind, owner, claimant)
    reservation.status, reservation.confirmed_at = "pending", None
    reservation.hold_expires_at = over_at + timedelta(hours=24)
    db.session.commit()
    clock.advance(over_at - NOW)

    response = act(owner_client, reservation, "confirm")

    assert_error(response, 409, "hold_expired")
    stored = reservation_of(reservation.id)
    assert stored.status == "expired"
    assert stored.events[-1].actor_id is None
    assert notice_kinds(claimant) == ["reservation_expired"]
    assert cli("reservations", "sweep").exit_code == 0
    assert reliability(claimant) == (0, 0, 0)


def test_a_hold_that_ran_out_cannot_be_confirmed_before_the_sweep(
    owner_client: Any, owner: Any, claimant: Any
) -> None:
    item = ItemOfferFactory(owner=owner, quantity=1)
    reservation = ReservationFactory(listing=item, claimant=claimant)
    clock.advance(timedelta(hours=24))

    assert_error(act(owner_client, reservation, "confirm"), 409, "hold_expired")

    assert reservation_of(reservation.id).status == "expired"
    listing = stored_listing(item)
    assert (listing.units_reserved, listing.status) == (0, "open")


def test_only_whoever_may_confirm_finds_a_hold_expired(
    claimant_client: Any, owner: Any, claimant: Any
) -> None:
    reservation = ReservationFactory(listing=ItemOfferFactory(owner=owner), claimant=claimant)
    clock.advance(timedelta(hours=25))

    assert_error(act(claimant_client, reservation, "confirm"), 403, "forbidden")
    assert reservation_of(reservation.id).status == "pending"  # the sweep expires it


@pytest.mark.parametrize("action", ["confirm", "no-show", "return", "complete"])
def test_a_transition_that_takes_nothing_refuses_fields_and_malformed_bodies(
    owner_client: Any, owner: Any, action: str
) -> None:
    reservation = ReservationFactory(listing=ItemOfferFactory(owner=owner))
    url = f"/api/v1/reservations/{reservation.id}/{action}"

    unknown = owner_client.post(url, json={"reason": "x"})
    malformed = owner_client.post(url, data="{not json", content_type="application/json")

    assert_field_errors(unknown, "reason")
    assert_error(malformed, 400, "bad_request")
    assert reservation_of(reservation.id).status == "pending"


def test_a_transition_that_takes_nothing_takes_no_body_or_an_empty_one(
    owner_client: Any, owner: Any
) -> None:
    first, second = (ReservationFactory(listing=ItemOfferFactory(owner=owner)) for _ in range(2))

    without = owner_client.post(f"/api/v1/reservations/{first.id}/confirm")
    empty = owner_client.post(f"/api/v1/reservations/{second.id}/confirm", json={})

    assert (without.status_code, empty.status_code) == (200, 200), (without.json, empty.json)


# --- the history -----------------------------------------------------------------------------------


def test_every_transition_records_who_and_when(
    claimant_client: Any, owner_client: Any, owner: Any, claimant: Any
) -> None:
    item = ItemOfferFactory(owner=owner)
    reservation_id = claim(claimant_client, item).json["id"]
    clock.advance(timedelta(hours=1))
    act(owner_client, reservation_id, "confirm")
    clock.advance(timedelta(days=1))
    code = claimant_client.get(f"/api/v1/reservations/{reservation_id}").json["pickup_code"]
    act(owner_client, reservation_id, "pickup", code=code)
    clock.advance(timedelta(minutes=10))
    act(claimant_client, reservation_id, "complete")

    events = owner_client.get(f"/api/v1/reservations/{reservation_id}").json["events"]

    assert [
        (e["action"], e["from_status"], e["to_status"], e["actor_id"], e["at"]) for e in events
    ] == [
        ("claim", None, "pending", claimant.id, "2026-12-01T02:00:00+00:00"),
        ("confirm", "pending", "confirmed", owner.id, "2026-12-01T03:00:00+00:00"),
        ("pickup", "confirmed", "picked_up", owner.id, "2026-12-02T03:00:00+00:00"),
        ("complete", "picked_up", "completed", claimant.id, "2026-12-02T03:10:00+00:00"),
    ]
    stored = reservation_of(reservation_id)
    assert stored.confirmed_at == NOW + timedelta(hours=1)
    assert stored.completed_at == NOW + timedelta(days=1, hours=1, minutes=10)
    assert notice_kinds(owner) == ["claim_received", "reservation_completed"]
    assert notice_kinds(claimant) == ["reservation_confirmed", "reservation_picked_up"]


def test_a_refused_transition_changes_nothing(owner_client: Any, owner: Any) -> None:
    reservation = ReservationFactory(listing=ItemOfferFactory(owner=owner), status="declined")

    assert_error(act(owner_client, reservation, "confirm"), 409, "invalid_transition")

    stored = reservation_of(reservation.id)
    assert stored.status == "declined"
    assert [event.action for event in stored.events] == ["claim"]
