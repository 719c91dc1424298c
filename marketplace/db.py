"""Declarative base, naming convention, UTC timestamps, engine tuning, row locking, writes sent
together and how requests end their transactions."""

from __future__ import annotations

import functools
import json
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

import orjson
from flask import has_request_context, request
from sqlalchemy import (
    ColumnElement,
    CursorResult,
    DateTime,
    Engine,
    Executable,
    Integer,
    MetaData,
    Row,
    String,
    Table,
    bindparam,
    event,
    literal,
    select,
)
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, joinedload, registry
from sqlalchemy.sql.functions import FunctionElement
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
    _send_deferred_writes(engine)


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


# --- writes sent together ------------------------------------------------------------------------

# A connection's info key: the plain writes waiting for the transaction's next statement.
_DEFERRED = "marketplace.deferred_writes"
# This many waiting writes go out at once, so that a statement never grows without bound.
MOST_DEFERRED_WRITES = 8
# An execution option: the statement reads nothing the waiting writes change, so they may wait
# on past it for the next statement (``insert_carrying``).
PASSES_DEFERRED_WRITES = "marketplace_passes_deferred_writes"


class _Shape(NamedTuple):
    """What a deferred write's statement looks like: the table, the columns it sets, whether
    it updates the row with a given id (else it inserts one), and the columns of an update that
    move by the value given rather than take it."""

    table: Table
    columns: tuple[str, ...]
    updates: bool
    moved: frozenset[str] = frozenset()


class _Write(NamedTuple):
    shape: _Shape
    parameters: dict[str, Any]  # by column name; an update's row id under "where_id"


def defer_insert(table: Table, values: dict[str, Any], session: Any = None) -> None:
    """INSERT a row that nothing reads back in this transaction (an event's notification, a
    search outbox row), with the transaction's next statement rather than on its own.

    On PostgreSQL every statement is a round trip, and a data-modifying CTE lets one statement
    make several writes: the waiting writes ride with the next statement that can carry them
    (``insert_carrying``). Any other statement, and the commit, first sends them on their own,
    so no read in the transaction misses them; a rollback drops them. SQLite, which runs in the
    process and has no such CTEs, sends them one by one at those same moments. ``session``:
    the one whose transaction writes (by default the app's)."""
    shape = _Shape(table, tuple(values), updates=False)
    _write_statement(shape, _CARRIER)  # built now, so that a wrong shape fails here
    _defer(_Write(shape, values), session)


def defer_update(
    table: Table, row_id: Any, values: dict[str, Any], moved: frozenset[str] = frozenset()
) -> None:
    """UPDATE one row by its id, as ``defer_insert`` sends an INSERT. The columns named in
    ``moved`` are counters: each moves by its value (``SET n = n + :value``), so the update
    adds to whatever the row holds when it runs, and a CHECK constraint on the counter still
    judges the result."""
    shape = _Shape(table, tuple(values), updates=True, moved=moved)
    _defer(_Write(shape, {**values, "where_id": row_id}), None)


def _defer(write: _Write, session: Any) -> None:
    from marketplace.extensions import db

    connection = (session or db.session()).connection()
    waiting = connection.info.setdefault(_DEFERRED, [])
    if write.shape.updates and any(
        other.shape.updates
        and other.shape.table is write.shape.table
        and other.parameters["where_id"] == write.parameters["where_id"]
        for other in waiting
    ):
        # One statement may not change a row twice: the earlier change goes out first.
        _send_waiting(connection)
        waiting = connection.info.setdefault(_DEFERRED, [])
    waiting.append(write)
    connection.info[_WROTE] = True  # the transaction must not be committed as read-only
    if len(waiting) >= MOST_DEFERRED_WRITES:
        _send_waiting(connection)


class _NextId(FunctionElement[int]):
    type = Integer()
    inherit_cache = True


@compiles(_NextId)
def _no_sequence(_element: _NextId, _compiler: Any, **_kw: Any) -> str:
    return "NULL"


@compiles(_NextId, "postgresql")
def _next_in_sequence(element: _NextId, compiler: Any, **kw: Any) -> str:
    return f"nextval(pg_get_serial_sequence({compiler.process(element.clauses, **kw)}))"


def next_id(table: Table) -> ColumnElement[int]:
    """SQL: an id for a new row of ``table``, drawn from its id column's sequence on
    PostgreSQL, so that the row's INSERT can be deferred (``defer_insert``) while the writes
    that refer to it are made; NULL on SQLite, which has no sequences and gives a row its id
    when it is inserted."""
    return _NextId(literal(table.name, String), literal("id", String))


def insert_carrying(
    table: Table, values: dict[str, Any], returning: tuple[Any, ...] = ()
) -> CursorResult[Any]:
    """INSERT a row into ``table`` with the deferred writes, in one statement on PostgreSQL,
    returning the ``returning`` columns of the new row. For a row whose INSERT reads none of
    the rows those writes change: the parts of one statement all see the database as it was
    before any of them ran."""
    from marketplace.extensions import db

    connection = db.session.connection()
    statement = _carrier(_Shape(table, tuple(values), updates=False), returning)
    parameters = _prefixed(_CARRIER, values)
    waiting = connection.info.pop(_DEFERRED, None)
    if not waiting:
        return connection.execute(statement, parameters)
    return _execute_with(connection, statement, parameters, waiting)


def _send_waiting(connection: Any) -> None:
    waiting = connection.info.pop(_DEFERRED, None)
    if not waiting:
        return
    if connection.dialect.name != "postgresql":
        for write in waiting:
            _send_alone(connection, write)
        return
    first, *rest = waiting
    statement = _write_statement(first.shape, _CARRIER)
    _execute_with(connection, statement, _prefixed(_CARRIER, first.parameters), rest)


def _send_alone(connection: Any, write: _Write) -> None:
    statement = _write_statement(write.shape, _CARRIER)
    connection.execute(statement, _prefixed(_CARRIER, write.parameters))


def _execute_with(
    connection: Any, statement: Executable, parameters: dict[str, Any], writes: list[_Write]
) -> CursorResult[Any]:
    if connection.dialect.name != "postgresql":
        for write in writes:
            _send_alone(connection, write)
        return connection.execute(statement, parameters)
    combined = _carrying(statement, tuple(write.shape for write in writes))
    every = dict(parameters)
    for position, write in enumerate(writes):
        every.update(_prefixed(_prefix(position), write.parameters))
    return connection.execute(combined, every)


# Every parameter of a combined statement has a prefix no column name has: a parameter named
# like a column of a table that a part of the statement writes would be written there too.
_CARRIER = "row_"


def _prefix(position: int) -> str:
    return f"write{position}_"


def _prefixed(prefix: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {prefix + name: value for name, value in parameters.items()}


@functools.lru_cache(maxsize=32)
def _carrier(shape: _Shape, returning: tuple[Any, ...]) -> Executable:
    statement = _write_statement(shape, _CARRIER)
    return statement.returning(*returning) if returning else statement  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=128)
def _write_statement(shape: _Shape, prefix: str) -> Executable:
    # Built once per shape (and place in a combined statement).
    columns = shape.table.c
    values: dict[str, Any] = {
        name: bindparam(prefix + name, type_=columns[name].type) for name in shape.columns
    }
    for name in shape.moved:
        values[name] = columns[name] + values[name]
    if not shape.updates:
        # Column defaults are not applied to an INSERT that is a part of another statement.
        defaulted = [c.key for c in columns if c.default is not None and c.key not in values]
        if defaulted:
            raise ValueError(f"a deferred INSERT into {shape.table.name} must set {defaulted}")
        return shape.table.insert().values(values).inline()  # no new id to return
    key = columns.id
    where = key == bindparam(prefix + "where_id", type_=key.type)
    return shape.table.update().where(where).values(values)


@functools.lru_cache(maxsize=128)
def _carrying(statement: Executable, shapes: tuple[_Shape, ...]) -> Executable:
    """``statement`` with the writes of ``shapes`` as data-modifying CTEs. Built once for each
    statement and sequence of shapes: a claim or a cancel repeats the same few."""
    writes = [
        _write_statement(shape, _prefix(position)).cte(f"write{position}")  # type: ignore[attr-defined]
        for position, shape in enumerate(shapes)
    ]
    return statement.add_cte(*writes)  # type: ignore[attr-defined]


def _send_deferred_writes(engine: Engine) -> None:
    """Deferred writes go out before any other statement and before the commit; a rollback,
    or a new transaction, drops what is left of them."""

    @event.listens_for(engine, "before_execute")
    def before_statement(
        connection: Any, _statement: Any, _multi: Any, _params: Any, options: Any
    ) -> None:
        if connection.info.get(_DEFERRED) and not options.get(PASSES_DEFERRED_WRITES):
            _send_waiting(connection)

    @event.listens_for(engine, "commit")
    def before_commit(connection: Any) -> None:
        if connection.info.get(_DEFERRED):
            _send_waiting(connection)

    @event.listens_for(engine, "rollback")
    @event.listens_for(engine, "begin")
    def drop_waiting(connection: Any) -> None:
        connection.info.pop(_DEFERRED, None)

    @event.listens_for(engine, "checkin")
    def drop_waiting_on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info.pop(_DEFERRED, None)  # a connection handed back mid-transaction


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
