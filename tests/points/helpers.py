"""Requests and database reads shared by the points tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.moderation.models import ModerationAction
from marketplace.notifications.models import Notification
from marketplace.points.models import PointsEntry, Redemption, Reward, ServiceAward

# 2026-12-01 10:00 in Qingxi.
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The one error shape with this status and code; returns its details."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert list(body) == ["error"]
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    return body["error"]["details"]


def assert_field_errors(response: Any, *fields: str) -> None:
    details = assert_error(response, 422, "invalid")
    assert sorted(details["fields"]) == sorted(fields), details


def act(client: Any, reservation: Any, action: str, **body: Any) -> Any:
    """POST a reservation transition (``complete``, ``return``, ...)."""
    return client.post(f"/api/v1/reservations/{reservation.id}/{action}", json=body)


def stored_user(user: Any) -> User:
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert stored is not None
    return stored


def balance_of(user: Any) -> int:
    return stored_user(user).points_balance


def earned_of(user: Any) -> int:
    return stored_user(user).points_earned


def entries_of(user: Any) -> list[PointsEntry]:
    """The user's ledger, oldest first."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(PointsEntry).where(PointsEntry.user_id == user.id).order_by(PointsEntry.id)
        )
    )


def ledger_lines(user: Any) -> list[tuple[int, str]]:
    """(delta, reason) of each of the user's entries, oldest first."""
    return [(entry.delta, entry.reason) for entry in entries_of(user)]


def ledger_sum(user_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(PointsEntry.user_id == user_id)
    )


def assert_balance_is_the_ledger(user: Any) -> None:
    """Invariant 3: the cached balance is the ledger's sum and not negative."""
    stored = stored_user(user)
    assert stored.points_balance == ledger_sum(stored.id)
    assert stored.points_balance >= 0


def award_of(reservation: Any) -> ServiceAward | None:
    db.session.expire_all()
    return db.session.scalar(
        select(ServiceAward).where(ServiceAward.reservation_id == reservation.id)
    )


def stored_award(award_id: int) -> ServiceAward:
    db.session.expire_all()
    stored = db.session.get(ServiceAward, award_id)
    assert stored is not None
    return stored


def notice_kinds(user: Any) -> list[str]:
    """The kinds of the user's notifications, oldest first."""
    return list(
        db.session.scalars(
            select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


def stored_reward(reward: Any) -> Reward:
    """The stored reward, given as a row or an id, read afresh."""
    db.session.expire_all()
    stored = db.session.get(Reward, getattr(reward, "id", reward))
    assert stored is not None
    return stored


def stored_redemption(redemption_id: int) -> Redemption:
    db.session.expire_all()
    stored = db.session.get(Redemption, redemption_id)
    assert stored is not None
    return stored


def audit_lines(action: str) -> list[ModerationAction]:
    """Audit log lines of one action, oldest first."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(ModerationAction)
            .where(ModerationAction.action == action)
            .order_by(ModerationAction.id)
        )
    )
