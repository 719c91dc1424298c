"""Finding the counterparts of a listing, explaining them, alerting owners, closing requests."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace import clock
from marketplace.db import lock_row
from marketplace.errors import Forbidden, NotFound
from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.listings.models import Listing
from marketplace.matching.features import Reason, kind_compatible, word_share
from marketplace.matching.models import MatchAlert, MatchDismissal
from marketplace.matching.scoring import (
    PairContext,
    ScoredMatch,
    reasons_as_dicts,
    score_pair,
    search_words,
    wording,
)
from marketplace.notifications import services as notifications
from marketplace.places.models import Place
from marketplace.reservations.models import Reservation
from marketplace.search import indexer
from marketplace.search.index import IndexUnavailable, SearchQuery

logger = logging.getLogger("marketplace.matching")


def _config(name: str) -> Any:
    return current_app.config[name]


# --- finding matches -----------------------------------------------------------------------------


def matches_for(actor: Any, listing_id: int, limit: int) -> list[ScoredMatch]:
    """The best counterparts of a listing, for its managers and coordinators."""
    listing = listings.get_listing(actor, listing_id)
    if not (listing.is_managed_by(actor) or actor.is_staff):
        raise Forbidden("Only the owner of this listing sees its matches.")
    return [
        replace(match, reasons=reasons_for(listing, match.reasons))
        for match in find_matches(listing, limit, viewer=actor)
    ]


def find_matches(listing: Listing, limit: int, viewer: Any = None) -> list[ScoredMatch]:
    """Counterparts from the search index, rescored on explainable features, best first (with
    every reason; ``reasons_for`` picks those for a reader).

    Never suggested: the listing's own side, kinds that cannot meet it, listings that are not
    public and open, listings managed by its owner (or by ``viewer``), dismissed ones, and
    listings that share no word with it.
    """
    if listing.kind == "donation" and listing.side == "request":
        return []
    excluded = _dismissed(listing.id)
    usable = [
        (candidate, text_score)
        for candidate, text_score in _candidates(listing)
        if candidate.id not in excluded
        and not candidate.is_managed_by(listing.owner)
        and (viewer is None or not candidate.is_managed_by(viewer))
        and _compatible(listing, candidate)
    ]
    if not usable:
        return []
    context = PairContext(
        places=_places(),
        now=clock.now(),
        weights=_config("MATCHING_WEIGHTS"),
        words_full_at=_config("MATCHING_WORDS_FULL_AT"),
    )
    best_text = max(text_score for _candidate, text_score in usable)
    own_words = wording(listing)
    scored = []
    for candidate, text_score in usable:
        words = word_share(own_words, wording(candidate))
        if words.share <= 0:
            continue
        request, offer = (listing, candidate) if listing.side == "request" else (candidate, listing)
        score, reasons = score_pair(request, offer, words, text_score, best_text, context)
        scored.append(ScoredMatch(candidate, score, reasons))
    scored.sort(key=lambda match: (-match.score, -match.listing.id))
    return scored[:limit]


def reasons_for(reader: Listing, reasons: tuple[Reason, ...]) -> tuple[Reason, ...]:
    """The reasons worth showing to the managers of ``reader``, one listing of the pair: a
    requester knows how urgent their own request is; an offer's owner wants to know which
    requests are."""
    if reader.side == "offer":
        return reasons
    return tuple(reason for reason in reasons if reason.code != "urgent")


def _compatible(listing: Listing, candidate: Listing) -> bool:
    if listing.side == candidate.side:
        return False
    request, offer = (listing, candidate) if listing.side == "request" else (candidate, listing)
    return kind_compatible(request.kind, offer.kind)


def _opposite_side(listing: Listing) -> str:
    return "offer" if listing.side == "request" else "request"


def _counterpart_kind(listing: Listing) -> str | None:
    """The one kind a counterpart can be, or None when several can (a request for a thing is met
    by items and donations)."""
    if listing.kind == "skill":
        return "skill"
    return "item" if listing.side == "offer" else None


def _candidates(listing: Listing) -> list[tuple[Listing, float]]:
    """(candidate, search score) pairs, open and public: the best word matches in the whole
    index, and the best ones in the listing's own community even when better-worded ones across
    the subdistrict rank above them (so that a plainer match next door is not crowded out).
    When the index is unavailable: nearby listings of the same category from the database,
    with no search score."""
    try:
        chosen = _searched(listing, _config("MATCHING_CANDIDATES"))
    except IndexUnavailable as exc:
        indexer.report_unavailable("matching without the search index", exc)
        chosen = dict.fromkeys(_nearby_same_category(listing), 0.0)
    else:
        indexer.report_available()
        # The index keeps the words' scores from the first search: this one only filters them.
        nearby = _config("MATCHING_NEARBY_CANDIDATES")
        chosen.update(_searched(listing, nearby, _community_id(listing), required=False))
    found = _open_and_public(chosen)
    return [
        (found[listing_id], score) for listing_id, score in chosen.items() if listing_id in found
    ]


def _open_and_public(scores: dict[int, float]) -> dict[int, Listing]:
    """The listings among these ids that are public and open. The database has the last word
    (the index may lag behind); checked here rather than in the WHERE clause, where SQLite would
    walk the public-browse index over every public listing instead of looking the few ids up
    by primary key."""
    if not scores:
        return {}
    return {
        candidate.id: candidate
        for candidate in listings.listings_by_ids(scores)
        if candidate.is_public and candidate.status == "open"
    }


def _searched(
    listing: Listing, how_many: int, place_id: int | None = None, required: bool = True
) -> dict[int, float]:
    """Listing id -> search score of the listing's words among open public counterparts (in the
    place ``place_id`` when given), best first. Raises IndexUnavailable when ``required``;
    otherwise finds nothing then."""
    try:
        results = indexer.get_index().search(counterpart_query(listing, how_many, place_id))
    except IndexUnavailable:
        if required:
            raise
        return {}
    return {hit.listing_id: hit.score for hit in results.hits}


def counterpart_query(listing: Listing, how_many: int, place_id: int | None = None) -> SearchQuery:
    """The search for the ``how_many`` best-worded open public counterparts of a listing (in the
    place ``place_id`` when given): its most telling words, no total, no facets."""
    return SearchQuery(
        text=search_words(listing),
        side=_opposite_side(listing),
        kind=_counterpart_kind(listing),
        place_id=place_id,
        available=True,
        page=1,
        per_page=how_many,
        with_facets=False,
        with_total=False,
        keywords=_config("MATCHING_SEARCH_WORDS"),
    )


def _community_id(listing: Listing) -> int:
    """The community the listing is in (listings never sit at the subdistrict itself)."""
    ancestors = listing.place.ancestor_ids
    return ancestors[1] if len(ancestors) > 1 else ancestors[0]


def _nearby_same_category(listing: Listing) -> list[int]:
    community_path = "/".join(listing.place.path.split("/")[:3]) + "/"
    return list(
        db.session.scalars(
            select(Listing.id)
            .join(Place, Listing.place_id == Place.id)
            .where(
                Listing.side == _opposite_side(listing),
                Listing.category == listing.category,
                listings.public_listing(),
                Listing.status == "open",
                Place.path.startswith(community_path),
            )
            .order_by(Listing.created_at.desc())
            .limit(_config("MATCHING_CANDIDATES"))
        )
    )


def _dismissed(listing_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(MatchDismissal.other_listing_id).where(MatchDismissal.listing_id == listing_id)
        )
    )


def _places() -> dict[int, tuple[str, str]]:
    return {
        row.id: (row.kind, row.name)
        for row in db.session.execute(select(Place.id, Place.kind, Place.name))
    }


def dismiss(actor: Any, listing_id: int, other_id: int) -> None:
    """Never suggest ``other_id`` for this listing again."""
    listing = listings.get_listing(actor, listing_id)
    if not listing.is_managed_by(actor):
        raise Forbidden("Only the owner of this listing dismisses its suggestions.")
    other = db.session.get(Listing, other_id)
    if other is None or not other.is_visible_to(actor):
        raise NotFound("No such listing.")
    if other_id in _dismissed(listing.id):
        return
    db.session.add(
        MatchDismissal(listing_id=listing.id, other_listing_id=other_id, dismissed_by_id=actor.id)
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # dismissed at the same moment by someone else: same outcome


# --- alerts --------------------------------------------------------------------------------------


def send_alerts(listing_ids: Iterable[int]) -> int:
    """Tell the owners of open counterparts that a (newly) public listing matches theirs, with
    the reasons: once per pair, above the threshold, unless they turned alerts off or had enough
    today. A pair is alerted once whichever of its listings is indexed later, and only to the
    owner of the older one: newer listings are looked at first."""
    sent = 0
    threshold = _config("MATCHING_ALERT_THRESHOLD")
    public = db.session.scalars(
        listings.with_details(
            select(Listing).where(Listing.id.in_(list(listing_ids)), listings.public_listing())
        )
    ).all()
    for listing in sorted(
        public, key=lambda listing: (listing.created_at, listing.id), reverse=True
    ):
        every_candidate = _config("MATCHING_CANDIDATES") + _config("MATCHING_NEARBY_CANDIDATES")
        for match in find_matches(listing, limit=every_candidate):
            if match.score < threshold:
                break
            sent += _alert(listing, match)
    db.session.commit()
    return sent


def _alert(listing: Listing, match: ScoredMatch) -> int:
    recipient = match.listing.owner
    if not recipient.match_alerts or not recipient.is_active:
        return 0
    if _pair_alerted(listing.id, match.listing.id):
        return 0
    if _alerts_today(recipient.id) >= _config("MATCHING_ALERTS_PER_DAY"):
        return 0
    try:
        with db.session.begin_nested():
            db.session.add(
                MatchAlert(
                    listing_id=listing.id,
                    recipient_listing_id=match.listing.id,
                    recipient_id=recipient.id,
                    score=match.score,
                    created_at=clock.now(),
                )
            )
    except IntegrityError:
        return 0  # another process alerted this pair at the same moment
    notifications.queue(
        recipient.id,
        "match_found",
        listing_id=listing.id,
        title=listing.title,
        your_listing_id=match.listing.id,
        your_title=match.listing.title,
        score=match.score,
        reasons=reasons_as_dicts(reasons_for(match.listing, match.reasons)),
    )
    return 1


def _pair_alerted(listing_id: int, other_id: int) -> bool:
    """Whether either listing of the pair already alerted the other's owner."""
    return (
        db.session.scalar(
            select(MatchAlert.id)
            .where(
                (
                    (MatchAlert.listing_id == listing_id)
                    & (MatchAlert.recipient_listing_id == other_id)
                )
                | (
                    (MatchAlert.listing_id == other_id)
                    & (MatchAlert.recipient_listing_id == listing_id)
                )
            )
            .limit(1)
        )
        is not None
    )


def _alerts_today(user_id: int) -> int:
    since = clock.now() - timedelta(days=1)
    return (
        db.session.scalar(
            select(func.count(MatchAlert.id)).where(
                MatchAlert.recipient_id == user_id, MatchAlert.created_at >= since
            )
        )
        or 0
    )


def send_alerts_quietly(listing_ids: list[int]) -> None:
    try:
        send_alerts(listing_ids)
    except Exception:
        logger.exception("match alerts failed for listings %s", listing_ids)
        db.session.rollback()


# --- requests that are met -----------------------------------------------------------------------


def close_fulfilled_request(reservation: Reservation, **_kwargs: Any) -> None:
    """Receiver of reservation_completed: when completed claims cover what a request wanted,
    the request closes itself and its owner is told."""
    if reservation.request_id is None:
        return
    request = lock_row(Listing, reservation.request_id)
    if request is None or request.status not in ("open", "fully_reserved"):
        return
    covered = db.session.scalar(
        select(func.coalesce(func.sum(Reservation.quantity), 0)).where(
            Reservation.request_id == request.id, Reservation.status == "completed"
        )
    )
    if covered < (request.quantity_wanted or 1):
        return
    request.status, request.fulfilled_at = "closed", clock.now()
    notifications.queue(
        request.owner_id, "request_fulfilled", listing_id=request.id, title=request.title
    )
