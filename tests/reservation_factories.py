"""factory-boy factories for reservations; they flush, never commit.

A reservation is built directly in the state a test names, and the listing's counters are kept
as the services keep them (units or a slot place taken while the claim holds capacity or has
completed, units or slot places handed over once picked up), so capacity rules hold in the
built state too.
Its history starts with one ``claim`` event into the state it was built in.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import factory

from marketplace import clock
from marketplace.extensions import db
from marketplace.reservations.capacity import follow_capacity
from marketplace.reservations.models import Reservation, ReservationEvent
from tests.factories import BaseFactory, MerchantFactory, UserFactory
from tests.listing_factories import (
    DonationOfferFactory,
    ItemOfferFactory,
    LendOfferFactory,
    SkillOfferFactory,
)

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
HOLD = timedelta(hours=24)

# States whose claim keeps its units or slot place taken: holding ones and completed ones.
TAKES_CAPACITY = ("pending", "confirmed", "picked_up", "returned", "completed")
HANDED_OVER = ("picked_up", "returned", "completed")
PAST_CONFIRMATION = ("confirmed", *HANDED_OVER, "no_show")


def local_today() -> date:
    """Today in Qingxi, by the (possibly frozen) clock."""
    return clock.now().astimezone(LOCAL_ZONE).date()


def _first_slot(reservation: Any) -> Any:
    return reservation.listing.slots[0] if reservation.listing.kind == "skill" else None


def _first_window(reservation: Any) -> Any:
    windows = reservation.listing.pickup_windows
    return windows[0] if reservation.listing.counts_units and windows else None


def _stamp(status_set: tuple[str, ...]) -> factory.LazyAttribute:
    return factory.LazyAttribute(
        lambda reservation: clock.now() if reservation.status in status_set else None
    )


class ReservationFactory(BaseFactory):
    """A pending claim of one unit of a give-away item by a resident."""

    class Meta:
        model = Reservation

    listing = factory.SubFactory(ItemOfferFactory)
    claimant = factory.SubFactory(UserFactory)
    status = "pending"
    quantity = 1
    slot = factory.LazyAttribute(_first_slot)
    pickup_window = factory.LazyAttribute(_first_window)
    starts_on = factory.LazyAttribute(
        lambda reservation: (
            local_today() + timedelta(days=1) if reservation.listing.is_loan else None
        )
    )
    ends_on = factory.LazyAttribute(
        lambda reservation: (
            reservation.starts_on + timedelta(days=2) if reservation.starts_on else None
        )
    )
    note = ""
    pickup_code = factory.Sequence(lambda n: f"{(n * 7919 + 123457) % 1_000_000:06d}")
    hold_expires_at = factory.LazyAttribute(
        lambda reservation: clock.now() + HOLD if reservation.status == "pending" else None
    )
    created_at = factory.LazyFunction(clock.now)
    updated_at = factory.LazyAttribute(lambda reservation: reservation.created_at)
    confirmed_at = _stamp(PAST_CONFIRMATION)
    picked_up_at = _stamp(HANDED_OVER)
    returned_at = factory.LazyAttribute(
        lambda reservation: (
            clock.now()
            if reservation.status == "returned"
            or (reservation.status == "completed" and reservation.listing.is_loan)
            else None
        )
    )
    completed_at = _stamp(("completed",))
    closed_at = _stamp(("declined", "cancelled", "expired", "no_show"))

    @classmethod
    def _create(cls, model_class: type[Reservation], *args: Any, **kwargs: Any) -> Reservation:
        reservation = model_class(*args, **kwargs)
        reservation.events = [
            ReservationEvent(
                action="claim",
                from_status=None,
                to_status=reservation.status,
                actor_id=reservation.claimant.id,
                at=reservation.created_at,
            )
        ]
        db.session.add(reservation)
        _keep_counters(reservation)
        return reservation


def _keep_counters(reservation: Reservation) -> None:
    listing = reservation.listing
    if reservation.status in TAKES_CAPACITY:
        if listing.counts_units:
            listing.units_reserved += reservation.quantity
        elif reservation.slot is not None:
            reservation.slot.booked += reservation.quantity
    if reservation.status in HANDED_OVER:
        if listing.counts_units:
            listing.units_handed_over += reservation.quantity
        elif reservation.slot is not None:
            reservation.slot.handed_over += reservation.quantity
    db.session.flush()
    follow_capacity(listing)
    db.session.flush()


class LoanReservationFactory(ReservationFactory):
    """A pending loan of a drill from tomorrow for three days."""

    listing = factory.SubFactory(LendOfferFactory)


class SkillReservationFactory(ReservationFactory):
    """A pending booking of the skill's first slot."""

    listing = factory.SubFactory(SkillOfferFactory)


class DonationReservationFactory(ReservationFactory):
    """A confirmed claim (donations auto-confirm) of one unit, collected in the first window."""

    listing = factory.SubFactory(DonationOfferFactory)
    status = "confirmed"


def organisation_listing(listing_factory: Any, **overrides: Any) -> Any:
    """A listing of ``listing_factory`` posted by a merchant for their organisation."""
    merchant = overrides.pop("owner", None) or MerchantFactory()
    return listing_factory(owner=merchant, organisation=merchant.organisation, **overrides)
