"""Claims and their life: who may claim what, holds, codes, loans, slots, waitlists.

Every service that changes capacity locks the listing's row first (a row lock on PostgreSQL, the
database write lock on SQLite; see ``lock_row``), then decides on the counters read under that
lock and moves them (see ``capacity``), so concurrent claims never promise more than there is;
the database's constraints refuse whatever would, should the lock ever be missing. A service
that loses a database race (deadlock, serialization failure, busy database) runs again from
scratch a few times.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple, NoReturn
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Integer, Select, bindparam, exists, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload, with_expression

from marketplace import clock
from marketplace.accounts.models import User
from marketplace.db import (
    commit_keeping_objects,
    lock_columns,
    lock_row,
    next_id,
    one_of,
    one_of_values,
    read_only_transactions,
    retry_on_contention,
)
from marketplace.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from marketplace.extensions import db
from marketplace.listings.models import PUBLIC_STATUSES, Listing, ListingSlot, PickupWindow
from marketplace.notifications import services as notifications
from marketplace.reservations import capacity, records, transitions
from marketplace.reservations.models import (
    ACTIVE_STATUSES,
    HOLDING_STATUSES,
    Reservation,
    ReservationEvent,
)
from marketplace.reservations.signals import reservation_changed, reservation_completed


def _config(name: str) -> Any:
    return current_app.config[name]


def local_today() -> date:
    return clock.now().astimezone(ZoneInfo(_config("LOCAL_TIMEZONE"))).date()


def _new_pickup_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


# --- claiming ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    quantity: int | None = None
    slot_id: int | None = None
    pickup_window_id: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    request_id: int | None = None
    note: str = ""
    waitlist: bool = False


@retry_on_contention()
def claim(actor: Any, listing_id: int, request: Claim) -> Reservation:
    """Claim an offer: units, a slot place or a lending period, held until the owner confirms
    (or confirmed at once for auto-confirm listings), or waitlisted when asked and full."""
    _require_claimant(actor)
    _lock_claimant(actor)
    listing, holding, new_id = _claimable_listing(actor, listing_id)
    _refuse_over_quota(holding)
    request_id = _fulfilled_request(actor, request.request_id)
    reservation = Reservation(
        listing=listing,  # for the response; the row needs the id
        listing_id=listing.id,
        claimant_id=actor.id,
        request_id=request_id,
        note=request.note,
        pickup_code=_new_pickup_code(),
        created_at=clock.now(),
        updated_at=clock.now(),
        events=[],  # loaded, and empty: the claim's event joins it without a read
    )
    holds = _take_capacity(listing, request, reservation, holding)
    _open(reservation, listing, holds)
    with _refused_by_the_database():
        records.insert(reservation, new_id)
        _notify_provider(reservation)  # first: it goes out with the event (see records)
        records.record_event(
            reservation,
            action="claim",
            from_status=None,
            to_status=reservation.status,
            actor_id=reservation.claimant_id,
            at=reservation.created_at,
            note="",
        )
        capacity.follow_capacity(listing)
        reservation_changed.send(reservation, action="claim", actor=actor)
        commit_keeping_objects()
    return reservation


@contextmanager
def _refused_by_the_database() -> Iterator[None]:
    """A claim's writes, where the database's own constraints answer as the service's checks
    would: PostgreSQL's exclusion constraint on lending periods with ``overlap``, the CHECK on
    a listing's claimed units with ``sold_out``. Neither fires while claims take the listing's
    lock first; they hold the line should that ever fail."""
    try:
        yield
    except IntegrityError as exc:
        db.session.rollback()
        if "overlap" in str(exc.orig):
            raise Conflict(
                "overlap", "Someone has already booked the item for some of those days."
            ) from exc
        if capacity.OVERSOLD in str(exc.orig):
            raise Conflict("sold_out", "Not enough left.") from exc
        raise


def _require_claimant(actor: Any) -> None:
    if not actor.is_authenticated:
        raise Unauthorized()
    if not actor.can_write:
        _refuse_suspended()


def _lock_claimant(actor: Any) -> None:
    """Lock the claimant's row: one user's claims run one at a time, so the quota holds. The
    status is read again under the lock, so a suspension committed while the claim waited for
    it refuses the claim; the user loaded for the request would still look active."""
    claimant = lock_columns(User, actor.id, "status")
    if claimant is None or claimant.status != "active":
        _refuse_suspended()


def _refuse_suspended() -> NoReturn:
    raise Forbidden("Suspended accounts cannot claim.", code="account_suspended")


class _Holding(NamedTuple):
    """What the claimant has open when claiming: claims in all (the quota counts them) and
    units of the listing claimed (its per-person limit counts them)."""

    claims: int
    units_of_listing: int


def _claimable_listing(actor: Any, listing_id: int) -> tuple[Listing, _Holding, int | None]:
    """The listing, locked, what the claimant already holds, and on PostgreSQL an id for the
    claim's reservation (``next_id``), read in the same statement.

    The counts are current: the claimant's row was locked by an earlier statement, so no other
    claim of theirs commits meanwhile, and this statement sees every one that committed before."""
    row = (
        db.session.execute(
            _claimable_listing_statement(), {"listing_id": listing_id, "claimant_id": actor.id}
        )
        .unique()
        .one_or_none()
    )
    listing = row[0] if row is not None else None
    if listing is None or not listing.is_visible_to(actor):
        raise NotFound("No such listing.")
    if listing.is_managed_by(actor):
        raise Forbidden("You cannot claim your own listing.", code="own_listing")
    if listing.side != "offer":
        raise Conflict(
            "not_claimable", "Requests are answered, not claimed; post or claim an offer."
        )
    if not listing.is_public:
        raise Conflict("not_claimable", "This listing is not open for claims.")
    return listing, _Holding(claims=row[1], units_of_listing=row[2]), row[3]


@functools.cache
def _claimable_listing_statement() -> Select[Any]:
    # Built once: every claim runs it.
    return _listing_with_holding().with_for_update(of=Listing)


@functools.cache
def _listing_with_holding() -> Select[Any]:
    """SQL: listing ``:listing_id`` with its pick-up windows (a claim's window is checked
    against them), the count of claimant ``:claimant_id``'s open claims, the units of the
    listing they hold, and an id for a new reservation (``next_id``; a refused claim leaves a
    gap in the ids)."""
    reservations = Reservation.__table__.c
    claimants_open = select().where(
        reservations.claimant_id == bindparam("claimant_id", type_=Integer),
        reservations.status.in_([literal(status) for status in ACTIVE_STATUSES]),
    )
    claims = claimants_open.with_only_columns(func.count(reservations.id)).scalar_subquery()
    units_of_listing = (
        claimants_open.with_only_columns(func.coalesce(func.sum(reservations.quantity), 0))
        .where(reservations.listing_id == Listing.id)
        .scalar_subquery()
    )
    # A subquery, drawn once for the statement rather than once for each pick-up window
    # joined to the listing.
    new_reservation_id = select(next_id(Reservation.__table__)).scalar_subquery()
    return (
        select(Listing, claims, units_of_listing, new_reservation_id)
        .where(Listing.id == bindparam("listing_id", type_=Integer))
        .options(joinedload(Listing.pickup_windows))
        .execution_options(populate_existing=True)
    )


def _refuse_over_quota(holding: _Holding) -> None:
    limit = _config("RESERVATION_MAX_ACTIVE")
    if holding.claims >= limit:
        raise Conflict(
            "quota_exceeded",
            f"You already have {holding.claims} open claims; finish or cancel one first.",
            details={"limit": limit, "active": holding.claims},
        )


def _fulfilled_request(actor: Any, request_id: int | None) -> int | None:
    if request_id is None:
        return None
    request = db.session.get(Listing, request_id)
    if request is None or request.side != "request" or not request.is_managed_by(actor):
        raise Invalid({"request_id": "Name one of your own requests."})
    if request.status not in ("open", "fully_reserved"):
        raise Invalid({"request_id": "That request is no longer open."})
    # One still in review may be named; one moderation took down is fulfilled by nothing.
    if request.moderation in ("rejected", "hidden"):
        raise Invalid({"request_id": "That request was taken down."})
    return request.id


def _take_capacity(
    listing: Listing, request: Claim, reservation: Reservation, holding: _Holding
) -> bool:
    """Take what the claim asks for; False when it waits on the waitlist instead."""
    if listing.is_loan:
        _refuse_fields(request, allowed={"starts_on", "ends_on"})
        return _take_loan_period(listing, request, reservation)
    if listing.kind == "skill":
        _refuse_fields(request, allowed={"slot_id", "quantity"})
        return _take_slot_places(listing, request, reservation)
    _refuse_fields(request, allowed={"quantity", "pickup_window_id"})
    return _take_units(listing, request, reservation, holding)


_KIND_FIELDS = ("quantity", "slot_id", "pickup_window_id", "starts_on", "ends_on")


def _refuse_fields(request: Claim, allowed: set[str]) -> None:
    extra = [
        name for name in _KIND_FIELDS if name not in allowed and getattr(request, name) is not None
    ]
    if extra:
        raise Invalid({name: "Not used when claiming this kind of offer." for name in extra})


def _take_units(
    listing: Listing, request: Claim, reservation: Reservation, holding: _Holding
) -> bool:
    quantity = request.quantity or 1
    limit = listing.per_person_limit
    if limit is not None and holding.units_of_listing + quantity > limit:
        raise Conflict(
            "quota_exceeded",
            f"At most {limit} per person; you already hold {holding.units_of_listing}.",
            details={"per_person_limit": limit, "held": holding.units_of_listing},
        )
    reservation.quantity = quantity
    window = _pickup_window(listing, request.pickup_window_id)
    # The object as well as the id: the claim's hold ends with the window.
    reservation.pickup_window = window
    reservation.pickup_window_id = window.id if window is not None else None
    if capacity.take_units(listing, quantity):
        return True
    # Units handed over never come back: a claim for more than the rest would wait forever.
    could_come_free = (listing.quantity or 0) - listing.units_handed_over
    if request.waitlist and quantity <= could_come_free:
        return False
    details = {"left": max(0, (listing.quantity or 0) - listing.units_reserved)}
    if request.waitlist:
        raise Conflict(
            "sold_out",
            f"At most {could_come_free} could ever come free; the waitlist takes no larger claim.",
            details={**details, "could_come_free": max(0, could_come_free)},
        )
    raise Conflict("sold_out", "Not enough left.", details=details)


def _pickup_window(listing: Listing, window_id: int | None) -> PickupWindow | None:
    if not listing.pickup_windows:
        if window_id is not None:
            raise Invalid({"pickup_window_id": "This offer has no pick-up windows."})
        return None
    if window_id is None:
        raise Invalid({"pickup_window_id": "Choose one of the listing's pick-up windows."})
    window = next((w for w in listing.pickup_windows if w.id == window_id), None)
    if window is None:
        raise Invalid({"pickup_window_id": "Not a pick-up window of this listing."})
    if window.ends_at <= clock.now():
        raise Invalid({"pickup_window_id": "That pick-up window is over."})
    return window


def _take_slot_places(listing: Listing, request: Claim, reservation: Reservation) -> bool:
    if request.slot_id is None:
        raise Invalid({"slot_id": "Choose one of the listing's slots."})
    slot = next((s for s in listing.slots if s.id == request.slot_id), None)
    if slot is None:
        raise Invalid({"slot_id": "Not a slot of this listing."})
    if slot.has_begun(clock.now()):
        raise Invalid({"slot_id": "That slot has already started."})
    places = request.quantity or 1
    reservation.slot_id, reservation.slot, reservation.quantity = slot.id, slot, places
    if capacity.take_slot(slot.id, places):
        return True
    if request.waitlist and places <= slot.capacity:
        return False
    if request.waitlist:
        raise Conflict(
            "slot_full",
            f"The slot has {slot.capacity} places in all; the waitlist takes no larger booking.",
            details={"slot_id": slot.id, "capacity": slot.capacity},
        )
    raise Conflict("slot_full", "That slot is full.", details={"slot_id": slot.id})


def _take_loan_period(listing: Listing, request: Claim, reservation: Reservation) -> bool:
    starts_on, ends_on = request.starts_on, request.ends_on
    if starts_on is None or ends_on is None:
        raise Invalid({"starts_on": "Give starts_on and ends_on for a loan."})
    errors: dict[str, str] = {}
    days_ahead = _config("RESERVATION_LOAN_DAYS_AHEAD")
    if starts_on < local_today():
        errors["starts_on"] = "Cannot start in the past."
    elif starts_on > local_today() + timedelta(days=days_ahead):
        errors["starts_on"] = f"Can start at most {days_ahead} days from today."
    if ends_on < starts_on:
        errors["ends_on"] = "Must be on or after starts_on."
    elif listing.max_lend_days and (ends_on - starts_on).days + 1 > listing.max_lend_days:
        errors["ends_on"] = f"The owner lends it for at most {listing.max_lend_days} days."
    if errors:
        raise Invalid(errors)
    if capacity.loan_overlaps(listing.id, starts_on, ends_on, local_today()):
        raise Conflict("overlap", "Someone has already booked the item for some of those days.")
    reservation.starts_on, reservation.ends_on = starts_on, ends_on
    return True


def _open(reservation: Reservation, listing: Listing, holds: bool) -> None:
    if not holds:
        reservation.status = "waitlisted"
    elif listing.auto_confirm:
        reservation.status = "confirmed"
        reservation.confirmed_at = clock.now()
    else:
        reservation.status = "pending"
        reservation.hold_expires_at = _hold_ends_at(reservation)


def _hold_ends_at(reservation: Reservation) -> datetime:
    """When an unconfirmed claim made now expires: after RESERVATION_HOLD_HOURS, or when its
    pick-up time is over if that comes first (a later confirmation would only make the
    claimant miss it)."""
    hold_ends = clock.now() + timedelta(hours=_config("RESERVATION_HOLD_HOURS"))
    pickup_ends = pickup_ends_at(reservation)
    return hold_ends if pickup_ends is None else min(hold_ends, pickup_ends)


def _hold_is_over(reservation: Reservation) -> bool:
    """Whether a pending claim's hold has run out (or its pick-up time is over: holds given
    before they ended with it run on)."""
    now = clock.now()
    if reservation.hold_expires_at is not None and reservation.hold_expires_at <= now:
        return True
    pickup_ends = pickup_ends_at(reservation)
    return pickup_ends is not None and pickup_ends <= now


# --- reading -------------------------------------------------------------------------------------


def _with_details(statement: Any) -> Any:
    return statement.options(
        selectinload(Reservation.listing).selectinload(Listing.place),
        selectinload(Reservation.listing).selectinload(Listing.owner),
        selectinload(Reservation.claimant),
        selectinload(Reservation.slot),
        selectinload(Reservation.pickup_window).selectinload(PickupWindow.place),
        selectinload(Reservation.events),
    )


def get_reservation(actor: Any, reservation_id: int) -> Reservation:
    """The reservation if the caller is a party to it or staff; otherwise 404."""
    reservation = db.session.scalar(
        _with_details(select(Reservation).where(Reservation.id == reservation_id))
    )
    if reservation is None or not reservation.is_visible_to(actor):
        raise NotFound("No such reservation.")
    return reservation


def list_reservations(
    actor: Any, role: str | None, status: str | None, page: int, per_page: int
) -> tuple[list[Reservation], int]:
    """The caller's reservations as claimant, as provider (owner or organisation member), or both."""
    as_claimant = Reservation.claimant_id == actor.id
    managed = select(Listing.id).where(
        or_(Listing.owner_id == actor.id, Listing.organisation_id == actor.organisation_id)
        if actor.organisation_id
        else Listing.owner_id == actor.id
    )
    as_provider = Reservation.listing_id.in_(managed)
    condition = {"claimant": as_claimant, "owner": as_provider}.get(
        role or "", or_(as_claimant, as_provider)
    )
    query = select(Reservation).where(condition)
    if status:
        query = query.where(Reservation.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.session.scalars(
        _with_details(
            query.order_by(Reservation.id.desc()).limit(per_page).offset((page - 1) * per_page)
        )
    )
    return list(items), total


@functools.lru_cache(maxsize=128)
def _booked_periods_statement(count: int) -> Select[Any]:
    # Built once per count of listings, from the table's columns: a search page asks for the
    # booked periods of its lent items on every request, and a plain SQL query skips the ORM's
    # execution steps.
    columns = Reservation.__table__.c
    return (
        select(columns.listing_id, columns.starts_on, columns.ends_on, columns.status)
        .where(
            one_of(columns.listing_id, "id", count),
            columns.status.in_([literal(status) for status in HOLDING_STATUSES]),
        )
        .order_by(columns.listing_id, columns.starts_on)
    )


def booked_periods(listing_ids: list[int]) -> dict[int, list[tuple[date, date]]]:
    """The days each lent item is promised, without saying to whom; a loan still out past its
    last day holds the item through today."""
    periods: dict[int, list[tuple[date, date]]] = {listing_id: [] for listing_id in listing_ids}
    rows = db.session.connection().execute(
        _booked_periods_statement(len(listing_ids)), one_of_values("id", listing_ids)
    )
    today = local_today()
    for listing_id, starts_on, ends_on, status in rows.all():
        if status == "picked_up":
            ends_on = max(ends_on, today)
        periods[listing_id].append((starts_on, ends_on))
    return periods


# --- transitions ---------------------------------------------------------------------------------


def _locked_reservation(actor: Any, reservation_id: int) -> tuple[Reservation, Listing]:
    """The reservation and its listing, both locked; 404 unless the caller may see it."""
    if not actor.is_authenticated:
        raise Unauthorized()
    reservation, listing = _lock_with_listing(reservation_id)
    if reservation is None or listing is None or not reservation.is_visible_to(actor):
        raise NotFound("No such reservation.")
    return reservation, listing


def _lock_with_listing(reservation_id: int) -> tuple[Reservation | None, Listing | None]:
    """Lock the reservation's listing (capacity lives there), then read the reservation and its
    history under that lock, locking it too, with whether claims wait on the listing's
    waitlist (``Reservation.claims_waiting``) and an id for its next event
    (``Reservation.next_event_id``). The listing comes first, as everywhere, so two services
    never wait for each other's locks in opposite order."""
    locking_listing, locking_reservation = _lock_with_listing_statements()
    parameters = {"reservation_id": reservation_id}
    listing = db.session.execute(locking_listing, parameters).scalar_one_or_none()
    if listing is None:
        return None, None
    reservation = db.session.execute(locking_reservation, parameters).unique().scalar_one_or_none()
    return reservation, listing


@functools.cache
def _lock_with_listing_statements() -> tuple[Select[Any], Select[Any]]:
    # Built once: every change to a reservation runs both.
    reservation_id = bindparam("reservation_id", type_=Integer)
    listing_of_reservation = (
        select(Reservation.listing_id).where(Reservation.id == reservation_id).scalar_subquery()
    )
    locking_listing = (
        select(Listing)
        .where(Listing.id == listing_of_reservation)
        .with_for_update(of=Listing)
        .execution_options(populate_existing=True)
    )
    locking_reservation = (
        select(Reservation)
        .where(Reservation.id == reservation_id)
        .options(
            joinedload(Reservation.events),
            with_expression(
                Reservation.claims_waiting, capacity.claims_waiting(Reservation.listing_id)
            ),
            with_expression(
                Reservation.next_event_id,
                select(next_id(ReservationEvent.__table__)).scalar_subquery(),
            ),
        )
        .with_for_update(of=Reservation)
        .execution_options(populate_existing=True)
    )
    return locking_listing, locking_reservation


@retry_on_contention()
def confirm(actor: Any, reservation_id: int) -> Reservation:
    """Accept a pending claim; one whose hold has run out expires instead (409
    ``hold_expired``), as the next sweep would have expired it."""
    reservation, listing = _locked_reservation(actor, reservation_id)
    transitions.check(reservation, "confirm", actor)
    if _hold_is_over(reservation):
        _expire_if_stale(reservation, listing)
        commit_keeping_objects()
        raise Conflict(
            "hold_expired",
            "The claim was not confirmed in time and has expired; the claimant may claim again.",
        )
    transitions.apply(reservation, "confirm", actor)
    return _finish(reservation, "confirm", actor, notify=reservation.claimant_id)


@retry_on_contention()
def decline(actor: Any, reservation_id: int, reason: str) -> Reservation:
    reservation, listing = _locked_reservation(actor, reservation_id)
    transitions.apply(reservation, "decline", actor, reason)
    _release(reservation, listing)
    return _finish(reservation, "decline", actor, notify=reservation.claimant_id)


@retry_on_contention()
def cancel(actor: Any, reservation_id: int, reason: str) -> Reservation:
    """Cancel a claim; its capacity goes back to the listing and the next waitlisted claim moves
    up. A claimant cannot cancel a pick-up they missed (409 ``too_late``)."""
    reservation, listing = _locked_reservation(actor, reservation_id)
    if reservation.is_claimant(actor):  # the owner and coordinators may still cancel it
        _refuse_cancel_of_a_missed_pickup(reservation)
    held = reservation.holds_capacity
    transitions.apply(reservation, "cancel", actor, reason)
    if held:
        _release(reservation, listing)
    other: int | tuple[int, ...]
    if reservation.is_claimant(actor):
        other = listing.owner_id
    elif reservation.is_provider(actor):
        other = reservation.claimant_id
    else:  # a coordinator cancelled: both sides hear of it
        other = (reservation.claimant_id, listing.owner_id)
    return _finish(reservation, "cancel", actor, notify=other)


@retry_on_contention()
def pickup(actor: Any, reservation_id: int, code: str) -> Reservation:
    """The owner hands over; the claimant's code proves it is them. Wrong codes are counted and
    too many lock the pick-up for a while."""
    reservation, listing = _locked_reservation(actor, reservation_id)
    transitions.find("pickup", reservation)
    if not reservation.is_provider(actor):
        raise Forbidden("Only the owner hands over.")
    _refuse_too_early(reservation)
    _check_pickup_code(reservation, code)
    transitions.apply(reservation, "pickup", actor, also={"pickup_failures": 0})
    if listing.counts_units:
        capacity.hand_over_units(listing.id, reservation.quantity)
    elif reservation.slot_id is not None:
        capacity.hand_over_slot_places(reservation.slot_id, reservation.quantity)
    capacity.follow_capacity(listing)
    return _finish(reservation, "pickup", actor, notify=reservation.claimant_id)


def hand_over_opens_at(reservation: Reservation) -> datetime | None:
    """The earliest moment of the hand-over (``pickup``): RESERVATION_EARLY_START_MINUTES before
    a skill's slot, the start of a loan's first local day; None when it may come any time.
    Points are paid for the slot's hours and the loan's days, so neither may be over before it
    was due to start."""
    if reservation.slot is not None:
        early = timedelta(minutes=_config("RESERVATION_EARLY_START_MINUTES"))
        return reservation.slot.starts_at - early
    if reservation.starts_on is not None:
        zone = ZoneInfo(_config("LOCAL_TIMEZONE"))
        return datetime.combine(reservation.starts_on, time(), tzinfo=zone).astimezone(UTC)
    return None


def time_to_collect(reservation: Reservation) -> tuple[datetime, datetime] | None:
    """When a claim is to be collected, from and until: its pick-up window, its slot, or its
    loan's first local day; None when no time was set (the parties arrange it)."""
    if reservation.pickup_window is not None:
        return reservation.pickup_window.starts_at, reservation.pickup_window.ends_at
    if reservation.slot is not None:
        return reservation.slot.starts_at, reservation.slot.ends_at
    if reservation.starts_on is not None:
        zone = ZoneInfo(_config("LOCAL_TIMEZONE"))
        first_day, day_after = reservation.starts_on, reservation.starts_on + timedelta(days=1)
        return (
            datetime.combine(first_day, time(), tzinfo=zone).astimezone(UTC),
            datetime.combine(day_after, time(), tzinfo=zone).astimezone(UTC),
        )
    return None


def pickup_ends_at(reservation: Reservation) -> datetime | None:
    """When the time to collect a claim is over."""
    collect = time_to_collect(reservation)
    return None if collect is None else collect[1]


def _refuse_too_early(reservation: Reservation) -> None:
    opens_at = hand_over_opens_at(reservation)
    if opens_at is None or clock.now() >= opens_at:
        return
    if reservation.slot is not None:
        raise Conflict(
            "too_early",
            "The session can begin only shortly before its slot starts.",
            details={"from": opens_at.isoformat()},
        )
    assert reservation.starts_on is not None
    raise Conflict(
        "too_early",
        "The item is handed over from the loan's first day.",
        details={"from": reservation.starts_on.isoformat()},
    )


def _check_pickup_code(reservation: Reservation, code: str) -> None:
    now = clock.now()
    if reservation.pickup_locked_until and reservation.pickup_locked_until > now:
        wait = int((reservation.pickup_locked_until - now).total_seconds()) + 1
        raise Conflict(
            "pickup_locked",
            "Too many wrong codes; try again later.",
            details={"retry_after": wait},
            headers={"Retry-After": str(wait)},
        )
    if secrets.compare_digest(code, reservation.pickup_code):
        return
    reservation.pickup_failures += 1
    left = _config("PICKUP_MAX_FAILURES") - reservation.pickup_failures
    if left <= 0:
        reservation.pickup_locked_until = now + timedelta(minutes=_config("PICKUP_LOCK_MINUTES"))
        reservation.pickup_failures = 0
    db.session.commit()  # the failed attempt counts even though the request fails
    raise Conflict(
        "wrong_code",
        "That is not the claimant's pick-up code.",
        details={"attempts_left": max(0, left)},
    )


@retry_on_contention()
def mark_returned(actor: Any, reservation_id: int) -> Reservation:
    """The lent item is back; a return after ``ends_on`` counts as late for the borrower."""
    reservation, _listing = _locked_reservation(actor, reservation_id)
    transitions.apply(reservation, "return", actor, also={"overdue": False})
    if reservation.ends_on is not None and local_today() > reservation.ends_on:
        _bump(reservation.claimant_id, User.late_returns)
    return _finish(reservation, "return", actor, notify=reservation.claimant_id)


@retry_on_contention()
def complete(actor: Any, reservation_id: int) -> Reservation:
    reservation, listing = _locked_reservation(actor, reservation_id)
    transitions.apply(reservation, "complete", actor)
    _bump(reservation.claimant_id, User.completed_exchanges)
    _bump(listing.owner_id, User.completed_exchanges)
    other = listing.owner_id if reservation.is_claimant(actor) else reservation.claimant_id
    reservation_completed.send(reservation, actor=actor)
    return _finish(reservation, "complete", actor, notify=other)


@retry_on_contention()
def mark_no_show(actor: Any, reservation_id: int) -> Reservation:
    """The claimant did not come: recorded by the owner once the pick-up time is over."""
    reservation, listing = _locked_reservation(actor, reservation_id)
    transitions.check(reservation, "no_show", actor)
    _refuse_no_show_too_early(reservation)
    if _item_not_back(reservation):
        raise Conflict(
            "item_not_back",
            "The item was still out on an earlier loan; cancel this one instead.",
        )
    transitions.apply(reservation, "no_show", actor)
    _record_no_show(reservation, listing)
    return _finish(reservation, "no_show", actor, notify=reservation.claimant_id)


def time_to_collect_runs(reservation: Reservation) -> bool:
    """Whether the claimant may still come: until then nobody records a no-show."""
    pickup_ends = pickup_ends_at(reservation)
    return pickup_ends is not None and clock.now() < pickup_ends


def pickup_missed(reservation: Reservation) -> bool:
    """Whether a confirmed claim's time to collect went by without a hand-over (and not because
    the lent item was still out): the owner records what happened, or the sweeper a no-show;
    the claimant's cancel would erase the no-show, so they cannot cancel."""
    return (
        reservation.status == "confirmed"
        and pickup_ends_at(reservation) is not None
        and not time_to_collect_runs(reservation)
        and not _item_not_back(reservation)
    )


def _refuse_cancel_of_a_missed_pickup(reservation: Reservation) -> None:
    if pickup_missed(reservation):
        message = "The time to collect is over; the owner records whether you came."
        raise _time_to_collect_conflict(reservation, "too_late", message, "ended_at")


def _refuse_no_show_too_early(reservation: Reservation) -> None:
    if time_to_collect_runs(reservation):
        message = "A no-show can be recorded only once the time to collect is over."
        raise _time_to_collect_conflict(reservation, "too_early", message, "from")


def _time_to_collect_conflict(
    reservation: Reservation, code: str, message: str, detail: str
) -> Conflict:
    """A 409 whose details give (under ``detail``) when the time to collect ends or ended."""
    pickup_ends = pickup_ends_at(reservation)
    assert pickup_ends is not None
    return Conflict(code, message, details={detail: pickup_ends.isoformat()})


def _record_no_show(reservation: Reservation, listing: Listing) -> list[Reservation]:
    """Count the no-show against the claimant and give the capacity back; the claims that
    moved up into it."""
    _bump(reservation.claimant_id, User.no_shows)
    return _release(reservation, listing)


def _bump(user_id: int, column: Any) -> None:
    db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values({column: column + 1})
        .execution_options(synchronize_session=False)
    )


def _finish(
    reservation: Reservation, action: str, actor: Any, notify: int | tuple[int, ...] | None
) -> Reservation:
    recipients = (notify,) if isinstance(notify, int) else notify or ()
    _notify(
        [user_id for user_id in recipients if actor is None or user_id != actor.id],
        f"reservation_{reservation.status}",
        reservation,
        reservation.listing,
        reason=reservation.close_reason,
    )
    reservation_changed.send(reservation, action=action, actor=actor)
    commit_keeping_objects()
    return reservation


def _notify_provider(reservation: Reservation) -> None:
    listing = reservation.listing
    _notify((listing.owner_id,), "claim_received", reservation, listing, status=reservation.status)


def _notify(
    user_ids: Iterable[int], kind: str, reservation: Reservation, listing: Listing, **details: Any
) -> None:
    """Tell each user about the reservation: which one, of which listing, and ``details``."""
    for user_id in user_ids:
        notifications.queue(
            user_id,
            kind,
            reservation_id=reservation.id,
            listing_id=listing.id,
            title=listing.title,
            **details,
        )


# --- capacity going back -------------------------------------------------------------------------


def _give_back(reservation: Reservation, listing: Listing) -> bool:
    """Return a closed claim's units or slot places to the listing; whether it held any (a
    loan holds days, which nobody waits for: loans are never waitlisted)."""
    if listing.counts_units:
        capacity.release_units(listing, reservation.quantity)
        return True
    if reservation.slot_id is not None:
        capacity.release_slot(reservation.slot_id, reservation.quantity)
        return True
    return False


def _release(reservation: Reservation, listing: Listing) -> list[Reservation]:
    """Give a closed claim's capacity back and let the waitlist move up; the claims that did."""
    gave_back = _give_back(reservation, listing)
    moves_up = gave_back and listing.is_public and _claims_wait(reservation)
    promoted = promote_waitlist(listing) if moves_up else []
    capacity.follow_capacity(listing)
    return promoted


def _claims_wait(reservation: Reservation) -> bool:
    """Whether claims wait on the reservation's listing: as read when the reservation was
    locked (``_lock_with_listing``), else asked now."""
    if reservation.claims_waiting is not None:
        return reservation.claims_waiting
    return capacity.are_claims_waiting(reservation.listing_id)


# What a claimant reads when the owner took the listing down.
WITHDRAWN_REASON = "发布者撤下了这条分享"


def cancel_claims_of_withdrawn(listing: Listing, actor: Any, **_: Any) -> None:
    """Receiver of listing_withdrawn, in the withdrawal's transaction, under its lock on the
    listing."""
    _cancel_open_claims(listing, actor, WITHDRAWN_REASON)


def cancel_claims_of_taken_down(listing: Listing, actor: Any, reason: str, **_: Any) -> None:
    """Receiver of listing_taken_down: nothing more is handed over from a listing moderation
    took down, so nobody waits for it or is marked a no-show for not coming. Runs under the
    sender's lock on the listing, which claims take too."""
    _cancel_open_claims(listing, actor, reason)


# Claims not handed over yet: what a withdrawal, a take-down or a suspension ends.
OPEN_CLAIMS = ("waitlisted", "pending", "confirmed")
# What the provider reads when a claimant's account was suspended.
CLAIMANT_SUSPENDED_REASON = "申请人的账号已被停用"


def cancel_claims_of_suspended(user: Any, *, actor: Any, **_: Any) -> None:
    """Receiver of user_suspended: a suspended account holds no claim it has not collected yet.
    Each one is cancelled under its listing's lock, its capacity goes to the waitlist, and the
    listing's owner is told."""
    open_claims = db.session.execute(
        select(Reservation.id, Reservation.status)
        .where(Reservation.claimant_id == user.id, Reservation.status.in_(OPEN_CLAIMS))
        .order_by(Reservation.id)
    ).all()
    # Waiting ones first, so that freed capacity never moves one of the user's own claims up.
    for reservation_id, _status in sorted(open_claims, key=lambda row: row.status != "waitlisted"):
        reservation, listing = _lock_with_listing(reservation_id)
        if reservation is None or listing is None or reservation.status not in OPEN_CLAIMS:
            continue
        _cancel_one(reservation, listing, actor, CLAIMANT_SUSPENDED_REASON, tell=listing.owner_id)


def _cancel_open_claims(listing: Listing, actor: Any, reason: str) -> None:
    """Cancel the listing's claims that are not handed over yet (waiting, pending or confirmed;
    a lent item that is out stays on loan until it is back), give their capacity back and tell
    the claimants why."""
    open_claims = db.session.scalars(
        select(Reservation)
        .where(
            Reservation.listing_id == listing.id,
            Reservation.status.in_(OPEN_CLAIMS),
        )
        .order_by(Reservation.id)
    ).all()
    for reservation in open_claims:
        _cancel_one(reservation, listing, actor, reason, tell=reservation.claimant_id)


def _cancel_one(
    reservation: Reservation, listing: Listing, actor: Any, reason: str, tell: int
) -> None:
    """Cancel one open claim with a reason, give its capacity back and tell ``tell`` why. The
    waitlist moves up only while the listing is public: nothing is promised from one that is
    withdrawn or taken down."""
    held = reservation.holds_capacity
    transitions.apply(reservation, "cancel", actor, reason)
    if held and listing.is_public:
        _release(reservation, listing)
    elif held:
        _give_back(reservation, listing)
        capacity.follow_capacity(listing)  # what it has left, should it be restored
    _notify((tell,), "reservation_cancelled", reservation, listing, reason=reason)
    reservation_changed.send(reservation, action="cancel", actor=actor)


def promote_waitlist(listing: Listing) -> list[Reservation]:
    """Move the oldest waitlisted claims that now fit to pending (or confirmed, for
    auto-confirm listings), and tell their claimants and the owner. Writes as it goes, never
    commits; the caller sees that the listing is public."""
    promoted = []
    waiting = db.session.scalars(
        select(Reservation)
        .where(Reservation.listing_id == listing.id, Reservation.status == "waitlisted")
        .order_by(Reservation.created_at, Reservation.id)
    ).all()
    for reservation in waiting:
        if not _fits_now(reservation, listing):
            continue
        if listing.auto_confirm:  # as a claim of it would be: confirmed at once
            transitions.apply(reservation, "promote", None, lands_on="confirmed")
        else:
            transitions.apply(
                reservation, "promote", None, also={"hold_expires_at": _hold_ends_at(reservation)}
            )
        _notify((reservation.claimant_id,), "reservation_promoted", reservation, listing)
        _notify(
            (listing.owner_id,), "claim_moved_up", reservation, listing, status=reservation.status
        )
        promoted.append(reservation)
    return promoted


def _fits_now(reservation: Reservation, listing: Listing) -> bool:
    if _too_late_to_move_up(reservation):
        return False
    if reservation.slot_id is not None:
        return capacity.take_slot(reservation.slot_id, reservation.quantity)
    if listing.counts_units:
        return capacity.take_units(listing, reservation.quantity)
    return False


# Listing statuses under which a waitlisted claim can never move up.
LISTINGS_NOTHING_COMES_FROM = ("closed", "expired")


def _too_late_to_move_up(reservation: Reservation) -> bool:
    """Whether a waitlisted claim's pick-up window is over, its slot has started or its loan's
    first day has passed (as for claims): moving it up would promise what nobody can take, and
    a no-show from the next sweep. Also when its listing is closed (everything was handed over,
    so nothing will come back) or expired (out of circulation; a waiting claim would hold one of
    its claimant's places for nothing). ``_too_late_to_move_up_sql`` says the same in SQL."""
    now = clock.now()
    if reservation.listing.status in LISTINGS_NOTHING_COMES_FROM:
        return True
    if reservation.pickup_window is not None and reservation.pickup_window.ends_at <= now:
        return True
    if reservation.slot is not None and reservation.slot.has_begun(now):
        return True
    return reservation.starts_on is not None and reservation.starts_on < local_today()


def _too_late_to_move_up_sql(now: datetime) -> Any:
    return or_(
        Reservation.listing_id.in_(
            select(Listing.id).where(Listing.status.in_(LISTINGS_NOTHING_COMES_FROM))
        ),
        Reservation.pickup_window_id.in_(
            select(PickupWindow.id).where(PickupWindow.ends_at <= now)
        ),
        Reservation.slot_id.in_(select(ListingSlot.id).where(ListingSlot.starts_at <= now)),
        Reservation.starts_on < local_today(),
    )


# --- the sweeper ---------------------------------------------------------------------------------


@dataclass
class SweepReport:
    expired: int = 0
    waitlist_expired: int = 0
    no_shows: int = 0
    loans_called_off: int = 0
    overdue: int = 0
    promoted: int = 0
    reminders: int = 0
    fully_booked: int = 0


@dataclass(frozen=True)
class _Swept:
    """What one sweep step did to one reservation: whether it changed it, and how many
    waitlisted claims moved up into the capacity it gave back."""

    changed: bool
    promoted: int = 0


_UNCHANGED, _CHANGED = _Swept(False), _Swept(True)


def sweep() -> SweepReport:
    """Expire stale holds, mark no-shows, expire waitlisted claims whose pick-up time passed,
    flag overdue loans, move waitlists up, send the day-before reminders and mark skill offers
    fully booked once no slot with room is still to start. Idempotent; two
    sweeps at once do each thing once, because every change re-checks its reservation under the
    listing's lock."""
    report = SweepReport()
    now = clock.now()
    due = (
        (
            "expired",
            _expire_if_stale,
            (
                Reservation.status == "pending",
                or_(Reservation.hold_expires_at <= now, _pickup_time_passed(now)),
            ),
        ),
        (
            "loans_called_off",
            _call_off_if_the_item_is_not_back,
            (
                Reservation.status == "confirmed",
                Reservation.starts_on < local_today(),
                _item_out_on_an_earlier_loan(),
            ),
        ),
        (
            "no_shows",
            _no_show_if_missed,
            (Reservation.status == "confirmed", _pickup_time_passed(now - _no_show_grace())),
        ),
        (
            "waitlist_expired",
            _expire_if_too_late,
            (Reservation.status == "waitlisted", _too_late_to_move_up_sql(now)),
        ),
        (
            "overdue",
            _flag_if_overdue,
            (
                Reservation.status == "picked_up",
                Reservation.ends_on < local_today(),
                Reservation.overdue.is_(False),
            ),
        ),
        (
            "reminders",
            _remind_before_pickup,
            (
                Reservation.status.in_(("pending", "confirmed")),
                Reservation.reminded_at.is_(None),
                _pickup_starts_within_a_day(now),
            ),
        ),
        (
            "reminders",
            _remind_before_return,
            (
                Reservation.status == "picked_up",
                Reservation.return_reminded_at.is_(None),
                Reservation.ends_on == local_today() + timedelta(days=1),
            ),
        ),
    )
    for counter, step, conditions in due:
        for reservation_id in _ids(*conditions):
            swept = _sweep_one(reservation_id, step)
            setattr(report, counter, getattr(report, counter) + swept.changed)
            report.promoted += swept.promoted
    for listing_id in _listings_where_a_waiting_claim_fits():
        report.promoted += _promote_for(listing_id)
    for listing_id in _skill_offers_time_filled(now):
        report.fully_booked += _follow_time(listing_id)
    return report


def _skill_offers_time_filled(now: datetime) -> list[int]:
    """Open skill offers none of whose slots yet to start has a free place: the last slot with
    room began since their status was set."""
    of_listing = ListingSlot.listing_id == Listing.id
    room_ahead = select(ListingSlot.id).where(
        of_listing, ListingSlot.starts_at > now, ListingSlot.booked < ListingSlot.capacity
    )
    return _sifted(
        select(Listing.id)
        .where(
            Listing.kind == "skill",
            Listing.status == "open",
            select(ListingSlot.id).where(of_listing).exists(),
            ~room_ahead.exists(),
        )
        .order_by(Listing.id)
    )


@retry_on_contention()
def _follow_time(listing_id: int) -> bool:
    """Set the status what is left gives, under the listing's lock; whether it changed."""
    listing = lock_row(Listing, listing_id)
    if listing is None:
        return False
    before = listing.status
    capacity.follow_capacity(listing)
    db.session.commit()
    return listing.status != before


def _no_show_grace() -> timedelta:
    return timedelta(minutes=_config("RESERVATION_NO_SHOW_GRACE_MINUTES"))


def _pickup_time_passed(cutoff: datetime) -> Any:
    """SQL: the window or slot ended by ``cutoff``, or the loan's first day is over (a first
    sift: the step re-checks each reservation)."""
    return or_(
        Reservation.pickup_window_id.in_(
            select(PickupWindow.id).where(PickupWindow.ends_at <= cutoff)
        ),
        Reservation.slot_id.in_(select(ListingSlot.id).where(ListingSlot.ends_at <= cutoff)),
        Reservation.starts_on < local_today(),
    )


def _pickup_starts_within_a_day(now: datetime) -> Any:
    horizon = now + timedelta(days=1)
    return or_(
        Reservation.pickup_window_id.in_(
            select(PickupWindow.id).where(
                PickupWindow.starts_at > now, PickupWindow.starts_at <= horizon
            )
        ),
        Reservation.slot_id.in_(
            select(ListingSlot.id).where(
                ListingSlot.starts_at > now, ListingSlot.starts_at <= horizon
            )
        ),
        Reservation.starts_on.between(local_today(), local_today() + timedelta(days=1)),
    )


def _ids(*conditions: Any) -> list[int]:
    return _sifted(select(Reservation.id).where(*conditions).order_by(Reservation.id))


def _sifted(statement: Select[Any]) -> list[int]:
    """The ids a sweep's sift selects, read in a transaction of their own that takes no write
    lock on SQLite: a sweep holds the lock only while it changes something, not while it reads
    every open claim (a good part of a second at a large history) to find what is due."""
    with read_only_transactions():
        ids = list(db.session.scalars(statement))
    db.session.commit()
    return ids


@retry_on_contention()
def _sweep_one(reservation_id: int, step: Any) -> _Swept:
    """Run one step on one reservation, re-checked under its listing's lock, and commit."""
    reservation, listing = _lock_with_listing(reservation_id)
    if reservation is None or listing is None:
        return _UNCHANGED
    swept = step(reservation, listing)
    db.session.commit()
    return swept


def _expire_if_stale(reservation: Reservation, listing: Listing) -> _Swept:
    if reservation.status != "pending" or not _hold_is_over(reservation):
        return _UNCHANGED
    transitions.apply(reservation, "expire", None, "nobody confirmed the claim in time")
    promoted = _release(reservation, listing)
    _notify(
        (reservation.claimant_id, listing.owner_id), "reservation_expired", reservation, listing
    )
    return _Swept(True, len(promoted))


def _expire_if_too_late(reservation: Reservation, listing: Listing) -> _Swept:
    """A waitlisted claim that can no longer move up ends, and its claimant hears so; it held
    nothing, so nothing goes back."""
    if reservation.status != "waitlisted" or not _too_late_to_move_up(reservation):
        return _UNCHANGED
    why, reason = _WHY_WAITING_ENDS.get(listing.status, _WHY_WAITING_ENDS["time"])
    transitions.apply(reservation, "expire", None, why)
    _notify((reservation.claimant_id,), "waitlist_expired", reservation, listing, reason=reason)
    return _CHANGED


# Why a waitlisted claim ended: the event's note, and what its claimant is told.
_WHY_WAITING_ENDS = {
    "closed": ("everything was handed over", "已经全部送出。"),
    "expired": ("the listing expired while it waited", "这条分享已到期。"),
    "time": ("the pick-up time passed while it waited", "领取时间已过。"),
}


def _missed_after(reservation: Reservation) -> datetime | None:
    """When a confirmed claim that was never picked up becomes a no-show."""
    pickup_ends = pickup_ends_at(reservation)
    if pickup_ends is None:
        return None
    return pickup_ends + _no_show_grace()


def _no_show_if_missed(reservation: Reservation, listing: Listing) -> _Swept:
    deadline = _missed_after(reservation)
    if reservation.status != "confirmed" or deadline is None or deadline > clock.now():
        return _UNCHANGED
    transitions.apply(reservation, "no_show", None, "the pick-up time passed")
    promoted = _record_no_show(reservation, listing)
    _notify(
        (reservation.claimant_id, listing.owner_id), "reservation_no_show", reservation, listing
    )
    return _Swept(True, len(promoted))


def _item_out_on_an_earlier_loan() -> Any:
    """SQL: another loan of the reservation's item went out before its first day and is not
    back (it is overdue: loans never overlap)."""
    earlier = Reservation.__table__.alias("earlier")
    return exists().where(
        earlier.c.listing_id == Reservation.listing_id,
        earlier.c.id != Reservation.id,
        earlier.c.status == "picked_up",
        earlier.c.starts_on < Reservation.starts_on,
    )


def _item_not_back(reservation: Reservation) -> bool:
    """Whether the lent item is still out on an earlier loan (asked under the listing's lock)."""
    if reservation.starts_on is None:
        return False
    return bool(
        db.session.scalar(
            select(Reservation.id).where(
                Reservation.id == reservation.id, _item_out_on_an_earlier_loan()
            )
        )
    )


def _call_off_if_the_item_is_not_back(reservation: Reservation, listing: Listing) -> _Swept:
    """A loan whose first day went by while the item was still out on an overdue loan ends as
    cancelled by the platform, not as its borrower's no-show; both sides hear why."""
    deadline = _missed_after(reservation)
    if (
        reservation.status != "confirmed"
        or deadline is None
        or deadline > clock.now()
        or not _item_not_back(reservation)
    ):
        return _UNCHANGED
    transitions.apply(reservation, "cancel", None, "the item was not back from an earlier loan")
    _release(reservation, listing)
    _notify(
        (reservation.claimant_id, listing.owner_id),
        "reservation_cancelled",
        reservation,
        listing,
        reason=ITEM_NOT_BACK,
    )
    return _CHANGED


# What both sides of a loan called off read.
ITEM_NOT_BACK = "上一位借用人还没有归还，这次借用无法进行，不计爽约。"


def _flag_if_overdue(reservation: Reservation, listing: Listing) -> _Swept:
    if (
        reservation.status != "picked_up"
        or reservation.overdue
        or not reservation.ends_on
        or reservation.ends_on >= local_today()
    ):
        return _UNCHANGED
    reservation.overdue = True
    _notify(
        (reservation.claimant_id, listing.owner_id),
        "loan_overdue",
        reservation,
        listing,
        ends_on=reservation.ends_on.isoformat(),
    )
    return _CHANGED


def _remind_before_pickup(reservation: Reservation, listing: Listing) -> _Swept:
    collect = time_to_collect(reservation)
    starts_at = None if collect is None else collect[0]
    now = clock.now()
    if (
        reservation.status not in ("pending", "confirmed")
        or reservation.reminded_at
        or starts_at is None
        or not (now < starts_at <= now + timedelta(days=1))
    ):
        return _UNCHANGED
    reservation.reminded_at = now
    _notify(
        (reservation.claimant_id,),
        "pickup_tomorrow",
        reservation,
        listing,
        starts_at=starts_at.isoformat(),
    )
    return _CHANGED


def _remind_before_return(reservation: Reservation, listing: Listing) -> _Swept:
    if (
        reservation.status != "picked_up"
        or reservation.return_reminded_at
        or reservation.ends_on is None
    ):
        return _UNCHANGED
    if reservation.ends_on - local_today() != timedelta(days=1):
        return _UNCHANGED
    reservation.return_reminded_at = clock.now()
    _notify(
        (reservation.claimant_id,),
        "return_tomorrow",
        reservation,
        listing,
        ends_on=reservation.ends_on.isoformat(),
    )
    return _CHANGED


def _listings_where_a_waiting_claim_fits() -> list[int]:
    """Public listings with a waitlisted claim that what is left now would fit (a first sift:
    ``promote_waitlist`` decides under the listing's lock). The waitlists of offers still sold
    out, or of slots still full, are not locked and read again every minute for nothing."""
    slot_has_room = ListingSlot.booked + Reservation.quantity <= ListingSlot.capacity
    units_left = Listing.quantity - Listing.units_reserved >= Reservation.quantity
    return _sifted(
        select(Reservation.listing_id)
        .join(Listing, Listing.id == Reservation.listing_id)
        .outerjoin(ListingSlot, ListingSlot.id == Reservation.slot_id)
        .where(
            Reservation.status == "waitlisted",
            Listing.moderation == "approved",
            Listing.status.in_(PUBLIC_STATUSES),
            or_(
                Reservation.slot_id.is_not(None) & slot_has_room,
                Reservation.slot_id.is_(None) & units_left,
            ),
        )
        .distinct()
        .order_by(Reservation.listing_id)
    )


@retry_on_contention()
def _promote_for(listing_id: int) -> int:
    listing = lock_row(Listing, listing_id)
    if listing is None or not listing.is_public:  # claims wait while it is in review
        return 0
    promoted = promote_waitlist(listing)
    capacity.follow_capacity(listing)
    db.session.commit()
    return len(promoted)
