"""Text search over listings for ``GET /listings?q=``: the index when it is healthy and caught
up, a plain database query (flagged ``degraded``) when it is not."""

from __future__ import annotations

import json
from typing import Any

from flask import current_app
from sqlalchemy import String, cast, func, or_, select

from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.listings.models import Listing
from marketplace.listings.services import ListingPage
from marketplace.search import indexer
from marketplace.search.analysis import chinese_words, has_searchable_text, text_runs
from marketplace.search.highlight import snippet
from marketplace.search.index import IndexUnavailable, SearchQuery
from marketplace.text import folded


def search_listings(actor: Any, filters: listings.BrowseFilters) -> ListingPage:
    """Public listings matching ``filters.q``, best first (or by the requested order)."""
    text = filters.q or ""
    if not has_searchable_text(text):
        return ListingPage(items=[], total=0, page=filters.page, per_page=filters.per_page)
    try:
        page = _search_index(filters)
    except IndexUnavailable as exc:
        db.session.rollback()
        indexer.report_unavailable("search falls back to the database", exc)
        page = _search_database(filters)
        page.degraded = True
    else:
        indexer.report_available()
    for listing in page.items:
        listing.snippet = snippet(listing.title, listing.description, text)
    return page


def _ensure_caught_up() -> None:
    """Refuse to answer from an index that misses changes older than SEARCH_MAX_LAG seconds."""
    max_lag = current_app.config["SEARCH_MAX_LAG"]
    if indexer.lag_within(max_lag):
        return
    if current_app.config["SEARCH_INDEXING"] == "inline":
        indexer.drain_quietly()
        if indexer.lag_within(max_lag):
            return
    raise IndexUnavailable(f"the index is more than {max_lag}s behind the database")


def _search_index(filters: listings.BrowseFilters) -> ListingPage:
    _ensure_caught_up()
    query = SearchQuery(
        text=filters.q or "",
        side=filters.side,
        kind=filters.kind,
        category=filters.category,
        place_id=filters.place_id,
        available=filters.available,
        sort=filters.sort or "relevance",
        page=filters.page,
        per_page=filters.per_page,
    )
    results = indexer.get_index().search(query)
    ranked_ids = [hit.listing_id for hit in results.hits]
    # The database has the last word: anything the index still holds but that is no longer
    # public is dropped here, and not counted either. Checked in Python rather than in the
    # WHERE clause, where SQLite would walk the public-browse index over every public listing
    # instead of looking the few ids up by primary key.
    items = listings.snapshots_in_order(ranked_ids, public_only=True)
    return ListingPage(
        items=items,
        total=results.total - (len(ranked_ids) - len(items)),
        page=filters.page,
        per_page=filters.per_page,
        facets=results.facets,
    )


def _like_terms(text: str) -> list[str]:
    terms: list[str] = []
    for kind, run in text_runs(text):
        terms.append(run)
        if kind == "cjk":
            terms.extend(word for word in chinese_words(run) if len(word) > 1)
    return list(dict.fromkeys(terms))[:10]


# What a JSON text's \\uXXXX escapes are made of.
_ESCAPE_CHARACTERS = frozenset("0123456789abcdefu")


def _tag_patterns(term: str) -> list[str]:
    """How ``term`` can appear in the tags column, JSON text in which non-ASCII characters are
    usually written as \\uXXXX escapes; nothing for a term that would also match inside those
    escapes (``b``, ``3d``), which would find nearly every listing with Chinese tags."""
    if term.isascii():
        return [] if set(term) <= _ESCAPE_CHARACTERS else [term]
    return [term, json.dumps(term)[1:-1]]


def _search_database(filters: listings.BrowseFilters) -> ListingPage:
    """The fallback: public listings whose title, description or tags contain a query word."""
    terms = _like_terms(folded(filters.q or ""))
    title, description = func.lower(Listing.title), func.lower(Listing.description)
    tags = func.lower(cast(Listing.tags, String))
    matches = or_(
        *(
            column.contains(term, autoescape=True)
            for term in terms
            for column in (title, description)
        ),
        *(
            tags.contains(pattern, autoescape=True)
            for term in terms
            for pattern in _tag_patterns(term)
        ),
    )
    query = listings.apply_filters(
        select(Listing).where(listings.public_listing(), matches), filters
    )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return ListingPage(
        items=listings.page_of(query, filters, public_only=True),
        total=total,
        page=filters.page,
        per_page=filters.per_page,
        facets=_database_facets(query),
    )


def _database_facets(query: Any) -> dict[str, dict[str, int]]:
    matched = query.subquery()
    facets: dict[str, dict[str, int]] = {}
    for name in ("category", "kind"):
        column = matched.c[name]
        rows = db.session.execute(select(column, func.count()).group_by(column)).all()
        facets[name] = {value: count for value, count in rows}
    return facets
