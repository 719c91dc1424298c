"""The search index as the rest of the service sees it: a small protocol and its value types."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol


class IndexUnavailable(Exception):
    """The index is missing, corrupt or cannot be opened; callers fall back or retry later."""


class IndexBusy(IndexUnavailable):
    """Another process held the index's write lock for longer than we were willing to wait."""


@dataclass(frozen=True)
class SearchQuery:
    text: str
    side: str | None = None
    kind: str | None = None
    category: str | None = None
    place_id: int | None = None
    available: bool | None = None
    public_only: bool = True
    exclude_owner_id: int | None = None
    sort: str = "relevance"  # relevance | newest | ending_soon
    page: int = 1
    per_page: int = 20
    with_facets: bool = True
    # False: ``total`` is only the number of hits returned. Counting every match costs about as
    # much again as finding the best ones, and callers such as matching never show it.
    with_total: bool = True
    # When set, the text is searched as at most this many of its whole words, the rarest in the
    # index first, in titles, tags and descriptions only (no place names, partial words, pinyin
    # or misspellings): what finding the counterparts of a listing needs, at a fraction of the
    # cost of the full query over a large index. Ranked by relevance only, without facets.
    keywords: int | None = None


@dataclass(frozen=True)
class SearchHit:
    listing_id: int
    score: float


@dataclass
class SearchResults:
    hits: list[SearchHit]
    total: int  # every match, or only the hits when the query asked for no total
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


Document = dict[str, Any]
# What the index's writers keep beside its documents (JSON-able): how far it has read the
# outbox. Each index, and each generation of one, has its own.
Mark = dict[str, Any]
# Called once the index's write lock is held, with the index's mark: (documents to add or
# replace, ids to remove, the mark to keep once they are written).
Changes = Callable[[Mark], tuple[Iterable[Document], Iterable[int], Mark]]


class SearchIndex(Protocol):
    def exists(self) -> bool: ...

    def mark(self) -> Mark:
        """The mark the last write left (``{}`` for a new index), read without the lock."""

    def write(self, changes: Changes) -> None:
        """Apply ``changes(mark)`` in one commit, calling it only once the write lock is held
        (raises IndexBusy when the lock stays taken), then keep the mark it returned."""

    def search(self, query: SearchQuery) -> SearchResults: ...

    def rebuild(
        self,
        documents: Iterable[Document],
        on_progress: Callable[[int], None] | None = None,
        catch_up: Changes | None = None,
    ) -> int:
        """Build a fresh index from ``documents`` beside the live one, apply ``catch_up`` (given
        the fresh index's empty mark) under the live index's write lock, and swap the new one in
        atomically."""

    def count(self) -> int: ...
