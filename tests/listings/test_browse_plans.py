"""Browsing public listings reads its page in order, and its total, from an index alone; so does
the review queue. No filter or order makes the database read or sort every public row of the
listings table (at 100,000 listings that took 150 ms a request on SQLite, 20 to 45 ms on
PostgreSQL).

How plans are read: ``tests.plans``. On PostgreSQL, a plan that sorts a page anyway has no index
that gives it in order."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask

from tests.factories import CommunityFactory
from tests.listing_factories import ItemOfferFactory, SkillOfferFactory
from tests.plans import Plans, plans_of


@contextmanager
def plans_of_listing_reads(app: Flask) -> Iterator[tuple[str, Plans]]:
    """The database's name, and its query plan of each statement sent inside the block that
    reads ``listings``."""
    with plans_of(app, _reads_listings) as found:
        yield found


def _reads_listings(statement: str) -> bool:
    return statement.lstrip().upper().startswith("SELECT") and "FROM listings" in statement


def sqlite_step_reads_rows(step: str) -> bool:
    """A plan step that visits listings rows one by one: a scan, or an index that does not hold
    every column the statement needs (a lookup by primary key visits only the rows it names)."""
    if "listings" not in step.split(" USING ")[0]:
        return False
    return not ("COVERING INDEX" in step or "PRIMARY KEY" in step)


def postgresql_wasted_steps(statement: str, nodes: list[str]) -> list[str]:
    """Steps that read listings without an index, or sort a page's rows (a page should come in
    order off an index and stop after the page)."""
    wasted = [node for node in nodes if node.startswith("Seq Scan on listings")]
    if "LIMIT" in statement:
        wasted += [node for node in nodes if "Sort" in node]
    return wasted


def sqlite_step_scans_or_sorts(step: str) -> bool:
    """A plan step that reads the whole listings table, or sorts what it read."""
    return step == "SCAN listings" or step.startswith("USE TEMP B-TREE")


def assert_read_from_indexes(database: str, plans: Plans, whole_rows: bool = False) -> None:
    """No statement reads listings without an index or sorts a page; with ``whole_rows`` the
    page's rows may be read (through the index), else every answer comes from an index."""
    assert plans
    for statement, steps in plans.items():
        if database == "postgresql":
            wasted = postgresql_wasted_steps(statement, steps)
        elif whole_rows:
            wasted = [step for step in steps if sqlite_step_scans_or_sorts(step)]
        else:
            wasted = [step for step in steps if sqlite_step_reads_rows(step)]
        assert not wasted, (statement, steps)


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

    with plans_of_listing_reads(app) as (database, plans):
        response = client.get(f"/api/v1/listings?{query.format(place=community.id)}")

    assert response.status_code == 200, response.get_json()
    assert any(statement.startswith("SELECT count(*)") for statement in plans)
    assert_read_from_indexes(database, plans)


def test_the_review_queue_reads_pending_listings_from_an_index(app, client_as, coordinator):
    ItemOfferFactory(moderation="pending")
    ItemOfferFactory()
    reviewer = client_as(coordinator)

    with plans_of_listing_reads(app) as (database, plans):
        response = reviewer.get("/api/v1/moderation/queue")

    assert response.status_code == 200, response.get_json()
    assert len(response.json["listings"]) == 1
    assert_read_from_indexes(database, plans, whole_rows=True)
