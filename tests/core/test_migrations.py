"""The migrations build the whole schema on an empty database, and agree with the models."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from marketplace.extensions import db
from tests.conftest import make_app


@pytest.fixture
def empty_database_url(database_url: str, tmp_path) -> Iterator[str]:
    """A brand-new empty database of the kind the suite runs on."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"migrations_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_builds_every_table_and_matches_the_models(empty_database_url, tmp_path):
    app = make_app(empty_database_url, tmp_path / "instance")
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {table.name for table in db.metadata.sorted_tables} <= tables
        assert _schema_differences() == []
        db.engine.dispose()


def test_downgrade_to_base_and_upgrade_again(empty_database_url, tmp_path):
    app = make_app(empty_database_url, tmp_path / "instance")
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert _schema_differences() == []
        db.engine.dispose()


def test_slot_places_handed_over_are_counted_and_what_was_all_handed_over_closes(
    empty_database_url, tmp_path, committed
):
    """0011 counts each slot's places handed over from its claims, and closes the listings the
    rule closes: a skill offer whose every place was handed over, and an offer counted in units
    that expired before its last units were handed over. Each closed listing gets an outbox
    row; every other listing keeps its status. (``committed``: the factories write through the
    app's own session, not the suite's rolled-back one.)"""
    from tests.listing_factories import DonationOfferFactory, ListingSlotFactory, SkillOfferFactory
    from tests.reservation_factories import DonationReservationFactory, SkillReservationFactory

    app = make_app(empty_database_url, tmp_path / "instance")
    with app.app_context():
        upgrade()
        all_came = SkillOfferFactory(slots=[])
        for status in ("picked_up", "completed"):
            slot = ListingSlotFactory(listing=all_came, capacity=1)
            SkillReservationFactory(listing=all_came, slot=slot, status=status)
        one_to_come = SkillOfferFactory(slots=[])
        shared = ListingSlotFactory(listing=one_to_come, capacity=2)
        SkillReservationFactory(listing=one_to_come, slot=shared, status="picked_up")
        SkillReservationFactory(listing=one_to_come, slot=shared, status="confirmed")
        given_away = DonationOfferFactory(quantity=2)
        DonationReservationFactory.create_batch(2, listing=given_away, status="picked_up")
        half_given = DonationOfferFactory(quantity=2)
        DonationReservationFactory(listing=half_given, status="picked_up")
        db.session.commit()
        ids = {
            "all_came": all_came.id,
            "one_to_come": one_to_come.id,
            "given_away": given_away.id,
            "half_given": half_given.id,
        }
        slots_handed_over = {slot.id: 1 for slot in all_came.slots} | {shared.id: 1}
        db.session.remove()  # SQLite: no connection of the session holds the database meanwhile
        downgrade(revision="0010_reservation_indexes")
        # As 0010's rules left them: time expired the offers it could, nothing closed a skill.
        with db.engine.begin() as connection:
            for name, status in (
                ("all_came", "expired"),
                ("one_to_come", "fully_reserved"),
                ("given_away", "expired"),
                ("half_given", "expired"),
            ):
                connection.execute(
                    text("UPDATE listings SET status = :status WHERE id = :id"),
                    {"status": status, "id": ids[name]},
                )
            connection.execute(text("DELETE FROM search_outbox"))
        upgrade()
        with db.engine.connect() as connection:
            handed_over = dict(
                connection.execute(
                    text("SELECT id, handed_over FROM listing_slots WHERE listing_id IN (:a, :b)"),
                    {"a": ids["all_came"], "b": ids["one_to_come"]},
                ).all()
            )
            statuses = dict(connection.execute(text("SELECT id, status FROM listings")).all())
            outbox = connection.execute(text("SELECT listing_id FROM search_outbox")).scalars()
            outbox_rows = sorted(outbox)
        assert handed_over == slots_handed_over
        assert {name: statuses[listing_id] for name, listing_id in ids.items()} == {
            "all_came": "closed",
            "one_to_come": "fully_reserved",
            "given_away": "closed",
            "half_given": "expired",
        }
        assert outbox_rows == sorted([ids["all_came"], ids["given_away"]])
        db.engine.dispose()
