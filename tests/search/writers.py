"""What one OS process does in the multi-process search test: post, approve and withdraw
listings through the service layer, one unit of work per app context (so each ends, as a
request does, by draining the outbox into the shared index), and report what it saw.

Top-level and importable, so that ``multiprocessing``'s spawn start method can run it.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Any

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.moderation import services as moderation


class _Recorder(logging.Handler):
    """Every warning the search package logs: a drain that gave up on the index's write lock
    ("the search index stayed locked"), or found it unusable."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(self.format(record))


def _offer(place_id: int, title: str) -> dict[str, Any]:
    return {
        "side": "offer", "kind": "item", "mode": "give", "title": title, "category": "household",
        "tags": ["闲置"], "place_id": place_id,
    }  # fmt: skip


def post_and_approve(
    worker: int,
    database_url: str,
    instance_path: str,
    search_dir: str,
    people: dict[str, int],
    place_id: int,
    rounds: int,
    start: Any,
    results: Any,
) -> None:
    """Each round: a trusted resident posts (public at once), a newcomer posts (pending) and the
    coordinator approves it; at the end the trusted resident withdraws their first listing."""
    recorder = _Recorder()
    logging.getLogger("marketplace.search").addHandler(recorder)
    created: list[int] = []
    failure = None
    try:
        from tests.conftest import make_app

        app = make_app(database_url, Path(instance_path), SEARCH_DIR=search_dir)
        start.wait(timeout=120)
        for round_number in range(rounds):
            with app.app_context():
                poster = db.session.get(User, people["poster"])
                title = f"闲置台灯 {worker}-{round_number}"
                created.append(listings.create_listing(poster, _offer(place_id, title)).id)
            with app.app_context():
                newcomer = db.session.get(User, people["newcomer"])
                title = f"旧书架 {worker}-{round_number}"
                pending = listings.create_listing(newcomer, _offer(place_id, title)).id
                created.append(pending)
            with app.app_context():
                coordinator = db.session.get(User, people["coordinator"])
                moderation.moderate_listing(coordinator, pending, "approve", "ok")
        with app.app_context():
            poster = db.session.get(User, people["poster"])
            listings.withdraw_listing(poster, created[0])
    except BaseException:
        failure = traceback.format_exc()
    results.put(
        {"worker": worker, "created": created, "log": recorder.messages, "failure": failure}
    )
