"""A reservation's changes and its history, written with statements built once.

A claim is one INSERT of the reservation and one of the event of its creation; a transition is
one UPDATE of the reservation and one INSERT into its history. They go out as plain statements
rather than through the unit of work, whose flush costs several times the statements themselves
on the paths every claim and cancel take. What they write goes into the session's copy of the
rows, as the counter updates of ``capacity`` do, so the objects stay right for the response and
for a commit that keeps them (``commit_keeping_objects``), and nothing is read back.

On PostgreSQL the writes of a claim or a transition go out together, in one statement of
data-modifying CTEs: a claim's INSERT (its id drawn when the listing was read), a transition's
UPDATE, the event's INSERT (its id drawn when the reservation was locked, so it can wait for the
commit too), a listing's counter, a notification, a search outbox row. Without an id drawn, the
event's INSERT goes out at once and carries the writes deferred before it
(``insert_carrying``); on SQLite a claim's INSERT goes out at once and lets them wait past it
for the event. None of them reads a row the others change.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from sqlalchemy import Insert, inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.db import PASSES_DEFERRED_WRITES, defer_insert, defer_update, insert_carrying
from marketplace.extensions import db
from marketplace.reservations.models import Reservation, ReservationEvent

_RESERVATIONS = Reservation.__table__
_EVENTS = ReservationEvent.__table__


def insert(reservation: Reservation, new_id: int | None) -> None:
    """INSERT a new reservation, which then joins the session as if loaded from the database.

    With an id drawn already (``new_id``, from ``db.next_id`` on PostgreSQL) it is inserted
    with the transaction's next statement (``defer_insert``), every column set here, its
    defaults included, so that its event and the notifications that name it ride in the same
    statement. Without, its id and the defaults of the columns it leaves unset come back from
    the INSERT."""
    if new_id is not None:
        reservation.id = new_id
        _set_defaults(reservation)
        set_columns = inspect(reservation).dict
        defer_insert(_RESERVATIONS, {column.key: set_columns[column.key] for column in _COLUMNS})
    else:
        _insert_now(reservation)
    make_transient_to_detached(reservation)
    db.session.add(reservation)


_COLUMNS = tuple(_RESERVATIONS.c)


def _set_defaults(reservation: Reservation) -> None:
    """Give every column the reservation leaves unset the value its INSERT would give it."""
    set_columns = inspect(reservation).dict
    for column in _COLUMNS:
        if column.key in set_columns:
            continue
        default = column.default
        if default is None:
            value = None
        elif default.is_callable:
            value = default.arg(None)  # type: ignore[union-attr]
        else:
            value = default.arg  # type: ignore[union-attr]
        setattr(reservation, column.key, value)


def _insert_now(reservation: Reservation) -> None:
    set_columns = inspect(reservation).dict
    given = {
        column.key: set_columns[column.key] for column in _COLUMNS if column.key in set_columns
    }
    inserting = _inserting(frozenset(given))
    row = db.session.execute(inserting.statement, given).one()
    for name, value in zip(inserting.returned, row, strict=True):
        setattr(reservation, name, value)


class _Inserting(NamedTuple):
    statement: Insert
    returned: tuple[str, ...]


@functools.lru_cache(maxsize=32)
def _inserting(given: frozenset[str]) -> _Inserting:
    """The INSERT of a reservation with the ``given`` columns set, returning the others. Built
    once for each set: a claim of each kind of offer sets its own."""
    returned = [column for column in _RESERVATIONS.c if column.key not in given]
    statement = (
        _RESERVATIONS.insert()
        .returning(*returned)
        .execution_options(**{PASSES_DEFERRED_WRITES: True})
    )
    return _Inserting(statement, tuple(column.key for column in returned))


def write(reservation: Reservation, values: dict[str, Any]) -> None:
    """Set the reservation's columns to ``values``, in the session at once (where they replace
    any unwritten change to the same columns) and in the database with the transaction's next
    statement (``defer_update``)."""
    defer_update(_RESERVATIONS, reservation.id, values)
    for name, value in values.items():
        set_committed_value(reservation, name, value)


def record_event(reservation: Reservation, **values: Any) -> ReservationEvent:
    """Add an event to the reservation's history (``values``: every column but the ids).

    With an id drawn for it when the reservation was locked (``next_event_id``), the INSERT
    waits, with the writes before it, for the transaction's next statement or its commit;
    without, it goes out at once and carries them. The new row joins the session as if loaded
    from the database, and the history in memory when that is loaded; when it is not, reading
    it loads the new event with the others."""
    db.session.flush()  # what the session holds goes first, as before the ORM's own statements
    values = {"reservation_id": reservation.id, **values}
    new_id = reservation.next_event_id
    if new_id is not None:
        set_committed_value(reservation, "next_event_id", None)  # each id is used once
        defer_insert(_EVENTS, {"id": new_id, **values})
    else:
        new_id = insert_carrying(_EVENTS, values, returning=(_EVENTS.c.id,)).scalar_one()
    event = ReservationEvent(id=new_id, **values)
    make_transient_to_detached(event)
    db.session.add(event)
    if "events" not in inspect(reservation).unloaded:
        set_committed_value(reservation, "events", [*reservation.events, event])
    return event
