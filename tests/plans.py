"""Reading the database's query plans of the statements a request sends, to show that they read
what they need from an index.

SQLite's plans are read with EXPLAIN QUERY PLAN. PostgreSQL chooses by cost, and for the few
rows of a test table a scan or a sort costs nothing, so its plans are read with sequential
scans and sorts switched off: what is left shows whether an index can give the rows, and give
them in order. They are read as generic plans (those a prepared statement settles on): a partial
index serves a query only if the query's own text names the index's rows. Explaining a
statement runs nothing, UPDATE included."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from psycopg import sql
from sqlalchemy import event

from marketplace.extensions import db

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
    connection.execute(f"PREPARE explained AS {_PLACEHOLDER.sub(number, statement)}")
    try:
        # EXECUTE takes no bound parameters: the values are written in as literals.
        arguments = sql.SQL(", ").join(sql.Literal(parameters[name]) for name in names)
        execute = sql.SQL("EXPLAIN (FORMAT JSON) EXECUTE explained")
        if names:
            execute += sql.SQL("({})").format(arguments)
        (plan,) = connection.execute(execute).fetchone()
    finally:
        connection.execute("DEALLOCATE explained")
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
def plans_of(app: Flask, wanted: Callable[[str], bool]) -> Iterator[tuple[str, Plans]]:
    """The database's name, and its query plan of each statement sent inside the block that
    ``wanted`` picks (given the statement's text)."""
    plans: Plans = {}
    db.session.commit()  # leaving the app context below ends the test's transaction
    with app.app_context():
        engine = db.engine
    planner = sqlite_plan if engine.dialect.name == "sqlite" else postgresql_generic_plan

    def explain(_connection: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if wanted(statement):
            plans[" ".join(statement.split())] = planner(cursor, statement, parameters)

    event.listen(engine, "before_cursor_execute", explain)
    try:
        yield engine.dialect.name, plans
    finally:
        event.remove(engine, "before_cursor_execute", explain)
