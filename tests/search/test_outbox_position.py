"""Every index keeps its own position in the outbox: replicas fed by the same rows, rows that
commit out of id order, ids that never commit, and rebuilds."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.search import indexer
from marketplace.search.index import SearchQuery
from marketplace.search.models import SearchOutbox
from marketplace.search.signals import listings_indexed
from marketplace.search.whoosh_index import WhooshIndex
from tests.factories import CommunityFactory, UserFactory
from tests.listing_factories import ItemOfferFactory
from tests.search.conftest import API, ids_of, index_now, live_generation, offer, search

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def row(outbox_id: int, minutes: float = 0) -> Any:
    return SimpleNamespace(id=outbox_id, created_at=T0 + timedelta(minutes=minutes))


# --- the position on its own ---------------------------------------------------------------------


def test_position_moves_over_applied_ids_and_stops_at_a_gap() -> None:
    position = indexer.OutboxPosition()

    position.record([row(1), row(2), row(4), row(5)])

    assert (position.through, sorted(position.above)) == (2, [4, 5])
    assert position.has_applied(2) and position.has_applied(5)
    assert not position.has_applied(3)


def test_a_gap_closes_when_its_row_arrives() -> None:
    position = indexer.OutboxPosition(through=2, above={4: T0.timestamp()})

    position.record([row(3)])

    assert (position.through, position.above) == (4, {})


def test_a_gap_is_given_up_once_the_row_after_it_is_old_enough() -> None:
    position = indexer.OutboxPosition()
    position.record([row(1), row(3, minutes=0), row(4, minutes=1)])

    position.give_up_gaps(float("inf"), T0 + indexer.OPEN_TRANSACTION_LIMIT - timedelta(seconds=1))
    kept = (position.through, sorted(position.above))
    position.give_up_gaps(float("inf"), T0 + indexer.OPEN_TRANSACTION_LIMIT)

    assert kept == (1, [3, 4])
    assert (position.through, position.above) == (4, {})


def test_only_ids_the_read_covered_are_given_up() -> None:
    """Ids beyond what the read reached may be rows it has not seen yet."""
    position = indexer.OutboxPosition(through=1, above={9: T0.timestamp()})

    position.give_up_gaps(5, T0 + timedelta(hours=1))

    assert (position.through, sorted(position.above)) == (5, [9])


def test_position_survives_its_mark_and_a_missing_or_damaged_mark_starts_from_nothing() -> None:
    position = indexer.OutboxPosition()
    position.record([row(1), row(3, minutes=2)])

    again = indexer.OutboxPosition.of(position.as_mark())

    assert again == position
    for damaged in ({}, {"through": "x"}, {"through": 3, "above": [1, 2]}):
        assert indexer.OutboxPosition.of(damaged) == indexer.OutboxPosition(recorded=False)


# --- replicas ------------------------------------------------------------------------------------


@pytest.fixture
def community() -> Any:
    return CommunityFactory(name="清溪村")


@pytest.fixture
def replicas(app: Flask, tmp_path: Path) -> Iterator[tuple[WhooshIndex, WhooshIndex]]:
    """Two more indexes of the same database, as two nodes of a scaled-out site keep them."""
    first, second = WhooshIndex(tmp_path / "node-a"), WhooshIndex(tmp_path / "node-b")
    yield first, second
    first.close()
    second.close()


def _ids_in(index: WhooshIndex, text: str) -> set[int]:
    return {hit.listing_id for hit in index.search(SearchQuery(text=text)).hits}


def test_every_replica_applies_every_change_for_itself(
    app, frozen_clock, replicas, community, poster, poster_client, client
):
    first, second = replicas
    drill = ItemOfferFactory(title="电钻", place=community, owner=poster)
    index_now(app)
    with app.app_context():
        for replica in replicas:
            indexer.rebuild(replica)
            indexer.drain(replica)

    lamp = poster_client.post(API, json=offer(community.id, title="旧台灯", tags=["台灯"]))
    withdrawn = poster_client.post(f"{API}/{drill.id}/withdraw")
    with app.app_context():
        waiting = [indexer.pending_count(replica) for replica in replicas]
        first_report = indexer.drain(first)
        after_first = [indexer.pending_count(replica) for replica in replicas]
        second_report = indexer.drain(second)
        listings = db.session.scalar(select(func.count(Listing.id)))

    assert lamp.status_code == 201, lamp.json
    assert withdrawn.status_code == 200
    assert ids_of(search(client, "台灯")) == [lamp.json["id"]]  # the app's own index
    assert waiting == [2, 2]
    assert (first_report.applied, after_first) == (2, [0, 2])
    assert second_report.applied == 2
    for replica in replicas:
        assert _ids_in(replica, "台灯") == {lamp.json["id"]}
        assert _ids_in(replica, "电钻") == set()
        assert replica.count() == listings == 2  # a withdrawn listing is kept, not public


def test_a_missing_id_holds_the_position_back_until_it_is_given_up(
    app, frozen_clock, community, poster, poster_client
):
    first = ItemOfferFactory(title="电钻", place=community, owner=poster)
    second = ItemOfferFactory(title="台灯", place=community, owner=poster)
    third = ItemOfferFactory(title="梯子", place=community, owner=poster)
    db.session.commit()
    with app.app_context():
        index = indexer.get_index()
        indexer.rebuild(index)
        ids = dict(db.session.execute(select(SearchOutbox.listing_id, SearchOutbox.id)).all())
        # As if the transaction of the second change had rolled back after writing its row.
        db.session.execute(delete(SearchOutbox).where(SearchOutbox.listing_id == second.id))
        db.session.commit()

        indexer.drain(index)
        held = indexer.position_of(index)
        clock.advance(indexer.OPEN_TRANSACTION_LIMIT + timedelta(seconds=1))
        indexer.drain(index)
        moved = indexer.position_of(index)

    assert held.has_applied(ids[first.id]) and held.has_applied(ids[third.id])
    assert not held.has_applied(ids[second.id])
    assert (moved.through, moved.above) == (ids[third.id], {})


def test_a_rebuild_leaves_what_the_live_index_had_not_applied_to_the_next_drain(
    app, frozen_clock, app_config, community, poster, poster_client
):
    """So that the drain still sends the matching alerts of those listings."""
    ItemOfferFactory(title="电钻", place=community, owner=poster)
    index_now(app)
    app_config["SEARCH_INDEXING"] = "worker"
    posted = poster_client.post(API, json=offer(community.id, title="旧台灯", tags=["台灯"])).json[
        "id"
    ]
    indexed: list[list[int]] = []

    def note(_sender: Any, *, listing_ids: list[int]) -> None:
        indexed.append(listing_ids)

    listings_indexed.connect(note)
    try:
        with app.app_context():
            index = indexer.get_index()
            indexer.rebuild(index)
            searchable = _ids_in(index, "台灯")
            pending_after_rebuild = indexer.pending_count(index)
            indexer.drain(index)
            pending_after_drain = indexer.pending_count(index)
    finally:
        listings_indexed.disconnect(note)

    assert searchable == {posted}
    assert pending_after_rebuild == 1
    assert indexed == [[posted]]
    assert pending_after_drain == 0


def test_status_shows_the_index_position(app, frozen_clock, community, poster, cli):
    ItemOfferFactory(place=community, owner=poster)
    ItemOfferFactory(place=community, owner=poster)
    index_now(app)
    last = db.session.scalar(select(func.max(SearchOutbox.id)))
    # Ids of other tests' rolled-back rows lie below (PostgreSQL's sequences do not roll back).
    clock.advance(indexer.OPEN_TRANSACTION_LIMIT)
    cli("search", "worker", "--once")

    output = cli("search", "status").output

    assert f"outbox position:          through row {last}\n" in output


# --- rows that commit out of id order (PostgreSQL) ---------------------------------------------


def test_a_change_committed_after_a_later_one_was_applied_is_applied_too(committed: Flask):
    """Outbox ids are handed out when a transaction writes its row; it may commit after a later
    row was already applied. Such a row must not be skipped over."""
    with committed.app_context():
        if db.engine.dialect.name == "sqlite":
            pytest.skip("SQLite writers take turns, so outbox rows commit in id order there")
        community = CommunityFactory(name="清溪村")
        owner = UserFactory()
        slow = ItemOfferFactory(title="电钻", place=community, owner=owner)
        quick = ItemOfferFactory(title="台灯", place=community, owner=owner)
        db.session.commit()
        slow_id, quick_id = slow.id, quick.id
        index = indexer.get_index()
        indexer.rebuild(index)
        indexer.drain(index)

        open_transaction = Session(bind=db.engine)
        try:
            open_transaction.get(Listing, slow_id).title = "冲击钻"
            open_transaction.flush()
            open_transaction.flush()  # writes the outbox row: it has an id, not yet committed
            db.session.get(Listing, quick_id).title = "落地灯"
            db.session.commit()

            indexer.drain(index)
            while_open = (_ids_in(index, "落地灯"), indexer.pending_count(index))
            held = indexer.position_of(index)
            open_transaction.commit()
        finally:
            open_transaction.close()
        pending_after_commit = indexer.pending_count(index)
        indexer.drain(index)
        found = _ids_in(index, "冲击钻")
        position = indexer.position_of(index)
        rows = db.session.execute(select(SearchOutbox.id, SearchOutbox.listing_id)).all()

    slow_row = max(outbox_id for outbox_id, listing_id in rows if listing_id == slow_id)
    quick_row = max(outbox_id for outbox_id, listing_id in rows if listing_id == quick_id)
    assert slow_row < quick_row  # the slow change's row got its id first
    assert while_open == ({quick_id}, 0)
    assert held.has_applied(quick_row) and not held.has_applied(slow_row)
    assert pending_after_commit == 1
    assert found == {slow_id}
    assert all(position.has_applied(outbox_id) for outbox_id, _listing_id in rows)


def test_drains_on_postgresql_keep_the_prepared_statements_of_their_connection(committed: Flask):
    """A drain ends its reading transactions with COMMIT there: psycopg deallocates every
    prepared statement of the connection on a rollback, so the outbox queries of a worker that
    drains every second would be parsed and planned afresh each time."""
    with committed.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("psycopg's prepared statements: SQLite's driver keeps them on rollback")
        ItemOfferFactory(title="电钻", place=CommunityFactory(name="清溪村"))
        db.session.commit()
        index = indexer.get_index()
        indexer.rebuild(index)
        db.engine.dispose()  # one connection from here on
        for _ in range(8):  # psycopg prepares a statement on its fifth run
            indexer.drain(index)
        prepared = db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()

    assert any("search_outbox" in statement for statement in prepared), prepared


# --- an index left behind for longer than the outbox keeps rows --------------------------------


def _outbox_ids() -> list[int]:
    return list(db.session.scalars(select(SearchOutbox.id).order_by(SearchOutbox.id)))


def test_pruning_keeps_the_newest_row_older_than_a_week(frozen_clock, community, cli):
    for _ in range(3):
        ItemOfferFactory(place=community)
    db.session.commit()
    old = _outbox_ids()
    clock.advance(indexer.OUTBOX_KEPT + timedelta(minutes=1))
    ItemOfferFactory(place=community)
    db.session.commit()
    new = [outbox_id for outbox_id in _outbox_ids() if outbox_id not in old]

    pruned = cli("search", "prune")
    again = cli("search", "prune")

    assert pruned.output == "search: deleted 2 outbox rows\n"
    assert again.output == "search: deleted 0 outbox rows\n"
    assert _outbox_ids() == [old[-1], *new]


def test_an_index_not_drained_for_longer_than_the_outbox_keeps_rows_must_be_rebuilt(
    app, frozen_clock, community, poster, cli, client
):
    ItemOfferFactory(title="电钻", place=community, owner=poster)
    index_now(app)
    with app.app_context():
        index = indexer.get_index()
        index.write(lambda mark: ([], [], indexer.OutboxPosition().as_mark()))  # far behind
        lamp = ItemOfferFactory(title="台灯", place=community, owner=poster)
        db.session.commit()
        clock.advance(indexer.OUTBOX_KEPT + timedelta(minutes=1))
        with pytest.raises(indexer.MissedChanges):
            indexer.drain(index)
    status = cli("search", "status").output
    behind = search(client, "台灯")
    worker = cli("search", "worker", "--once")
    with app.app_context():
        report = indexer.drain()

    assert "reindex it" in status
    assert behind["degraded"] is True
    assert worker.exit_code == 0, worker.output
    assert "needs a rebuild; rebuilding it now" in worker.output
    assert "search: indexed 2 listings" in worker.output
    assert report.pending == 0
    found = search(client, "台灯")
    assert (ids_of(found), found["degraded"]) == ([lamp.id], False)


def test_an_index_that_missed_changes_is_reported_once_and_its_lock_never_waited_for(
    app, frozen_clock, community, poster, poster_client, client, caplog, monkeypatch
):
    """Inline mode: until a rebuild, every request that changes listings and every search finds
    the index short of changes. None of them queues for the index's write lock to learn it, and
    the log says it once, with what to do."""
    ItemOfferFactory(title="电钻", place=community, owner=poster)
    index_now(app)
    with app.app_context():
        indexer.get_index().write(lambda mark: ([], [], indexer.OutboxPosition().as_mark()))
        ItemOfferFactory(title="台灯", place=community, owner=poster)
        db.session.commit()
        clock.advance(indexer.OUTBOX_KEPT + timedelta(minutes=1))

    def refuse_to_write(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("took the index's write lock")

    monkeypatch.setattr(WhooshIndex, "write", refuse_to_write)
    with caplog.at_level(logging.INFO, logger="marketplace"):
        posted = [
            poster_client.post(API, json=offer(community.id, title=f"书架{number}"))
            for number in range(2)
        ]
        answers = [search(client, "台灯") for _ in range(3)]

    assert [response.status_code for response in posted] == [201, 201]
    assert [answer["degraded"] for answer in answers] == [True, True, True]
    lines = [(record.levelno, record.getMessage()) for record in caplog.records]
    assert [(level, "flask search reindex" in message) for level, message in lines] == [
        (logging.ERROR, True),  # the drains after the posts and the searches
        (logging.WARNING, False),  # the first search that fell back
    ]
    assert lines[1][1].startswith("search falls back to the database: ")


def test_an_index_without_a_position_applies_the_whole_outbox_once(
    app, frozen_clock, community, poster, client, _search_dir
):
    """As one built before positions were kept does after the upgrade."""
    ItemOfferFactory(title="电钻", place=community, owner=poster)
    index_now(app)
    lamp = ItemOfferFactory(title="台灯", place=community, owner=poster)
    db.session.commit()
    clock.advance(indexer.OUTBOX_KEPT + timedelta(minutes=1))
    with app.app_context():
        index = indexer.get_index()
        (live_generation(_search_dir) / "MARK").unlink()
        report = indexer.drain(index)
        found = _ids_in(index, "台灯")

    assert report.applied == 2
    assert found == {lamp.id}
