"""Moving points: every change is a ledger entry plus a conditional update of the cached
balance in the same transaction, so the balance is always the ledger's sum and never negative."""

from __future__ import annotations

from sqlalchemy import func, select, update

from marketplace import clock
from marketplace.accounts.models import User
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.points.models import EARNING_REASONS, PointsEntry


def credit(
    user_id: int,
    points: int,
    reason: str,
    reference: tuple[str, int] | None = None,
    actor_id: int | None = None,
    note: str = "",
) -> PointsEntry:
    values = {User.points_balance: User.points_balance + points}
    if reason in EARNING_REASONS:
        values[User.points_earned] = User.points_earned + points
    db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    return _entry(user_id, points, reason, reference, actor_id, note)


def debit(
    user_id: int,
    points: int,
    reason: str,
    reference: tuple[str, int] | None = None,
    actor_id: int | None = None,
    note: str = "",
) -> PointsEntry:
    """Take points away, or 409 insufficient_points: the update only happens if enough is left."""
    values = {User.points_balance: User.points_balance - points}
    if reason == "grant_revoked":
        values[User.points_earned] = User.points_earned - points
    result = db.session.execute(
        update(User)
        .where(User.id == user_id, User.points_balance >= points)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("insufficient_points", "Not enough points.", details={"needed": points})
    return _entry(user_id, -points, reason, reference, actor_id, note)


def _entry(
    user_id: int,
    delta: int,
    reason: str,
    reference: tuple[str, int] | None,
    actor_id: int | None,
    note: str,
) -> PointsEntry:
    entry = PointsEntry(
        user_id=user_id,
        delta=delta,
        reason=reason,
        reference_type=reference[0] if reference else None,
        reference_id=reference[1] if reference else None,
        created_by_id=actor_id,
        note=note,
        created_at=clock.now(),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def ledger_sum(user_id: int) -> int:
    return (
        db.session.scalar(
            select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
                PointsEntry.user_id == user_id
            )
        )
        or 0
    )


def mismatches() -> list[tuple[int, int, int]]:
    """(user id, cached balance, ledger sum) for every user whose cached balance is wrong."""
    sums = (
        select(PointsEntry.user_id, func.sum(PointsEntry.delta).label("total"))
        .group_by(PointsEntry.user_id)
        .subquery()
    )
    rows = db.session.execute(
        select(User.id, User.points_balance, func.coalesce(sums.c.total, 0))
        .outerjoin(sums, sums.c.user_id == User.id)
        .where(User.points_balance != func.coalesce(sums.c.total, 0))
        .order_by(User.id)
    ).all()
    return [(row[0], row[1], int(row[2])) for row in rows]
