"""What matching remembers: suggestions dismissed for good, and alerts already sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace import clock
from marketplace.extensions import db


class MatchDismissal(db.Model):
    """The managers of ``listing_id`` do not want ``other_listing_id`` suggested again."""

    __tablename__ = "match_dismissals"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    other_listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    dismissed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    __table_args__ = (
        UniqueConstraint("listing_id", "other_listing_id", name="uq_match_dismissals_pair"),
    )


class MatchAlert(db.Model):
    """The owner of ``recipient_listing_id`` was told that ``listing_id`` matches it; once per pair."""

    __tablename__ = "match_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    recipient_listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    score: Mapped[float]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    __table_args__ = (
        UniqueConstraint("listing_id", "recipient_listing_id", name="uq_match_alerts_pair"),
        Index("ix_match_alerts_recipient_id_created_at", "recipient_id", "created_at"),
    )
