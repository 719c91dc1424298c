"""Combining the features into one score, on listings built in memory (nothing is stored)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from marketplace.accounts.models import User
from marketplace.listings.models import Listing, ListingSlot, PickupWindow
from marketplace.matching.features import WordShare
from marketplace.matching.scoring import PairContext, available_from, score_pair
from marketplace.places.models import Place
from tests.matching.judged import NOW

FEATURES = {"text", "category", "place", "time", "quantity", "freshness", "reliability", "urgency"}
PLACES = {
    1: ("subdistrict", "雕庄街道"),
    2: ("community", "清溪村"),
    3: ("grid", "清溪村第一网格"),
    4: ("space", "清溪村健康广场"),
    5: ("zone", "儿童游乐区"),
    6: ("community", "湖滨社区"),
}
KIDS_ZONE = Place(id=5, kind="zone", name="儿童游乐区", path="/1/2/3/4/5/")
HUBIN = Place(id=6, kind="community", name="湖滨社区", path="/1/6/")
ALL_WORDS = WordShare(1.0, ("婴儿车",))


@pytest.fixture
def context(app: Flask) -> PairContext:
    return PairContext(
        places=PLACES,
        now=NOW,
        weights=dict(app.config["MATCHING_WEIGHTS"]),
        words_full_at=app.config["MATCHING_WORDS_FULL_AT"],
    )


def person(**record: int) -> User:
    values = {"completed_exchanges": 0, "no_shows": 0, "late_returns": 0, **record}
    return User(role="resident", status="active", **values)


def stroller_request(**fields: Any) -> Listing:
    values: dict[str, Any] = {
        "side": "request",
        "kind": "item",
        "title": "求婴儿推车",
        "category": "baby_kids",
        "place": KIDS_ZONE,
        "needed_by": NOW + timedelta(days=7),
        "urgency": "normal",
        "quantity_wanted": 1,
        **fields,
    }
    return Listing(**values)


def stroller_offer(**fields: Any) -> Listing:
    values: dict[str, Any] = {
        "side": "offer",
        "kind": "item",
        "mode": "give",
        "title": "婴儿推车",
        "category": "baby_kids",
        "place": KIDS_ZONE,
        "owner": person(),
        "quantity": 1,
        "units_reserved": 0,
        "created_at": NOW - timedelta(days=1),
        "expires_at": NOW + timedelta(days=20),
        **fields,
    }
    return Listing(**values)


def score(request: Listing, offer: Listing, context: PairContext, **overrides: Any) -> float:
    arguments: dict[str, Any] = {"words": ALL_WORDS, "text_score": 5.0, "best": 5.0, **overrides}
    value, _reasons = score_pair(
        request, offer, arguments["words"], arguments["text_score"], arguments["best"], context
    )
    return value


def test_the_weights_name_every_feature(app: Flask) -> None:
    weights = app.config["MATCHING_WEIGHTS"]
    assert set(weights) == FEATURES
    assert all(weight > 0 for weight in weights.values())
    assert sum(weights.values()) == pytest.approx(1.0)


def test_a_perfect_match_scores_close_to_one_with_its_reasons_in_feature_order(
    context: PairContext,
) -> None:
    offer = stroller_offer(owner=person(completed_exchanges=10))

    value, reasons = score_pair(stroller_request(), offer, ALL_WORDS, 5.0, 5.0, context)

    assert 0.9 < value <= 1.0
    assert [reason.code for reason in reasons] == [
        "words",
        "category",
        "same_zone",
        "available_before_needed_by",
        "covers_all",
        "reliable",
    ]


def test_nearer_scores_higher_all_else_equal(context: PairContext) -> None:
    request = stroller_request()
    assert score(request, stroller_offer(), context) > score(
        request, stroller_offer(place=HUBIN), context
    )


def test_weights_come_from_the_settings(context: PairContext) -> None:
    """Without a weight for place, distance no longer matters."""
    request = stroller_request()
    blind = replace(context, weights={**context.weights, "place": 0.0})

    near = score(request, stroller_offer(), blind)
    far = score(request, stroller_offer(place=HUBIN), blind)

    assert near == far


def test_an_offer_to_be_had_only_after_the_deadline_scores_lower(context: PairContext) -> None:
    request = stroller_request(kind="skill", title="求理发", needed_by=NOW + timedelta(days=3))
    soon = skill_offer(slot_in=timedelta(days=1))
    too_late = skill_offer(slot_in=timedelta(days=5))

    assert score(request, soon, context) > score(request, too_late, context)


def test_an_offer_expiring_today_scores_lower(context: PairContext) -> None:
    request = stroller_request()
    lasting = stroller_offer()
    expiring = stroller_offer(expires_at=NOW + timedelta(hours=6))

    assert score(request, lasting, context) > score(request, expiring, context)


def test_an_owner_who_did_not_turn_up_scores_lower(context: PairContext) -> None:
    request = stroller_request()
    reliable = stroller_offer(owner=person(completed_exchanges=4))
    absent = stroller_offer(owner=person(completed_exchanges=4, no_shows=3))

    assert score(request, reliable, context) > score(request, absent, context)


def test_an_urgent_request_scores_higher_for_the_same_offer(context: PairContext) -> None:
    offer = stroller_offer()
    assert score(stroller_request(urgency="high"), offer, context) > score(
        stroller_request(urgency="normal"), offer, context
    )


def test_covering_the_whole_quantity_scores_higher(context: PairContext) -> None:
    request = stroller_request(quantity_wanted=3)
    plenty = stroller_offer(kind="donation", mode=None, quantity=30, per_person_limit=5)
    one_left = stroller_offer(kind="donation", mode=None, quantity=30, units_reserved=29)

    assert score(request, plenty, context) > score(request, one_left, context)


def test_few_shared_words_scale_the_whole_score_down(context: PairContext) -> None:
    """Next door and on time, but only 婴儿 in common (a cot guard): far below a real match."""
    request, offer = stroller_request(), stroller_offer()

    full = score(request, offer, context)
    weak = score(request, offer, context, words=WordShare(0.1, ("婴儿",)))

    assert weak < full / 2
    assert weak < 0.4


def test_the_best_search_hit_scores_higher_than_a_weaker_one_with_the_same_words(
    context: PairContext,
) -> None:
    request, offer = stroller_request(), stroller_offer()
    assert score(request, offer, context, text_score=5.0) > score(
        request, offer, context, text_score=1.0
    )


# --- when an offer can be had -----------------------------------------------------------------


def skill_offer(slot_in: timedelta, **fields: Any) -> Listing:
    slot = ListingSlot(starts_at=NOW + slot_in, ends_at=NOW + slot_in + timedelta(hours=1))
    slot.capacity, slot.booked = 2, 0
    return stroller_offer(kind="skill", mode=None, quantity=None, slots=[slot], **fields)


def test_a_skill_can_be_had_at_its_first_future_slot_with_room() -> None:
    offer = skill_offer(slot_in=timedelta(days=3))
    full = ListingSlot(starts_at=NOW + timedelta(days=1), ends_at=NOW + timedelta(days=1, hours=1))
    full.capacity, full.booked = 1, 1
    past = ListingSlot(starts_at=NOW - timedelta(days=1), ends_at=NOW - timedelta(hours=20))
    past.capacity, past.booked = 1, 0
    offer.slots.extend([full, past])

    assert available_from(offer, NOW) == NOW + timedelta(days=3)


def test_a_skill_without_free_slots_cannot_be_had() -> None:
    offer = skill_offer(slot_in=timedelta(days=3))
    offer.slots[0].booked = 2
    assert available_from(offer, NOW) is None


def test_a_donation_can_be_had_from_its_next_pick_up_window() -> None:
    windows = [
        PickupWindow(starts_at=NOW - timedelta(days=2), ends_at=NOW - timedelta(days=1)),
        PickupWindow(starts_at=NOW + timedelta(days=4), ends_at=NOW + timedelta(days=4, hours=2)),
        PickupWindow(starts_at=NOW + timedelta(days=2), ends_at=NOW + timedelta(days=2, hours=2)),
    ]
    offer = stroller_offer(kind="donation", mode=None, quantity=10, pickup_windows=windows)

    assert available_from(offer, NOW) == NOW + timedelta(days=2)


def test_a_window_already_open_can_be_used_now() -> None:
    window = PickupWindow(starts_at=NOW - timedelta(hours=1), ends_at=NOW + timedelta(hours=2))
    offer = stroller_offer(kind="donation", mode=None, quantity=10, pickup_windows=[window])

    assert available_from(offer, NOW) == NOW


def test_an_item_all_given_away_cannot_be_had_and_a_lent_one_can_now() -> None:
    assert available_from(stroller_offer(units_reserved=1), NOW) is None
    assert available_from(stroller_offer(mode="lend", max_lend_days=7), NOW) == NOW
