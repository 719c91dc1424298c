"""Browsing public listings reads its page in order, and its total, from an index alone; so does
the review queue. No filter or order makes the database read or sort every public row of the
listings table (at 100,000 listings that took 150 ms a request on SQLite, 20 to 45 ms on
PostgreSQL).

SQLite's plans are read with EXPLAIN QUERY PLAN. PostgreSQL chooses by cost, and for the few
rows of a test table a scan or a sort costs nothing, so its plans are read with sequential
scans and sorts switched off: what is left shows whether an index can give the rows, and give a
page in order (a plan that sorts anyway has no such index). They are read as generic plans
(those a prepared statement settles on): a partial index serves a query only if the query's own
text names the index's rows."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from psycopg import sql
from sqlalchemy import event

from marketplace.extensions import db
from tests.factories import CommunityFactory
from tests.listing_factories import ItemOfferFactory, SkillOfferFactory

Plans = dict[str, list[str]]


def sqlite_plan(cursor: Any, statement: str, parameters: Any) -> list[str]:
    rows = cursor.connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
    return [row[3] for row in rows.fetchall()]


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def postgresql_generic_plan(cursor: Any, statement: str, parameters: dict[str, Any]) -> list[str]:
    """The plan's nodes as "<node type> [on <relation>] [using <index>]", from a generic plan
    of the statement prepared with numbered parameters."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        names.append(match.group(1))
        return f"${len(names)}"

    connection = cursor.connection
    connection.execute("SET LOCAL enable_seqscan = off")
    connection.execute("SET LOCAL enable_sort = off")
    connection.execute("SET LOCAL plan_cache_mode = force_generic_plan")
    connection.execute(f"PREPARE browse_plan AS {_PLACEHOLDER.sub(number, statement)}")
    try:
        # EXECUTE takes no bound parameters: the values are written in as literals.
        arguments = sql.SQL(", ").join(sql.Literal(parameters[name]) for name in names)
        execute = sql.SQL("EXPLAIN (FORMAT JSON) EXECUTE browse_plan")
        if names:
            execute += sql.SQL("({})").format(arguments)
        (plan,) = connection.execute(execute).fetchone()
    finally:
        connection.execute("DEALLOCATE browse_plan")
    document = plan if isinstance(plan, list) else json.loads(plan)
    return list(_nodes(document[0]["Plan"]))


def _nodes(node: dict[str, Any]) -> Iterator[str]:
    described = node["Node Type"]
    if "Relation Name" in node:
        described += f" on {node['Relation Name']}"
    if "Index Name" in node:
        described += f" using {node['Index Name']}"
    yield described
    for child in node.get("Plans", []):
        yield from _nodes(child)


@contextmanager
def plans_of_listing_reads(app: Flask) -> Iterator[tuple[str, Plans]]:
    """The database's name, and its query plan of each statement sent inside the block that
    reads ``listings``."""
    plans: Plans = {}
    db.session.commit()  # leaving the app context below ends the test's transaction
    with app.app_context():
        engine = db.engine
    planner = sqlite_plan if engine.dialect.name == "sqlite" else postgresql_generic_plan

    def explain(_connection: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM listings" in statement:
            plans[" ".join(statement.split())] = planner(cursor, statement, parameters)

    event.listen(engine, "before_cursor_execute", explain)
    try:
        yield engine.dialect.name, plans
    finally:
        event.remove(engine, "before_cursor_execute", explain)


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
