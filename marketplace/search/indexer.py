"""Keeping the index in step with the database: documents, draining the outbox, rebuilding."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, selectinload

from marketplace import clock
from marketplace.db import immediate_transactions
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.places.models import Place
from marketplace.search.analysis import terms
from marketplace.search.index import Document, IndexUnavailable, SearchIndex
from marketplace.search.models import SearchOutbox
from marketplace.search.signals import listings_indexed
from marketplace.search.whoosh_index import WhooshIndex

logger = logging.getLogger("marketplace.search")

DRAIN_BATCH = 500
# A rebuild replays every change made this long before it started, to cover transactions that
# were open while it read the database.
REBUILD_REPLAY_MARGIN = timedelta(minutes=2)
PROCESSED_ROWS_KEPT = timedelta(days=1)


def get_index(app: Flask | None = None) -> SearchIndex:
    """The app's index (one object per app, so its searchers are reused between requests)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    index = app.extensions.get("marketplace.search_index")
    if index is None:
        index = WhooshIndex(
            app.config["SEARCH_DIR"], lock_timeout=app.config["SEARCH_LOCK_TIMEOUT"]
        )
        app.extensions["marketplace.search_index"] = index
    return index


# --- documents ---------------------------------------------------------------------------------


class PlaceNames:
    """Names of every place and its ancestors, loaded once per drain or rebuild."""

    def __init__(self) -> None:
        self._names = {row.id: row.name for row in db.session.execute(select(Place.id, Place.name))}
        self._terms: dict[str, str] = {}

    def along(self, place: Place) -> str:
        return " ".join(self._names.get(place_id, "") for place_id in place.ancestor_ids)

    def terms(self, place: Place) -> str:
        """The place field of a listing there: words and pinyin of the place and its ancestors,
        analysed once per place (many listings share a place)."""
        found = self._terms.get(place.path)
        if found is None:
            analysed = terms(self.along(place))
            found = self._terms[place.path] = " ".join(analysed.words + analysed.pinyin)
        return found


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def listing_document(listing: Listing, places: PlaceNames) -> Document:
    # Title, tags and description are analysed once each; the character and pinyin fields are
    # those of the three together (no character pair or word spans two of them).
    title = terms(listing.title)
    tags = terms(" ".join(listing.tags or []))
    body = terms(listing.description or "")
    return {
        "id": str(listing.id),
        "title": " ".join(title.words),
        "tags": " ".join(tags.words),
        "body": " ".join(body.words),
        "place": places.terms(listing.place),
        "chars": " ".join(title.chars + tags.chars + body.chars),
        "pinyin": " ".join(title.pinyin + tags.pinyin + body.pinyin),
        "side": listing.side,
        "kind": listing.kind,
        "category": listing.category,
        "status": listing.status,
        "moderation": listing.moderation,
        "public": "1" if listing.is_public else "0",
        "available": "1" if listing.status == "open" else "0",
        "place_ids": " ".join(str(place_id) for place_id in listing.place.ancestor_ids),
        "owner_id": str(listing.owner_id),
        "organisation_id": str(listing.organisation_id or ""),
        "created_at": _epoch(listing.created_at),
        "expires_at": _epoch(listing.expires_at),
    }


def _with_place(statement):  # type: ignore[no-untyped-def]
    return statement.options(selectinload(Listing.place))


def _documents_for(
    listing_ids: Iterable[int], places: PlaceNames
) -> tuple[list[Document], list[int]]:
    """Documents of the listings that exist, and the ids of those that no longer do."""
    wanted = set(listing_ids)
    found = db.session.scalars(_with_place(select(Listing).where(Listing.id.in_(wanted)))).all()
    documents = [listing_document(listing, places) for listing in found]
    return documents, sorted(wanted - {listing.id for listing in found})


# --- draining the outbox -------------------------------------------------------------------------


@dataclass(frozen=True)
class DrainReport:
    applied: int
    pending: int


def drain(index: SearchIndex | None = None, max_rounds: int = 20) -> DrainReport:
    """Apply pending outbox rows to the index, oldest first, and mark them processed.

    Raises IndexUnavailable (or IndexBusy) when the index cannot be written; the rows then stay
    pending for the next drain. Must be called between units of work: it ends the session's
    current transaction first, so it reads what is committed after it holds the index lock.
    """
    index = index or get_index()
    applied = 0
    with immediate_transactions():
        for _round in range(max_rounds):
            db.session.rollback()
            rows = db.session.execute(
                select(SearchOutbox.id, SearchOutbox.listing_id)
                .where(SearchOutbox.processed_at.is_(None))
                .order_by(SearchOutbox.id)
                .limit(DRAIN_BATCH)
            ).all()
            if not rows:
                break
            listing_ids = sorted({row.listing_id for row in rows})
            index.write(lambda ids=listing_ids: _documents_for(ids, PlaceNames()))
            db.session.execute(
                update(SearchOutbox)
                .where(SearchOutbox.id.in_([row.id for row in rows]))
                .values(processed_at=clock.now())
            )
            db.session.commit()
            applied += len(rows)
            listings_indexed.send(None, listing_ids=listing_ids)
    return DrainReport(applied=applied, pending=pending_count())


def drain_quietly() -> None:
    """Drain after a request that changed listings; a failure only leaves rows pending."""
    try:
        drain()
    except IndexUnavailable as exc:
        logger.warning("search index not updated now, changes stay queued: %s", exc)
        db.session.rollback()
    except Exception:
        logger.exception("search outbox drain failed; changes stay queued")
        db.session.rollback()


def pending_count() -> int:
    return (
        db.session.scalar(
            select(func.count(SearchOutbox.id)).where(SearchOutbox.processed_at.is_(None))
        )
        or 0
    )


def oldest_pending_at() -> datetime | None:
    return db.session.scalar(
        select(func.min(SearchOutbox.created_at)).where(SearchOutbox.processed_at.is_(None))
    )


def lag_seconds() -> float:
    """How long the oldest unapplied change has waited (0 when the index is up to date)."""
    oldest = oldest_pending_at()
    return max(0.0, (clock.now() - oldest).total_seconds()) if oldest else 0.0


def lag_within(max_lag: float) -> bool:
    """Whether no unapplied change has waited longer than ``max_lag`` seconds.

    A check that finds the oldest unapplied change made at T (or none, at the time T of the
    check) proves that nothing is older than T until the changes made since are applied, so
    the outbox is asked again only once T is ``max_lag`` seconds old: searches between cost
    no query. (A change counts from when its transaction wrote it.)
    """
    bounds: dict[str, datetime] = current_app.extensions.setdefault(
        "marketplace.search_caught_up", {}
    )
    now = clock.now()
    known = bounds.get("since")
    if known is not None and known <= now and (now - known).total_seconds() <= max_lag:
        return True
    oldest = oldest_pending_at()
    since = min(oldest, now) if oldest is not None else now
    if (now - since).total_seconds() > max_lag:
        bounds.pop("since", None)
        return False
    bounds["since"] = since
    return True


def prune_processed() -> int:
    cutoff = clock.now() - PROCESSED_ROWS_KEPT
    result = db.session.execute(
        delete(SearchOutbox).where(
            SearchOutbox.processed_at.is_not(None), SearchOutbox.created_at < cutoff
        )
    )
    db.session.commit()
    return result.rowcount or 0


# --- rebuilding ----------------------------------------------------------------------------------


def public_listing_count() -> int:
    from marketplace.listings.services import public_listing

    return db.session.scalar(select(func.count(Listing.id)).where(public_listing())) or 0


def listing_count() -> int:
    return db.session.scalar(select(func.count(Listing.id))) or 0


def _all_documents(places: PlaceNames, batch: int = 1000) -> Iterator[Document]:
    """Every listing's document, read in batches by a private session on the app session's
    connection (same transaction), so batches can be dropped from memory without detaching
    anything the app session holds."""
    reader = Session(bind=db.session.connection())
    try:
        last_id = 0
        while True:
            listings = reader.scalars(
                _with_place(
                    select(Listing).where(Listing.id > last_id).order_by(Listing.id).limit(batch)
                )
            ).all()
            if not listings:
                return
            for listing in listings:
                yield listing_document(listing, places)
            last_id = listings[-1].id
            reader.expunge_all()
    finally:
        reader.close()


def rebuild(
    index: SearchIndex | None = None, on_progress: Callable[[int], None] | None = None
) -> int:
    """Rebuild the whole index from the database into a new generation and swap it in.

    Changes committed while the rebuild reads the database are replayed into the new
    generation under the live index's write lock, just before the swap.
    """
    index = index or get_index()
    started_at = clock.now()
    db.session.rollback()
    places = PlaceNames()

    def catch_up() -> tuple[list[Document], list[int]]:
        db.session.rollback()
        changed = db.session.scalars(
            select(SearchOutbox.listing_id).where(
                SearchOutbox.created_at >= started_at - REBUILD_REPLAY_MARGIN
            )
        ).all()
        return _documents_for(changed, PlaceNames())

    count = index.rebuild(_all_documents(places), on_progress=on_progress, catch_up=catch_up)
    with immediate_transactions():
        db.session.rollback()
        db.session.execute(
            update(SearchOutbox)
            .where(
                SearchOutbox.processed_at.is_(None),
                SearchOutbox.created_at < started_at - REBUILD_REPLAY_MARGIN,
            )
            .values(processed_at=clock.now())
        )
        db.session.commit()
    return count
