"""Queue notifications inside a unit of work; read and mark them for the inbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from marketplace import clock
from marketplace.db import defer_insert
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.notifications.models import Notification


def queue(user_id: int, kind: str, **payload: Any) -> None:
    """Record a notification in the current transaction; it exists only if that commits.

    A plain INSERT, sent with the transaction's next statement (``defer_insert``): nothing
    reads the new row back in the transaction, and as an object it would add to the flush of
    every claim and cancel."""
    defer_insert(
        Notification.__table__,
        {"user_id": user_id, "kind": kind, "payload": payload, "created_at": clock.now()},
    )


def inbox(
    user_id: int, unread_only: bool, page: int, per_page: int
) -> tuple[list[Notification], int, int]:
    """A page of the user's notifications newest first, the total, and the unread count."""
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    unread = unread_count(user_id)
    items = db.session.scalars(
        query.order_by(Notification.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return list(items), total, unread


def unread_count(user_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_read(user_id: int, notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user_id:
        raise NotFound("No such notification.")
    if notification.read_at is None:
        notification.read_at = clock.now()
    db.session.commit()
    return notification


def mark_all_read(user_id: int) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    db.session.commit()
    return result.rowcount or 0
