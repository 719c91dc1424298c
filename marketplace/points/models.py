"""The points ledger, pending awards for skills, and merchants' rewards and their redemptions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace import clock
from marketplace.extensions import db

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.places.models import Place
    from marketplace.reservations.models import Reservation

# Why points moved. Earning reasons count towards "points earned"; the others do not.
EARNING_REASONS = ("skill_service", "lending", "giving", "volunteer_grant")
REASONS = (*EARNING_REASONS, "grant_revoked", "redemption", "redemption_refund")


class PointsEntry(db.Model):
    """One line of the ledger. Never changed or deleted: a mistake is undone by a new entry."""

    __tablename__ = "points_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    delta: Mapped[int]
    reason: Mapped[str] = mapped_column(String(30))
    # What the entry is about: a reservation, a grant (another entry), a redemption.
    reference_type: Mapped[str | None] = mapped_column(String(30))
    reference_id: Mapped[int | None]
    # Who made it: a coordinator for grants, None when the platform applied a rule.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    __table_args__ = (
        CheckConstraint("delta <> 0", name="delta_not_zero"),
        Index("ix_points_entries_user_id_id", "user_id", "id"),
        Index("ix_points_entries_reference", "reference_type", "reference_id"),
    )


class LedgerIsAppendOnly(RuntimeError):
    pass


@event.listens_for(PointsEntry, "before_update")
@event.listens_for(PointsEntry, "before_delete")
def _refuse_changes(*_args: Any) -> None:
    raise LedgerIsAppendOnly("the points ledger is append-only")


AWARD_STATUSES = ("pending", "disputed", "awarded", "rejected")


class ServiceAward(db.Model):
    """Points a skill provider will receive for a completed reservation: at once when the
    claimant confirmed, otherwise when the dispute window passes without a dispute."""

    __tablename__ = "service_awards"

    id: Mapped[int] = mapped_column(primary_key=True)
    reservation_id: Mapped[int] = mapped_column(
        ForeignKey("reservations.id", ondelete="RESTRICT"), unique=True
    )
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    claimant_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    points: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="pending")
    due_at: Mapped[datetime]
    dispute_reason: Mapped[str] = mapped_column(String(500), default="")
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    resolution_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    resolved_at: Mapped[datetime | None]

    # For showing an award (what was provided, by and to whom); loaded when read.
    reservation: Mapped[Reservation] = relationship(viewonly=True)
    provider: Mapped[User] = relationship(foreign_keys=[provider_id], viewonly=True)
    claimant: Mapped[User] = relationship(foreign_keys=[claimant_id], viewonly=True)

    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'disputed', 'awarded', 'rejected')", name="status_known"
        ),
        CheckConstraint("points > 0", name="points_positive"),
        Index("ix_service_awards_status_due_at", "status", "due_at"),
    )


class Reward(db.Model):
    """A small thank-you a merchant offers for points."""

    __tablename__ = "rewards"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(String(1000), default="")
    points_cost: Mapped[int]
    stock: Mapped[int]
    valid_until: Mapped[datetime]
    pickup_place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    pickup_place: Mapped[Place] = relationship()

    __table_args__ = (
        CheckConstraint("points_cost > 0", name="points_cost_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("status IN ('active', 'withdrawn')", name="status_known"),
    )

    def is_available(self, now: datetime) -> bool:
        return self.status == "active" and self.stock > 0 and self.valid_until > now


REDEMPTION_STATUSES = ("pending", "handed_over", "cancelled", "expired")


class Redemption(db.Model):
    __tablename__ = "redemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    reward_id: Mapped[int] = mapped_column(
        ForeignKey("rewards.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    points_cost: Mapped[int]
    pickup_code: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    handed_over_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    reward: Mapped[Reward] = relationship()

    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'handed_over', 'cancelled', 'expired')", name="status_known"
        ),
    )
