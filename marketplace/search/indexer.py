"""Keeping the index in step with the database: documents, draining the outbox, rebuilding.

The outbox is a sequence that every index reads for itself: each keeps its own position in it
(``OutboxPosition``, stored as the index's mark), so the worker processes of one node share
their index and its position, and every node of a scaled-out deployment keeps its own replica
fed by the same rows. Nothing in the database records who has read what; rows are deleted by
age (``OUTBOX_KEPT``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from marketplace import clock
from marketplace.db import end_transaction, read_only_transactions
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.places.models import Place
from marketplace.search.analysis import terms
from marketplace.search.index import Document, IndexUnavailable, Mark, SearchIndex
from marketplace.search.models import SearchOutbox
from marketplace.search.signals import listings_indexed
from marketplace.search.whoosh_index import WhooshIndex

logger = logging.getLogger("marketplace.search")

DRAIN_BATCH = 500
# How long a transaction that changes listings may stay open after writing its outbox row. A
# rebuild replays every change made this long before it started, to cover transactions that were
# open while it read the database; and an outbox id missing below rows already applied is given
# up for rolled back once the next row is this old.
OPEN_TRANSACTION_LIMIT = timedelta(minutes=2)
# Outbox rows are deleted this long after they were written: an index that has not drained for
# as long (a node that was down) may have missed changes and must be rebuilt.
OUTBOX_KEPT = timedelta(days=7)


class MissedChanges(IndexUnavailable):
    """The index was not drained for longer than the outbox keeps rows; only a rebuild brings
    it up to date."""


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


# --- the outbox position --------------------------------------------------------------------


@dataclass
class OutboxPosition:
    """How far one index has applied the outbox.

    Every row up to ``through`` is applied, and so are the rows in ``above`` (id: creation time
    as a Unix timestamp) beyond it. Ids are handed out when a transaction writes its row, not
    when it commits, so a row can become visible after later ones were applied: the gap below
    them stays open until its row arrives, or until ``OPEN_TRANSACTION_LIMIT`` after the next
    row was written, when the id is given up for rolled back.
    """

    through: int = 0
    above: dict[int, float] = field(default_factory=dict)
    # False for an index that never had a position (built before positions were kept, or whose
    # mark was lost): it applies the whole outbox once and cannot tell whether it missed rows.
    recorded: bool = True

    @classmethod
    def of(cls, mark: Mark) -> OutboxPosition:
        if "through" not in mark:
            return cls(recorded=False)
        try:
            through = int(mark["through"])
            above = {int(key): float(value) for key, value in mark.get("above", {}).items()}
        except (TypeError, ValueError, AttributeError):
            return cls(recorded=False)
        return cls(through=through, above=above)

    def as_mark(self) -> Mark:
        return {
            "through": self.through,
            "above": {str(key): value for key, value in sorted(self.above.items())},
        }

    def has_applied(self, outbox_id: int) -> bool:
        return outbox_id <= self.through or outbox_id in self.above

    def unapplied(self) -> Any:
        """SQL condition: outbox rows this index has not applied."""
        condition = SearchOutbox.id > self.through
        if self.above:
            condition = condition & SearchOutbox.id.not_in(sorted(self.above))
        return condition

    def record(self, rows: Iterable[Any]) -> None:
        """Count ``rows`` (with ``id`` and ``created_at``) as applied and move ``through`` up
        over the ids applied without a gap."""
        for row in rows:
            if row.id > self.through:
                self.above[row.id] = row.created_at.timestamp()
        while self.through + 1 in self.above:
            self.through += 1
            del self.above[self.through]

    def give_up_gaps(self, read_up_to: float, now: datetime) -> None:
        """Move ``through`` over missing ids that a read of every committed row up to
        ``read_up_to`` did not find, when the next applied row was written long enough ago."""
        given_up_before = (now - OPEN_TRANSACTION_LIMIT).timestamp()
        while self.above and self.through < read_up_to:
            lowest = min(self.above)
            if self.above[lowest] > given_up_before:
                return
            if lowest - 1 > read_up_to:
                self.through = int(read_up_to)
                return
            self.through = lowest - 1
            self.record([])


def position_of(index: SearchIndex) -> OutboxPosition:
    return OutboxPosition.of(index.mark())


# --- draining the outbox -------------------------------------------------------------------------


@dataclass(frozen=True)
class DrainReport:
    applied: int
    pending: int


def drain(index: SearchIndex | None = None, max_rounds: int = 20) -> DrainReport:
    """Apply the outbox rows this index has not applied yet, oldest first, and move its
    position past them.

    Raises IndexUnavailable (or IndexBusy) when the index cannot be written; the rows then stay
    unapplied for the next drain. Must be called between units of work: it ends the session's
    current transaction, and reads the outbox and the listings only once it holds the index's
    write lock, in a transaction it ends before the index commits.
    """
    index = index or get_index()
    applied = 0
    for _round in range(max_rounds):
        end_transaction()
        if not _has_unapplied(index):
            break
        batch = _apply_next_batch(index)
        if not batch.rows:
            break
        applied += batch.rows
        listings_indexed.send(None, listing_ids=batch.listing_ids)
    return DrainReport(applied=applied, pending=pending_count(index))


@dataclass
class _Batch:
    rows: int = 0
    listing_ids: list[int] = field(default_factory=list)


def _apply_next_batch(index: SearchIndex) -> _Batch:
    """Under the index's write lock: read the rows after its position, write their listings'
    documents and move the position past them."""
    batch = _Batch()

    def changes(mark: Mark) -> tuple[list[Document], list[int], Mark]:
        position = OutboxPosition.of(mark)
        with read_only_transactions():
            rows, read_up_to = _unapplied_rows(position)
            if _has_missed_changes(position, rows[0].created_at if rows else None):
                db.session.rollback()
                raise _missed_changes()
            batch.rows = len(rows)
            batch.listing_ids = sorted({row.listing_id for row in rows})
            upserts, deletes = _documents_for(batch.listing_ids, PlaceNames())
            end_transaction()
        position.record(rows)
        position.give_up_gaps(read_up_to, clock.now())
        return upserts, deletes, position.as_mark()

    index.write(changes)
    return batch


def _unapplied_rows(position: OutboxPosition) -> tuple[list[Any], float]:
    """Up to a batch of rows the index has not applied, and the id up to which every committed
    row was read (infinite when the read reached the end of the outbox)."""
    # Rows in ``above`` are read and skipped rather than excluded in SQL, so that the limit
    # still leaves a whole batch of new ones.
    limit = DRAIN_BATCH + len(position.above)
    rows = db.session.execute(
        select(SearchOutbox.id, SearchOutbox.listing_id, SearchOutbox.created_at)
        .where(SearchOutbox.id > position.through)
        .order_by(SearchOutbox.id)
        .limit(limit)
    ).all()
    read_up_to = rows[-1].id if len(rows) == limit else float("inf")
    return [row for row in rows if row.id not in position.above], read_up_to


def _has_unapplied(index: SearchIndex) -> bool:
    """Whether a drain has anything to do; asked without the index's lock and ending its
    transaction, so that none stays open while the drain waits for the lock.

    Raises MissedChanges when the first row the index has not applied is older than the outbox
    keeps rows: the drain under the lock would refuse too, and the index stays that way until
    it is rebuilt, so no request need queue for the lock to learn it again.
    """
    position = position_of(index)
    first_created_at = _first_unapplied_created_at(position)
    if _has_missed_changes(position, first_created_at):
        raise _missed_changes()
    return first_created_at is not None or _gap_to_give_up(position)


def _first_unapplied_created_at(position: OutboxPosition) -> datetime | None:
    """When the first row (by id) that the index has not applied was written; None when there
    is none. Ends its transaction."""
    with read_only_transactions():
        created_at = db.session.scalar(
            select(SearchOutbox.created_at)
            .where(position.unapplied())
            .order_by(SearchOutbox.id)
            .limit(1)
        )
        end_transaction()
    return created_at


def _has_missed_changes(position: OutboxPosition, first_created_at: datetime | None) -> bool:
    """Whether an index at ``position``, whose first unapplied row was written at
    ``first_created_at``, has gone undrained for longer than the outbox keeps rows: it may also
    have missed rows deleted since, and refuses to drain until rebuilt."""
    return position.recorded and first_created_at is not None and _kept_no_longer(first_created_at)


def _missed_changes() -> MissedChanges:
    return MissedChanges(
        "the search index was not updated for longer than the outbox keeps changes and needs "
        "a rebuild"
    )


def _gap_to_give_up(position: OutboxPosition) -> bool:
    """Whether the lowest applied row above a gap is old enough to give the gap up."""
    if not position.above:
        return False
    oldest = position.above[min(position.above)]
    return oldest <= (clock.now() - OPEN_TRANSACTION_LIMIT).timestamp()


def drain_quietly() -> None:
    """Drain after a request that changed listings; a failure only leaves rows pending."""
    try:
        drain()
    except MissedChanges as exc:
        db.session.rollback()
        _report_missed_changes(exc)
    except IndexUnavailable as exc:
        db.session.rollback()
        report_unavailable("search index not updated now, changes stay queued", exc)
    except Exception:
        logger.exception("search outbox drain failed; changes stay queued")
        db.session.rollback()


def _report_missed_changes(exc: MissedChanges) -> None:
    """Log it once for each state of the index (its mark): until someone rebuilds the index,
    every request that changes listings and every search would find it again."""
    try:
        mark: Mark | None = get_index().mark()
    except IndexUnavailable:
        mark = None
    if current_app.extensions.get("marketplace.search_missed_at") == mark:
        return
    current_app.extensions["marketplace.search_missed_at"] = mark
    logger.error("%s: run `flask search reindex`; until then search answers degraded", exc)


# While the index is unavailable, each kind of thing that goes without it (a search, a drain,
# matching) and reason is logged once, and then once per this interval with a count; otherwise
# every search and every listing change would log a line until the index is back.
UNAVAILABLE_LOG_INTERVAL = timedelta(minutes=5)
_OUTAGES = "marketplace.search_outages"


@dataclass
class _Outage:
    since: datetime
    logged_at: datetime
    unlogged: int = 0


def report_unavailable(what: str, exc: IndexUnavailable) -> None:
    """Log a warning that ``what`` happened without the index, unless the same happened for
    the same reason less than UNAVAILABLE_LOG_INTERVAL ago (then it is counted for the next
    line)."""
    outages: dict[tuple[str, str], _Outage] = current_app.extensions.setdefault(_OUTAGES, {})
    key, now = (what, str(exc)), clock.now()
    outage = outages.get(key)
    if outage is None:
        outages[key] = _Outage(since=now, logged_at=now)
        logger.warning("%s: %s", what, exc)
    elif now - outage.logged_at >= UNAVAILABLE_LOG_INTERVAL:
        logger.warning(
            "%s: %s (%d more times since %s)",
            what,
            exc,
            outage.unlogged + 1,
            outage.logged_at.isoformat(timespec="seconds"),
        )
        outage.logged_at, outage.unlogged = now, 0
    else:
        outage.unlogged += 1


def report_available() -> None:
    """The index answered: log the end of any outage reported, so the next one is logged anew."""
    outages = current_app.extensions.get(_OUTAGES)
    if not outages:
        return
    current_app.extensions[_OUTAGES] = {}
    since = min(outage.since for outage in outages.values())
    logger.info("search index answers again (unavailable since %s)", since.isoformat())


def pending_count(index: SearchIndex | None = None) -> int:
    """Outbox rows the index has not applied."""
    position = position_of(index or get_index())
    return db.session.scalar(select(func.count(SearchOutbox.id)).where(position.unapplied())) or 0


def oldest_pending_at(index: SearchIndex | None = None) -> datetime | None:
    position = position_of(index or get_index())
    return db.session.scalar(select(func.min(SearchOutbox.created_at)).where(position.unapplied()))


def lag_seconds(index: SearchIndex | None = None) -> float:
    """How long the oldest change the index has not applied has waited (0 when up to date)."""
    oldest = oldest_pending_at(index)
    return max(0.0, (clock.now() - oldest).total_seconds()) if oldest else 0.0


def lag_within(max_lag: float) -> bool:
    """Whether no change the index has not applied has waited longer than ``max_lag`` seconds.

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


def _kept_no_longer(created_at: datetime) -> bool:
    return created_at < clock.now() - OUTBOX_KEPT


def missed_changes(index: SearchIndex | None = None) -> bool:
    """Whether the index has missed changes and must be rebuilt (as a drain would find)."""
    position = position_of(index or get_index())
    return _has_missed_changes(position, _first_unapplied_created_at(position))


def prune_outbox() -> int:
    """Delete rows older than ``OUTBOX_KEPT`` except the newest of them.

    That one stays as a marker: an index still short of it was not drained for that long and
    may have missed the deleted rows, which its first read after the gap would otherwise take
    for ids that never committed.
    """
    cutoff = clock.now() - OUTBOX_KEPT
    newest_old = db.session.scalar(
        select(func.max(SearchOutbox.id)).where(SearchOutbox.created_at < cutoff)
    )
    if newest_old is None:
        return 0
    result = db.session.execute(
        delete(SearchOutbox).where(SearchOutbox.id < newest_old, SearchOutbox.created_at < cutoff)
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

    Changes written from ``OPEN_TRANSACTION_LIMIT`` before the rebuild started (transactions
    that may have been open while it read the database) are applied again to the new generation
    under the live index's write lock, just before the swap. Those the live index had not
    applied yet stay unapplied in the new generation's position too, so that the next drain
    applies them once more and sends their matching alerts; older ones count as applied.
    """
    index = index or get_index()
    started_at = clock.now()
    db.session.rollback()
    with read_only_transactions():  # begins the transaction the whole read runs in
        places = PlaceNames()

    def catch_up(_mark: Mark) -> tuple[list[Document], list[int], Mark]:
        live = _live_position(index)
        replay_from = started_at - OPEN_TRANSACTION_LIMIT
        db.session.rollback()
        with read_only_transactions():
            before = db.session.scalar(
                select(func.max(SearchOutbox.id)).where(SearchOutbox.created_at < replay_from)
            )
            rows = db.session.execute(
                select(SearchOutbox.id, SearchOutbox.listing_id, SearchOutbox.created_at)
                .where(SearchOutbox.created_at >= replay_from)
                .order_by(SearchOutbox.id)
            ).all()
            upserts, deletes = _documents_for({row.listing_id for row in rows}, PlaceNames())
            db.session.rollback()
        position = OutboxPosition(through=before or 0)
        position.record(row for row in rows if live.has_applied(row.id))
        return upserts, deletes, position.as_mark()

    return index.rebuild(_all_documents(places), on_progress=on_progress, catch_up=catch_up)


def _live_position(index: SearchIndex) -> OutboxPosition:
    try:
        return position_of(index)
    except IndexUnavailable:
        return OutboxPosition()
