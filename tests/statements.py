"""Counting the SQL statements a request sends, to show that a page costs the same number of
queries however many rows it holds (no query per row)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event

from marketplace.extensions import db


@contextmanager
def statements_sent(app: Flask) -> Iterator[list[str]]:
    """The statements sent inside the block, in order. What the test made is committed and the
    identity map emptied first, so that the request loads every row itself, as it would in a
    new session."""
    sent: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split()))

    db.session.commit()
    db.session.expunge_all()
    with app.app_context():  # (leaving it ends the test's transaction: commit first)
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def count_statements(app: Flask, request: Callable[[], Any]) -> list[str]:
    with statements_sent(app) as sent:
        request()
    return sent


def one_by_one(sent: list[str]) -> list[str]:
    """The statements with each data-modifying CTE of a WITH clause split out before the
    statement that carried it (``marketplace.db.insert_carrying``), so that a test can look at
    every write on its own."""
    return [part for statement in sent for part in _parts(statement)]


def _parts(statement: str) -> list[str]:
    parts = []
    rest = statement
    while rest.startswith(("WITH ", ", ")) and " AS (" in rest:
        start = rest.index(" AS (") + len(" AS (")
        depth = 1
        end = start
        while depth:
            depth += {"(": 1, ")": -1}.get(rest[end], 0)
            end += 1
        parts.append(rest[start : end - 1].strip())
        rest = rest[end:].lstrip()
    return [*parts, rest.lstrip(", ")]
