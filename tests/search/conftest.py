"""Fixtures of the search tests: a stopped clock, the corpus builder, search helpers, and
switches that break the index in the ways a deployment can."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from marketplace import clock
from marketplace.extensions import db
from marketplace.search import indexer
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


def ids_of(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["items"]]


def outbox_pending() -> int:
    db.session.expire_all()
    return indexer.pending_count()


def index_now(app: Flask) -> None:
    """Commit what the test has flushed and build the index from it, leaving nothing queued.

    Unlike the harness's ``search_index`` fixture this can run after the test's own fixtures.
    A rebuild keeps the outbox rows of the last minutes pending to be applied again; the index
    already holds them, so they are marked done here rather than drained (a drain also sends
    the matching alerts of every listing, which costs about a second per test).
    """
    with app.app_context():
        db.session.commit()
        indexer.rebuild()
        db.session.execute(
            update(SearchOutbox)
            .where(SearchOutbox.processed_at.is_(None))
            .values(processed_at=clock.now())
        )
        db.session.commit()


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
