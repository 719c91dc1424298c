"""Database plumbing: SQLite tuning, write transactions that queue instead of failing, row
locks, UTC timestamps, constraint names, and how a request ends its transaction on PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, func, insert, inspect, select, text, update
from sqlalchemy.exc import OperationalError, StatementError

from marketplace.accounts.services import create_token
from marketplace.db import loads_json, lock_row
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.places.models import Place
from marketplace.reservations.models import Reservation
from tests.factories import SubdistrictFactory, UserFactory
from tests.listing_factories import DonationOfferFactory, ItemOfferFactory

# How long the first of two overlapping writers keeps its transaction open.
HOLD_SECONDS = 0.3


def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite-specific: PostgreSQL has row locks and no database write lock")


def run_in_threads(*targets):
    """Run each target in its own thread; re-raise the first failure of any of them."""
    failures: list[BaseException] = []

    def guarded(target):
        def run():
            try:
                target()
            except BaseException as failure:
                failures.append(failure)

        return run

    threads = [threading.Thread(target=guarded(target)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a thread is still waiting after 30 seconds"
    return failures


def committed_root(app) -> int:
    with app.app_context():
        root = Place(kind="subdistrict", name="雕庄街道", depth=0)
        db.session.add(root)
        db.session.flush()
        root.path = f"/{root.id}/"
        db.session.commit()
        return root.id


def add_community(connection, root_id: int, name: str) -> None:
    connection.execute(
        insert(Place).values(
            parent_id=root_id, kind="community", name=name, path="", depth=1, description=""
        )
    )


def community_count(connection, root_id: int) -> int:
    return connection.scalar(select(func.count(Place.id)).where(Place.parent_id == root_id))


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(committed):
    app = committed
    with app.app_context():
        sqlite_only(app)
        with db.engine.connect() as connection:
            journal_mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
            foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
            busy_timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()

    assert journal_mode == "wal"
    assert foreign_keys == 1
    assert busy_timeout == app.config["SQLITE_BUSY_TIMEOUT"] * 1000
    assert busy_timeout > 0


def test_overlapping_sqlite_writers_queue_instead_of_failing(committed):
    """Both transactions read, then write; the second waits at BEGIN for the first to commit."""
    app = committed
    with app.app_context():
        sqlite_only(app)
    root_id = committed_root(app)
    first_began = threading.Event()
    moments: dict[str, float] = {}

    def first_writer():
        with app.app_context(), db.engine.connect() as connection, connection.begin():
            seen = community_count(connection, root_id)
            first_began.set()
            time.sleep(HOLD_SECONDS)
            add_community(connection, root_id, f"社区{seen}")
            moments["first_commits"] = time.monotonic()

    def second_writer():
        assert first_began.wait(timeout=10)
        with app.app_context(), db.engine.connect() as connection, connection.begin():
            moments["second_began"] = time.monotonic()
            seen = community_count(connection, root_id)
            add_community(connection, root_id, f"社区{seen}")

    failures = run_in_threads(first_writer, second_writer)

    assert failures == []
    assert moments["second_began"] >= moments["first_commits"]
    with app.app_context(), db.engine.connect() as connection:
        names = connection.scalars(select(Place.name).where(Place.parent_id == root_id)).all()
    assert sorted(names) == ["社区0", "社区1"]


def test_deferred_sqlite_read_then_write_would_fail_with_database_locked(committed):
    """What BEGIN IMMEDIATE prevents: read-only (GET) requests begin DEFERRED, and two deferred
    transactions that both read and then write cannot both commit."""
    app = committed
    with app.app_context():
        sqlite_only(app)
    root_id = committed_root(app)
    both_read = threading.Barrier(2, timeout=10)

    def deferred_writer(name):
        def write():
            with (
                app.test_request_context(method="GET"),
                db.engine.connect() as connection,
                connection.begin(),
            ):
                community_count(connection, root_id)
                both_read.wait()
                add_community(connection, root_id, name)

        return write

    failures = run_in_threads(deferred_writer("社区A"), deferred_writer("社区B"))

    assert len(failures) == 1
    assert isinstance(failures[0], OperationalError)
    assert "database is locked" in str(failures[0])


def test_lock_row_blocks_a_second_connections_lock_until_the_first_commits(committed):
    app = committed
    root_id = committed_root(app)
    first_locked = threading.Event()
    moments: dict[str, float] = {}
    seen_by_second: dict[str, str] = {}

    def first_transaction():
        with app.app_context():
            root = lock_row(Place, root_id)
            first_locked.set()
            time.sleep(HOLD_SECONDS)
            root.description = "changed by the first transaction"
            moments["first_commits"] = time.monotonic()
            db.session.commit()

    def second_transaction():
        assert first_locked.wait(timeout=10)
        with app.app_context(), db.engine.connect() as connection, connection.begin():
            row = connection.execute(
                select(Place.description).where(Place.id == root_id).with_for_update()
            ).one()
            moments["second_locked"] = time.monotonic()
            seen_by_second["description"] = row.description

    failures = run_in_threads(first_transaction, second_transaction)

    assert failures == []
    assert moments["second_locked"] >= moments["first_commits"]
    assert seen_by_second["description"] == "changed by the first transaction"


def test_postgresql_lock_row_takes_a_row_lock_and_leaves_other_rows_free(committed):
    app = committed
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL-specific: SQLite locks the whole database, not rows")
    root_id = committed_root(app)
    with app.app_context():
        other = Place(parent_id=root_id, kind="community", name="清溪村", depth=1, path="")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    first_locked = threading.Event()
    second_done = threading.Event()

    def first_transaction():
        with app.app_context():
            lock_row(Place, root_id)
            first_locked.set()
            assert second_done.wait(timeout=10), "a lock on another row waited for this one"
            db.session.commit()

    def second_transaction():
        assert first_locked.wait(timeout=10)
        with app.app_context(), db.engine.connect() as connection, connection.begin():
            connection.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
            connection.execute(select(Place.id).where(Place.id == other_id).with_for_update())
        second_done.set()

    assert run_in_threads(first_transaction, second_transaction) == []


def test_lock_row_rereads_a_row_the_session_already_holds(app_ctx):
    root = SubdistrictFactory(name="雕庄街道")
    db.session.execute(
        update(Place)
        .where(Place.id == root.id)
        .values(description="changed behind the session's back")
        .execution_options(synchronize_session=False)
    )
    assert root.description == ""

    locked = lock_row(Place, root.id)

    assert locked is root
    assert locked.description == "changed behind the session's back"


def test_lock_row_of_a_missing_row_is_none(app_ctx):
    root = SubdistrictFactory()

    assert lock_row(Place, root.id + 1000) is None


def test_naive_datetime_is_refused(app_ctx):
    with pytest.raises(StatementError, match="naive datetime"):
        SubdistrictFactory(created_at=datetime(2026, 3, 1, 8, 30))


def test_timestamps_are_stored_as_utc_and_read_back_aware(app_ctx):
    shanghai = timezone(timedelta(hours=8))
    root = SubdistrictFactory(created_at=datetime(2026, 3, 1, 8, 30, tzinfo=shanghai))
    db.session.expire(root)

    created_at = root.created_at

    assert created_at == datetime(2026, 3, 1, 0, 30, tzinfo=UTC)
    assert created_at.tzinfo == UTC
    raw = db.session.execute(
        text("SELECT created_at FROM places WHERE id = :id"), {"id": root.id}
    ).scalar_one()
    if isinstance(raw, str):  # SQLite keeps naive UTC text
        assert raw.startswith("2026-03-01 00:30:00")
    else:
        assert raw == datetime(2026, 3, 1, 0, 30, tzinfo=UTC)


def test_constraint_names_follow_the_naming_convention(app_ctx):
    schema = inspect(db.session.connection())

    assert schema.get_pk_constraint("users")["name"] == "pk_users"
    assert schema.get_pk_constraint("places")["name"] == "pk_places"
    foreign_keys = {fk["name"] for fk in schema.get_foreign_keys("users")}
    assert "fk_users_home_place_id_places" in foreign_keys
    assert "fk_users_organisation_id_organisations" in foreign_keys
    assert {fk["name"] for fk in schema.get_foreign_keys("places")} == {
        "fk_places_parent_id_places"
    }
    assert "ix_places_path" in {index["name"] for index in schema.get_indexes("places")}
    assert "ck_places_kind_known" in {
        check["name"] for check in schema.get_check_constraints("places")
    }


def test_models_name_their_constraints_by_the_convention():
    users = db.metadata.tables["users"]

    assert users.primary_key.name == "pk_users"
    assert {fk.name for fk in users.foreign_key_constraints} == {
        "fk_users_home_place_id_places",
        "fk_users_organisation_id_organisations",
    }


def test_json_columns_read_back_what_was_written(app_ctx):
    listing_id = ItemOfferFactory(
        tags=["婴儿车", "九成新"], photo_urls=["https://img.example/1.jpg"]
    ).id
    db.session.commit()
    db.session.expunge_all()

    stored = db.session.get(Listing, listing_id)

    assert (stored.tags, stored.photo_urls) == (["婴儿车", "九成新"], ["https://img.example/1.jpg"])
    assert db.engine.dialect._json_deserializer is loads_json


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (b'{"tags": ["\\u5a74", "a"], "n": 1}', {"tags": ["婴", "a"], "n": 1}),
        ('["\\ud800x"]', ["\ud800x"]),  # refused by orjson, read by the standard library
    ],
    ids=["bytes", "lone-surrogate"],
)
def test_loads_json_decodes_what_orjson_refuses_too(text, value):
    assert loads_json(text) == value


# --- how a request's transaction ends ----------------------------------------------------------


@contextmanager
def transaction_ends(app) -> Iterator[list[str]]:
    """How each transaction that ends inside the block ends: "commit" or "rollback"."""
    ends: list[str] = []
    with app.app_context():
        engine = db.engine
    listeners = {
        name: lambda _connection, name=name: ends.append(name) for name in ("commit", "rollback")
    }
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    try:
        yield ends
    finally:
        for name, listener in listeners.items():
            event.remove(engine, name, listener)


def postgresql_only(app) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("psycopg's prepared statements: SQLite's driver keeps them on rollback")


def place_named(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Place.id)).where(Place.name == name))


def test_a_transaction_that_only_read_is_committed_when_the_context_ends(committed):
    app = committed
    postgresql_only(app)
    committed_root(app)

    with transaction_ends(app) as ends, app.app_context():
        db.session.execute(select(Place.id).with_for_update()).all()

    assert ends == ["commit"]


def test_an_update_that_matched_no_row_wrote_nothing(committed):
    app = committed
    postgresql_only(app)
    root_id = committed_root(app)

    with transaction_ends(app) as ends, app.app_context():
        db.session.execute(update(Place).where(Place.id == root_id + 1).values(name="别处"))

    assert ends == ["commit"]


def test_a_transaction_that_wrote_and_did_not_commit_is_rolled_back(committed):
    app = committed
    root_id = committed_root(app)

    with transaction_ends(app) as ends, app.app_context():
        db.session.execute(update(Place).where(Place.id == root_id).values(name="改名"))

    assert ends == ["rollback"]
    assert place_named(app, "改名") == 0


def test_a_statement_in_text_counts_as_a_write_unless_it_reads(committed):
    app = committed
    postgresql_only(app)
    root_id = committed_root(app)

    with transaction_ends(app) as ends:
        with app.app_context():
            db.session.execute(text("SELECT 1"))
        with app.app_context():
            db.session.execute(text(f"UPDATE places SET name = name WHERE id = {root_id + 1}"))

    assert ends == ["commit", "rollback"]


def test_what_the_request_left_unflushed_is_discarded_not_committed(committed):
    app = committed
    postgresql_only(app)
    root_id = committed_root(app)

    with transaction_ends(app) as ends, app.app_context():
        root = db.session.get(Place, root_id)
        root.name = "改名"
        db.session.add(Place(kind="subdistrict", name="新街道", path="", depth=0))

    assert ends == ["commit"]
    assert place_named(app, "改名") == 0
    assert place_named(app, "新街道") == 0


def plain_client(app) -> FlaskClient:
    """A client that sends requests alone, not inside the test's app context, so each request
    ends its own app context (and transaction) as under a server."""
    return FlaskClient(app)


def test_a_refused_claim_commits_and_holds_nothing(committed):
    app = committed
    postgresql_only(app)
    with app.app_context():
        donation = DonationOfferFactory(quantity=1)
        residents = UserFactory.create_batch(2)
        db.session.commit()
        claim = f"/api/v1/listings/{donation.id}/reservations"
        body = {"pickup_window_id": donation.pickup_windows[0].id}
        first, second = (
            {"Authorization": f"Bearer {create_token(user, 'test')[1]}"} for user in residents
        )
        db.session.commit()
    client = plain_client(app)
    assert client.post(claim, json=body, headers=first).status_code == 201

    with transaction_ends(app) as ends:
        refused = client.post(claim, json=body, headers=second)

    assert refused.status_code == 409 and refused.json["error"]["code"] == "sold_out"
    assert ends == ["commit"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Reservation.id))) == 1


def test_postgresql_keeps_prepared_statements_across_read_only_requests(committed):
    """psycopg deallocates a connection's prepared statements on every rollback: read-only
    requests that rolled back left PostgreSQL parsing and planning every statement afresh."""
    app = committed
    postgresql_only(app)
    root_id = committed_root(app)
    with app.app_context():
        db.engine.dispose()  # one connection from here on, the same for every request
    client = plain_client(app)

    for _ in range(8):  # psycopg prepares a statement on its fifth run
        assert client.get(f"/api/v1/places/{root_id}").status_code == 200
    with app.app_context():
        prepared = db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()

    assert any("FROM places" in statement for statement in prepared), prepared
