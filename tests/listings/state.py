"""What the database holds, read afresh, for asserting the state a request left behind."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.moderation.models import ModerationAction
from marketplace.notifications.models import Notification


def stored(listing_id: int) -> Listing:
    db.session.expire_all()
    listing = db.session.get(Listing, listing_id)
    assert listing is not None
    return listing


def listing_count() -> int:
    return db.session.scalar(select(func.count(Listing.id))) or 0


def notifications_of(user: Any) -> list[Notification]:
    """The user's notifications, oldest first."""
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def audit_entries(target_type: str, target_id: int) -> list[ModerationAction]:
    """The audit log lines about one target, oldest first."""
    return list(
        db.session.scalars(
            select(ModerationAction)
            .where(
                ModerationAction.target_type == target_type,
                ModerationAction.target_id == target_id,
            )
            .order_by(ModerationAction.id)
        )
    )
