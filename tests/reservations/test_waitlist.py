"""Waitlists: who waits, and who moves up when capacity frees on a cancel, a decline, an expired
hold or a no-show; and the listing's status following what is left."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from marketplace import clock
from marketplace.db import lock_row
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.reservations import services, transitions
from marketplace.reservations.models import Reservation
from tests.factories import UserFactory
from tests.listing_factories import (
    DonationOfferFactory,
    ItemOfferFactory,
    ListingSlotFactory,
    PickupWindowFactory,
    SkillOfferFactory,
)
from tests.reservation_factories import (
    DonationReservationFactory,
    ReservationFactory,
    SkillReservationFactory,
)
from tests.reservations.helpers import (
    NOW,
    act,
    assert_error,
    claim,
    notice_kinds,
    notices,
    reservation_of,
    stored_listing,
    stored_slot,
)


def later(minutes: int = 1) -> None:
    """Let the clock run on, so that claims made one after another have distinct times."""
    clock.advance(timedelta(minutes=minutes))


# --- joining the waitlist --------------------------------------------------------------------------


def test_claim_on_a_sold_out_offer_joins_the_waitlist_when_asked(
    claimant_client: Any, owner: Any
) -> None:
    item = ItemOfferFactory(owner=owner, quantity=1)
    ReservationFactory(listing=item)

    response = claim(claimant_client, item, waitlist=True)

    assert response.status_code == 201, response.json
    assert response.json["status"] == "waitlisted"
    assert response.json["hold_expires_at"] is None
    assert response.json["events"][0]["to_status"] == "waitlisted"
    assert stored_listing(item).units_reserved == 1
    [notice] = notices(owner)
    assert (notice.kind, notice.payload["status"]) == ("claim_received", "waitlisted")


def test_waitlist_flag_takes_what_is_left_when_there_is_enough(claimant_client: Any) -> None:
    item = ItemOfferFactory(quantity=2)

    response = claim(claimant_client, item, waitlist=True)

    assert response.json["status"] == "pending"
    assert stored_listing(item).units_reserved == 1


def test_claim_on_a_full_slot_joins_its_waitlist(claimant_client: Any) -> None:
    haircut = SkillOfferFactory()
    slot = haircut.slots[0]
    SkillReservationFactory(listing=haircut)

    response = claim(claimant_client, haircut, slot_id=slot.id, waitlist=True)

    assert response.status_code == 201
    assert response.json["status"] == "waitlisted"
    assert stored_slot(slot).booked == 1


def test_a_claim_for_more_than_could_ever_come_free_does_not_wait(
    claimant_client: Any, claimant: Any
) -> None:
    rice = DonationOfferFactory(quantity=5, per_person_limit=None)
    DonationReservationFactory(listing=rice, quantity=2, status="picked_up")  # never back
    DonationReservationFactory(listing=rice, quantity=3)
    window = rice.pickup_windows[0]

    too_many = claim(claimant_client, rice, quantity=4, pickup_window_id=window.id, waitlist=True)
    fits_once_freed = claim(
        claimant_client, rice, quantity=3, pickup_window_id=window.id, waitlist=True
    )

    details = assert_error(too_many, 409, "sold_out")
    assert details == {"left": 0, "could_come_free": 3}
    assert fits_once_freed.json["status"] == "waitlisted"
    claimants_statuses = db.session.scalars(
        select(Reservation.status).where(Reservation.claimant_id == claimant.id)
    ).all()
    assert claimants_statuses == ["waitlisted"]


def test_a_booking_for_more_places_than_the_slot_has_does_not_wait(claimant_client: Any) -> None:
    haircut = SkillOfferFactory()
    slot = haircut.slots[0]  # one place
    SkillReservationFactory(listing=haircut)

    response = claim(claimant_client, haircut, slot_id=slot.id, quantity=2, waitlist=True)

    details = assert_error(response, 409, "slot_full")
    assert details == {"slot_id": slot.id, "capacity": 1}
    assert stored_slot(slot).booked == 1


def test_cancelling_a_waitlisted_claim_frees_nothing(claimant_client: Any, claimant: Any) -> None:
    item = ItemOfferFactory(quantity=1)
    holder = ReservationFactory(listing=item)
    waiting = ReservationFactory(listing=item, claimant=claimant, status="waitlisted")

    response = act(claimant_client, waiting, "cancel")

    assert response.json["status"] == "cancelled"
    assert reservation_of(holder.id).status == "pending"
    assert stored_listing(item).units_reserved == 1


# --- moving up -------------------------------------------------------------------------------------


def assert_promoted(reservation: Any, claimant: Any, status: str = "pending") -> None:
    stored = reservation_of(reservation.id)
    assert stored.status == status
    promote = stored.events[-1]
    assert (promote.action, promote.from_status, promote.to_status) == (
        "promote",
        "waitlisted",
        status,
    )
    assert promote.actor_id is None  # the platform
    assert promote.at == clock.now()
    if status == "pending":
        assert stored.hold_expires_at == clock.now() + timedelta(hours=24)
    assert "reservation_promoted" in notice_kinds(claimant)
    # The owner hears of it too: a pending claim waits for them to confirm it.
    [owner_notice] = notices(stored.listing.owner, "claim_moved_up")
    assert owner_notice.payload["reservation_id"] == stored.id
    assert owner_notice.payload["status"] == status


def test_claimant_cancelling_moves_the_oldest_waitlisted_claim_up(
    claimant_client: Any, claimant: Any
) -> None:
    item = ItemOfferFactory(quantity=1)
    holder = ReservationFactory(listing=item, claimant=claimant)
    later()
    first, second = UserFactory(), UserFactory()
    first_waiting = ReservationFactory(listing=item, claimant=first, status="waitlisted")
    later()
    second_waiting = ReservationFactory(listing=item, claimant=second, status="waitlisted")
    later()

    act(claimant_client, holder, "cancel")

    assert_promoted(first_waiting, first)
    assert reservation_of(second_waiting.id).status == "waitlisted"
    assert notice_kinds(second) == []
    listing = stored_listing(item)
    assert (listing.units_reserved, listing.status) == (1, "fully_reserved")


def test_giving_back_asks_whether_claims_wait_when_the_lock_did_not_read_it(app_ctx: Any) -> None:
    """Whether claims wait is read with the reservation by the statement that locks it; for a
    reservation read any other way (``claims_waiting`` is None) it is asked when the capacity
    goes back."""
    item = ItemOfferFactory(quantity=1)
    holder = ReservationFactory(listing=item)
    waiting_claimant = UserFactory()
    waiting = ReservationFactory(listing=item, claimant=waiting_claimant, status="waitlisted")
    db.session.flush()
    db.session.expire_all()
    listing = lock_row(Listing, item.id)
    reservation = db.session.get(Reservation, holder.id)
    assert listing is not None and reservation is not None
    assert reservation.claims_waiting is None

    transitions.apply(reservation, "cancel", None, "测试")
    services._release(reservation, listing)

    assert_promoted(waiting, waiting_claimant)


def test_declining_moves_the_waitlist_up(owner_client: Any, owner: Any) -> None:
    item = ItemOfferFactory(owner=owner, quantity=1)
    holder = ReservationFactory(listing=item)
    waiting_claimant = UserFactory()
    waiting = ReservationFactory(listing=item, claimant=waiting_claimant, status="waitlisted")

    act(owner_client, holder, "decline", reason="不方便")

    assert_promoted(waiting, waiting_claimant)


def test_an_expired_hold_moves_the_waitlist_up(cli: Any) -> None:
    item = ItemOfferFactory(quantity=1)
    holder = ReservationFactory(listing=item)
    waiting_claimant = UserFactory()
    waiting = ReservationFactory(listing=item, claimant=waiting_claimant, status="waitlisted")
    clock.advance(timedelta(hours=24))

    result = cli("reservations", "sweep")

    assert result.exit_code == 0, result.output
    assert reservation_of(holder.id).status == "expired"
    assert_promoted(waiting, waiting_claimant)
    assert "1 holds expired" in result.output


def test_a_no_show_marked_by_the_owner_moves_the_waitlist_up(owner_client: Any, owner: Any) -> None:
    rice = DonationOfferFactory(owner=owner, organisation=None, quantity=2, per_person_limit=2)
    early = rice.pickup_windows[0]
    late = PickupWindowFactory(
        listing=rice, starts_at=NOW + timedelta(days=3), ends_at=NOW + timedelta(days=3, hours=2)
    )
    holder = DonationReservationFactory(listing=rice, quantity=2, pickup_window=early)
    waiting_claimant = UserFactory()
    waiting = DonationReservationFactory(
        listing=rice, claimant=waiting_claimant, status="waitlisted", quantity=2, pickup_window=late
    )
    clock.advance(early.ends_at - NOW)

    act(owner_client, holder, "no-show")

    assert_promoted(waiting, waiting_claimant, status="confirmed")  # donations auto-confirm
    assert stored_listing(rice).units_reserved == 2


def test_a_no_show_found_by_the_sweeper_moves_a_later_windows_claim_up(cli: Any) -> None:
    rice = DonationOfferFactory(quantity=1, per_person_limit=1)
    early = rice.pickup_windows[0]
    late = PickupWindowFactory(
        listing=rice, starts_at=NOW + timedelta(days=3), ends_at=NOW + timedelta(days=3, hours=2)
    )
    holder = DonationReservationFactory(listing=rice, pickup_window=early)
    waiting_claimant = UserFactory()
    waiting = DonationReservationFactory(
        listing=rice, claimant=waiting_claimant, status="waitlisted", pickup_window=late
    )
    clock.advance(early.ends_at - NOW + timedelta(minutes=31))

    result = cli("reservations", "sweep")

    assert result.exit_code == 0, result.output
    assert reservation_of(holder.id).status == "no_show"
    assert_promoted(waiting, waiting_claimant, status="confirmed")


def test_a_claim_waiting_for_a_window_that_is_over_stays_waiting(
    owner_client: Any, owner: Any
) -> None:
    rice = DonationOfferFactory(owner=owner, organisation=None, quantity=1, per_person_limit=1)
    holder = DonationReservationFactory(listing=rice)
    waiting = DonationReservationFactory(listing=rice, status="waitlisted")
    clock.advance(rice.pickup_windows[0].ends_at - NOW)

    act(owner_client, holder, "no-show")

    assert reservation_of(waiting.id).status == "waitlisted"
    listing = stored_listing(rice)
    assert (listing.units_reserved, listing.status) == (0, "open")


def test_the_oldest_claim_that_fits_moves_up(claimant_client: Any, claimant: Any) -> None:
    chairs = ItemOfferFactory(quantity=2, per_person_limit=None)
    holder = ReservationFactory(listing=chairs, claimant=claimant)
    ReservationFactory(listing=chairs)
    later()
    wants_two = ReservationFactory(listing=chairs, status="waitlisted", quantity=2)
    later()
    wants_one_claimant = UserFactory()
    wants_one = ReservationFactory(listing=chairs, claimant=wants_one_claimant, status="waitlisted")

    act(claimant_client, holder, "cancel")

    assert reservation_of(wants_two.id).status == "waitlisted"
    assert_promoted(wants_one, wants_one_claimant)


def test_a_freed_slot_place_goes_to_the_slots_waitlist(claimant_client: Any, claimant: Any) -> None:
    haircut = SkillOfferFactory()
    slot = haircut.slots[0]
    other_slot = ListingSlotFactory(
        listing=haircut, starts_at=NOW + timedelta(days=2), ends_at=NOW + timedelta(days=2, hours=1)
    )
    holder = SkillReservationFactory(listing=haircut, claimant=claimant, status="confirmed")
    SkillReservationFactory(listing=haircut, slot=other_slot)
    assert stored_listing(haircut).status == "fully_reserved"
    waiting_claimant = UserFactory()
    waiting = SkillReservationFactory(
        listing=haircut, claimant=waiting_claimant, slot=slot, status="waitlisted"
    )

    act(claimant_client, holder, "cancel")

    assert_promoted(waiting, waiting_claimant)
    assert stored_slot(slot).booked == 1
    assert stored_listing(haircut).status == "fully_reserved"


def test_a_moved_up_claims_hold_ends_with_its_pickup_window(
    claimant_client: Any, claimant: Any
) -> None:
    rice = DonationOfferFactory(auto_confirm=False, quantity=1, per_person_limit=1)
    soon = PickupWindowFactory(
        listing=rice, starts_at=NOW + timedelta(hours=1), ends_at=NOW + timedelta(hours=2)
    )
    holder = DonationReservationFactory(listing=rice, claimant=claimant, pickup_window=soon)
    waiting = DonationReservationFactory(listing=rice, status="waitlisted", pickup_window=soon)

    act(claimant_client, holder, "cancel")

    stored = reservation_of(waiting.id)
    assert (stored.status, stored.hold_expires_at) == ("pending", soon.ends_at)


def test_the_waitlist_waits_while_the_listing_is_back_in_review(
    cli: Any, claimant_client: Any, claimant: Any
) -> None:
    """A claim must not move up into a listing nobody may claim; it does once it is public."""
    item = ItemOfferFactory(quantity=1)
    holder = ReservationFactory(listing=item, claimant=claimant)
    waiting_claimant = UserFactory()
    waiting = ReservationFactory(listing=item, claimant=waiting_claimant, status="waitlisted")
    item.moderation = "pending"  # its owner's edit sent it back to review
    db.session.commit()

    act(claimant_client, holder, "cancel")
    assert cli("reservations", "sweep").exit_code == 0

    assert reservation_of(waiting.id).status == "waitlisted"
    assert notice_kinds(waiting_claimant) == []
    listing = stored_listing(item)
    assert (listing.units_reserved, listing.status) == (0, "open")

    listing.moderation = "approved"
    db.session.commit()
    result = cli("reservations", "sweep")

    assert " 1 promoted, " in result.output
    assert_promoted(waiting, waiting_claimant)


def test_a_slots_waitlist_waits_while_the_offer_is_back_in_review(
    cli: Any, claimant_client: Any, claimant: Any
) -> None:
    haircut = SkillOfferFactory(slots=[])
    slot = ListingSlotFactory(listing=haircut, capacity=1)
    holder = SkillReservationFactory(listing=haircut, slot=slot, claimant=claimant)
    waiting_claimant = UserFactory()
    waiting = SkillReservationFactory(
        listing=haircut, slot=slot, claimant=waiting_claimant, status="waitlisted"
    )
    haircut.moderation = "pending"
    db.session.commit()

    act(claimant_client, holder, "cancel")
    assert " 0 promoted, " in cli("reservations", "sweep").output
    assert reservation_of(waiting.id).status == "waitlisted"

    stored_listing(haircut).moderation = "approved"
    db.session.commit()
    result = cli("reservations", "sweep")

    assert " 1 promoted, " in result.output
    assert_promoted(waiting, waiting_claimant)
    assert stored_slot(slot).booked == 1


def test_a_claim_waiting_for_a_slot_that_has_started_stays_waiting(
    owner_client: Any, owner: Any
) -> None:
    """Moving it up would hand the claimant a place they can no longer take (and, confirmed at
    once on an auto-confirm listing, a no-show from the next sweep)."""
    haircut = SkillOfferFactory(owner=owner, auto_confirm=True)
    slot = haircut.slots[0]
    holder = SkillReservationFactory(listing=haircut, status="confirmed")
    waiting = SkillReservationFactory(listing=haircut, status="waitlisted")
    clock.advance(slot.ends_at - NOW)  # the slot is over: the owner may record the no-show

    act(owner_client, holder, "no-show")

    assert reservation_of(waiting.id).status == "waitlisted"
    assert stored_slot(slot).booked == 0


def test_promotion_on_an_auto_confirm_listing_confirms_at_once(
    claimant_client: Any, claimant: Any
) -> None:
    item = ItemOfferFactory(quantity=1, auto_confirm=True)
    holder = ReservationFactory(listing=item, claimant=claimant, status="confirmed")
    waiting_claimant = UserFactory()
    waiting = ReservationFactory(listing=item, claimant=waiting_claimant, status="waitlisted")

    act(claimant_client, holder, "cancel")

    assert_promoted(waiting, waiting_claimant, status="confirmed")
    stored = reservation_of(waiting.id)
    assert stored.confirmed_at == NOW
    assert stored.hold_expires_at is None


# --- the listing's status follows its capacity -----------------------------------------------------


def test_single_item_status_follows_its_claims(
    client_as: Any, owner_client: Any, owner: Any
) -> None:
    item = ItemOfferFactory(owner=owner, quantity=1)
    first = client_as(UserFactory())

    first_claim = claim(first, item).json["id"]
    assert stored_listing(item).status == "fully_reserved"
    act(owner_client, first_claim, "decline", reason="换人了")
    assert stored_listing(item).status == "open"

    second = client_as(UserFactory())
    second_claim = claim(second, item).json
    act(owner_client, second_claim["id"], "confirm")
    assert stored_listing(item).status == "fully_reserved"
    act(owner_client, second_claim["id"], "pickup", code=second_claim["pickup_code"])

    assert stored_listing(item).status == "closed"
    assert_error(claim(client_as(UserFactory()), item), 404, "not_found")


def test_skill_is_fully_reserved_when_every_slot_is_full(
    claimant_client: Any, claimant: Any
) -> None:
    haircut = SkillOfferFactory()
    ListingSlotFactory(
        listing=haircut, starts_at=NOW + timedelta(days=2), ends_at=NOW + timedelta(days=2, hours=1)
    )
    first, second = haircut.slots

    claim(claimant_client, haircut, slot_id=first.id)
    assert stored_listing(haircut).status == "open"
    taken = claim(claimant_client, haircut, slot_id=second.id).json["id"]
    assert stored_listing(haircut).status == "fully_reserved"
    act(claimant_client, taken, "cancel")

    assert stored_listing(haircut).status == "open"


def test_a_slot_that_has_begun_keeps_no_skill_offer_open(
    claimant_client: Any, claimant: Any
) -> None:
    haircut = SkillOfferFactory(slots=[])
    ListingSlotFactory(  # begun, with room nobody can book any more
        listing=haircut, starts_at=NOW - timedelta(minutes=5), ends_at=NOW + timedelta(hours=1)
    )
    ahead = ListingSlotFactory(listing=haircut, starts_at=NOW + timedelta(days=1))

    taken = claim(claimant_client, haircut, slot_id=ahead.id).json["id"]
    assert stored_listing(haircut).status == "fully_reserved"
    act(claimant_client, taken, "cancel")

    assert stored_listing(haircut).status == "open"


def test_an_expired_hold_opens_the_listing_again(cli: Any) -> None:
    item = ItemOfferFactory(quantity=1)
    ReservationFactory(listing=item)
    clock.advance(timedelta(hours=24, seconds=1))

    cli("reservations", "sweep")

    listing = stored_listing(item)
    assert (listing.units_reserved, listing.status) == (0, "open")
