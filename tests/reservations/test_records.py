"""A claim is written with one INSERT of the reservation, a transition with one UPDATE, each
with one INSERT of its event (``reservations.records``), and what a request answers with is
what was stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from marketplace.extensions import db
from marketplace.reservations import services, transitions
from marketplace.reservations.models import Reservation
from tests.factories import UserFactory
from tests.listing_factories import (
    DonationOfferFactory,
    ItemOfferFactory,
    LendOfferFactory,
    SkillOfferFactory,
)
from tests.reservation_factories import ReservationFactory, local_today
from tests.reservations.helpers import NOW, act
from tests.statements import one_by_one, statements_sent

# endpoint: (who asks, kind of listing, status before, body)
TRANSITIONS = {
    "confirm": ("owner", "give", "pending", {}),
    "decline": ("owner", "give", "pending", {"reason": "不方便"}),
    "cancel": ("claimant", "give", "confirmed", {}),
    "pickup": ("owner", "give", "confirmed", {}),
    "no-show": ("owner", "give", "confirmed", {}),
    "return": ("owner", "lend", "picked_up", {}),
    "complete": ("claimant", "give", "picked_up", {}),
}


def writes_to(table: str, sent: list[str]) -> list[str]:
    """The writes to ``table``, each on its own, also where one statement carried several."""
    return [
        statement
        for statement in one_by_one(sent)
        if statement.startswith((f"UPDATE {table} ", f"INSERT INTO {table} "))
    ]


@pytest.mark.parametrize("endpoint", list(TRANSITIONS))
def test_a_transition_writes_the_reservation_once_and_answers_with_what_it_stored(
    app: Flask,
    endpoint: str,
    owner_client: Any,
    claimant_client: Any,
    owner: Any,
    claimant: Any,
) -> None:
    asker, kind, status, body = TRANSITIONS[endpoint]
    client = owner_client if asker == "owner" else claimant_client
    listing = (ItemOfferFactory if kind == "give" else LendOfferFactory)(owner=owner)
    starts = {"starts_on": local_today()} if kind == "lend" else {}
    reservation = ReservationFactory(listing=listing, claimant=claimant, status=status, **starts)
    reservation_id = reservation.id
    code = {"code": reservation.pickup_code} if endpoint == "pickup" else {}

    with statements_sent(app) as sent:
        response = act(client, reservation_id, endpoint, **body, **code)

    assert response.status_code == 200, response.json
    assert [s.split()[0] for s in writes_to("reservations", sent)] == ["UPDATE"]
    assert [s.split()[0] for s in writes_to("reservation_events", sent)] == ["INSERT"]
    assert response.json == client.get(f"/api/v1/reservations/{reservation_id}").json
    assert [event["action"] for event in response.json["events"]] == [
        "claim",
        endpoint.replace("-", "_"),
    ]


def carried_together(sent: list[str], *writes: str) -> bool:
    """Whether one statement sent all of ``writes`` ("UPDATE reservations", ...)."""
    return any(all(f"{write} " in statement for write in writes) for statement in sent)


def test_on_postgresql_a_claim_and_its_cancel_send_their_last_writes_with_the_event(
    app: Flask, claimant_client: Any, owner: Any
) -> None:
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect != "postgresql":
        pytest.skip("SQLite runs in the process: each write is a call, not a round trip")
    listing_id = ItemOfferFactory(owner=owner, quantity=1).id

    with statements_sent(app) as claimed:
        response = claimant_client.post(f"/api/v1/listings/{listing_id}/reservations", json={})
    with statements_sent(app) as cancelled:
        assert act(claimant_client, response.json["id"], "cancel").status_code == 200

    assert response.status_code == 201, response.json
    # The claim took the last unit (the listing's counter and status, and its search outbox
    # row, changed); the cancel gave it back.
    assert carried_together(
        claimed,
        "INSERT INTO reservation_events",
        "INSERT INTO reservations",
        "UPDATE listings",
        "INSERT INTO notifications",
        "INSERT INTO search_outbox",
    ), claimed
    assert carried_together(
        cancelled,
        "UPDATE reservations",
        "INSERT INTO reservation_events",
        "UPDATE listings",
        "INSERT INTO notifications",
        "INSERT INTO search_outbox",
    ), cancelled
    # With BEGIN and COMMIT: the claim signs in, locks the claimant, reads the listing and
    # writes; the cancel signs in, locks the listing, then the reservation, and writes.
    assert len(claimed) == len(cancelled) == 6, (claimed, cancelled)


def claim_of(kind: str) -> tuple[Any, dict[str, Any]]:
    """An offer of ``kind`` and the body of a claim of it."""
    if kind == "lend":
        starts_on = local_today() + timedelta(days=1)
        return LendOfferFactory(), {
            "starts_on": starts_on.isoformat(),
            "ends_on": (starts_on + timedelta(days=2)).isoformat(),
        }
    if kind == "skill":
        skill = SkillOfferFactory()
        return skill, {"slot_id": skill.slots[0].id}
    if kind == "donation":
        donation = DonationOfferFactory(per_person_limit=None)
        return donation, {"quantity": 3, "pickup_window_id": donation.pickup_windows[0].id}
    return ItemOfferFactory(), {}


@pytest.mark.parametrize("kind", ["give", "donation", "lend", "skill"])
def test_a_claim_writes_one_row_and_answers_with_what_it_stored(
    app: Flask, client_as: Any, kind: str
) -> None:
    claimant = client_as(UserFactory())
    listing, body = claim_of(kind)
    listing_id, status = listing.id, "confirmed" if listing.auto_confirm else "pending"

    with statements_sent(app) as sent:
        response = claimant.post(f"/api/v1/listings/{listing_id}/reservations", json=body)

    assert response.status_code == 201, response.json
    assert [s.split()[0] for s in writes_to("reservations", sent)] == ["INSERT"]
    assert len(writes_to("reservation_events", sent)) == 1
    assert not [s for s in sent if s.startswith("SELECT") and "FROM reservation_events" in s]
    stored = claimant.get(f"/api/v1/reservations/{response.json['id']}").json
    assert response.json == stored
    assert (stored["quantity"], stored["overdue"], stored["close_reason"]) == (
        3 if kind == "donation" else 1,
        False,
        "",
    )
    assert [(e["action"], e["to_status"]) for e in stored["events"]] == [("claim", status)]


def test_an_event_recorded_while_the_history_is_not_loaded_is_read_with_the_rest(
    app_ctx: Any,
) -> None:
    waiting_id = ReservationFactory(status="waitlisted").id
    db.session.commit()
    db.session.expunge_all()
    reservation = db.session.get(Reservation, waiting_id)
    assert reservation is not None

    transitions.apply(reservation, "promote", None)

    history = [(event.action, event.to_status, event.at) for event in reservation.events]
    assert history == [("claim", "waitlisted", NOW), ("promote", "pending", NOW)]
    db.session.commit()
    db.session.expunge_all()
    stored = db.session.get(Reservation, waiting_id)
    assert stored is not None
    assert [(event.action, event.to_status) for event in stored.events] == [
        ("claim", "waitlisted"),
        ("promote", "pending"),
    ]
    assert stored.status == "pending"


def test_two_events_of_a_reservation_locked_once_get_ids_of_their_own(app_ctx: Any) -> None:
    """The id drawn with the lock (on PostgreSQL) serves the first event; the next one's INSERT
    gives it its own."""
    reservation_id = ReservationFactory(status="waitlisted").id
    db.session.commit()
    db.session.expunge_all()
    reservation, _listing = services._lock_with_listing(reservation_id)
    assert reservation is not None
    assert (reservation.next_event_id is not None) == (db.engine.dialect.name == "postgresql")

    transitions.apply(reservation, "promote", None)
    transitions.apply(reservation, "confirm", reservation.listing.owner)
    db.session.commit()
    db.session.expunge_all()

    stored = db.session.get(Reservation, reservation_id)
    assert stored is not None
    assert [(event.action, event.to_status) for event in stored.events] == [
        ("claim", "waitlisted"),
        ("promote", "pending"),
        ("confirm", "confirmed"),
    ]
    assert stored.status == "confirmed"


def test_a_change_the_session_holds_is_written_before_the_transition(app_ctx: Any) -> None:
    """A column set on the object before a transition is not lost to the transition's UPDATE,
    and the transition's own columns win over an earlier value set for them."""
    reservation = ReservationFactory(status="pending")
    db.session.commit()
    reservation.note = "改到周六"
    reservation.close_reason = "待定"  # the transition writes its own

    reservation_id = reservation.id
    transitions.apply(reservation, "decline", reservation.listing.owner, "不方便")
    db.session.commit()
    db.session.expunge_all()

    stored = db.session.get(Reservation, reservation_id)
    assert stored is not None
    assert (stored.note, stored.status, stored.close_reason) == ("改到周六", "declined", "不方便")


def test_a_claim_run_again_after_losing_a_race_late_in_it_is_stored_once(
    client_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first run inserted its reservation and event, then lost a race: the second run starts
    from a rolled-back session, which must not hold on to the first run's rows (SQLite even
    hands their ids out again)."""
    claimant = client_as(UserFactory())
    item = ItemOfferFactory(quantity=2)
    db.session.commit()
    lost = []

    def notify_losing_once(*args: Any, **kwargs: Any) -> None:
        if not lost:
            lost.append(True)
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        notify_provider(*args, **kwargs)

    notify_provider = services._notify_provider
    monkeypatch.setattr(services, "_notify_provider", notify_losing_once)

    response = claimant.post(f"/api/v1/listings/{item.id}/reservations", json={})

    assert response.status_code == 201, response.json
    assert lost == [True]
    assert response.json == claimant.get(f"/api/v1/reservations/{response.json['id']}").json
    stored = db.session.scalars(select(Reservation).where(Reservation.listing_id == item.id))
    assert [(r.id, len(r.events)) for r in stored] == [(response.json["id"], 1)]
