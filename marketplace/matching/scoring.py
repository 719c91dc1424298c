"""Combining features into one score between 0 and 1, with the reasons behind it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marketplace.listings.models import Listing
from marketplace.matching import features
from marketplace.matching.features import Feature, Reason


@dataclass(frozen=True)
class ScoredMatch:
    listing: Listing
    score: float
    reasons: tuple[Reason, ...]


def available_from(offer: Listing, now: datetime) -> datetime | None:
    """The earliest moment something of the offer can be had, or None if nothing is left."""
    if offer.kind == "skill":
        starts = [slot.starts_at for slot in offer.slots if slot.free > 0 and slot.starts_at > now]
        return min(starts, default=None)
    if offer.units_left == 0:
        return None
    if offer.pickup_windows:
        windows = [window for window in offer.pickup_windows if window.ends_at > now]
        return max(now, min(window.starts_at for window in windows)) if windows else None
    return now


def score_pair(
    request: Listing,
    offer: Listing,
    text_score: float,
    best_text_score: float,
    shared_terms: list[str],
    places: dict[int, tuple[str, str]],
    now: datetime,
    weights: dict[str, float],
) -> tuple[float, tuple[Reason, ...]]:
    """How well ``offer`` meets ``request``."""
    owner = offer.owner
    parts: dict[str, Feature] = {
        "text": features.text_relevance(text_score, best_text_score, shared_terms),
        "category": features.category_match(request.category, offer.category),
        "place": features.place_proximity(request.place.path, offer.place.path, places),
        "time": features.time_fit(
            request.needed_by, available_from(offer, now), offer.expires_at, now
        ),
        "quantity": features.quantity_fit(request.quantity_wanted, offer.units_left),
        "freshness": features.freshness(offer.created_at, now),
        "reliability": features.reliability(
            owner.completed_exchanges, owner.no_shows, owner.late_returns
        ),
        "urgency": features.urgency(request.urgency),
    }
    total_weight = sum(weights.get(name, 0.0) for name in parts) or 1.0
    score = (
        sum(weights.get(name, 0.0) * feature.value for name, feature in parts.items())
        / total_weight
    )
    reasons = tuple(reason for feature in parts.values() for reason in feature.reasons)
    return round(min(1.0, max(0.0, score)), 4), reasons


def reasons_as_dicts(reasons: tuple[Reason, ...]) -> list[dict[str, Any]]:
    return [reason.as_dict() for reason in reasons]
