"""A reservation's changes and its history, written with statements built once.

A transition is one UPDATE of the reservation's row and one INSERT into its history; a claim
adds the event of its creation. Both go out as plain statements rather than through the unit of
work, whose flush costs several times the statements themselves on the paths every claim and
cancel take. What they write goes into the session's copy of the rows, as the counter updates
of ``capacity`` do, so the objects stay right for the response and for a commit that keeps them
(``commit_keeping_objects``), and nothing is read back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, bindparam, inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.extensions import db
from marketplace.reservations.models import Reservation, ReservationEvent

_RESERVATIONS = Reservation.__table__
_EVENTS = ReservationEvent.__table__

# The SET clause comes from the parameters' names: the columns a transition writes.
_UPDATE_RESERVATION = _RESERVATIONS.update().where(
    _RESERVATIONS.c.id == bindparam("reservation_key", type_=Integer)
)
_INSERT_EVENT = _EVENTS.insert().returning(_EVENTS.c.id)


def write(reservation: Reservation, values: dict[str, Any]) -> None:
    """Set the reservation's columns to ``values``, in the database and in the session (where
    they replace any unwritten change to the same columns)."""
    db.session.execute(_UPDATE_RESERVATION, {"reservation_key": reservation.id, **values})
    for name, value in values.items():
        set_committed_value(reservation, name, value)


def record_event(reservation: Reservation, **values: Any) -> ReservationEvent:
    """Add an event to the reservation's history (``values``: every column but the ids).

    The new row joins the session as if loaded from the database, and the history in memory
    when that is loaded; when it is not, reading it loads the new event with the others."""
    db.session.flush()  # the reservation's row first, should it not be written yet
    values = {"reservation_id": reservation.id, **values}
    event = ReservationEvent(id=db.session.execute(_INSERT_EVENT, values).scalar_one(), **values)
    make_transient_to_detached(event)
    db.session.add(event)
    if "events" not in inspect(reservation).unloaded:
        set_committed_value(reservation, "events", [*reservation.events, event])
    return event
