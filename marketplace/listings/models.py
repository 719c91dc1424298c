"""One table for offers and requests, with skill slots and donation pick-up windows beside it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace import clock
from marketplace.extensions import db

if TYPE_CHECKING:
    from marketplace.accounts.models import Organisation, User
    from marketplace.places.models import Place

SIDES = ("offer", "request")
KINDS = ("item", "skill", "donation")
MODES = ("give", "lend")
URGENCIES = ("low", "normal", "high")
STATUSES = ("open", "fully_reserved", "closed", "expired", "withdrawn")
MODERATION_STATES = ("pending", "approved", "rejected", "hidden")
PUBLIC_STATUSES = ("open", "fully_reserved")

# Stable slugs and the labels the front end shows.
CATEGORIES: dict[str, str] = {
    "household": "家居日用",
    "baby_kids": "母婴儿童",
    "elderly_care": "助老",
    "tools": "工具",
    "electronics": "电器数码",
    "books_education": "图书教育",
    "clothing": "衣物",
    "food": "食品",
    "health": "健康",
    "repair": "维修",
    "tutoring": "辅导",
    "beauty": "理发美容",
    "transport": "出行",
    "sports_leisure": "文体",
    "other": "其他",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ListingFacts:
    """What follows from a listing's columns: shared by the ``Listing`` row and the read-only
    copies that pages of listings are shown from (``listings.snapshots``)."""

    __slots__ = ()

    if TYPE_CHECKING:
        id: int
        side: str
        kind: str
        mode: str | None
        status: str
        moderation: str
        quantity: int | None
        units_reserved: int
        owner_id: int
        organisation_id: int | None

    @property
    def is_public(self) -> bool:
        return self.moderation == "approved" and self.status in PUBLIC_STATUSES

    @property
    def is_offer(self) -> bool:
        return self.side == "offer"

    @property
    def is_loan(self) -> bool:
        return self.kind == "item" and self.mode == "lend"

    @property
    def counts_units(self) -> bool:
        """Offers claimed by quantity: donations and items given away."""
        return self.side == "offer" and (
            self.kind == "donation" or (self.kind == "item" and self.mode == "give")
        )

    @property
    def units_left(self) -> int | None:
        if not self.counts_units or self.quantity is None:
            return None
        return max(0, self.quantity - self.units_reserved)

    def is_managed_by(self, user: Any) -> bool:
        """The owner, or any member of the owning organisation, manages the listing."""
        if not getattr(user, "is_authenticated", False):
            return False
        return user.id == self.owner_id or user.in_organisation(self.organisation_id)

    def can_edit(self, user: Any) -> bool:
        return self.is_managed_by(user) and user.can_write

    def is_visible_to(self, user: Any) -> bool:
        return self.is_public or self.is_managed_by(user) or bool(getattr(user, "is_staff", False))


# The columns that browsing filters public listings on (services.apply_filters).
_FILTERED = ("side", "kind", "category", "place_id")
# The rows of the partial indexes below; a query must name these very values to use them.
_PUBLIC = text(f"moderation = 'approved' AND {_in('status', PUBLIC_STATUSES)}")
_PENDING = text("moderation = 'pending'")


class Listing(ListingFacts, db.Model):
    __tablename__ = "listings"

    id: Mapped[int] = mapped_column(primary_key=True)
    side: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(10))
    mode: Mapped[str | None] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(30))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    photo_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="open")
    moderation: Mapped[str] = mapped_column(String(20), default="pending")
    # Why the listing is in its moderation state (shown to the owner and staff only).
    moderation_reason: Mapped[str] = mapped_column(String(500), default="")
    # Hidden because the owner was suspended; reinstatement brings exactly these back.
    hidden_with_owner: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]
    expiry_reminded_at: Mapped[datetime | None]

    # Offers
    quantity: Mapped[int | None]
    # Units held by claims or already handed over; kept by the reservations domain under the
    # listing's lock, and the CHECK constraints below refuse to promise more than ``quantity``.
    units_reserved: Mapped[int] = mapped_column(default=0)
    units_handed_over: Mapped[int] = mapped_column(default=0)
    per_person_limit: Mapped[int | None]
    max_lend_days: Mapped[int | None]
    auto_confirm: Mapped[bool] = mapped_column(default=False)
    # Requests
    needed_by: Mapped[datetime | None]
    urgency: Mapped[str | None] = mapped_column(String(10))
    quantity_wanted: Mapped[int | None]
    # When the claims that fulfil this request covered what was wanted (the request closed).
    fulfilled_at: Mapped[datetime | None]

    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])
    place: Mapped[Place] = relationship(foreign_keys=[place_id])
    slots: Mapped[list[ListingSlot]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="ListingSlot.starts_at"
    )
    pickup_windows: Mapped[list[PickupWindow]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="PickupWindow.starts_at"
    )

    def status_for_capacity(
        self, units_reserved: int | None = None, now: datetime | None = None
    ) -> str:
        """The status what is left makes an open or fully reserved listing: closed once every
        unit is handed over, fully reserved while no unit (or no place in a slot yet to start)
        is left, open otherwise; ``units_reserved`` in place of the stored count. An expired
        listing closes once its claims have handed over everything; any other status stays."""
        if self.status not in PUBLIC_STATUSES and self.status != "expired":
            return self.status
        if self.everything_handed_over():
            return "closed"
        if self.status == "expired":
            return self.status
        if self.counts_units and self.quantity is not None:
            reserved = self.units_reserved if units_reserved is None else units_reserved
            return "fully_reserved" if reserved >= self.quantity else "open"
        if self.kind == "skill" and self.slots:
            now = clock.now() if now is None else now
            bookable = any(slot.places_left(now) for slot in self.slots)
            return "open" if bookable else "fully_reserved"
        return self.status

    def everything_handed_over(self) -> bool:
        """Whether every unit, or every place of every slot of a skill offer, was handed over."""
        if self.counts_units and self.quantity is not None:
            return self.units_handed_over >= self.quantity
        if self.kind == "skill" and self.slots:
            return all(slot.handed_over >= slot.capacity for slot in self.slots)
        return False

    def slots_ahead(self, now: datetime) -> list[ListingSlot]:
        """The slots yet to start: the ones a claim may book."""
        return [slot for slot in self.slots if not slot.has_begun(now)]

    def windows_ahead(self, now: datetime) -> list[PickupWindow]:
        """The pick-up windows yet to end: the ones a claim may choose."""
        return [window for window in self.pickup_windows if window.ends_at > now]

    def has_time_ahead(self, now: datetime) -> bool:
        """Whether time still allows a claim: a skill offer has a slot yet to start, a donation
        with pick-up windows a window yet to end. Offers without either always do."""
        if self.slots:
            return bool(self.slots_ahead(now))
        if self.pickup_windows:
            return bool(self.windows_ahead(now))
        return True

    __table_args__ = (
        CheckConstraint(_in("side", SIDES), name="side_known"),
        CheckConstraint(_in("kind", KINDS), name="kind_known"),
        CheckConstraint(f"mode IS NULL OR {_in('mode', MODES)}", name="mode_known"),
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint(_in("moderation", MODERATION_STATES), name="moderation_known"),
        CheckConstraint(f"urgency IS NULL OR {_in('urgency', URGENCIES)}", name="urgency_known"),
        CheckConstraint("quantity IS NULL OR quantity >= 0", name="quantity_not_negative"),
        CheckConstraint(
            "units_reserved >= 0 AND (quantity IS NULL OR units_reserved <= quantity)",
            name="units_reserved_within_quantity",
        ),
        CheckConstraint(
            "units_handed_over >= 0 AND units_handed_over <= units_reserved",
            name="units_handed_over_within_reserved",
        ),
        # Browsing public listings, one index per order (newest first, ending soonest). Each
        # holds public listings only, so that its order is the page's order on either database
        # (PostgreSQL cannot read the two public statuses' ranges of an index on
        # (moderation, status, ...) as one list, and sorted every public row for each page), and
        # every column a browse filters on, so that neither the page nor its total reads the
        # table. The leading moderation column is there for SQLite's planner: an equality on an
        # index's first column makes it prefer the index, with or without ANALYZE statistics.
        # A query uses these indexes only when its condition spells out the same literal values:
        # see ``listings.services.public_listing``.
        Index(
            "ix_listings_public_newest",
            "moderation",
            "created_at",
            "id",
            *_FILTERED,
            "status",
            postgresql_where=_PUBLIC,
            sqlite_where=_PUBLIC,
        ),
        Index(
            "ix_listings_public_ending",
            "moderation",
            "expires_at",
            "id",
            *_FILTERED,
            "status",
            postgresql_where=_PUBLIC,
            sqlite_where=_PUBLIC,
        ),
        # A browse's total: the filtered columns alone, of public listings. Many listings share
        # each combination of values, and PostgreSQL stores a run of equal keys once, so the
        # index is a tenth of the size of those above and a count reads it in a few
        # milliseconds; SQLite counts from it when a filter narrows the first columns.
        Index(
            "ix_listings_public_filters",
            *_FILTERED,
            "status",
            "moderation",
            postgresql_where=_PUBLIC,
            sqlite_where=_PUBLIC,
        ),
        # The review queue: pending listings, oldest first (moderation.services.review_queue).
        Index(
            "ix_listings_pending",
            "created_at",
            "id",
            postgresql_where=_PENDING,
            sqlite_where=_PENDING,
        ),
    )

    # Set on search hits only: an excerpt with the matches marked; not a column.
    snippet = None
    # Set by listings.services.with_availability on lent items: the days promised; not a column.
    booked_periods = None


@event.listens_for(Listing, "expire")
def _forget_booked_periods(listing: Listing | None, attributes: Any) -> None:
    """Booked periods loaded alongside go stale with the rest of the row."""
    if listing is not None:  # None when the object was already garbage collected
        listing.booked_periods = None


class SlotFacts:
    """What follows from a slot's columns, for the ``ListingSlot`` row and its read-only copy."""

    __slots__ = ()

    if TYPE_CHECKING:
        starts_at: datetime
        capacity: int
        booked: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)

    def has_begun(self, now: datetime) -> bool:
        """Whether the slot has started: from then on nobody books it or waits for it."""
        return self.starts_at <= now

    def places_left(self, now: datetime) -> int:
        """The places a claim can still book: the free ones, none once the slot has begun."""
        return 0 if self.has_begun(now) else self.free


class ListingSlot(SlotFacts, db.Model):
    """A bookable time of a skill offer, with room for ``capacity`` people."""

    __tablename__ = "listing_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int] = mapped_column(default=1)
    # Places taken by claims (kept by the reservations domain with conditional updates), and
    # of these the places whose claimants came (a handed-over place stays booked).
    booked: Mapped[int] = mapped_column(default=0)
    handed_over: Mapped[int] = mapped_column(default=0)

    listing: Mapped[Listing] = relationship(back_populates="slots")

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
        CheckConstraint(
            "handed_over >= 0 AND handed_over <= booked", name="handed_over_within_booked"
        ),
    )


class PickupWindow(db.Model):
    """When and where a donation can be collected."""

    __tablename__ = "pickup_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"), index=True)

    listing: Mapped[Listing] = relationship(back_populates="pickup_windows")
    place: Mapped[Place] = relationship()

    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)
