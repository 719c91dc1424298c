"""A listing's reservations are found by listing and status from one index: whether claims wait
when a cancel frees capacity, and which of them move up, read only the listing's waiting claims
however many reservations it had before. How plans are read: ``tests.plans``."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text

from marketplace.extensions import db
from tests.factories import UserFactory
from tests.listing_factories import ItemOfferFactory
from tests.plans import plans_of
from tests.reservation_factories import ReservationFactory
from tests.reservations.helpers import act, claim

LISTING_AND_STATUS = "ix_reservations_listing_id_status"
OTHERS_WAITING = 40


def _reads_a_listings_reservations(statement: str) -> bool:
    # SQLite's UPDATE ... RETURNING names the subquery's columns without their table.
    return "FROM reservations" in statement and re.search(r"\blisting_id = ", statement) is not None


def test_a_cancel_reads_the_listings_waiting_claims_by_listing_and_status(
    app: Any, client_as: Any
) -> None:
    item = ItemOfferFactory(quantity=1, per_person_limit=None)
    holder, waiter = client_as(UserFactory()), client_as(UserFactory())
    held = claim(holder, item)
    assert claim(waiter, item, waitlist=True).json["status"] == "waitlisted"

    # Waiting claims of another listing, so that an index of statuses alone is no shortcut,
    # and PostgreSQL's statistics counting them (its planner chooses by cost).
    ReservationFactory.create_batch(OTHERS_WAITING, status="waitlisted")
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE reservations"))

    with plans_of(app, _reads_a_listings_reservations) as (_database, plans):
        assert act(holder, held.json["id"], "cancel").status_code == 200

    # Whether claims wait (asked by the update that frees the unit), and which move up.
    assert len(plans) == 2, list(plans)
    for statement, steps in plans.items():
        assert any(LISTING_AND_STATUS in step for step in steps), (statement, steps)
