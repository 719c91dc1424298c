"""The search outbox: one row per listing change, written in the transaction of the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from marketplace import clock
from marketplace.extensions import db


class SearchOutbox(db.Model):
    """A listing whose index document must be rewritten (or removed).

    Rows are applied in id order by whichever process holds the index's write lock, then marked
    processed; processed rows are kept a day so a rebuild can replay what changed while it ran.
    No foreign key: the row must outlive anything that happens to the listing.
    """

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    processed_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_search_outbox_pending", "processed_at", "id"),
        Index("ix_search_outbox_created_at", "created_at"),
    )
