"""Several OS processes writing listings at once, each draining the outbox into the one shared
index after its own units of work (the embedded default): afterwards the index holds exactly
the public listings of the database, nothing is left queued, and no process had to give up on
the index's write lock."""

from __future__ import annotations

import multiprocessing
import queue
from typing import Any

import pytest
from sqlalchemy import select
from whoosh import index as whoosh_index
from whoosh.query import Term

from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.listings.services import public_listing
from marketplace.search import indexer
from tests.factories import CommunityFactory, CoordinatorFactory, SubdistrictFactory, UserFactory
from tests.search import writers
from tests.search.conftest import live_generation

# Several processes at once: run in the xdist worker that takes the many-connection tests.
pytestmark = [pytest.mark.concurrency, pytest.mark.xdist_group("many_connections")]

WORKERS = 4
ROUNDS = 3


def _public_ids_in_index(search_dir: Any) -> set[int]:
    ix = whoosh_index.open_dir(str(live_generation(search_dir)))
    with ix.searcher() as searcher:
        return {int(hit["id"]) for hit in searcher.search(Term("public", "1"), limit=None)}


def _run_workers(app: Any, database_url: str, tmp_path: Any, search_dir: Any) -> list[dict]:
    with app.app_context():
        community = CommunityFactory(name="清溪村", parent=SubdistrictFactory(name="雕庄街道"))
        people = [
            {
                "poster": UserFactory(completed_exchanges=5),
                "newcomer": UserFactory(),
                "coordinator": CoordinatorFactory(),
            }
            for _ in range(WORKERS)
        ]
        db.session.commit()
        indexer.rebuild()
        place_id = community.id
        people_ids = [{role: user.id for role, user in group.items()} for group in people]
        db.session.remove()
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(WORKERS), context.Queue()
    processes = []
    for worker in range(WORKERS):
        arguments = {
            "worker": worker,
            "database_url": database_url,
            "instance_path": str(tmp_path / f"instance-{worker}"),
            "search_dir": str(search_dir),
            "people": people_ids[worker],
            "place_id": place_id,
            "rounds": ROUNDS,
            "start": start,
            "results": results,
        }
        processes.append(context.Process(target=writers.post_and_approve, kwargs=arguments))
    for process in processes:
        process.start()
    try:
        reports = [results.get(timeout=180) for _ in processes]
    except queue.Empty:
        pytest.fail("a writer process did not report back within three minutes")
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
        results.close()
    return reports


@pytest.mark.concurrency
def test_processes_writing_at_once_leave_the_index_equal_to_the_database(
    committed, database_url, tmp_path, _search_dir
):
    reports = _run_workers(committed, database_url, tmp_path, _search_dir)

    with committed.app_context():
        public_in_database = set(db.session.scalars(select(Listing.id).where(public_listing())))
        pending = indexer.pending_count()
    assert [report["failure"] for report in reports] == [None] * WORKERS
    assert [report["log"] for report in reports] == [[]] * WORKERS
    assert sum(len(report["created"]) for report in reports) == WORKERS * ROUNDS * 2
    assert len(public_in_database) == WORKERS * (ROUNDS * 2 - 1)
    assert pending == 0
    assert _public_ids_in_index(_search_dir) == public_in_database
