"""Requests and database reads shared by the reservation tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.listings.models import Listing, ListingSlot
from marketplace.notifications.models import Notification
from marketplace.reservations.models import Reservation

# 2026-12-01 10:00 in Qingxi.
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def claim(client: Any, listing: Any, **body: Any) -> Any:
    """POST a claim of ``listing``; dates in the body may be ``date`` objects."""
    body = {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in body.items()
    }
    return client.post(f"/api/v1/listings/{listing.id}/reservations", json=body)


def act(client: Any, reservation: Any, action: str, **body: Any) -> Any:
    """POST a transition (``confirm``, ``decline``, ``cancel``, ``pickup``, ``return``,
    ``complete``, ``no-show``) of a reservation, given as a row or an id."""
    reservation_id = getattr(reservation, "id", reservation)
    return client.post(f"/api/v1/reservations/{reservation_id}/{action}", json=body)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """Check the one error shape with this status and code; return its details."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert list(body) == ["error"]
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    return body["error"]["details"]


def assert_field_errors(response: Any, *fields: str) -> dict[str, list[str]]:
    details = assert_error(response, 422, "invalid")
    assert sorted(details["fields"]) == sorted(fields), details
    return details["fields"]


def reservation_of(response_or_id: Any) -> Reservation:
    """The stored reservation a response describes (or with this id), read afresh."""
    reservation_id = (
        response_or_id.get_json()["id"] if hasattr(response_or_id, "get_json") else response_or_id
    )
    db.session.expire_all()
    reservation = db.session.get(Reservation, reservation_id)
    assert reservation is not None
    return reservation


def stored_listing(listing: Any) -> Listing:
    db.session.expire_all()
    stored = db.session.get(Listing, listing.id)
    assert stored is not None
    return stored


def stored_slot(slot: Any) -> ListingSlot:
    db.session.expire_all()
    stored = db.session.get(ListingSlot, slot.id)
    assert stored is not None
    return stored


def stored_user(user: Any) -> User:
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert stored is not None
    return stored


def reliability(user: Any) -> tuple[int, int, int]:
    """(completed exchanges, no-shows, late returns) as stored."""
    stored = stored_user(user)
    return stored.completed_exchanges, stored.no_shows, stored.late_returns


# What the reservations domain tells people (other domains, such as points, add their own).
RESERVATION_NOTICES = (
    "claim_received",
    "pickup_tomorrow",
    "return_tomorrow",
    "loan_overdue",
    "waitlist_expired",
    "claim_moved_up",
)


def is_reservation_notice(kind: str) -> bool:
    return kind in RESERVATION_NOTICES or kind.startswith("reservation_")


def notices(user: Any, kind: str | None = None) -> list[Notification]:
    """The user's notifications from the reservations domain (or of one kind), oldest first."""
    query = select(Notification).where(Notification.user_id == user.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    found = db.session.scalars(query.order_by(Notification.id))
    return [notification for notification in found if is_reservation_notice(notification.kind)]


def notice_kinds(user: Any) -> list[str]:
    return [notification.kind for notification in notices(user)]
