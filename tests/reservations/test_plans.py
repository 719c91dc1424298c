"""A listing's reservations are found by listing and status from one index: whether claims wait
when a cancel frees capacity, and which of them move up, read only the listing's waiting claims
however many reservations it had before. How plans are read: ``tests.plans``.

Read on SQLite, whose planner takes the index that matches the most columns of the condition.
PostgreSQL chooses by cost among the listing-and-status index and the status index, and for a
test table's few rows either choice is sound; the migration test checks that its schema has the
index the models declare."""

from __future__ import annotations

import re
from typing import Any

import pytest

from marketplace.extensions import db
from tests.factories import UserFactory
from tests.listing_factories import ItemOfferFactory
from tests.plans import plans_of
from tests.reservations.helpers import act, claim

LISTING_AND_STATUS = "ix_reservations_listing_id_status"


def _reads_a_listings_reservations(statement: str) -> bool:
    # SQLite's UPDATE ... RETURNING names the subquery's columns without their table.
    return "FROM reservations" in statement and re.search(r"\blisting_id = ", statement) is not None


def test_a_cancel_reads_the_listings_waiting_claims_by_listing_and_status(
    app: Any, client_as: Any
) -> None:
    if db.session.connection().dialect.name != "sqlite":
        pytest.skip("PostgreSQL chooses among fitting indexes by cost (see the module's doc)")
    item = ItemOfferFactory(quantity=1, per_person_limit=None)
    holder, waiter = client_as(UserFactory()), client_as(UserFactory())
    held = claim(holder, item)
    assert claim(waiter, item, waitlist=True).json["status"] == "waitlisted"

    with plans_of(app, _reads_a_listings_reservations) as (_database, plans):
        assert act(holder, held.json["id"], "cancel").status_code == 200

    # Whether claims wait (asked with the locked reservation), and which move up.
    assert len(plans) == 2, list(plans)
    for statement, steps in plans.items():
        assert any(LISTING_AND_STATUS in step for step in steps), (statement, steps)
