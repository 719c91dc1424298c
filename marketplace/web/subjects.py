"""What a notification is about and the page that shows it to its reader.

The page is worked out on the server from the notification's kind and the ids in its payload,
never from the request, so the inbox's “查看” button cannot be sent to another site.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import url_for

from marketplace.errors import NotFound
from marketplace.listings import services as listings
from marketplace.notifications.models import Notification
from marketplace.reservations import services as reservations

LISTING, MATCH, RESERVATION, AWARD, POINTS = "listing", "match", "reservation", "award", "points"

# What each kind of notification (marketplace/notifications/messages.py) is about.
SUBJECTS: dict[str, str] = {
    "listing_approved": LISTING,
    "listing_rejected": LISTING,
    "listing_hidden": LISTING,
    "listing_restored": LISTING,
    "listing_expiring": LISTING,
    "listing_expired": LISTING,
    "match_found": MATCH,
    "request_fulfilled": LISTING,
    "claim_received": RESERVATION,
    "reservation_confirmed": RESERVATION,
    "reservation_declined": RESERVATION,
    "reservation_cancelled": RESERVATION,
    "reservation_picked_up": RESERVATION,
    "reservation_returned": RESERVATION,
    "reservation_completed": RESERVATION,
    "reservation_no_show": RESERVATION,
    "reservation_expired": RESERVATION,
    "waitlist_expired": RESERVATION,
    "reservation_promoted": RESERVATION,
    "claim_moved_up": RESERVATION,
    "loan_overdue": RESERVATION,
    "pickup_tomorrow": RESERVATION,
    "return_tomorrow": RESERVATION,
    "service_to_confirm": AWARD,
    "service_disputed": AWARD,
    "dispute_resolved": AWARD,
    "points_earned": POINTS,
    "points_granted": POINTS,
}

# The payload key naming which one; the points page is the user's own, so it needs none.
ID_KEYS: dict[str, str] = {
    LISTING: "listing_id",
    MATCH: "listing_id",
    RESERVATION: "reservation_id",
    AWARD: "award_id",
}


@dataclass(frozen=True)
class Subject:
    what: str
    id: int | None = None
    # A match: the reader's own listing it was found for.
    yours: int | None = None


def subject_of(notification: Notification) -> Subject | None:
    """What the notification is about, or None when it names nothing a page shows."""
    what = SUBJECTS.get(notification.kind)
    if what is None:
        return None
    key = ID_KEYS.get(what)
    if key is None:
        return Subject(what)
    payload = notification.payload or {}
    value = _id(payload.get(key))
    if value is None:
        return None
    return Subject(what, value, _id(payload.get("your_listing_id")) if what == MATCH else None)


def _id(value: Any) -> int | None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        return None
    return value


def subject_url(subject: Subject | None, reader: Any) -> str:
    """The page that shows the subject to the notification's reader; the inbox otherwise."""
    if subject is None:
        return url_for("web.notifications_page")
    if subject.what == MATCH:
        return _match_page(subject, reader)
    return PAGES[subject.what](subject.id, reader)


def _listing_page(listing_id: int | None, _reader: Any) -> str:
    return url_for("web.listing", listing_id=listing_id)


def _match_page(subject: Subject, reader: Any) -> str:
    """The matching listing; when the match was found for the reader's own request, with that
    request named, so that claiming the offer fulfils it."""
    try:
        yours = listings.get_listing(reader, subject.yours) if subject.yours else None
    except NotFound:
        yours = None
    if yours is None or yours.side != "request" or not yours.is_managed_by(reader):
        return _listing_page(subject.id, reader)
    return url_for("web.listing", listing_id=subject.id, request_id=yours.id)


def _reservation_page(reservation_id: int | None, reader: Any) -> str:
    """The reservation's own page, when the reader may see it."""
    try:
        reservation = reservations.get_reservation(reader, reservation_id)
    except NotFound:
        return url_for("web.notifications_page")
    return url_for("web.reservation_page", reservation_id=reservation.id)


def _award_page(award_id: int | None, _reader: Any) -> str:
    return url_for("web.points_page", _anchor=f"award-{award_id}")


def _points_page(_id: int | None, _reader: Any) -> str:
    return url_for("web.points_page")


PAGES: dict[str, Callable[[int | None, Any], str]] = {
    LISTING: _listing_page,
    RESERVATION: _reservation_page,
    AWARD: _award_page,
    POINTS: _points_page,
}
