"""Places form one tree with a materialised path, so subtree queries are one prefix match."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace import clock
from marketplace.extensions import db

PLACE_KINDS = ("subdistrict", "community", "grid", "space", "zone", "station")

# Which kinds a place of each kind may hang under; the subdistrict is the root.
ALLOWED_PARENT_KINDS: dict[str, frozenset[str]] = {
    "subdistrict": frozenset(),
    "community": frozenset({"subdistrict"}),
    "grid": frozenset({"community"}),
    "space": frozenset({"community", "grid"}),
    "zone": frozenset({"space"}),
    "station": frozenset({"community", "grid", "space"}),
}


class Place(db.Model):
    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("places.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(60))
    # "/1/4/9/": the ids from the root down to this place, both ends slashed for prefix matches.
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    depth: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(String(500), default="")
    # {"mon": [["08:00", "17:00"]], ...} in the service's local time zone; None means always open.
    opening_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    __table_args__ = (
        UniqueConstraint("parent_id", "name", name="uq_places_parent_id_name"),
        CheckConstraint(
            "kind IN ('subdistrict', 'community', 'grid', 'space', 'zone', 'station')",
            name="kind_known",
        ),
    )

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to and including this place."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    @property
    def can_host_listings(self) -> bool:
        """Listings live in a community or anything below it, never at the subdistrict root."""
        return self.kind != "subdistrict"

    def is_within(self, other: Place) -> bool:
        return self.path.startswith(other.path)

    def may_hang_under(self, parent: Place | None) -> bool:
        allowed = ALLOWED_PARENT_KINDS[self.kind]
        if parent is None:
            return not allowed
        return parent.kind in allowed
