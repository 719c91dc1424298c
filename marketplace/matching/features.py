"""The features a match is scored on. Pure functions of plain values, each returning a number
between 0 and 1 and, where it helps a person, a reason."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Reason:
    code: str
    values: tuple[tuple[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, **dict(self.values)}


def reason(code: str, **values: Any) -> Reason:
    return Reason(code, tuple(values.items()))


@dataclass(frozen=True)
class Feature:
    value: float
    reasons: tuple[Reason, ...] = ()


def text_relevance(score: float, best_score: float, terms: list[str]) -> Feature:
    """The search score relative to the best candidate's."""
    if best_score <= 0 or score <= 0:
        return Feature(0.0)
    value = min(1.0, score / best_score)
    return Feature(value, (reason("words", terms=terms),) if terms else ())


def category_match(request_category: str, offer_category: str) -> Feature:
    if request_category == offer_category:
        return Feature(1.0, (reason("category", category=offer_category),))
    return Feature(0.0)


def kind_compatible(request_kind: str, offer_kind: str) -> bool:
    """A request for an item is met by item offers and donations; a request for help by skills."""
    if request_kind == "skill":
        return offer_kind == "skill"
    return offer_kind in ("item", "donation")


# How close two places are, by the kind of the deepest place they share.
PROXIMITY = {
    "zone": 1.0,
    "space": 0.85,
    "station": 0.8,
    "grid": 0.7,
    "community": 0.5,
    "subdistrict": 0.15,
}


def place_proximity(path_a: str, path_b: str, places: dict[int, tuple[str, str]]) -> Feature:
    """``places`` maps a place id to (kind, name). Same zone > same space > same grid > same
    community > same subdistrict."""
    ids_a = [int(part) for part in path_a.strip("/").split("/") if part]
    ids_b = [int(part) for part in path_b.strip("/").split("/") if part]
    shared = None
    for a, b in zip(ids_a, ids_b, strict=False):
        if a != b:
            break
        shared = a
    if shared is None or shared not in places:
        return Feature(0.0)
    kind, name = places[shared]
    return Feature(PROXIMITY.get(kind, 0.0), (reason(f"same_{kind}", place=name),))


def time_fit(
    needed_by: datetime | None,
    available_from: datetime | None,
    offer_expires_at: datetime,
    now: datetime,
) -> Feature:
    """Whether the offer can be had before the request's deadline; an offer about to expire
    (before the requester could reasonably use it) scores lower."""
    reasons: list[Reason] = []
    value = 1.0
    if available_from is None:
        return Feature(0.0, (reason("nothing_left_in_time"),))
    if needed_by is not None:
        if available_from <= needed_by:
            reasons.append(reason("available_before_needed_by"))
        else:
            value = 0.15
            reasons.append(reason("available_after_needed_by"))
    if offer_expires_at - now < timedelta(days=2):
        value *= 0.4
        reasons.append(reason("expires_soon", expires_at=offer_expires_at.isoformat()))
    return Feature(value, tuple(reasons))


def quantity_fit(wanted: int | None, left: int | None) -> Feature:
    """Whether the offer covers all or part of what is wanted."""
    wanted = wanted or 1
    if left is None:
        return Feature(1.0)
    if left <= 0:
        return Feature(0.0)
    if left >= wanted:
        return Feature(1.0, (reason("covers_all", left=left),))
    return Feature(left / wanted, (reason("covers_part", left=left, wanted=wanted),))


def freshness(created_at: datetime, now: datetime, half_life_days: float = 14.0) -> Feature:
    age_days = max(0.0, (now - created_at).total_seconds() / 86400)
    return Feature(math.pow(0.5, age_days / half_life_days))


def reliability(completed: int, no_shows: int, late_returns: int) -> Feature:
    """Completed exchanges build trust; no-shows cost more than late returns. New users sit at 0.5."""
    value = (completed + 1) / (completed + 2 * no_shows + late_returns + 2)
    reasons = (reason("reliable", completed=completed),) if completed >= 3 and value >= 0.8 else ()
    return Feature(min(1.0, value), reasons)


URGENCY = {"high": 1.0, "normal": 0.5, "low": 0.2}


def urgency(level: str | None) -> Feature:
    value = URGENCY.get(level or "normal", 0.5)
    return Feature(value, (reason("urgent"),) if level == "high" else ())
