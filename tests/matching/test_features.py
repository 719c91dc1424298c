"""The features a match is scored on, as pure functions: no HTTP, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.matching import features
from marketplace.matching.features import Wording, WordShare

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
# place id -> (kind, name): 1 subdistrict > 2 village > 3 grid > 4 square > 5, 6 zones;
# 7 another grid of the village; 8 another community; 9 a station of the village.
PLACES = {
    1: ("subdistrict", "雕庄街道"),
    2: ("community", "清溪村"),
    3: ("grid", "清溪村第一网格"),
    4: ("space", "清溪村健康广场"),
    5: ("zone", "儿童游乐区"),
    6: ("zone", "共享集市区"),
    7: ("grid", "清溪村第二网格"),
    8: ("community", "湖滨社区"),
    9: ("station", "资源服务站"),
}
KIDS_ZONE, MARKET_ZONE, SQUARE = "/1/2/3/4/5/", "/1/2/3/4/6/", "/1/2/3/4/"
GRID, OTHER_GRID, OTHER_COMMUNITY, STATION = "/1/2/3/", "/1/2/7/", "/1/8/", "/1/2/9/"


def codes(feature: features.Feature) -> list[str]:
    return [reason.code for reason in feature.reasons]


def wording(terms: list[str], head: str, body: str = "") -> Wording:
    return Wording(terms=tuple(terms), head=head, body=body)


# --- words ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("term", ["一台", "两箱", "几个", "一把", "3", "十"])
def test_numbers_and_measure_words_are_measure_words(term: str) -> None:
    assert features.is_measure_word(term)


@pytest.mark.parametrize("term", ["婴儿车", "一次性", "九成新", "stroller", "台灯"])
def test_words_that_name_things_are_not_measure_words(term: str) -> None:
    assert not features.is_measure_word(term)


def test_listings_with_the_same_words_share_all_of_them() -> None:
    request = wording(["婴儿", "推车", "婴儿车"], "求婴儿推车 婴儿车")
    offer = wording(["婴儿", "推车", "婴儿推车", "婴儿车"], "婴儿推车 婴儿车 推车")

    words = features.word_share(request, offer)

    assert words.share == 1.0
    # 婴儿 and 推车 are pieces of longer shared words: not shown.
    assert words.terms == ("婴儿车", "婴儿推车")


def test_the_shorter_listing_decides_how_much_is_shared() -> None:
    """A short request fully contained in a chatty offer is fully shared."""
    request = wording(["电钻"], "电钻")
    offer = wording(["博世", "电钻", "出借", "冲击", "冲击钻"], "博世电钻出借 冲击钻")

    assert features.word_share(request, offer).share == 1.0
    assert features.word_share(offer, request).share == 1.0


def test_longer_words_weigh_more_than_short_ones() -> None:
    request = wording(["借", "婴儿车"], "借婴儿车")

    only_the_verb = features.word_share(request, wording(["出借", "电钻"], "出借电钻"))
    only_the_thing = features.word_share(request, wording(["婴儿车"], "婴儿车"))

    assert only_the_thing.share > only_the_verb.share


def test_words_only_in_the_description_count_half() -> None:
    request = wording(["窗帘"], "窗帘")

    in_title = features.word_share(request, wording(["窗帘"], "窗帘杆"))
    in_description = features.word_share(request, wording(["电钻"], "电钻", body="装窗帘"))

    assert in_title.share == 1.0
    assert in_description.share == 0.5


def test_measure_words_are_not_shared_words() -> None:
    request = wording(["一台", "电钻"], "需要一台电钻")
    offer = wording(["一台", "血压计"], "一台血压计")

    words = features.word_share(request, offer)

    assert words == WordShare(0.0, ())


def test_english_words_match_their_plural_and_are_shown_as_written() -> None:
    request = wording(["english", "lesson"], "english lesson")
    offer = wording(["english", "convers", "lesson"], "english conversation lessons")

    words = features.word_share(request, offer)

    assert words.share == 1.0
    assert words.terms == ("english", "lesson")
    assert features.word_share(offer, request).terms == ("english", "lessons")


def test_nothing_in_common_shares_nothing() -> None:
    assert features.word_share(wording(["沙发"], "沙发"), wording(["电钻"], "电钻")).share == 0


def test_text_relevance_is_the_share_counted_fully_for_the_best_search_hit() -> None:
    words = WordShare(1.0, ("婴儿车",))

    best = features.text_relevance(words, search_score=8.0, best_search_score=8.0)
    weaker = features.text_relevance(words, search_score=2.0, best_search_score=8.0)

    assert best.value == 1.0
    assert weaker.value == pytest.approx(0.625)
    assert [reason.as_dict() for reason in best.reasons] == [{"code": "words", "terms": ["婴儿车"]}]


def test_text_relevance_without_shared_words_is_zero_whatever_the_search_said() -> None:
    assert features.text_relevance(WordShare(0.0, ()), 5.0, 5.0) == features.Feature(0.0)


def test_text_relevance_without_a_search_score_counts_the_share_half() -> None:
    """When the index is unavailable every candidate has search score 0."""
    assert features.text_relevance(WordShare(0.8, ("梯子",)), 0.0, 0.0).value == 0.4


@pytest.mark.parametrize(("relevance", "gate"), [(0.0, 0.0), (0.15, 0.5), (0.3, 1.0), (0.9, 1.0)])
def test_word_gate_scales_down_weak_word_matches_only(relevance: float, gate: float) -> None:
    assert features.word_gate(relevance, full_at=0.3) == pytest.approx(gate)


def test_word_gate_set_to_zero_lets_everything_through() -> None:
    assert features.word_gate(0.0, full_at=0.0) == 1.0


# --- what ----------------------------------------------------------------------------------------


def test_same_category_is_a_reason() -> None:
    same = features.category_match("baby_kids", "baby_kids")
    assert same.value == 1.0
    assert [reason.as_dict() for reason in same.reasons] == [
        {"code": "category", "category": "baby_kids"}
    ]
    assert features.category_match("baby_kids", "tools") == features.Feature(0.0)


@pytest.mark.parametrize(
    ("request_kind", "offer_kind", "compatible"),
    [
        ("item", "item", True),
        ("item", "donation", True),
        ("item", "skill", False),
        ("skill", "skill", True),
        ("skill", "item", False),
        ("skill", "donation", False),
    ],
)
def test_things_meet_requests_for_things_and_skills_meet_requests_for_help(
    request_kind: str, offer_kind: str, compatible: bool
) -> None:
    assert features.kind_compatible(request_kind, offer_kind) is compatible


# --- where ---------------------------------------------------------------------------------------


def test_proximity_follows_the_place_tree() -> None:
    same_zone = features.place_proximity(KIDS_ZONE, KIDS_ZONE, PLACES)
    same_space = features.place_proximity(KIDS_ZONE, MARKET_ZONE, PLACES)
    same_grid = features.place_proximity(KIDS_ZONE, GRID, PLACES)
    same_community = features.place_proximity(KIDS_ZONE, OTHER_GRID, PLACES)
    same_subdistrict = features.place_proximity(KIDS_ZONE, OTHER_COMMUNITY, PLACES)

    values = [f.value for f in (same_zone, same_space, same_grid, same_community, same_subdistrict)]
    assert values == sorted(values, reverse=True)
    assert len(set(values)) == 5
    assert [reason.as_dict() for reason in same_space.reasons] == [
        {"code": "same_space", "place": "清溪村健康广场"}
    ]
    assert codes(same_zone) == ["same_zone"]
    assert codes(same_grid) == ["same_grid"]
    assert codes(same_community) == ["same_community"]
    assert codes(same_subdistrict) == ["same_subdistrict"]


def test_proximity_is_symmetric() -> None:
    assert features.place_proximity(GRID, SQUARE, PLACES) == features.place_proximity(
        SQUARE, GRID, PLACES
    )


def test_a_station_of_the_village_is_nearer_than_another_community_but_not_a_grid() -> None:
    to_station = features.place_proximity(STATION, STATION, PLACES)
    from_zone = features.place_proximity(KIDS_ZONE, STATION, PLACES)

    assert codes(to_station) == ["same_station"]
    assert codes(from_zone) == ["same_community"]


def test_places_in_different_trees_are_not_close_at_all() -> None:
    assert features.place_proximity("/1/2/", "/30/31/", PLACES) == features.Feature(0.0)


# --- when ----------------------------------------------------------------------------------------


def test_available_before_the_deadline_fits() -> None:
    fit = features.time_fit(
        needed_by=NOW + timedelta(days=5),
        available_from=NOW + timedelta(days=1),
        offer_expires_at=NOW + timedelta(days=20),
        now=NOW,
    )
    assert fit.value == 1.0
    assert codes(fit) == ["available_before_needed_by"]


def test_available_only_after_the_deadline_does_not_fit() -> None:
    fit = features.time_fit(
        needed_by=NOW + timedelta(days=3),
        available_from=NOW + timedelta(days=8),
        offer_expires_at=NOW + timedelta(days=20),
        now=NOW,
    )
    assert fit.value == 0.0
    assert codes(fit) == ["available_after_needed_by"]


def test_an_offer_expiring_soon_fits_less_than_half_as_well() -> None:
    lasting = features.time_fit(None, NOW, NOW + timedelta(days=20), NOW)
    expiring = features.time_fit(None, NOW, NOW + timedelta(hours=8), NOW)

    assert lasting.value == 1.0
    assert expiring.value < lasting.value / 2
    assert [reason.as_dict() for reason in expiring.reasons] == [
        {"code": "expires_soon", "expires_at": "2026-12-01T10:00:00+00:00"}
    ]


def test_an_offer_that_expires_before_it_can_be_had_does_not_fit() -> None:
    fit = features.time_fit(
        needed_by=None,
        available_from=NOW + timedelta(days=3),
        offer_expires_at=NOW + timedelta(days=2),
        now=NOW,
    )
    assert fit.value == 0.0
    assert codes(fit) == ["expires_before_available"]


def test_nothing_left_to_have_does_not_fit() -> None:
    fit = features.time_fit(NOW + timedelta(days=3), None, NOW + timedelta(days=20), NOW)
    assert fit.value == 0.0
    assert codes(fit) == ["nothing_left_in_time"]


def test_a_request_without_a_deadline_fits_anything_available() -> None:
    fit = features.time_fit(None, NOW + timedelta(days=30), NOW + timedelta(days=60), NOW)
    assert fit == features.Feature(1.0)


# --- how much, how fresh, how reliable, how urgent ---------------------------------------------


def test_enough_left_covers_all() -> None:
    fit = features.quantity_fit(wanted=2, left=20)
    assert fit.value == 1.0
    assert [reason.as_dict() for reason in fit.reasons] == [{"code": "covers_all", "left": 20}]


def test_too_little_left_covers_part() -> None:
    fit = features.quantity_fit(wanted=4, left=1)
    assert fit.value == 0.25
    assert [reason.as_dict() for reason in fit.reasons] == [
        {"code": "covers_part", "left": 1, "wanted": 4}
    ]


def test_the_per_person_limit_caps_what_one_requester_can_have() -> None:
    fit = features.quantity_fit(wanted=4, left=30, per_person_limit=2)
    assert fit.value == 0.5
    assert codes(fit) == ["covers_part"]


def test_nothing_left_covers_nothing() -> None:
    assert features.quantity_fit(wanted=1, left=0).value == 0.0


def test_offers_without_units_cover_any_quantity() -> None:
    """Skills and lent items are not counted in units."""
    assert features.quantity_fit(wanted=3, left=None) == features.Feature(1.0)


def test_freshness_halves_every_two_weeks() -> None:
    assert features.freshness(NOW, NOW).value == 1.0
    assert features.freshness(NOW - timedelta(days=14), NOW).value == pytest.approx(0.5)
    assert features.freshness(NOW - timedelta(days=60), NOW).value < 0.1


def test_new_users_are_half_reliable_and_no_shows_lower_it() -> None:
    new = features.reliability(completed=0, no_shows=0, late_returns=0)
    late = features.reliability(completed=0, no_shows=0, late_returns=1)
    absent = features.reliability(completed=0, no_shows=1, late_returns=0)

    assert new.value == 0.5
    assert absent.value < late.value < new.value


def test_a_record_of_completed_exchanges_is_a_reason() -> None:
    reliable = features.reliability(completed=12, no_shows=0, late_returns=0)
    assert reliable.value > 0.9
    assert [reason.as_dict() for reason in reliable.reasons] == [
        {"code": "reliable", "completed": 12}
    ]
    assert features.reliability(completed=12, no_shows=6, late_returns=0).reasons == ()


def test_urgency_orders_high_above_normal_above_low() -> None:
    high, normal, low = (features.urgency(level) for level in ("high", "normal", "low"))
    assert high.value > normal.value > low.value
    assert codes(high) == ["urgent"]
    assert codes(normal) == []
    assert features.urgency(None).value == normal.value
