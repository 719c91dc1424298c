"""Listing rules: posting, editing (optimistic locking), withdrawal, renewal, browsing, expiry."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import Select, bindparam, func, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from marketplace import clock
from marketplace.accounts.models import Organisation, User
from marketplace.db import lock_row
from marketplace.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from marketplace.extensions import db
from marketplace.listings.models import PUBLIC_STATUSES, Listing, ListingSlot, PickupWindow
from marketplace.listings.rules import check_listing
from marketplace.listings.signals import listing_submitted, listing_withdrawn
from marketplace.listings.snapshots import ListingSnapshot, snapshots_by_ids
from marketplace.notifications import services as notifications
from marketplace.places.models import Place

CONTENT_FIELDS = ("title", "description", "category", "tags", "photo_urls")
SCALAR_FIELDS = (
    *CONTENT_FIELDS,
    "place_id", "expires_at", "quantity", "per_person_limit", "max_lend_days", "auto_confirm",
    "needed_by", "urgency", "quantity_wanted",
)  # fmt: skip


def _config(name: str) -> Any:
    return current_app.config[name]


def _lifetime(days: int | None = None) -> timedelta:
    return timedelta(days=days or _config("LISTING_LIFETIME_DAYS"))


# --- reading -------------------------------------------------------------------------------------


# What a listing's representation shows of the rows it refers to, and what is read of them
# alongside it (an owner's standing and reliability, which matching scores; a place's position
# in the tree). Contact details, password hashes, place descriptions and opening hours stay in
# the database: a page of hits loads less. Anything left out still loads when read, by one
# more query, so code that needs it stays correct.
PLACE_SHOWN = (Place.id, Place.parent_id, Place.kind, Place.name, Place.path, Place.depth)
OWNER_SHOWN = (
    User.id, User.display_name, User.role, User.status, User.organisation_id,
    User.completed_exchanges, User.no_shows, User.late_returns, User.match_alerts,
)  # fmt: skip
ORGANISATION_SHOWN = (Organisation.id, Organisation.name, Organisation.verified)


def _referred_rows() -> tuple[Any, ...]:
    """Loader options for the rows a listing refers to: its place, owner and organisation."""
    return (
        joinedload(Listing.place).load_only(*PLACE_SHOWN),
        joinedload(Listing.owner).load_only(*OWNER_SHOWN),
        joinedload(Listing.organisation).load_only(*ORGANISATION_SHOWN),
    )


def with_details(statement: Select[Any]) -> Select[Any]:
    """Load what a listing's representation shows along with it."""
    return statement.options(
        *_referred_rows(),
        selectinload(Listing.slots),
        selectinload(Listing.pickup_windows).joinedload(PickupWindow.place).load_only(*PLACE_SHOWN),
    )


@cache
def _by_ids_statement() -> Select[Any]:
    # Built once: a statement with these loader options costs more to put together than the
    # query takes to run. Slots and pick-up windows are joined too (no listing has both, so
    # the join multiplies nothing), which halves the time of loading a page of results.
    return (
        select(Listing)
        .where(Listing.id.in_(bindparam("ids", expanding=True)))
        .options(
            *_referred_rows(),
            joinedload(Listing.slots),
            joinedload(Listing.pickup_windows)
            .joinedload(PickupWindow.place)
            .load_only(*PLACE_SHOWN),
        )
    )


def listings_by_ids(ids: Collection[int]) -> list[Listing]:
    """The listings with these ids (in no particular order), with their details loaded."""
    if not ids:
        return []
    return list(db.session.scalars(_by_ids_statement(), {"ids": list(ids)}).unique())


def get_listing(actor: Any, listing_id: int) -> Listing:
    """The listing if the caller may see it; otherwise 404, as if it did not exist."""
    found = listings_by_ids([listing_id])
    listing = found[0] if found else None
    if listing is None or not listing.is_visible_to(actor):
        raise NotFound("No such listing.")
    return listing


def _listing_to_manage(actor: Any, listing_id: int) -> Listing:
    listing = get_listing(actor, listing_id)
    if not listing.can_edit(actor):
        raise Forbidden("Only the owner of this listing can change it.")
    return listing


@dataclass(frozen=True)
class BrowseFilters:
    q: str | None = None
    side: str | None = None
    kind: str | None = None
    category: str | None = None
    place_id: int | None = None
    available: bool | None = None
    sort: str | None = None
    owner: str | None = None
    status: str | None = None
    moderation: str | None = None
    page: int = 1
    per_page: int = 20


@dataclass
class ListingPage:
    items: list[ListingSnapshot]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]] | None = None
    degraded: bool = False


TextSearch = Callable[[Any, BrowseFilters], ListingPage]
_text_search: TextSearch | None = None


# A listing as read for showing: the row itself, or its snapshot on a page of listings.
Shown = TypeVar("Shown", Listing, ListingSnapshot)

BookedPeriods = Callable[[list[int]], dict[int, list[tuple[date, date]]]]
_booked_periods: BookedPeriods | None = None


def set_booked_periods(provider: BookedPeriods) -> None:
    """Plug in where loans are recorded (the reservations package), for ``availability``."""
    global _booked_periods
    _booked_periods = provider


def with_availability(items: list[Shown]) -> list[Shown]:
    """Load the booked periods of every lent item among ``items`` in one query, so that
    ``availability`` of a whole page costs no query per listing."""
    loans = [listing for listing in items if listing.is_loan and listing.id is not None]
    if loans and _booked_periods is not None:
        periods = _booked_periods([listing.id for listing in loans])
        for listing in loans:
            listing.booked_periods = periods.get(listing.id, [])
    return items


@dataclass(frozen=True, slots=True)
class BookedPeriod:
    """Days a lent item is promised, without saying to whom."""

    starts_on: date
    ends_on: date


@dataclass(frozen=True, slots=True)
class SlotLeft:
    """A slot and the places a claim can still book in it: none once it has begun."""

    id: int
    free: int


@dataclass(frozen=True, slots=True)
class Availability:
    """What is left to claim of a listing."""

    units_left: int | None
    slots: list[SlotLeft]
    booked_periods: list[BookedPeriod]


def availability(listing: Listing | ListingSnapshot) -> Availability:
    """What is left to claim: units, places in each slot yet to begin, and the days a lent item
    is taken."""
    if listing.is_loan and listing.booked_periods is None:
        with_availability([listing])
    now = clock.now()
    return Availability(
        units_left=listing.units_left,
        slots=[SlotLeft(slot.id, slot.places_left(now)) for slot in listing.slots],
        booked_periods=[BookedPeriod(start, end) for start, end in listing.booked_periods or []],
    )


def set_text_search(search: TextSearch) -> None:
    """Plug in the full-text search (the search package does, so listings never imports it)."""
    global _text_search
    _text_search = search


def browse(actor: Any, filters: BrowseFilters) -> ListingPage:
    """A page of listings: public ones (matching ``q`` when given, best first), or with
    ``owner=me`` the caller's own in any state; newest first unless sorted otherwise."""
    if (
        filters.q
        and filters.q.strip()
        and filters.owner is None
        and not (filters.status or filters.moderation)
    ):
        if _text_search is None:
            raise Invalid({"q": "Text search is not available."})
        return _text_search(actor, filters)
    query = select(Listing)
    if filters.owner == "me":
        if not actor.is_authenticated:
            raise Unauthorized("Log in to see your own listings.")
        query = query.where(_managed_by(actor))
    elif (filters.status or filters.moderation) and not actor.is_staff:
        raise Forbidden("Only coordinators filter other people's listings by state.")
    elif not (filters.status or filters.moderation):
        query = query.where(public_listing())
    query = apply_filters(query, filters)
    if filters.q and filters.q.strip():
        query = query.where(_contains_text(filters.q.strip()))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    public_only = filters.owner is None and not (filters.status or filters.moderation)
    return ListingPage(
        items=page_of(query, filters, public_only=public_only),
        total=total,
        page=filters.page,
        per_page=filters.per_page,
    )


def page_of(query: Select[Any], filters: BrowseFilters, public_only: bool) -> list[ListingSnapshot]:
    """The page ``filters`` asks for of the listings ``query`` selects, in the order asked for,
    as snapshots with their booked periods. The page's ids and the snapshots are two queries:
    with ``public_only``, a listing that stopped being public in between is left out."""
    ids = db.session.scalars(
        query.with_only_columns(Listing.id)
        .order_by(*ordering(filters.sort))
        .limit(filters.per_page)
        .offset((filters.page - 1) * filters.per_page)
    ).all()
    return snapshots_in_order(ids, public_only)


def snapshots_in_order(ids: Sequence[int], public_only: bool) -> list[ListingSnapshot]:
    """Snapshots of these listings in the order of ``ids``, with their booked periods; with
    ``public_only``, those that are not public (any more) are left out."""
    found = {
        listing.id: listing
        for listing in snapshots_by_ids(ids)
        if listing.is_public or not public_only
    }
    return with_availability([found[listing_id] for listing_id in ids if listing_id in found])


def ordering(sort: str | None) -> tuple[Any, ...]:
    """ORDER BY for a browse: ending soonest first, or newest first (also for "relevance",
    which only the text search can rank by)."""
    if sort == "ending_soon":
        return (Listing.expires_at.asc(), Listing.id.asc())
    return (Listing.created_at.desc(), Listing.id.desc())


def _contains_text(text: str) -> Any:
    """Plain substring match, for searching one's own listings in any state."""
    return or_(
        Listing.title.contains(text, autoescape=True),
        Listing.description.contains(text, autoescape=True),
    )


def public_listing() -> Any:
    """SQL condition: approved and open or fully reserved.

    The values are written into the SQL rather than bound: a database uses an index that holds
    public listings only (the browse indexes) when it can see that the query asks for exactly
    those, and a bound parameter, whose value a prepared plan does not know, hides that."""
    return (Listing.moderation == literal("approved", literal_execute=True)) & Listing.status.in_(
        bindparam("public_statuses", PUBLIC_STATUSES, expanding=True, literal_execute=True)
    )


def _managed_by(actor: Any) -> Any:
    if actor.organisation_id is None:
        return Listing.owner_id == actor.id
    return or_(Listing.owner_id == actor.id, Listing.organisation_id == actor.organisation_id)


def apply_filters(query: Select[Any], filters: BrowseFilters) -> Select[Any]:
    for column, value in (
        (Listing.side, filters.side),
        (Listing.kind, filters.kind),
        (Listing.category, filters.category),
        (Listing.status, filters.status),
        (Listing.moderation, filters.moderation),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.available:
        query = query.where(Listing.status == "open")
    elif filters.available is False:
        query = query.where(Listing.status != "open")
    if filters.place_id is not None:
        query = query.where(Listing.place_id.in_(_subtree(filters.place_id)))
    return query


def _subtree(place_id: int) -> Select[Any]:
    place = db.session.get(Place, place_id)
    if place is None:
        raise Invalid({"place_id": "No such place."})
    return select(Place.id).where(Place.path.startswith(place.path))


# --- writing -------------------------------------------------------------------------------------


def create_listing(actor: User, data: dict[str, Any]) -> Listing:
    """Post an offer or a request; a moderation receiver decides whether it is published at once."""
    _require_writer(actor)
    if (
        data["kind"] == "donation"
        and data["side"] == "offer"
        and not _speaks_for_organisation(actor)
    ):
        raise Forbidden(
            "Donations are posted by merchants and organisations.", code="organisation_required"
        )
    now = clock.now()
    # A field sent as null takes its default, as one left out does: an item given away is one.
    defaults = _defaults_for_kind(data)
    data = {**data, **{key: value for key, value in defaults.items() if data.get(key) is None}}
    values = {"expires_at": now + _lifetime(), "description": "", "photo_urls": [], **data}
    _validate(values, given=data.keys(), now=now)
    _require_place(data["place_id"], "place_id")
    listing = Listing(
        side=data["side"],
        kind=data["kind"],
        mode=data.get("mode"),
        owner_id=actor.id,
        organisation_id=actor.organisation_id if _speaks_for_organisation(actor) else None,
        status="open",
        moderation="pending",
        moderation_reason="",
        created_at=now,
        updated_at=now,
        auto_confirm=data.get("auto_confirm", data["kind"] == "donation"),
        **{
            field: values[field]
            for field in SCALAR_FIELDS
            if field in values and field != "auto_confirm"
        },
    )
    listing.slots = [_new_slot(entry) for entry in data.get("slots", [])]
    listing.pickup_windows = [_new_window(entry) for entry in data.get("pickup_windows", [])]
    listing_submitted.send(listing, actor=actor, created=True, text_changed=True)
    db.session.add(listing)
    db.session.commit()
    return listing


def _defaults_for_kind(data: dict[str, Any]) -> dict[str, Any]:
    if data["side"] == "request":
        return {"urgency": "normal", "quantity_wanted": 1}
    if data["kind"] == "item":
        return {"quantity": 1}
    return {}


def _require_writer(actor: Any) -> None:
    if not actor.is_authenticated:
        raise Unauthorized()
    if not actor.can_write:
        raise Forbidden(
            "Suspended accounts cannot post or change listings.", code="account_suspended"
        )


def _speaks_for_organisation(actor: Any) -> bool:
    return actor.role == "merchant" and actor.organisation_id is not None


def _require_place(place_id: int, field: str) -> Place:
    place = db.session.get(Place, place_id)
    if place is None:
        raise Invalid({field: "No such place."})
    if not place.can_host_listings:
        raise Invalid(
            {field: "Choose a community or a place inside one, not the whole subdistrict."}
        )
    return place


def _validate(
    values: dict[str, Any], given: Any, now: datetime, unchanged: frozenset = frozenset()
) -> None:
    errors = check_listing(
        values, given, now, timedelta(days=_config("LISTING_MAX_LIFETIME_DAYS")), unchanged
    )
    for window in values.get("pickup_windows") or []:
        if "place_id" in window:
            place = db.session.get(Place, window["place_id"])
            if place is None or not place.can_host_listings:
                errors.add(
                    "pickup_windows", "Every window needs a pick-up place inside a community."
                )
                break
    if errors:
        raise Invalid(errors)


def _new_slot(entry: dict[str, Any]) -> ListingSlot:
    return ListingSlot(
        starts_at=entry["starts_at"],
        ends_at=entry["ends_at"],
        capacity=entry.get("capacity", 1),
        booked=0,
        handed_over=0,
    )


def _new_window(entry: dict[str, Any]) -> PickupWindow:
    return PickupWindow(
        starts_at=entry["starts_at"], ends_at=entry["ends_at"], place_id=entry["place_id"]
    )


def update_listing(actor: User, listing_id: int, data: dict[str, Any]) -> Listing:
    """Edit a listing; the edit names the version it is based on, and a stale one is refused."""
    _require_writer(actor)
    listing = _listing_to_manage(actor, listing_id)
    changes = {key: value for key, value in data.items() if key != "version"}
    if data["version"] != listing.version:
        raise _stale(listing)
    if listing.status in ("closed", "withdrawn"):
        raise Conflict("invalid_transition", f"A {listing.status} listing cannot be edited.")
    now = clock.now()
    values = {**_current_values(listing), **changes}
    _validate(values, given=changes.keys(), now=now, unchanged=_existing_times(listing))
    if "place_id" in changes:
        _require_place(changes["place_id"], "place_id")
    _refuse_less_than_claimed(listing, changes)
    new_end = "expires_at" in changes and changes["expires_at"] != listing.expires_at
    for field in SCALAR_FIELDS:
        if field in changes:
            setattr(listing, field, changes[field])
    if new_end:
        listing.expiry_reminded_at = None  # its owner is reminded again before the new end
    if "slots" in changes:
        listing.slots = _merged_children(
            listing.slots,
            changes["slots"],
            _new_slot,
            ("starts_at", "ends_at", "capacity"),
            "slots",
        )
    if "pickup_windows" in changes:
        listing.pickup_windows = _merged_children(
            listing.pickup_windows,
            changes["pickup_windows"],
            _new_window,
            ("starts_at", "ends_at", "place_id"),
            "pickup_windows",
        )
    _reopen_if_current(listing, now)
    # More units or places open it again (the sweeper moves the waitlist up); fewer may fill it.
    listing.status = listing.status_for_capacity(now=now)
    listing.updated_at = now
    flag_modified(listing, "updated_at")  # every edit is a new version, even within one clock tick
    text_changed = any(field in changes for field in CONTENT_FIELDS)
    listing_submitted.send(listing, actor=actor, created=False, text_changed=text_changed)
    _commit_or_stale(listing)
    return listing


def _refuse_less_than_claimed(listing: Listing, changes: dict[str, Any]) -> None:
    """An edit cannot take back what claims already hold: units, booked slot places or slots."""
    errors: dict[str, str] = {}
    quantity = changes.get("quantity")
    if listing.counts_units and quantity is not None and quantity < listing.units_reserved:
        errors["quantity"] = (
            f"{listing.units_reserved} are already claimed; the quantity cannot go below that."
        )
    if "slots" in changes:
        kept = {entry["id"]: entry for entry in changes["slots"] if "id" in entry}
        for slot in listing.slots:
            if slot.booked and slot.id not in kept:
                errors["slots"] = (
                    f"Slot {slot.id} has bookings and cannot be removed; cancel them first."
                )
            elif slot.id in kept and kept[slot.id].get("capacity", slot.capacity) < slot.booked:
                errors["slots"] = f"Slot {slot.id} already has {slot.booked} bookings."
    if errors:
        raise Invalid(errors)


def _stale(listing: Listing) -> Conflict:
    return Conflict(
        "stale_version",
        "The listing changed since you loaded it; reload and apply your edit again.",
        details={"current_version": listing.version},
    )


def _commit_or_stale(listing: Listing) -> None:
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise Conflict(
            "stale_version",
            "The listing changed since you loaded it; reload and apply your edit again.",
        ) from exc
    except IntegrityError as exc:
        # Whatever still refers to what the edit removed (a claim on a pick-up window).
        db.session.rollback()
        raise Conflict(
            "in_use", "Something you removed is still used by a claim; cancel the claim first."
        ) from exc


def _current_values(listing: Listing) -> dict[str, Any]:
    values = {field: getattr(listing, field) for field in (*SCALAR_FIELDS, "side", "kind", "mode")}
    values["slots"] = [
        {"starts_at": s.starts_at, "ends_at": s.ends_at, "capacity": s.capacity}
        for s in listing.slots
    ]
    values["pickup_windows"] = [
        {"starts_at": w.starts_at, "ends_at": w.ends_at, "place_id": w.place_id}
        for w in listing.pickup_windows
    ]
    return values


def _existing_times(listing: Listing) -> frozenset[tuple[datetime, datetime]]:
    return frozenset(
        (entry.starts_at, entry.ends_at) for entry in (*listing.slots, *listing.pickup_windows)
    )


def _merged_children(
    current: list[Any],
    entries: list[dict[str, Any]],
    build: Any,
    attributes: tuple[str, ...],
    field: str,
) -> list[Any]:
    """The children after an edit: entries with an id update that child, others are new, and
    children the edit does not mention are removed."""
    by_id = {child.id: child for child in current}
    unknown = [entry["id"] for entry in entries if "id" in entry and entry["id"] not in by_id]
    if unknown:
        raise Invalid({field: f"Unknown id {unknown[0]}."})
    kept = []
    for entry in entries:
        child = by_id.get(entry["id"]) if "id" in entry else None
        if child is None:
            kept.append(build(entry))
            continue
        for attribute in attributes:
            if attribute in entry:
                setattr(child, attribute, entry[attribute])
        kept.append(child)
    return kept


def withdraw_listing(actor: User, listing_id: int) -> Listing:
    """The owner takes a listing down for good; claims not handed over yet are cancelled."""
    _require_writer(actor)
    _listing_to_manage(actor, listing_id)
    # Claims take the same lock, so none slips in while the open ones are being cancelled.
    listing = lock_row(Listing, listing_id)
    assert listing is not None
    if listing.status not in PUBLIC_STATUSES and listing.status != "expired":
        raise Conflict("invalid_transition", f"A {listing.status} listing cannot be withdrawn.")
    listing.status = "withdrawn"
    listing.updated_at = clock.now()
    listing_withdrawn.send(listing, actor=actor)
    _commit_or_stale(listing)
    return listing


def _reopen_if_current(listing: Listing, now: datetime) -> None:
    """An expired listing whose end is ahead again (renewed, or its end edited) and that time
    still allows claiming (a slot or pick-up window ahead) is open again."""
    if listing.status == "expired" and listing.expires_at > now and listing.has_time_ahead(now):
        listing.status = "open"
        # Its claims may still hold every unit or place.
        listing.status = listing.status_for_capacity(now=now)


# Why an offer cannot be claimed any more although its end is ahead.
_NOTHING_AHEAD = {
    "slots": "Every slot of this offer has started; add a slot ahead to offer it again.",
    "pickup_windows": "Every pick-up window of this offer is over; add one ahead to offer it again.",
}


def _times_of(listing: Listing) -> str:
    """Which times decide whether the offer can still be claimed (see ``has_time_ahead``)."""
    return "slots" if listing.slots else "pickup_windows"


def renew_listing(actor: User, listing_id: int, days: int | None) -> Listing:
    """Extend a listing's life by 30 days (default) from now or its current end, if later."""
    _require_writer(actor)
    listing = _listing_to_manage(actor, listing_id)
    if listing.status not in (*PUBLIC_STATUSES, "expired"):
        raise Conflict("invalid_transition", f"A {listing.status} listing cannot be renewed.")
    now = clock.now()
    if not listing.has_time_ahead(now):
        raise Conflict("nothing_ahead", _NOTHING_AHEAD[_times_of(listing)])
    listing.expires_at = max(now, listing.expires_at) + _lifetime(days)
    listing.expiry_reminded_at = None
    _reopen_if_current(listing, now)
    listing.updated_at = now
    _commit_or_stale(listing)
    return listing


# --- expiry ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpiryReport:
    reminded: int
    expired: int


def expire_listings() -> ExpiryReport:
    """Close listings past their end, and offers that time no longer lets anyone claim (every
    slot started, every pick-up window over); remind owners a few days before the end.
    Idempotent.

    Rows are taken with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two runs at once split the
    work instead of notifying twice; on SQLite the write lock serialises the runs.
    """
    now = clock.now()
    reminder_horizon = now + timedelta(days=_config("LISTING_EXPIRY_REMINDER_DAYS"))
    due_for_reminder = db.session.scalars(
        select(Listing)
        .where(
            Listing.status.in_(PUBLIC_STATUSES),
            Listing.expires_at > now,
            Listing.expires_at <= reminder_horizon,
            Listing.expiry_reminded_at.is_(None),
        )
        .with_for_update(skip_locked=True)
    ).all()
    for listing in due_for_reminder:
        listing.expiry_reminded_at = now
        notifications.queue(
            listing.owner_id,
            "listing_expiring",
            listing_id=listing.id,
            title=listing.title,
            expires_on=_local_date(listing.expires_at),
        )
    due_to_expire = db.session.scalars(
        select(Listing)
        .where(
            Listing.status.in_(PUBLIC_STATUSES),
            or_(Listing.expires_at <= now, _no_time_ahead(now)),
        )
        .with_for_update(skip_locked=True)
    ).all()
    for listing in due_to_expire:
        listing.status = "expired"
        listing.updated_at = now
        reason = {} if listing.expires_at <= now else {"reason": _TIME_OVER[_times_of(listing)]}
        notifications.queue(
            listing.owner_id,
            "listing_expired",
            listing_id=listing.id,
            title=listing.title,
            **reason,
        )
    db.session.commit()
    return ExpiryReport(reminded=len(due_for_reminder), expired=len(due_to_expire))


# What the owner of an offer that time closed is told.
_TIME_OVER = {
    "slots": "所有时段都已开始；添加新的时段即可重新开放。",
    "pickup_windows": "所有领取时段都已结束；添加新的领取时段即可重新开放。",
}


def _no_time_ahead(now: datetime) -> Any:
    """SQL: an offer with slots none of which is yet to start, or with pick-up windows none of
    which is yet to end (``Listing.has_time_ahead`` is false)."""

    def _all_behind(model: Any, still_ahead: Any) -> Any:
        of_listing = model.listing_id == Listing.id
        return select(model.id).where(of_listing).exists() & ~(
            select(model.id).where(of_listing, still_ahead).exists()
        )

    return or_(
        _all_behind(ListingSlot, ListingSlot.starts_at > now),
        _all_behind(PickupWindow, PickupWindow.ends_at > now),
    )


def _local_date(moment: datetime) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(_config("LOCAL_TIMEZONE"))).strftime("%Y-%m-%d")
