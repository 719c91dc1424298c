"""Writes sent together (``marketplace.db.defer_insert``, ``defer_update``, ``insert_carrying``):
a deferred write reaches the database before anything reads it, commits with its transaction,
disappears with a rollback, and on PostgreSQL rides in the statement that carries it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from marketplace import clock
from marketplace.db import (
    MOST_DEFERRED_WRITES,
    PASSES_DEFERRED_WRITES,
    defer_insert,
    defer_update,
    end_transaction,
    insert_carrying,
)
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.reservations.models import Reservation, ReservationEvent
from tests.factories import UserFactory
from tests.reservation_factories import ReservationFactory
from tests.statements import statements_sent

NOTIFICATIONS = Notification.__table__
RESERVATIONS = Reservation.__table__
EVENTS = ReservationEvent.__table__


def notify(user_id: int, kind: str = "hello") -> None:
    defer_insert(
        NOTIFICATIONS,
        {"user_id": user_id, "kind": kind, "payload": {"n": 1}, "created_at": clock.now()},
    )


def notifications_of(user_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.kind).where(Notification.user_id == user_id).order_by("id")
        )
    )


def without_savepoints(sent: list[str]) -> list[str]:
    """The statements sent, less the test session's own savepoints."""
    return [statement for statement in sent if not statement.startswith("SAVEPOINT ")]


def on_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def event_values(reservation_id: int, note: str = "") -> dict[str, Any]:
    return {
        "reservation_id": reservation_id,
        "action": "confirm",
        "from_status": "pending",
        "to_status": "confirmed",
        "actor_id": None,
        "at": clock.now(),
        "note": note,
    }


def test_a_deferred_insert_is_there_for_the_next_statement(app_ctx):
    user_id = UserFactory().id
    db.session.flush()

    notify(user_id)

    assert notifications_of(user_id) == ["hello"]


def notifications_after(app: Any, transaction: Callable[[int], None]) -> list[str]:
    """What a user's inbox holds after ``transaction(user_id)`` ran in its own app context."""
    with app.app_context():
        user_id = UserFactory().id
        db.session.commit()
        transaction(user_id)
    with app.app_context():
        return notifications_of(user_id)


def test_deferred_writes_commit_with_their_transaction(committed):
    def two_then_commit(user_id: int) -> None:
        notify(user_id, "first")
        notify(user_id, "second")
        db.session.commit()  # nothing was sent after them: the commit sends them

    assert sorted(notifications_after(committed, two_then_commit)) == ["first", "second"]


def test_a_rollback_drops_deferred_writes_and_the_next_transaction_does_not_send_them(
    committed,
):
    def rolled_back_then_another(user_id: int) -> None:
        notify(user_id, "dropped")
        db.session.rollback()
        notify(user_id, "kept")
        db.session.commit()

    assert notifications_after(committed, rolled_back_then_another) == ["kept"]


def test_a_transaction_with_deferred_writes_is_not_committed_as_read_only(committed):
    def refused_request(user_id: int) -> None:
        notify(user_id, "refused request")
        end_transaction()  # how a request that failed after deferring a write ends

    assert notifications_after(committed, refused_request) == []


def test_the_carrying_insert_sends_the_waiting_writes_in_its_statement(app_ctx):
    reservation = ReservationFactory(status="pending")
    db.session.flush()
    reservation_id, claimant_id = reservation.id, reservation.claimant_id

    with statements_sent(app_ctx) as sent:
        defer_update(RESERVATIONS, reservation_id, {"status": "confirmed"})
        notify(claimant_id)
        new_id = insert_carrying(EVENTS, event_values(reservation_id), (EVENTS.c.id,)).scalar()

    sent = without_savepoints(sent)
    assert len(sent) == (1 if on_postgresql() else 3)
    assert sent[-1].startswith("WITH " if on_postgresql() else "INSERT INTO reservation_events")
    assert db.session.get(Reservation, reservation_id).status == "confirmed"
    assert db.session.get(ReservationEvent, new_id).action == "confirm"
    assert notifications_of(claimant_id) == ["hello"]


def test_a_carried_parameter_named_like_a_column_is_not_written_to_other_tables(app_ctx):
    # The event's note must not become the reservation's note in the combined statement.
    reservation = ReservationFactory(status="pending", note="请放门口")
    db.session.flush()

    defer_update(RESERVATIONS, reservation.id, {"status": "confirmed"})
    insert_carrying(EVENTS, event_values(reservation.id, note="owner's note"), (EVENTS.c.id,))

    db.session.expire_all()
    stored = db.session.get(Reservation, reservation.id)
    assert (stored.status, stored.note) == ("confirmed", "请放门口")


def test_two_deferred_updates_of_one_row_both_land_in_order(app_ctx):
    reservation = ReservationFactory(status="pending")
    db.session.flush()

    defer_update(RESERVATIONS, reservation.id, {"status": "confirmed", "note": "a"})
    defer_update(RESERVATIONS, reservation.id, {"note": "b"})
    insert_carrying(EVENTS, event_values(reservation.id), (EVENTS.c.id,))

    db.session.expire_all()
    stored = db.session.get(Reservation, reservation.id)
    assert (stored.status, stored.note) == ("confirmed", "b")


def test_a_moved_column_adds_to_what_the_row_holds_when_the_write_runs(app_ctx):
    reservation = ReservationFactory(status="pending", pickup_failures=1)
    db.session.flush()

    defer_update(
        RESERVATIONS,
        reservation.id,
        {"pickup_failures": 2, "note": "moved"},
        moved=frozenset({"pickup_failures"}),
    )
    # Another change of the counter lands first: the move adds to it rather than overwrite it.
    db.session.execute(
        RESERVATIONS.update()
        .where(RESERVATIONS.c.id == reservation.id)
        .values(pickup_failures=RESERVATIONS.c.pickup_failures + 10)
    )
    defer_update(
        RESERVATIONS, reservation.id, {"pickup_failures": -4}, moved=frozenset({"pickup_failures"})
    )
    insert_carrying(EVENTS, event_values(reservation.id), (EVENTS.c.id,))

    db.session.expire_all()
    stored = db.session.get(Reservation, reservation.id)
    assert (stored.pickup_failures, stored.note) == (1 + 2 + 10 - 4, "moved")


def test_a_statement_that_passes_them_leaves_the_writes_waiting(app_ctx):
    user_id = UserFactory().id
    db.session.flush()
    passing = select(func.count(Notification.id)).execution_options(
        **{PASSES_DEFERRED_WRITES: True}
    )

    with statements_sent(app_ctx) as sent:
        notify(user_id)
        before = db.session.scalar(passing)
        after = db.session.scalar(select(func.count(Notification.id)))

    assert (before, after) == (0, 1)
    assert (
        len(without_savepoints(sent)) == 3
    )  # the passing count, the waiting INSERT, the plain count


def test_many_deferred_writes_go_out_before_the_statement_grows_without_bound(app_ctx):
    user_id = UserFactory().id
    db.session.flush()
    counting = select(func.count(Notification.id)).execution_options(
        **{PASSES_DEFERRED_WRITES: True}
    )

    with statements_sent(app_ctx) as sent:
        for number in range(MOST_DEFERRED_WRITES):
            notify(user_id, f"n{number}")

    assert len(without_savepoints(sent)) == (1 if on_postgresql() else MOST_DEFERRED_WRITES)
    assert db.session.scalar(counting) == MOST_DEFERRED_WRITES


def test_a_deferred_insert_must_set_the_columns_that_have_defaults(app_ctx):
    user_id = UserFactory().id
    db.session.flush()

    with pytest.raises(ValueError, match="created_at"):
        defer_insert(NOTIFICATIONS, {"user_id": user_id, "kind": "x", "payload": {}})
