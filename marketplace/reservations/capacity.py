"""What an offer has left, and how it changes.

A claim or a cancel holds the listing's lock (``SELECT ... FOR UPDATE`` on PostgreSQL, the
write lock on SQLite), so the counters the session read with it are current: whether units fit
is decided on them, and the counter then moves with a deferred write (``defer_update``) that
goes out with the transaction's next statement: ``units_reserved = units_reserved + n``. The
CHECK constraint ``units_reserved <= quantity`` judges the row as it is when the write runs, so
should two claims ever take the same last unit, the second fails there (``OVERSOLD``) and is
refused as sold out. Slot places are taken by a conditional update, ``booked + n <= capacity``,
which either takes them or touches no row (the CHECK on ``booked`` backs it). Loans have no
counter: a period is free when no holding reservation overlaps it (and on PostgreSQL an
exclusion constraint refuses overlapping periods outright).

The listing's status follows what is left (``follow_capacity``), set by plain UPDATEs that
leave the listing's version alone: what is left changing is not an edit. For offers counted in
units, the write that moves the counter also sets the status the new count gives, so a claim
that takes the last unit, or a cancel that frees one, changes the listing in one write.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Integer, Update, and_, bindparam, exists, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from marketplace.db import defer_update
from marketplace.extensions import db
from marketplace.listings.models import Listing, ListingSlot
from marketplace.reservations.models import HOLDING_STATUSES, Reservation
from marketplace.search import outbox

# The CHECK constraint a write that takes more units than an offer has fails (its name is in the
# database's error on either database).
OVERSOLD = "units_reserved_within_quantity"


class _Move(NamedTuple):
    statement: Update
    model: type[Any]
    returned: tuple[str, ...]  # the columns whose new values RETURNING gives


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
        for name, value in zip(move.returned, row, strict=True):
            set_committed_value(loaded, name, value)
    return row


@functools.cache
def _moving(model: type[Any], counter: str, *, capped_by: str | None = None) -> _Move:
    """``UPDATE``: ``counter`` moves by ``:amount`` on row ``:row_id``, never past the
    ``capped_by`` column. Built once for each shape."""
    columns = model.__table__.c
    moved = columns[counter] + bindparam("amount", type_=Integer)
    conditions = [columns.id == bindparam("row_id", type_=Integer)]
    if capped_by is not None:
        conditions += [columns[capped_by].is_not(None), moved <= columns[capped_by]]
    statement = (
        update(model.__table__)
        .where(*conditions)
        .values({counter: moved})
        .returning(columns[counter])
    )
    return _Move(statement, model, (counter,))


def claims_waiting(listing_id: Any) -> ColumnElement[bool]:
    """SQL: whether claims of the listing are on its waitlist. Current when asked under the
    listing's lock by a statement that began after the lock was taken: claims are made under
    that lock too, so none can have joined the waitlist since."""
    waiting = Reservation.__table__.alias("waiting")  # never the reservation asking
    return exists().where(waiting.c.listing_id == listing_id, waiting.c.status == "waitlisted")


def are_claims_waiting(listing_id: int) -> bool:
    return bool(db.session.scalar(select(claims_waiting(listing_id))))


def take_units(listing: Listing, quantity: int) -> bool:
    """Take units if they fit (the caller holds the listing's lock, so its counters are
    current); whether they did."""
    if listing.quantity is None or listing.units_reserved + quantity > listing.quantity:
        return False
    _move_units(listing, quantity)
    return True


def release_units(listing: Listing, quantity: int) -> None:
    """Give units back (under the listing's lock)."""
    _move_units(listing, -quantity)


def _move_units(listing: Listing, amount: int) -> None:
    """Move the listing's claimed units by ``amount``, and its status with them, in the
    session's copy at once and in the database with the transaction's next statement."""
    units_reserved = listing.units_reserved + amount
    status = listing.status_for_capacity(units_reserved)
    values: dict[str, Any] = {"units_reserved": amount}
    if status != listing.status:
        values["status"] = status
    defer_update(Listing.__table__, listing.id, values, moved=frozenset({"units_reserved"}))
    set_committed_value(listing, "units_reserved", units_reserved)
    if status != listing.status:
        set_committed_value(listing, "status", status)
        _record_status_change(listing)


def _record_status_change(listing: Listing) -> None:
    # The search index shows whether a listing is open, and the unit of work, whose flush
    # writes outbox rows, never sees a status set by a plain UPDATE.
    outbox.record_listing_changes(db.session(), {listing.id})


def hand_over_units(listing_id: int, quantity: int) -> None:
    _change(_moving(Listing, "units_handed_over"), listing_id, amount=quantity)


def take_slot(slot_id: int, places: int) -> bool:
    move = _moving(ListingSlot, "booked", capped_by="capacity")
    return _change(move, slot_id, amount=places) is not None


def release_slot(slot_id: int, places: int) -> None:
    _change(_moving(ListingSlot, "booked"), slot_id, amount=-places)


def hand_over_slot_places(slot_id: int, places: int) -> None:
    _change(_moving(ListingSlot, "handed_over"), slot_id, amount=places)


def loan_overlaps(listing_id: int, starts_on: date, ends_on: date, today: date) -> bool:
    """Whether a holding loan of the item overlaps [starts_on, ends_on] (both days included).
    A loan still out past its last day holds the item through ``today``: nobody can borrow it
    before it is back."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Reservation.listing_id == listing_id,
                    Reservation.status.in_(HOLDING_STATUSES),
                    Reservation.starts_on <= ends_on,
                    or_(
                        Reservation.ends_on >= starts_on,
                        and_(Reservation.status == "picked_up", starts_on <= today),
                    ),
                )
            )
        )
    )


def follow_capacity(listing: Listing) -> None:
    """Listing status follows what is left: fully reserved when nothing is, open again when
    something frees up, closed when every unit or slot place has been handed over. The counters
    it reads are the session's, which the updates above keep current."""
    status = listing.status_for_capacity()
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
