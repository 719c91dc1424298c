"""A reservation is one claim of an offer; its history is kept as events."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from marketplace import clock
from marketplace.extensions import db

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.listings.models import Listing, ListingSlot, PickupWindow

STATUSES = (
    "waitlisted",
    "pending",
    "confirmed",
    "picked_up",
    "returned",
    "completed",
    "declined",
    "cancelled",
    "expired",
    "no_show",
)
# Reservations that hold capacity: units, a slot place, or a lending period.
HOLDING_STATUSES = ("pending", "confirmed", "picked_up")
# Reservations that count against a user's quota of open claims.
ACTIVE_STATUSES = ("waitlisted", *HOLDING_STATUSES)
FINAL_STATUSES = ("completed", "declined", "cancelled", "expired", "no_show")


class Reservation(db.Model):
    __tablename__ = "reservations"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed with the status (see __table_args__): what is asked of a listing's or a
    # claimant's reservations is nearly always which are open, waiting or holding.
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="RESTRICT"))
    claimant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # The claimant's own request that this claim fulfils, if any.
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("listings.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(default=1)
    slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("listing_slots.id", ondelete="RESTRICT"), index=True
    )
    pickup_window_id: Mapped[int | None] = mapped_column(
        ForeignKey("pickup_windows.id", ondelete="RESTRICT")
    )
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(String(500), default="")
    pickup_code: Mapped[str] = mapped_column(String(6))
    pickup_failures: Mapped[int] = mapped_column(default=0)
    pickup_locked_until: Mapped[datetime | None]
    # A pending claim that nobody confirms by then expires.
    hold_expires_at: Mapped[datetime | None]
    overdue: Mapped[bool] = mapped_column(default=False)
    reminded_at: Mapped[datetime | None]
    return_reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    confirmed_at: Mapped[datetime | None]
    picked_up_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]  # declined, cancelled, expired or no-show
    close_reason: Mapped[str] = mapped_column(String(500), default="")
    # Not a column: whether claims of the listing wait on its waitlist, read with the
    # reservation by the statement that locks it, under the listing's lock (None: not read).
    claims_waiting: Mapped[bool | None] = query_expression()
    # Not a column: an id for the reservation's next event, drawn by the statement that locks
    # it on PostgreSQL (``db.next_id``), so that the event's INSERT can wait for the
    # transaction's last statement; None on SQLite, and once used.
    next_event_id: Mapped[int | None] = query_expression()

    listing: Mapped[Listing] = relationship(foreign_keys=[listing_id])
    claimant: Mapped[User] = relationship(foreign_keys=[claimant_id])
    slot: Mapped[ListingSlot | None] = relationship()
    pickup_window: Mapped[PickupWindow | None] = relationship()
    events: Mapped[list[ReservationEvent]] = relationship(
        back_populates="reservation", order_by="ReservationEvent.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint(
            "status IN ('waitlisted', 'pending', 'confirmed', 'picked_up', 'returned', 'completed', "
            "'declined', 'cancelled', 'expired', 'no_show')",
            name="status_known",
        ),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("starts_on IS NULL OR ends_on >= starts_on", name="period_ordered"),
        Index("ix_reservations_status_hold_expires_at", "status", "hold_expires_at"),
        Index("ix_reservations_claimant_id_status", "claimant_id", "status"),
        Index("ix_reservations_listing_id_status", "listing_id", "status"),
    )

    @property
    def holds_capacity(self) -> bool:
        return self.status in HOLDING_STATUSES

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def is_claimant(self, user: Any) -> bool:
        return bool(getattr(user, "is_authenticated", False)) and user.id == self.claimant_id

    def is_provider(self, user: Any) -> bool:
        """The listing's owner or a member of its organisation: the side that hands over."""
        return self.listing.is_managed_by(user)

    def is_visible_to(self, user: Any) -> bool:
        return (
            self.is_claimant(user)
            or self.is_provider(user)
            or bool(getattr(user, "is_staff", False))
        )


class ReservationEvent(db.Model):
    """One transition: from which state to which, who made it (None: the platform), and when."""

    __tablename__ = "reservation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    reservation_id: Mapped[int] = mapped_column(
        ForeignKey("reservations.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    at: Mapped[datetime] = mapped_column(default=clock.now)
    note: Mapped[str] = mapped_column(String(500), default="")

    reservation: Mapped[Reservation] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(viewonly=True)
