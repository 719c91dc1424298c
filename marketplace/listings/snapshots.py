"""Read-only copies of listings, loaded with plain SQL queries, for pages of listings: browsing
and search hits.

Loading a page of search hits through the ORM (each listing with its owner, organisation and
place, its slots, and its pick-up windows with their places) cost more than everything else a
search request does besides the index search. A ``ListingSnapshot`` carries every column of the
listing and what its representation shows of the rows it refers to, and shares the listing's
derived facts (``ListingFacts``), so ``ListingOut`` and the templates read it like a
``Listing``. Nothing is ever written through it.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, select

from marketplace.accounts.models import Organisation, User
from marketplace.db import one_of, one_of_values
from marketplace.extensions import db
from marketplace.listings.models import (
    Listing,
    ListingFacts,
    ListingSlot,
    PickupWindow,
    SlotFacts,
)
from marketplace.listings.rules import KIND_FIELDS
from marketplace.places.models import Place

LISTINGS = Listing.__table__
SLOTS = ListingSlot.__table__
WINDOWS = PickupWindow.__table__
PLACES = Place.__table__
USERS = User.__table__
ORGANISATIONS = Organisation.__table__


@dataclass(slots=True)
class PlaceRef:
    id: int
    name: str
    kind: str
    path: str


@dataclass(slots=True)
class OwnerRef:
    id: int
    display_name: str


@dataclass(slots=True)
class OrganisationRef:
    id: int
    name: str
    verified: bool


@dataclass(slots=True)
class SlotSnapshot(SlotFacts):
    id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int


@dataclass(slots=True)
class PickupWindowSnapshot:
    id: int
    starts_at: datetime
    ends_at: datetime
    place: PlaceRef


@dataclass(slots=True)
class ListingSnapshot(ListingFacts):
    """Every column of ``listings`` (a test keeps the two in step), plus what it refers to."""

    id: int
    side: str
    kind: str
    mode: str | None
    title: str
    description: str
    category: str
    tags: list[str]
    photo_urls: list[str]
    place_id: int
    owner_id: int
    organisation_id: int | None
    status: str
    moderation: str
    moderation_reason: str
    hidden_with_owner: bool
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    expiry_reminded_at: datetime | None
    quantity: int | None
    units_reserved: int
    units_handed_over: int
    per_person_limit: int | None
    max_lend_days: int | None
    auto_confirm: bool
    needed_by: datetime | None
    urgency: str | None
    quantity_wanted: int | None
    fulfilled_at: datetime | None
    version: int
    place: PlaceRef
    owner: OwnerRef
    organisation: OrganisationRef | None
    slots: list[SlotSnapshot] = field(default_factory=list)
    pickup_windows: list[PickupWindowSnapshot] = field(default_factory=list)
    snippet: str | None = None
    booked_periods: list[tuple[date, date]] | None = None


# The snapshot's fields that copy a column, in order: those before ``place``.
SNAPSHOT_COLUMNS = tuple(
    itertools.takewhile(lambda name: name != "place", (f.name for f in fields(ListingSnapshot)))
)
_COLUMN_COUNT = len(SNAPSHOT_COLUMNS)


@lru_cache(maxsize=128)
def _listings_statement(count: int) -> Select[Any]:
    return (
        select(
            *(LISTINGS.c[column] for column in SNAPSHOT_COLUMNS),
            PLACES.c.name.label("place_name"),
            PLACES.c.kind.label("place_kind"),
            PLACES.c.path.label("place_path"),
            USERS.c.display_name.label("owner_name"),
            ORGANISATIONS.c.name.label("organisation_name"),
            ORGANISATIONS.c.verified.label("organisation_verified"),
        )
        .join(PLACES, PLACES.c.id == LISTINGS.c.place_id)
        .join(USERS, USERS.c.id == LISTINGS.c.owner_id)
        .outerjoin(ORGANISATIONS, ORGANISATIONS.c.id == LISTINGS.c.organisation_id)
        .where(one_of(LISTINGS.c.id, "id", count))
    )


def _times_of_listings(table: Any, count: int, *more: Any) -> Select[Any]:
    """Slots or pick-up windows of the listings, in the order the relationships keep them."""
    columns = table.c
    return (
        select(columns.listing_id, columns.id, columns.starts_at, columns.ends_at, *more)
        .where(one_of(columns.listing_id, "id", count))
        .order_by(columns.listing_id, columns.starts_at, columns.id)
    )


@lru_cache(maxsize=128)
def _slots_statement(count: int) -> Select[Any]:
    return _times_of_listings(SLOTS, count, SLOTS.c.capacity, SLOTS.c.booked)


@lru_cache(maxsize=128)
def _windows_statement(count: int) -> Select[Any]:
    return _times_of_listings(
        WINDOWS, count, PLACES.c.id, PLACES.c.name, PLACES.c.kind, PLACES.c.path
    ).join(PLACES, PLACES.c.id == WINDOWS.c.place_id)


def snapshots_by_ids(ids: Collection[int]) -> list[ListingSnapshot]:
    """Snapshots of the listings with these ids (in no particular order)."""
    if not ids:
        return []
    connection = db.session.connection()
    ids = list(ids)
    found = {
        row.id: _snapshot(row)
        for row in connection.execute(_listings_statement(len(ids)), one_of_values("id", ids)).all()
    }
    with_slots = _having(found, "slots")
    if with_slots:
        for listing_id, *slot in connection.execute(
            _slots_statement(len(with_slots)), one_of_values("id", with_slots)
        ).all():
            found[listing_id].slots.append(SlotSnapshot(*slot))
    with_windows = _having(found, "pickup_windows")
    if with_windows:
        for listing_id, window_id, starts_at, ends_at, *place in connection.execute(
            _windows_statement(len(with_windows)), one_of_values("id", with_windows)
        ).all():
            found[listing_id].pickup_windows.append(
                PickupWindowSnapshot(window_id, starts_at, ends_at, PlaceRef(*place))
            )
    return list(found.values())


def _having(found: dict[int, ListingSnapshot], detail: str) -> list[int]:
    """The listings whose side and kind have ``detail`` (slots or pick-up windows) at all."""
    return [
        listing.id
        for listing in found.values()
        if detail in KIND_FIELDS.get((listing.side, listing.kind), ())
    ]


def _snapshot(row: Any) -> ListingSnapshot:
    # The statement selects the snapshot's columns first, in the order of its fields.
    (
        place_name,
        place_kind,
        place_path,
        owner_name,
        organisation_name,
        organisation_verified,
    ) = row[_COLUMN_COUNT:]
    organisation_id = row.organisation_id
    return ListingSnapshot(
        *row[:_COLUMN_COUNT],
        place=PlaceRef(row.place_id, place_name, place_kind, place_path),
        owner=OwnerRef(row.owner_id, owner_name),
        organisation=None
        if organisation_id is None
        else OrganisationRef(organisation_id, organisation_name, organisation_verified),
    )
