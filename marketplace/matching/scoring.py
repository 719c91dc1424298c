"""Combining features into one score between 0 and 1, with the reasons behind it.

The score is the weighted mean of the features (weights in ``MATCHING_WEIGHTS``), multiplied by
the word gate: a counterpart whose text relevance is below ``MATCHING_WORDS_FULL_AT`` counts for
proportionally less, so that being nearby and on time never makes the wrong thing a match.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marketplace.listings.models import Listing
from marketplace.matching import features
from marketplace.matching.features import Feature, Reason, Wording, WordShare
from marketplace.search.analysis import latin_words, word_terms
from marketplace.text import folded


@dataclass(frozen=True)
class ScoredMatch:
    listing: Listing
    score: float
    reasons: tuple[Reason, ...]


def wording(listing: Listing) -> Wording:
    """The listing's words as ``features.word_share`` compares them."""
    tags = " ".join(listing.tags or [])
    return Wording(
        terms=tuple(word_terms(f"{listing.title} {tags}")),
        head=folded(f"{listing.title} {tags}"),
        body=folded(listing.description or ""),
    )


def search_words(listing: Listing) -> str:
    """What the search for counterparts looks for: each whole word of the listing's title once
    (no numbers, measure words or lone characters such as 借 or 找, which would pull in half the
    index), English words as written, and the tags as the owner wrote them (广场舞 stays one
    keyword even where the segmenter splits it into 广场 and 舞)."""
    tags = [tag for tag in listing.tags or [] if tag.strip()]
    text = f"{listing.title} {' '.join(tags)}"
    chinese = [
        term
        for term in features.whole_words(word_terms(text))
        if not term.isascii() and len(term) > 1 and not features.is_measure_word(term)
    ]
    words = list(dict.fromkeys([*chinese, *latin_words(text), *tags]))
    return " ".join(words) if words else text


def available_from(offer: Listing, now: datetime) -> datetime | None:
    """The earliest moment something of the offer can be had, or None if nothing is left."""
    if offer.kind == "skill":
        starts = [slot.starts_at for slot in offer.slots if slot.places_left(now)]
        return min(starts, default=None)
    if offer.units_left == 0:
        return None
    if offer.pickup_windows:
        windows = [window for window in offer.pickup_windows if window.ends_at > now]
        return max(now, min(window.starts_at for window in windows)) if windows else None
    return now


@dataclass(frozen=True)
class PairContext:
    """What scoring a pair needs besides the two listings."""

    places: dict[int, tuple[str, str]]
    now: datetime
    weights: dict[str, float]
    words_full_at: float


def score_pair(
    request: Listing,
    offer: Listing,
    words: WordShare,
    text_score: float,
    best_text_score: float,
    context: PairContext,
) -> tuple[float, tuple[Reason, ...]]:
    """How well ``offer`` meets ``request``: the score (0 to 1) and the reasons, in feature
    order."""
    owner = offer.owner
    now = context.now
    parts: dict[str, Feature] = {
        "text": features.text_relevance(words, text_score, best_text_score),
        "category": features.category_match(request.category, offer.category),
        "place": features.place_proximity(request.place.path, offer.place.path, context.places),
        "time": features.time_fit(
            request.needed_by, available_from(offer, now), offer.expires_at, now
        ),
        "quantity": features.quantity_fit(
            request.quantity_wanted, offer.units_left, offer.per_person_limit
        ),
        "freshness": features.freshness(offer.created_at, now),
        "reliability": features.reliability(
            owner.completed_exchanges, owner.no_shows, owner.late_returns
        ),
        "urgency": features.urgency(request.urgency),
    }
    weights = context.weights
    total_weight = sum(weights.get(name, 0.0) for name in parts) or 1.0
    mean = (
        sum(weights.get(name, 0.0) * feature.value for name, feature in parts.items())
        / total_weight
    )
    score = mean * features.word_gate(parts["text"].value, context.words_full_at)
    reasons = tuple(reason for feature in parts.values() for reason in feature.reasons)
    return round(min(1.0, max(0.0, score)), 4), reasons


def reasons_as_dicts(reasons: tuple[Reason, ...]) -> list[dict[str, Any]]:
    return [reason.as_dict() for reason in reasons]
