"""What the database holds, read afresh, for asserting the state a request left behind."""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.places.models import Place


def place_count() -> int:
    return db.session.scalar(select(func.count(Place.id))) or 0


def stored(place_id: int) -> Place | None:
    """The place as the database has it now, or None when it is gone."""
    db.session.expire_all()
    return db.session.get(Place, place_id)
