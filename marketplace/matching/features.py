"""The features a match is scored on. Pure functions of plain values, each returning a number
between 0 and 1 and, where it helps a person, a reason."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from marketplace.search.analysis import whole_words
from marketplace.search.glossary import translations


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


# --- words ---------------------------------------------------------------------------------------

# A number with an optional measure word (一台, 两箱, 几个, 一把): says how many, not what, so it
# neither makes two listings alike nor appears as a reason.
_MEASURE_WORD = re.compile(
    r"^[0-9一二两俩三四五六七八九十百几半每]+"
    r"[个台把辆袋桶箱件些本张套只双条块瓶盒包斤次位支对份副盆罐串床顶]?$"
)


def is_measure_word(term: str) -> bool:
    return bool(_MEASURE_WORD.match(term))


@dataclass(frozen=True)
class WordShare:
    """How much two listings say alike: the larger of the two shares of one listing's words
    found in the other (weighted by length, so 婴儿推车 counts more than 车), and the words they
    share."""

    share: float
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Wording:
    """A listing's words as matching compares them: ``terms``, the analysed words of its title
    and tags (repeats kept: a word that is also a tag weighs double); ``head``, its folded title
    and tags; ``body``, its folded description."""

    terms: tuple[str, ...]
    head: str
    body: str


def word_share(own: Wording, theirs: Wording) -> WordShare:
    """A word counts as shared when the other listing's text contains it, so 钻 finds 电钻 and
    lesson finds lessons, or contains it in the other language (stroller, 婴儿车); in full when
    it is in the other's title or tags, half when only in its description (where 家里 or 周末 say
    little about what is offered). Only whole words are weighed: 婴儿车 is one word, not 婴儿车
    plus 婴儿."""
    own_share, own_found = _found_in(own.terms, theirs)
    their_share, their_found = _found_in(theirs.terms, own)
    shown = _readable([*own_found, *their_found], f"{own.head} {theirs.head} {own.body}")
    return WordShare(max(own_share, their_share), shown)


def _found_in(terms: Iterable[str], other: Wording) -> tuple[float, list[str]]:
    weighed = whole_words([term for term in terms if not is_measure_word(term)])
    total = sum(len(term) for term in weighed)
    if not total:
        return 0.0, []
    found, weight = [], 0.0
    for term in weighed:
        if term in other.head or _translation_in(term, other.head, other.terms):
            weight += len(term)
        elif term in other.body or _translation_in(term, other.body):
            weight += len(term) / 2
        else:
            continue
        found.append(term)
    return weight / total, found


def _translation_in(term: str, text: str, terms: Iterable[str] = ()) -> bool:
    """Whether the text says the term in the other language (``glossary``): stroller, 婴儿车."""
    return any(
        all(word in text or word in terms for word in group) for group in translations([term])
    )


def _readable(terms: list[str], text: str, limit: int = 5) -> tuple[str, ...]:
    """Distinct shared words for a reason: not the pieces of longer shared words (婴儿 when
    婴儿车 is there), not single Chinese characters, and English words as written rather than
    stemmed (conversation, not convers)."""
    distinct = list(dict.fromkeys(terms))
    kept = [
        term
        for term in distinct
        if (len(term) > 1 or term.isascii())
        and not any(term != other and term in other for other in distinct)
    ]
    return tuple(dict.fromkeys(_as_written(term, text) for term in kept[:limit]))


def _as_written(term: str, text: str) -> str:
    if not term.isascii():
        return term
    written = re.search(rf"\b{re.escape(term)}[a-z]*", text)
    return written.group(0) if written else term


def text_relevance(words: WordShare, search_score: float, best_search_score: float) -> Feature:
    """The share of words in common, counted in full for the candidate the search ranks best and
    half for one it ranks far below (its words only in a long description, say)."""
    if words.share <= 0:
        return Feature(0.0)
    relative = min(1.0, search_score / best_search_score) if best_search_score > 0 else 0.0
    value = words.share * (0.5 + 0.5 * relative)
    return Feature(value, (reason("words", terms=list(words.terms)),) if words.terms else ())


def word_gate(text_relevance: float, full_at: float) -> float:
    """The factor a whole score is multiplied by: 1 when the text relevance is at least
    ``full_at``, less in proportion below it. Place and time say how easily a counterpart can
    be had, which only matters if it is the thing asked for: a cot next door is no answer to a
    request for a pram just because both are baby things in the same square."""
    if full_at <= 0:
        return 1.0
    return min(1.0, max(0.0, text_relevance) / full_at)


# --- what, where, when, how much -----------------------------------------------------------------


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


# An offer that leaves the platform within this time may be gone before the requester acts.
EXPIRES_SOON = timedelta(days=2)


def time_fit(
    needed_by: datetime | None,
    available_from: datetime | None,
    offer_expires_at: datetime,
    now: datetime,
) -> Feature:
    """Whether the offer can be had before the request's deadline. Something only to be had
    after the deadline does not meet the need at all; an offer about to expire (before the
    requester could reasonably claim it) keeps less than half its fit."""
    if available_from is None:
        return Feature(0.0, (reason("nothing_left_in_time"),))
    if available_from >= offer_expires_at:
        return Feature(0.0, (reason("expires_before_available"),))
    reasons: list[Reason] = []
    value = 1.0
    if needed_by is not None:
        if available_from <= needed_by:
            reasons.append(reason("available_before_needed_by"))
        else:
            value = 0.0
            reasons.append(reason("available_after_needed_by"))
    if offer_expires_at - now < EXPIRES_SOON:
        value *= 0.4
        reasons.append(reason("expires_soon", expires_at=offer_expires_at.isoformat()))
    return Feature(value, tuple(reasons))


def quantity_fit(
    wanted: int | None, left: int | None, per_person_limit: int | None = None
) -> Feature:
    """Whether the offer covers all or part of what is wanted; one person can take no more than
    the per-person limit, however much is left."""
    wanted = wanted or 1
    if left is not None and per_person_limit is not None:
        left = min(left, per_person_limit)
    elif left is None:
        left = per_person_limit
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
