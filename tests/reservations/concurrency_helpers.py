"""Running many claims at the same moment, each on its own database connection, and checking
invariants 1 and 2 of the design (DESIGN.md section 4) straight from the database afterwards.

Every attempt runs in a thread of its own; all of them wait at one barrier and go together.
Whatever an attempt raises is recorded as its outcome, never left to escape the thread (pytest
turns an exception escaping a thread into a warning, and warnings are errors here).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from itertools import combinations
from os import environ
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.listings.models import Listing, ListingSlot
from marketplace.reservations.models import HOLDING_STATUSES, Reservation
from tests.conftest import make_app
from tests.factories import UserFactory

# Seconds the threads wait for each other at the barrier, and for the slowest of them to finish.
BARRIER_TIMEOUT = 30
FINISH_TIMEOUT = 90

# An attempt gets its index and the barrier's ``wait``; it prepares, waits, acts, and returns
# what happened (a reservation status, an error code, an HTTP status).
Attempt = Callable[[int, Callable[[], Any]], str]


def concurrent_app(database_url: str, instance_path: Path, connections: int) -> Flask:
    """An app on the test database whose pool holds a connection for every thread at once (the
    default pool of 5 + 10 would make most threads queue for a connection instead of racing).
    The suite's app built the schema already; this one only connects."""
    previous = environ.get("MARKETPLACE_INSTANCE_PATH")
    try:
        app = make_app(
            database_url,
            instance_path,
            SQLALCHEMY_ENGINE_OPTIONS={
                "pool_size": connections,
                "max_overflow": 0,
                "pool_timeout": FINISH_TIMEOUT,
            },
        )
    finally:
        if previous is None:
            environ.pop("MARKETPLACE_INSTANCE_PATH", None)
        else:
            environ["MARKETPLACE_INSTANCE_PATH"] = previous
    with app.app_context():
        # Open every connection now, so the first round does not race connection set-up.
        opened = [db.engine.connect() for _ in range(connections)]
        for connection in opened:
            connection.close()
    return app


def close_app(app: Flask) -> None:
    with app.app_context():
        db.engine.dispose()
    index = app.extensions.pop("marketplace.search_index", None)
    if index is not None:
        index.close()


def outcome_of(error: BaseException) -> str:
    """A domain error's code (``unavailable`` for the 503 after retries); anything else is
    unexpected and says what it was."""
    if isinstance(error, DomainError):
        return error.code
    return f"unexpected {type(error).__name__}: {error}"


def run_together(count: int, attempt: Attempt) -> list[str]:
    """Run ``count`` attempts in threads released together by one barrier; their outcomes, in
    order of index."""
    barrier = threading.Barrier(count, timeout=BARRIER_TIMEOUT)
    outcomes = ["did not finish"] * count

    def run(index: int) -> None:
        passed = threading.Event()

        def start() -> None:
            barrier.wait()
            passed.set()

        try:
            outcomes[index] = attempt(index, start)
        except BaseException as error:  # recorded, so the test reports it, not the thread
            outcomes[index] = outcome_of(error)
            if not passed.is_set():
                # Failed on its way to the barrier: the others must not wait for it in vain.
                # (Aborting after the barrier let everyone go would break it for a thread
                # that was let go but has not woken up yet.)
                barrier.abort()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=FINISH_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a claim is still running"
    return outcomes


def unexpected(outcomes: list[str]) -> list[str]:
    return [outcome for outcome in outcomes if outcome.startswith(("unexpected", "did not"))]


def answer_of(status: int, body: dict[str, Any]) -> str:
    """``201 confirmed``, ``409 sold_out``: an HTTP status and what the body says happened;
    any 5xx is unexpected."""
    if status >= 500:
        return f"unexpected {status}: {body}"
    return f"{status} {body['error']['code'] if status >= 400 else body['status']}"


def new_claimants(count: int) -> list[int]:
    """Ids of ``count`` new residents, inserted in one batch."""
    residents = UserFactory.build_batch(count)
    db.session.add_all(residents)
    db.session.flush()
    return [resident.id for resident in residents]


@contextmanager
def session_of(app: Flask) -> Iterator[Any]:
    """A fresh app context (so a fresh session and connection) to set up or inspect data."""
    with app.app_context():
        yield db.session


# --- invariants, read from the database ----------------------------------------------------------


def held_units(listing_id: int) -> int:
    """Units held by pending, confirmed and picked-up claims of a listing."""
    return db.session.scalar(
        select(func.coalesce(func.sum(Reservation.quantity), 0)).where(
            Reservation.listing_id == listing_id, Reservation.status.in_(HOLDING_STATUSES)
        )
    )


def units_oversold(listing_id: int) -> int:
    """How many units more than the listing's quantity its holding claims hold (0 when none)."""
    listing = db.session.get(Listing, listing_id)
    return max(0, held_units(listing_id) - (listing.quantity or 0))


def assert_units_kept(listing_id: int) -> None:
    """Invariant 1 for units: held within the quantity, and the counter says what is held."""
    listing = db.session.get(Listing, listing_id)
    held = held_units(listing_id)
    assert held <= (listing.quantity or 0), f"listing {listing_id} oversold: {held} held"
    assert listing.units_reserved == held, "the counter disagrees with the reservations"


def assert_slot_kept(slot_id: int) -> None:
    """Invariant 1 for slots: bookings within the capacity, and ``booked`` says how many."""
    slot = db.session.get(ListingSlot, slot_id)
    held = db.session.scalar(
        select(func.coalesce(func.sum(Reservation.quantity), 0)).where(
            Reservation.slot_id == slot_id, Reservation.status.in_(HOLDING_STATUSES)
        )
    )
    assert held <= slot.capacity, f"slot {slot_id} overbooked: {held} of {slot.capacity}"
    assert slot.booked == held, "the slot's counter disagrees with the reservations"


def held_periods(listing_id: int) -> list[tuple[date, date]]:
    rows = db.session.execute(
        select(Reservation.starts_on, Reservation.ends_on).where(
            Reservation.listing_id == listing_id, Reservation.status.in_(HOLDING_STATUSES)
        )
    ).all()
    return [(row.starts_on, row.ends_on) for row in rows]


def overlapping_loans(listing_id: int) -> list[tuple[tuple[date, date], tuple[date, date]]]:
    """Invariant 2: pairs of holding lending periods of one item that share a day."""
    return [
        (first, second)
        for first, second in combinations(held_periods(listing_id), 2)
        if first[0] <= second[1] and second[0] <= first[1]
    ]
