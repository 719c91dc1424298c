"""Declarative base, naming convention, UTC timestamps, engine tuning, row locking and how
requests end their transactions."""

from __future__ import annotations

import functools
import json
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from flask import has_request_context, request
from sqlalchemy import ColumnElement, DateTime, Engine, MetaData, Row, bindparam, event, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, joinedload, registry
from sqlalchemy.types import TypeDecorator
from werkzeug.routing import IntegerConverter, Map

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always returned timezone-aware.

    SQLite has no time zones, so values are stored as naive UTC there; PostgreSQL keeps
    ``timestamptz``. Naive input is refused so that local times never sneak in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def loads_json(text: str | bytes) -> Any:
    """Decode a JSON column: orjson, several times faster than the standard library on every
    page of listings (tags, photos); the standard library for text orjson refuses, such as a
    lone surrogate escape in a row written before the API refused those."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def one_of(column: ColumnElement[Any], name: str, count: int) -> ColumnElement[bool]:
    """``column IN (:name_0, ..., :name_<count-1>)``, given values by ``one_of_values``.

    For statements built once per count of values and run on every page of listings: an IN
    of one expanding parameter is rewritten into SQL again on every execution, this one is
    compiled once."""
    return column.in_(
        [bindparam(f"{name}_{position}", type_=column.type) for position in range(count)]
    )


def one_of_values(name: str, values: Sequence[Any]) -> dict[str, Any]:
    """The parameters of ``one_of(column, name, len(values))``."""
    return {f"{name}_{position}": value for position, value in enumerate(values)}


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def configure_engine(engine: Engine, busy_timeout_seconds: int) -> None:
    """Tune a freshly created engine for its database."""
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, busy_timeout_seconds)
    elif engine.dialect.name == "postgresql":
        _note_writes(engine)


# A connection's info key: its transaction changed something, or may have (a statement failed).
_WROTE = "marketplace.transaction_wrote"
# Statements that change nothing a commit would keep and a rollback would not.
_READING_STATEMENTS = ("SELECT", "BEGIN", "SAVEPOINT", "RELEASE")


def _note_writes(engine: Engine) -> None:
    """Keep track of whether each connection's transaction wrote anything (see
    ``end_transaction``)."""

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.info.pop(_WROTE, None)

    @event.listens_for(engine, "after_cursor_execute")
    def on_statement(
        connection: Any, cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        if context is not None and (context.isinsert or context.isupdate or context.isdelete):
            # A conditional update that matched nothing (a refused claim) wrote nothing.
            if cursor.rowcount != 0:
                connection.info[_WROTE] = True
        elif _first_word(statement) not in _READING_STATEMENTS:
            connection.info[_WROTE] = True  # SET, DDL, DML in text: changes, to be safe

    @event.listens_for(engine, "handle_error")
    def on_error(context: Any) -> None:
        if context.connection is not None:
            context.connection.info[_WROTE] = True


def _first_word(statement: str) -> str:
    words = statement[:40].split(None, 1)
    return words[0].upper() if words else ""


def end_transaction() -> None:
    """End the session's transaction: with COMMIT on PostgreSQL when it changed nothing, else
    with ROLLBACK. Changes never flushed are discarded either way.

    The two end the same for the data, but not for psycopg: on every rollback it forgets, and
    deallocates, the statements it had prepared on the connection, and PostgreSQL then parses
    and plans them afresh. SQLite's driver keeps its statement cache through a rollback.
    """
    from marketplace.extensions import db

    session = db.session()
    if not session.in_transaction():
        return
    if not _wrote_nothing_on_postgresql(session):
        session.rollback()
        return
    for instance in list(session.new):  # e.g. the reservation of a refused claim
        session.expunge(instance)
    for instance in list(session.dirty):
        session.expire(instance)
    try:
        session.commit()
    except SQLAlchemyError:
        session.rollback()


def _wrote_nothing_on_postgresql(session: Any) -> bool:
    if not session.is_active or session.deleted:
        return False  # a failed flush to roll back, or deletions not flushed
    connection = session.connection()
    return connection.dialect.name == "postgresql" and not connection.info.get(_WROTE)


def end_transactions_that_wrote_nothing(_error: BaseException | None) -> None:
    """Teardown on PostgreSQL, just before Flask-SQLAlchemy removes the session, which would
    roll back: every read-only request, and every refused claim, would cost psycopg its
    prepared statements (see ``end_transaction``)."""
    end_transaction()


def _configure_sqlite(engine: Engine, busy_timeout_seconds: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so that BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_seconds * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        mode = sqlite_begin_mode()
        if mode == "DEFERRED":
            # Takes no lock, so nothing can refuse it: sent straight to the driver, skipping
            # SQLAlchemy's statement machinery, which every read-only request would pay for.
            connection.connection.driver_connection.execute("BEGIN DEFERRED")
        else:
            connection.exec_driver_sql(f"BEGIN {mode}")


_reads_only: ContextVar[bool] = ContextVar("reads_only", default=False)


def sqlite_begin_mode() -> str:
    """IMMEDIATE (take the write lock at BEGIN) unless the transaction only reads.

    Writers that take the lock up front wait in the busy handler instead of failing with
    "database is locked" when they try to upgrade a read transaction. Safe HTTP methods never
    write, and neither does code inside ``read_only_transactions()``: they read from a WAL
    snapshot without queueing behind writers.
    """
    if _reads_only.get():
        return "DEFERRED"
    if has_request_context() and request.method in SAFE_METHODS:
        return "DEFERRED"
    return "IMMEDIATE"


@contextmanager
def read_only_transactions() -> Iterator[None]:
    """Transactions begun inside this block only read, so SQLite's write lock is not theirs to
    take (a process that holds another lock while it reads never waits for a writer)."""
    token = _reads_only.set(True)
    try:
        yield
    finally:
        _reads_only.reset(token)


ModelT = TypeVar("ModelT")


def lock_row(model: type[ModelT], row_id: Any, *joined: str) -> ModelT | None:
    """Load one row for update, holding a lock on it until the transaction ends.

    PostgreSQL takes a row lock (``SELECT ... FOR UPDATE``). SQLite ignores ``FOR UPDATE``,
    but every writing transaction there began with ``BEGIN IMMEDIATE`` and so already holds
    the database's write lock. The row is re-read even if the session had it cached.
    ``joined`` names relationships loaded with it in the same query (only the row itself is
    locked, not what is joined to it).
    """
    from marketplace.extensions import db

    statement = _lock_row_statement(model, joined)
    return db.session.execute(statement, {"row_id": row_id}).unique().scalar_one_or_none()


@functools.cache
def _lock_row_statement(model: type[Any], joined: tuple[str, ...]) -> Any:
    # Built once per model and relationships: claims and sweeps lock rows all the time.
    return (
        select(model)
        .where(model.id == bindparam("row_id", type_=model.id.type))
        .options(*(joinedload(getattr(model, name)) for name in joined))
        .with_for_update(of=model)
        .execution_options(populate_existing=True)
    )


def lock_columns(model: type[Any], row_id: Any, *names: str) -> Row[Any] | None:
    """Lock one row as ``lock_row`` does without loading it: the named columns' values as they
    are once the lock is held (on PostgreSQL, a change committed while this transaction waited
    for the lock is seen), or None when there is no such row."""
    from marketplace.extensions import db

    statement = _lock_columns_statement(model, names)
    return db.session.execute(statement, {"row_id": row_id}).first()


@functools.cache
def _lock_columns_statement(model: type[Any], names: tuple[str, ...]) -> Any:
    # Built once per model and columns: every claim runs one. Of the table's columns, not the
    # model's attributes: a statement that names no entity skips the ORM's part of every
    # execution.
    columns = model.__table__.c
    key = columns.id
    selected = [columns[name] for name in names] or [key]
    return select(*selected).where(key == bindparam("row_id", type_=key.type)).with_for_update()


def commit_keeping_objects() -> None:
    """Commit without expiring the session's objects.

    A service's last commit usually hands its objects to a response that shows what the
    transaction wrote; expiring them would read every one (and each relationship) back in a new
    transaction. Only for objects that do hold what was written: a conditional update that
    bypasses the unit of work must put its result into the object (see
    ``reservations.capacity``).
    """
    from marketplace.extensions import db

    session = db.session()
    previous = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = previous


class IdConverter(IntegerConverter):
    """``<int:...>`` in URLs, limited to ids a row can have, so a huge number is a plain 404."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


# PostgreSQL: deadlock, serialization failure, lock not available. SQLite: busy after timeout.
_CONTENTION_SQLSTATES = frozenset({"40P01", "40001", "55P03"})
_CONTENTION_MESSAGES = ("database is locked", "database table is locked")

F = TypeVar("F", bound=Callable[..., Any])


def is_contention(error: BaseException) -> bool:
    """Whether a database error means "lost a race, try again" rather than "wrong"."""
    original = getattr(error, "orig", None)
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if sqlstate in _CONTENTION_SQLSTATES:
        return True
    return any(message in str(original or error) for message in _CONTENTION_MESSAGES)


def retry_on_contention(attempts: int = 4) -> Callable[[F], F]:
    """Run a service again (from a rolled-back session) when it lost a database race; after
    ``attempts`` tries, answer 503 instead of a 500."""

    def decorate(service: F) -> F:
        @functools.wraps(service)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from marketplace.errors import Unavailable
            from marketplace.extensions import db

            for attempt in range(attempts):
                try:
                    return service(*args, **kwargs)
                except DBAPIError as exc:
                    if not is_contention(exc):
                        raise
                    db.session.rollback()
                    time.sleep(random.uniform(0.005, 0.02) * (2**attempt))
            raise Unavailable("The service is busy with the same thing; try again in a moment.")

        return wrapper  # type: ignore[return-value]

    return decorate
