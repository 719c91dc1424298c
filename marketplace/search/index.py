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


@dataclass(frozen=True)
class SearchHit:
    listing_id: int
    score: float


@dataclass
class SearchResults:
    hits: list[SearchHit]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


Document = dict[str, Any]


class SearchIndex(Protocol):
    def exists(self) -> bool: ...

    def write(self, upserts: Iterable[Document], deletes: Iterable[int]) -> None:
        """Add or replace documents and remove others in one commit (raises IndexBusy)."""

    def search(self, query: SearchQuery) -> SearchResults: ...

    def rebuild(
        self, documents: Iterable[Document], on_progress: Callable[[int], None] | None = None
    ) -> int:
        """Build a fresh index from ``documents`` beside the live one and swap it in atomically."""

    def count(self) -> int: ...
