"""What an offer has left, changed only by conditional updates.

``UPDATE ... SET units_reserved = units_reserved + n WHERE units_reserved + n <= quantity``
either takes the units or touches no row, so two claims can never both take the last unit, on
either database; the CHECK constraints on the columns are the last line of defence. Loans have
no counter: a period is free when no holding reservation overlaps it (and on PostgreSQL an
exclusion constraint refuses overlapping periods outright).

The listing's status follows what is left (``follow_capacity``). For offers counted in units,
the UPDATE that moves the counter also sets the status the new count gives, so a claim that
takes the last unit, or a cancel that frees one, changes the listing in one statement. Callers
hold the listing's lock, so the counters that status is worked out from are current.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from marketplace.extensions import db
from marketplace.listings.models import Listing, ListingSlot
from marketplace.reservations.models import HOLDING_STATUSES, Reservation
from marketplace.search import outbox

# The statuses capacity moves a listing between; it leaves any other (withdrawn, expired, ...).
FOLLOWING_STATUSES = ("open", "fully_reserved")


def _change(
    model: type[Any], row_id: int, *conditions: Any, asking: Any = None, **values: Any
) -> Any:
    """Run a conditional update; the row of new values (and ``asking``'s answer, last) when it
    matched, else None. The new values come back with RETURNING and go into the session's copy
    of the row, if it has one, so nothing reads the row again and a commit that keeps objects
    (``commit_keeping_objects``) keeps them right."""
    returned = [getattr(model, name) for name in values]
    row = db.session.execute(
        update(model)
        .where(model.id == row_id, *conditions)
        .values(values)
        .returning(*returned, *([] if asking is None else [asking]))
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        return None
    loaded = db.session.identity_map.get(identity_key(model, row_id))
    if loaded is not None:
        for name, value in zip(values, row, strict=False):
            set_committed_value(loaded, name, value)
    return row


def _claims_waiting(listing_id: int) -> Any:
    """SQL: whether claims of the listing are on its waitlist. Asked in the RETURNING of a
    release, which runs under the listing's lock, after every claim that could be waiting was
    made (claims are made under that lock too)."""
    return exists().where(Reservation.listing_id == listing_id, Reservation.status == "waitlisted")


def take_units(listing: Listing, quantity: int) -> bool:
    status = _status_change(listing, listing.units_reserved + quantity)
    taken = _change(
        Listing,
        listing.id,
        Listing.quantity.is_not(None),
        Listing.units_reserved + quantity <= Listing.quantity,
        units_reserved=Listing.units_reserved + quantity,
        **status,
    )
    if taken is not None and status:
        _record_status_change(listing)
    return taken is not None


def release_units(listing: Listing, quantity: int) -> bool:
    """Give units back; whether claims wait on the listing's waitlist."""
    status = _status_change(listing, listing.units_reserved - quantity)
    row = _change(
        Listing,
        listing.id,
        asking=_claims_waiting(listing.id),
        units_reserved=Listing.units_reserved - quantity,
        **status,
    )
    if row is not None and status:
        _record_status_change(listing)
    return bool(row is not None and row[-1])


def _status_change(listing: Listing, units_reserved: int) -> dict[str, str]:
    """The new value of the status column, if leaving ``units_reserved`` claimed changes it."""
    if not listing.counts_units:
        return {}
    status = _unit_status(listing, units_reserved)
    return {} if status == listing.status else {"status": status}


def _unit_status(listing: Listing, units_reserved: int) -> str:
    """The status of an offer counted in units with ``units_reserved`` of them claimed: closed
    once every unit is handed over, fully reserved while none is left, open otherwise."""
    if listing.status not in FOLLOWING_STATUSES or listing.quantity is None:
        return listing.status
    if listing.units_handed_over >= listing.quantity:
        return "closed"
    return "fully_reserved" if units_reserved >= listing.quantity else "open"


def _record_status_change(listing: Listing) -> None:
    # The search index shows whether a listing is open, and the unit of work, whose flush
    # writes outbox rows, never saw this change.
    outbox.record_listing_changes(db.session(), {listing.id})


def hand_over_units(listing_id: int, quantity: int) -> None:
    _change(Listing, listing_id, units_handed_over=Listing.units_handed_over + quantity)


def take_slot(slot_id: int, places: int) -> bool:
    taken = _change(
        ListingSlot,
        slot_id,
        ListingSlot.booked + places <= ListingSlot.capacity,
        booked=ListingSlot.booked + places,
    )
    return taken is not None


def release_slot(listing_id: int, slot_id: int, places: int) -> bool:
    """Give slot places back; whether claims wait on the listing's waitlist."""
    row = _change(
        ListingSlot,
        slot_id,
        asking=_claims_waiting(listing_id),
        booked=ListingSlot.booked - places,
    )
    return bool(row is not None and row[-1])


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


def follow_capacity(listing: Listing) -> None:
    """Listing status follows what is left: fully reserved when nothing is, open again when
    something frees up, closed when every unit has been handed over. The counters it reads are
    the session's, which the updates above keep current."""
    if listing.status not in FOLLOWING_STATUSES:
        return
    if listing.counts_units and listing.quantity is not None:
        status = _unit_status(listing, listing.units_reserved)
    elif listing.kind == "skill" and listing.slots:
        full = all(slot.free == 0 for slot in listing.slots)
        status = "fully_reserved" if full else "open"
    else:
        return
    if status != listing.status:  # an equal value would still put the listing in the flush
        listing.status = status
