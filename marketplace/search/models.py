"""The search outbox: one row per listing change, written in the transaction of the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from marketplace import clock
from marketplace.extensions import db


class SearchOutbox(db.Model):
    """A listing whose index document must be rewritten (or removed).

    Every index applies the rows in id order for itself and keeps its own position among them
    (see ``indexer.OutboxPosition``); rows are deleted a week after they were written.
    No foreign key: the row must outlive anything that happens to the listing.
    """

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    __table_args__ = (Index("ix_search_outbox_created_at", "created_at"),)
