"""A broken index never breaks a write, and search falls back to the database (flagged
``degraded``) with the right answer; ``flask search reindex`` repairs every fault, and
``flask search status`` tells what the index holds against the database."""

from __future__ import annotations

import gc
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from marketplace import clock
from marketplace.extensions import db
from marketplace.search import indexer
from marketplace.search.models import SearchOutbox
from tests.factories import CommunityFactory, UserFactory
from tests.listing_factories import ItemOfferFactory
from tests.search.conftest import (
    API,
    ids_of,
    index_now,
    live_generation,
    outbox_pending,
    search,
    segment_files,
)


@pytest.fixture
def community() -> Any:
    return CommunityFactory(name="清溪村")


@pytest.fixture
def drill(app: Any, frozen_clock: Any, community: Any, poster: Any) -> Any:
    """A public listing, in the index."""
    listing = ItemOfferFactory(
        title="博世电钻出借", tags=["电钻"], category="tools", place=community, owner=poster
    )
    index_now(app)
    return listing


def _forget_open_index(app: Any) -> None:
    """Drop the process's open searchers, as a restarted worker would have none (a searcher
    still mapping a file that is then truncated would fault on the missing pages)."""
    index = app.extensions.pop("marketplace.search_index", None)
    if index is not None:
        index.close()


def _delete_directory(search_dir: Path) -> None:
    shutil.rmtree(search_dir)


def _delete_generation(search_dir: Path) -> None:
    shutil.rmtree(live_generation(search_dir))


def _truncate_segment(search_dir: Path) -> None:
    for segment in segment_files(search_dir):
        with segment.open("r+b") as handle:
            handle.truncate(segment.stat().st_size // 2)


def _corrupt_table_of_contents(search_dir: Path) -> None:
    for toc in live_generation(search_dir).glob("*.toc"):
        toc.write_bytes(b"\x00" * 16)


FAULTS: dict[str, Callable[[Path], None]] = {
    "directory deleted": _delete_directory,
    "generation deleted": _delete_generation,
    "segment truncated": _truncate_segment,
    "table of contents corrupt": _corrupt_table_of_contents,
}


@pytest.fixture
def whoosh_leaks() -> Iterator[None]:
    """Whoosh leaves a file open when a segment it tries to read is truncated (the file object
    is lost inside its compound-file reader); collect it within the test, where the
    ``filterwarnings`` mark of the test ignores the ResourceWarning."""
    yield
    gc.collect()


# Whoosh's own file handle leak on a truncated segment, see ``whoosh_leaks``.
ignore_leaked_files = pytest.mark.filterwarnings("ignore::ResourceWarning")


def _listings_in_outbox() -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(SearchOutbox.listing_id)))


def _post(client: Any, community: Any, title: str) -> Any:
    return client.post(
        API,
        json={
            "side": "offer", "kind": "item", "mode": "lend", "max_lend_days": 3, "title": title,
            "category": "tools", "tags": ["电钻"], "place_id": community.id,
        },
    )  # fmt: skip


@ignore_leaked_files
@pytest.mark.parametrize("fault", FAULTS)
def test_broken_index_never_fails_a_write_and_search_answers_from_the_database(
    app, drill, client, poster_client, community, _search_dir, whoosh_leaks, fault
):
    _forget_open_index(app)
    FAULTS[fault](_search_dir)

    posted = _post(poster_client, community, "冲击电钻 可借")
    edited = poster_client.patch(
        f"{API}/{drill.id}", json={"version": drill.version, "description": "附钻头"}
    )
    body = search(client, "电钻")

    assert posted.status_code == 201, posted.get_json()
    assert edited.status_code == 200, edited.get_json()
    assert {drill.id, posted.json["id"]} <= _listings_in_outbox()
    assert body["degraded"] is True
    assert set(ids_of(body)) == {drill.id, posted.json["id"]}
    assert body["total"] == 2
    assert body["facets"] == {"category": {"tools": 2}, "kind": {"item": 2}}
    assert "<mark>电钻</mark>" in body["items"][0]["snippet"]


@ignore_leaked_files
@pytest.mark.parametrize("fault", FAULTS)
def test_reindex_repairs_the_index(
    app, drill, client, poster_client, community, cli, _search_dir, whoosh_leaks, fault
):
    _forget_open_index(app)
    FAULTS[fault](_search_dir)
    posted = _post(poster_client, community, "冲击电钻 可借").json["id"]

    result = cli("search", "reindex")
    body = search(client, "电钻")

    assert result.exit_code == 0, result.output
    assert "search: indexed 2 listings" in result.output
    assert body["degraded"] is False
    assert set(ids_of(body)) == {drill.id, posted}
    assert [entry.name for entry in _search_dir.iterdir() if entry.is_dir()] == [
        live_generation(_search_dir).name
    ]


def _search_log(caplog: Any) -> list[tuple[str, str]]:
    lines = [
        (r.levelname, r.getMessage()) for r in caplog.records if r.name == "marketplace.search"
    ]
    caplog.clear()
    return lines


def test_an_outage_is_logged_once_then_every_few_minutes_and_its_end_once(
    app, drill, client, poster_client, community, cli, _search_dir, caplog
):
    caplog.set_level("INFO", logger="marketplace.search")
    _forget_open_index(app)
    _delete_directory(_search_dir)
    missing = f"no search index in {_search_dir}"

    for title in ("冲击电钻 可借", "手电钻 可借"):
        assert _post(poster_client, community, title).status_code == 201
    for _ in range(3):
        assert search(client, "电钻")["degraded"] is True
    first_minutes = _search_log(caplog)
    clock.advance(indexer.UNAVAILABLE_LOG_INTERVAL)
    search(client, "电钻")
    search(client, "电钻")
    five_minutes_later = _search_log(caplog)
    assert cli("search", "reindex").exit_code == 0
    caplog.clear()
    search(client, "电钻")
    search(client, "电钻")
    back = _search_log(caplog)

    assert first_minutes == [
        ("WARNING", f"search index not updated now, changes stay queued: {missing}"),
        ("WARNING", f"search falls back to the database: {missing}"),
    ]
    assert len(five_minutes_later) == 1
    level, message = five_minutes_later[0]
    assert level == "WARNING"
    assert message.startswith(f"search falls back to the database: {missing} (3 more times since ")
    assert len(back) == 1 and back[0][0] == "INFO"
    assert back[0][1].startswith("search index answers again (unavailable since ")


# --- the write lock held by another process --------------------------------------------------------

_HOLD_LOCK = """
import sys
from whoosh import index

lock = index.open_dir(sys.argv[1]).lock("WRITELOCK")
if not lock.acquire(blocking=False):
    sys.exit("the lock was already taken")
print("locked", flush=True)
sys.stdin.read()
"""


@contextmanager
def write_lock_held_elsewhere(generation: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holds the index's write lock until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(generation)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
        holder.stdout.close()  # type: ignore[union-attr]


@pytest.fixture
def short_lock_wait(app: Any, app_config: dict[str, Any]) -> float:
    """Writers give up on the lock after 0.2 s (the index object is made again to see it)."""
    app_config["SEARCH_LOCK_TIMEOUT"] = 0.2
    _forget_open_index(app)
    return 0.2


def test_locked_index_leaves_writes_queued_and_search_falls_back_once_the_lag_is_too_long(
    app, drill, short_lock_wait, app_config, client, poster_client, community, _search_dir
):
    with write_lock_held_elsewhere(live_generation(_search_dir)):
        posted = _post(poster_client, community, "冲击电钻 可借")
        pending_while_locked = outbox_pending(app)
        within_lag = search(client, "电钻")
        clock.advance(timedelta(seconds=app_config["SEARCH_MAX_LAG"] + 1))
        behind = search(client, "电钻")
    caught_up = search(client, "电钻")

    assert posted.status_code == 201, posted.get_json()
    assert pending_while_locked == 1
    assert within_lag["degraded"] is False
    assert ids_of(within_lag) == [drill.id]
    assert behind["degraded"] is True
    assert set(ids_of(behind)) == {drill.id, posted.json["id"]}
    assert caught_up["degraded"] is False
    assert set(ids_of(caught_up)) == {drill.id, posted.json["id"]}
    assert outbox_pending(app) == 0


def test_reindex_refuses_to_swap_while_another_process_holds_the_lock_then_succeeds(
    drill, short_lock_wait, client, cli, _search_dir
):
    generation = live_generation(_search_dir)

    with write_lock_held_elsewhere(generation):
        refused = cli("search", "reindex")
    left_after_refusal = [entry.name for entry in _search_dir.iterdir() if entry.is_dir()]
    repaired = cli("search", "reindex")

    assert refused.exit_code == 1
    assert "stayed locked" in refused.output
    assert "the live index was left as it was" in refused.output
    assert left_after_refusal == [generation.name]
    assert repaired.exit_code == 0, repaired.output
    assert "search: indexed 1 listings" in repaired.output
    assert live_generation(_search_dir) != generation
    assert ids_of(search(client, "电钻")) == [drill.id]


# --- status --------------------------------------------------------------------------------------


def _status_lines(output: str) -> dict[str, str]:
    return dict(
        (name.strip(), value.strip())
        for name, value in (line.split(":", 1) for line in output.splitlines() if ":" in line)
    )


def test_status_compares_the_index_with_the_database(
    app, frozen_clock, community, poster, cli, app_config
):
    ItemOfferFactory(place=community, owner=poster)
    ItemOfferFactory(place=community, owner=poster)
    ItemOfferFactory(place=community, owner=poster, moderation="pending")
    index_now(app)
    app_config["SEARCH_INDEXING"] = "worker"
    ItemOfferFactory(place=community, owner=UserFactory())
    db.session.commit()
    clock.advance(timedelta(seconds=90))

    status = _status_lines(cli("search", "status").output)

    assert status["documents in index"] == "3"
    assert status["listings in database"] == "4"
    assert status["public listings"] == "3"
    assert status["outbox pending"] == "1"
    assert status["outbox lag"] == "90.0s"


def test_status_says_when_there_is_no_index(community, poster, cli):
    ItemOfferFactory(place=community, owner=poster)

    result = cli("search", "status")
    status = _status_lines(result.output)

    assert result.exit_code == 0
    assert status["documents in index"].startswith("unavailable")
    assert status["public listings"] == "1"


def test_reindex_shows_progress_and_the_final_count(app, community, poster, cli):
    for _ in range(3):
        ItemOfferFactory(place=community, owner=poster)

    result = cli("search", "reindex")

    assert result.exit_code == 0, result.output
    assert "indexing listings" in result.output
    assert result.output.rstrip().endswith("search: indexed 3 listings")


def test_reindex_if_missing_leaves_a_present_index_alone(drill, cli, _search_dir):
    generation = live_generation(_search_dir)

    result = cli("search", "reindex", "--if-missing")

    assert result.exit_code == 0
    assert "nothing to do" in result.output
    assert live_generation(_search_dir) == generation
