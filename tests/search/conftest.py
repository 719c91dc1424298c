"""Fixtures of the search tests: a stopped clock, the corpus builder, search helpers, and
switches that break the index in the ways a deployment can."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.search import indexer
from marketplace.search.index import Mark
from marketplace.search.models import SearchOutbox
from tests.factories import MerchantFactory, OrganisationFactory, PlaceFactory, UserFactory
from tests.listing_factories import (
    DonationOfferFactory,
    ItemOfferFactory,
    ItemRequestFactory,
    SkillOfferFactory,
    SkillRequestFactory,
)
from tests.search import corpus

# 2026-12-01 10:00 in Qingxi.
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)

API = "/api/v1/listings"


@pytest.fixture
def poster() -> Any:
    """A resident with enough completed exchanges to publish at once (trusted mode)."""
    return UserFactory(completed_exchanges=5)


@pytest.fixture
def poster_client(client_as: Any, poster: Any) -> Any:
    return client_as(poster)


@pytest.fixture
def staff_client(client_as: Any, coordinator: Any) -> Any:
    return client_as(coordinator)


# --- asking -------------------------------------------------------------------------------------


def search(client: Any, q: str, **params: Any) -> dict[str, Any]:
    """GET /listings?q=... and its body, which must be a 200."""
    response = client.get(API, query_string={"q": q, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def offer(place_id: int, **fields: Any) -> dict[str, Any]:
    """A valid body for posting an item given away."""
    return {
        "side": "offer",
        "kind": "item",
        "mode": "give",
        "title": "闲置婴儿车",
        "description": "可坐可躺，能折叠。",
        "category": "baby_kids",
        "tags": ["婴儿车"],
        "place_id": place_id,
        **fields,
    }


def ids_of(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["items"]]


def outbox_pending(app: Flask) -> int:
    """Outbox rows the app's index has not applied."""
    db.session.expire_all()
    return indexer.pending_count(indexer.get_index(app))


def index_now(app: Flask) -> None:
    """Commit what the test has flushed and build the index from it, leaving nothing queued.

    Unlike the harness's ``search_index`` fixture this can run after the test's own fixtures.
    A rebuild leaves the outbox rows of the last minutes that the live index had not applied
    to the next drain; the new index holds them already, so its position is moved past them
    here rather than drained (a drain also sends the matching alerts of every listing, which
    costs about a second per test).
    """
    with app.app_context():
        db.session.commit()
        index = indexer.get_index()
        indexer.rebuild(index)
        index.write(lambda mark: ([], [], _everything_applied(mark)))


def _everything_applied(mark: Mark) -> Mark:
    position = indexer.OutboxPosition.of(mark)
    position.record(db.session.execute(select(SearchOutbox.id, SearchOutbox.created_at)).all())
    return position.as_mark()


# --- the corpus ---------------------------------------------------------------------------------


@dataclass
class BuiltCorpus:
    listings: dict[str, Any]
    places: dict[str, Any]

    def id(self, key: str) -> int:
        return self.listings[key].id

    def key_of(self, listing_id: int) -> str:
        return next(key for key, listing in self.listings.items() if listing.id == listing_id)

    @property
    def hidden_ids(self) -> set[int]:
        """Listings that are not public: no search may ever return them."""
        return {
            listing.id for key, listing in self.listings.items() if not corpus.BY_KEY[key].is_public
        }


def build_places() -> dict[str, Any]:
    places: dict[str, Any] = {}
    for key, kind, name, parent in corpus.PLACES:
        places[key] = PlaceFactory(kind=kind, name=name, parent=places.get(parent))
    return places


_FACTORIES = {
    ("offer", "item"): ItemOfferFactory,
    ("offer", "skill"): SkillOfferFactory,
    ("offer", "donation"): DonationOfferFactory,
    ("request", "item"): ItemRequestFactory,
    ("request", "skill"): SkillRequestFactory,
}


def build_corpus(now: datetime) -> BuiltCorpus:
    """Every listing of ``corpus.LISTINGS`` (flushed, not committed), in the corpus places."""
    places = build_places()
    residents = [UserFactory() for _ in range(6)]
    merchants = [MerchantFactory(organisation=OrganisationFactory(verified=True)) for _ in range(2)]
    listings: dict[str, Any] = {}
    for position, entry in enumerate(corpus.LISTINGS):
        values: dict[str, Any] = {
            "title": entry.title,
            "description": entry.description,
            "tags": list(entry.tags),
            "category": entry.category,
            "place": places[entry.place],
            "status": entry.status,
            "moderation": entry.moderation,
            "created_at": corpus.created_at(position, now),
            "expires_at": corpus.expires_at(entry, position, now),
        }
        if entry.kind == "donation":
            owner = merchants[position % len(merchants)]
            values.update(owner=owner, organisation=owner.organisation, pickup_windows=[])
        else:
            values["owner"] = residents[position % len(residents)]
        if entry.kind == "skill" and entry.side == "offer":
            values["slots"] = []
        if entry.side == "offer" and entry.kind == "item":
            values["mode"] = entry.mode
            values["max_lend_days"] = 7 if entry.mode == "lend" else None
        listings[entry.key] = _FACTORIES[(entry.side, entry.kind)](**values)
    return BuiltCorpus(listings=listings, places=places)


# --- faults ---------------------------------------------------------------------------------------


def live_generation(search_dir: Path) -> Path:
    return search_dir / (search_dir / "CURRENT").read_text().strip()


def segment_files(search_dir: Path) -> list[Path]:
    return sorted(live_generation(search_dir).glob("*.seg"))
