"""Browsing public listings reads its page and its total from an index alone: no filter or
order makes SQLite read every public row of the listings table (at 100,000 listings that took
150 ms a request). SQLite's plans are checked; PostgreSQL plans by its own statistics."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from marketplace.extensions import db
from tests.factories import CommunityFactory
from tests.listing_factories import ItemOfferFactory, SkillOfferFactory


@contextmanager
def plans_of_listing_reads(app: Flask) -> Iterator[dict[str, list[str]]]:
    """SQLite's query plan of each statement sent inside the block that reads ``listings``."""
    plans: dict[str, list[str]] = {}

    def explain(_connection: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM listings" in statement:
            rows = cursor.connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plans[" ".join(statement.split())] = [row[3] for row in rows.fetchall()]

    db.session.commit()  # leaving the app context below ends the test's transaction
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("checks SQLite's query plans")
    event.listen(engine, "before_cursor_execute", explain)
    try:
        yield plans
    finally:
        event.remove(engine, "before_cursor_execute", explain)


def reads_rows_of_the_table(step: str) -> bool:
    """A plan step that visits listings rows one by one: a scan, or an index that does not hold
    every column the statement needs (a lookup by primary key visits only the rows it names)."""
    if "listings" not in step.split(" USING ")[0]:
        return False
    return not ("COVERING INDEX" in step or "PRIMARY KEY" in step)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "sort=newest&page=2",
        "side=offer",
        "kind=skill&sort=ending_soon",
        "category=tools&side=offer&kind=item",
        "kind=donation&available=true",
        "available=false&sort=ending_soon&page=3",
        "place_id={place}",
    ],
)
def test_a_browse_reads_its_page_and_total_from_an_index(app, client, query):
    community = CommunityFactory()
    ItemOfferFactory(place=community, category="tools")
    SkillOfferFactory(place=community)

    with plans_of_listing_reads(app) as plans:
        response = client.get(f"/api/v1/listings?{query.format(place=community.id)}")

    assert response.status_code == 200, response.get_json()
    assert any(statement.startswith("SELECT count(*)") for statement in plans)
    for statement, steps in plans.items():
        assert not [step for step in steps if reads_rows_of_the_table(step)], (statement, steps)
