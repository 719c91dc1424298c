"""What an offer has left, changed only by conditional updates.

``UPDATE ... SET units_reserved = units_reserved + n WHERE units_reserved + n <= quantity``
either takes the units or touches no row, so two claims can never both take the last unit, on
either database; the CHECK constraints on the columns are the last line of defence. Loans have
no counter: a period is free when no holding reservation overlaps it (and on PostgreSQL an
exclusion constraint refuses overlapping periods outright).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, select, update

from marketplace.extensions import db
from marketplace.listings.models import Listing, ListingSlot
from marketplace.reservations.models import HOLDING_STATUSES, Reservation


def take_units(listing_id: int, quantity: int) -> bool:
    result = db.session.execute(
        update(Listing)
        .where(
            Listing.id == listing_id,
            Listing.quantity.is_not(None),
            Listing.units_reserved + quantity <= Listing.quantity,
        )
        .values(units_reserved=Listing.units_reserved + quantity)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def release_units(listing_id: int, quantity: int) -> None:
    db.session.execute(
        update(Listing)
        .where(Listing.id == listing_id)
        .values(units_reserved=Listing.units_reserved - quantity)
        .execution_options(synchronize_session=False)
    )


def hand_over_units(listing_id: int, quantity: int) -> None:
    db.session.execute(
        update(Listing)
        .where(Listing.id == listing_id)
        .values(units_handed_over=Listing.units_handed_over + quantity)
        .execution_options(synchronize_session=False)
    )


def take_slot(slot_id: int, places: int) -> bool:
    result = db.session.execute(
        update(ListingSlot)
        .where(ListingSlot.id == slot_id, ListingSlot.booked + places <= ListingSlot.capacity)
        .values(booked=ListingSlot.booked + places)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def release_slot(slot_id: int, places: int) -> None:
    db.session.execute(
        update(ListingSlot)
        .where(ListingSlot.id == slot_id)
        .values(booked=ListingSlot.booked - places)
        .execution_options(synchronize_session=False)
    )


def loan_overlaps(listing_id: int, starts_on: date, ends_on: date) -> bool:
    """Whether a holding loan of the item overlaps [starts_on, ends_on] (both days included)."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Reservation.listing_id == listing_id,
                    Reservation.status.in_(HOLDING_STATUSES),
                    Reservation.starts_on <= ends_on,
                    Reservation.ends_on >= starts_on,
                )
            )
        )
    )


def reload(listing: Listing) -> None:
    """Re-read the counters a conditional update changed behind the session's back."""
    db.session.refresh(listing, ["units_reserved", "units_handed_over", "status"])
    if listing.kind != "skill":
        return  # only skills have slots; asking would cost every other claim a query
    for slot in listing.slots:
        db.session.refresh(slot, ["booked"])


def follow_capacity(listing: Listing) -> None:
    """Listing status follows what is left: fully reserved when nothing is, open again when
    something frees up, closed when every unit has been handed over."""
    reload(listing)
    if listing.status not in ("open", "fully_reserved"):
        return
    if listing.counts_units and listing.quantity is not None:
        if listing.units_handed_over >= listing.quantity:
            listing.status = "closed"
            return
        full = listing.units_reserved >= listing.quantity
    elif listing.kind == "skill" and listing.slots:
        full = all(slot.free == 0 for slot in listing.slots)
    else:
        return
    listing.status = "fully_reserved" if full else "open"
