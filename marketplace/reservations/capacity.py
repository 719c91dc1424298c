"""What an offer has left, changed only by conditional updates.

``UPDATE ... SET units_reserved = units_reserved + n WHERE units_reserved + n <= quantity``
either takes the units or touches no row, so two claims can never both take the last unit, on
either database; the CHECK constraints on the columns are the last line of defence. Loans have
no counter: a period is free when no holding reservation overlaps it (and on PostgreSQL an
exclusion constraint refuses overlapping periods outright).

The listing's status follows what is left (``follow_capacity``), set by plain UPDATEs that
leave the listing's version alone: what is left changing is not an edit. For offers counted in
units, the UPDATE that moves the counter also sets the status the new count gives, so a claim
that takes the last unit, or a cancel that frees one, changes the listing in one statement.
Callers hold the listing's lock, so the counters that status is worked out from are current, and
a claim they show cannot fit is refused without sending the update.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Integer, Update, bindparam, exists, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from marketplace.extensions import db
from marketplace.listings.models import Listing, ListingSlot
from marketplace.reservations.models import HOLDING_STATUSES, Reservation
from marketplace.search import outbox

# The statuses capacity moves a listing between; it leaves any other (withdrawn, expired, ...).
FOLLOWING_STATUSES = ("open", "fully_reserved")


class _Move(NamedTuple):
    statement: Update
    model: type[Any]
    returned: tuple[str, ...]  # the columns whose new values RETURNING gives, first


def _change(move: _Move, row_id: int, **parameters: Any) -> Any:
    """Run an update built once (by ``_moving``); its RETURNING row when it matched, else
    None. The new values go into the session's copy of the row, if it has one, so nothing reads
    the row again and a commit that keeps objects (``commit_keeping_objects``) keeps them right."""
    db.session.flush()  # what the session holds goes first, as before any ORM statement
    row = db.session.execute(move.statement, {"row_id": row_id, **parameters}).first()
    if row is None:
        return None
    loaded = db.session.identity_map.get(identity_key(move.model, row_id))
    if loaded is not None:
        for name, value in zip(move.returned, row, strict=False):
            set_committed_value(loaded, name, value)
    return row


@functools.cache
def _moving(
    model: type[Any],
    counter: str,
    *,
    back: bool = False,
    capped_by: str | None = None,
    sets_status: bool = False,
    asks_waitlist: bool = False,
) -> _Move:
    """``UPDATE``: ``counter`` moves up by ``:amount`` (down with ``back``) on row ``:row_id``,
    never past the ``capped_by`` column; with ``sets_status`` the status becomes ``:new_status``;
    with ``asks_waitlist`` whether claims of listing ``:waitlist_of`` wait comes back last.
    Built once for each shape: every claim and every cancel runs one."""
    columns = model.__table__.c
    amount = bindparam("amount", type_=Integer)
    moved = columns[counter] - amount if back else columns[counter] + amount
    conditions = [columns.id == bindparam("row_id", type_=Integer)]
    if capped_by is not None:
        conditions += [columns[capped_by].is_not(None), moved <= columns[capped_by]]
    values = {counter: moved}
    if sets_status:
        values["status"] = bindparam("new_status", type_=columns.status.type)
    returning = [columns[name] for name in values]
    if asks_waitlist:
        returning.append(_claims_waiting())
    statement = update(model.__table__).where(*conditions).values(values).returning(*returning)
    return _Move(statement, model, tuple(values))


def _claims_waiting() -> Any:
    """SQL: whether claims of listing ``:waitlist_of`` are on its waitlist. Asked in the
    RETURNING of a release, which runs under the listing's lock, after every claim that could
    be waiting was made (claims are made under that lock too)."""
    reservations = Reservation.__table__.c
    return exists().where(
        reservations.listing_id == bindparam("waitlist_of", type_=Integer),
        reservations.status == "waitlisted",
    )


def take_units(listing: Listing, quantity: int) -> bool:
    if listing.quantity is None or listing.units_reserved + quantity > listing.quantity:
        return False  # the counters are current (the caller holds the lock): it would not match
    status = _status_change(listing, listing.units_reserved + quantity)
    move = _moving(Listing, "units_reserved", capped_by="quantity", sets_status=bool(status))
    taken = _change(move, listing.id, amount=quantity, **status)
    if taken is not None and status:
        _record_status_change(listing)
    return taken is not None


def release_units(listing: Listing, quantity: int) -> bool:
    """Give units back; whether claims wait on the listing's waitlist."""
    status = _status_change(listing, listing.units_reserved - quantity)
    move = _moving(
        Listing, "units_reserved", back=True, sets_status=bool(status), asks_waitlist=True
    )
    row = _change(move, listing.id, amount=quantity, waitlist_of=listing.id, **status)
    if row is not None and status:
        _record_status_change(listing)
    return bool(row is not None and row[-1])


def _status_change(listing: Listing, units_reserved: int) -> dict[str, str]:
    """The new value of the status column, if leaving ``units_reserved`` claimed changes it."""
    if not listing.counts_units:
        return {}
    status = _unit_status(listing, units_reserved)
    return {} if status == listing.status else {"new_status": status}


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
    # writes outbox rows, never sees a status set by a plain UPDATE.
    outbox.record_listing_changes(db.session(), {listing.id})


def hand_over_units(listing_id: int, quantity: int) -> None:
    _change(_moving(Listing, "units_handed_over"), listing_id, amount=quantity)


def take_slot(slot_id: int, places: int) -> bool:
    move = _moving(ListingSlot, "booked", capped_by="capacity")
    return _change(move, slot_id, amount=places) is not None


def release_slot(listing_id: int, slot_id: int, places: int) -> bool:
    """Give slot places back; whether claims wait on the listing's waitlist."""
    move = _moving(ListingSlot, "booked", back=True, asks_waitlist=True)
    row = _change(move, slot_id, amount=places, waitlist_of=listing_id)
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
    if status != listing.status:
        _set_status(listing, status)


def _set_status(listing: Listing, status: str) -> None:
    """Set the status with a plain UPDATE, as the counter updates do, so that what is left
    never bumps the listing's version: only an edit does, and an edit based on the listing as
    it was before a claim filled it is still current."""
    _change(_setting_status(), listing.id, new_status=status)
    _record_status_change(listing)


@functools.cache
def _setting_status() -> _Move:
    columns = Listing.__table__.c
    statement = (
        update(Listing.__table__)
        .where(columns.id == bindparam("row_id", type_=Integer))
        .values(status=bindparam("new_status", type_=columns.status.type))
        .returning(columns.status)
    )
    return _Move(statement, Listing, ("status",))
