"""GET /listings/{id}/matches and POST /listings/{id}/matches/{other_id}/dismiss: who may ask,
what is never suggested, and the offer's side of the same pairs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from marketplace import clock
from marketplace.extensions import db
from marketplace.matching.models import MatchDismissal
from tests.factories import MerchantFactory, UserFactory
from tests.listing_factories import ItemOfferFactory, ItemRequestFactory, SkillOfferFactory
from tests.matching.conftest import Square
from tests.statements import count_statements

API = "/api/v1/listings"


def matches_path(listing: Any, **params: Any) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{API}/{listing.id}/matches" + (f"?{query}" if query else "")


def matched_ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["listing"]["id"] for item in response.get_json()["items"]]


def stroller_offer(place: Any, **fields: Any) -> Any:
    values = {
        "title": "婴儿推车",
        "description": "可折叠，孩子大了用不上。",
        "tags": ["婴儿车", "推车"],
        "category": "baby_kids",
        "place": place,
        **fields,
    }
    return ItemOfferFactory(**values)


def stroller_request(place: Any, **fields: Any) -> Any:
    values = {
        "title": "求婴儿推车",
        "description": "亲戚带孩子来住两周。",
        "tags": ["婴儿车"],
        "category": "baby_kids",
        "place": place,
        "needed_by": clock.now() + timedelta(days=7),
        **fields,
    }
    return ItemRequestFactory(**values)


@dataclass
class Scene:
    request: Any
    near: Any  # in the same zone
    far: Any  # in another community, better worded
    other_near: Any  # in the same square, someone else's


@pytest.fixture
def scene(places: Square, requester: Any, giver: Any) -> Scene:
    return Scene(
        request=stroller_request(places.kids_zone, owner=requester),
        near=stroller_offer(places.kids_zone, owner=giver),
        far=stroller_offer(
            places.other_community, title="九成新婴儿推车 婴儿车", tags=["婴儿车", "推车", "母婴"]
        ),
        other_near=stroller_offer(places.market_zone, title="二手婴儿车"),
    )


# --- who may ask ---------------------------------------------------------------------------------


def test_owner_sees_counterparts_best_first_with_scores_and_reasons(
    client_as: Any, scene: Scene, requester: Any, search_index: Any
) -> None:
    response = client_as(requester).get(matches_path(scene.request))

    assert matched_ids(response) == [scene.near.id, scene.other_near.id, scene.far.id]
    items = response.get_json()["items"]
    scores = [item["score"] for item in items]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 1 for score in scores)
    best = items[0]
    assert best["listing"]["title"] == "婴儿推车"
    assert {"code": "same_zone", "place": "儿童游乐区"} in best["reasons"]
    assert {"code": "words", "terms": ["推车", "婴儿车"]} in best["reasons"]
    assert {"code": "category", "category": "baby_kids"} in best["reasons"]
    assert {"code": "available_before_needed_by"} in best["reasons"]
    assert {"code": "same_space", "place": "清溪村健康广场"} in items[1]["reasons"]
    assert {"code": "same_subdistrict", "place": "雕庄街道"} in items[2]["reasons"]


def test_a_request_in_english_is_matched_with_offers_in_chinese_and_back(
    client_as: Any, places: Square, requester: Any, giver: Any, search_index: Any
) -> None:
    request = stroller_request(
        places.kids_zone,
        owner=requester,
        title="Looking for a baby stroller",
        description="My niece visits for two weeks.",
        tags=["stroller"],
    )
    offer = stroller_offer(places.kids_zone, owner=giver)
    unrelated = stroller_offer(places.kids_zone, title="儿童积木", tags=["积木", "玩具"])

    asked = client_as(requester).get(matches_path(request))
    offered = client_as(giver).get(matches_path(offer))

    assert matched_ids(asked)[0] == offer.id
    assert unrelated.id not in matched_ids(asked)
    assert {"code": "words", "terms": ["stroller", "婴儿车"]} in asked.get_json()["items"][0][
        "reasons"
    ]
    assert request.id in matched_ids(offered)


def test_limit_cuts_the_list(
    client_as: Any, scene: Scene, requester: Any, search_index: Any
) -> None:
    response = client_as(requester).get(matches_path(scene.request, limit=1))
    assert matched_ids(response) == [scene.near.id]


@pytest.mark.parametrize("limit", [0, 51, "many"])
def test_a_limit_out_of_range_is_invalid(
    client_as: Any, scene: Scene, requester: Any, limit: Any
) -> None:
    response = client_as(requester).get(matches_path(scene.request, limit=limit))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid"


def test_a_member_of_the_owning_organisation_sees_the_matches(
    client_as: Any, places: Square, build_index: Any
) -> None:
    merchant = MerchantFactory()
    colleague = MerchantFactory(organisation=merchant.organisation)
    request = stroller_request(places.kids_zone, owner=merchant, organisation=merchant.organisation)
    offer = stroller_offer(places.kids_zone)
    build_index()

    response = client_as(colleague).get(matches_path(request))

    assert matched_ids(response) == [offer.id]


def test_a_coordinator_sees_the_matches_but_not_their_own_listings(
    client_as: Any, scene: Scene, places: Square, coordinator: Any, build_index: Any
) -> None:
    own = stroller_offer(places.kids_zone, owner=coordinator)
    build_index()

    as_coordinator = matched_ids(client_as(coordinator).get(matches_path(scene.request)))
    as_owner = matched_ids(client_as(scene.request.owner).get(matches_path(scene.request)))

    assert own.id not in as_coordinator
    assert set(as_coordinator) == {scene.near.id, scene.other_near.id, scene.far.id}
    assert own.id in as_owner


def test_another_resident_is_forbidden_the_matches_of_a_public_listing(
    client_as: Any, scene: Scene
) -> None:
    response = client_as(UserFactory()).get(matches_path(scene.request))

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_another_resident_cannot_tell_a_listing_they_may_not_see_exists(
    client_as: Any, places: Square, requester: Any
) -> None:
    pending = stroller_request(places.kids_zone, owner=requester, moderation="pending")

    response = client_as(UserFactory()).get(matches_path(pending))

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_the_owner_of_a_listing_waiting_for_review_already_sees_its_matches(
    client_as: Any, places: Square, requester: Any, build_index: Any
) -> None:
    pending = stroller_request(places.kids_zone, owner=requester, moderation="pending")
    offer = stroller_offer(places.kids_zone)
    build_index()

    assert matched_ids(client_as(requester).get(matches_path(pending))) == [offer.id]


def test_anonymous_callers_must_log_in(client: Any, scene: Scene) -> None:
    response = client.get(matches_path(scene.request))

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_an_unknown_listing_is_not_found(client_as: Any, requester: Any) -> None:
    response = client_as(requester).get(f"{API}/999999/matches")
    assert response.status_code == 404


# --- what is never suggested ---------------------------------------------------------------------


def far_better_worded_strollers(places: Square, how_many: int) -> list[Any]:
    return [
        stroller_offer(
            places.other_community,
            title="婴儿推车 婴儿车 推车",
            tags=["婴儿车", "推车", "婴儿推车"],
            description="婴儿车，推车，婴儿推车。",
        )
        for _ in range(how_many)
    ]


def plain_stroller_next_door(places: Square) -> Any:
    return stroller_offer(places.kids_zone, title="二手婴儿车", tags=["婴儿车"], description="")


def test_a_plain_match_next_door_is_not_crowded_out_by_better_worded_ones_far_away(
    app_config: dict[str, Any],
    client_as: Any,
    places: Square,
    requester: Any,
    build_index: Any,
) -> None:
    """Only the best two word matches are rescored; the stroller next door ranks below three
    better-worded ones far away, and is rescored all the same."""
    app_config["MATCHING_CANDIDATES"] = 2
    request = stroller_request(places.kids_zone, owner=requester)
    far = far_better_worded_strollers(places, 3)
    near = plain_stroller_next_door(places)
    build_index()

    ids = matched_ids(client_as(requester).get(matches_path(request)))

    assert ids[0] == near.id
    assert len(ids) == 3
    assert set(ids[1:]) < {offer.id for offer in far}


def test_nearby_matches_beyond_the_searchs_list_are_searched_for_in_the_community(
    app_config: dict[str, Any],
    client_as: Any,
    places: Square,
    requester: Any,
    build_index: Any,
) -> None:
    """The best-worded candidates from anywhere (here one) are all far away; the search in the
    requester's community finds the stroller next door."""
    app_config["MATCHING_CANDIDATES"] = 1
    request = stroller_request(places.kids_zone, owner=requester)
    far = far_better_worded_strollers(places, 6)
    near = plain_stroller_next_door(places)
    build_index()

    ids = matched_ids(client_as(requester).get(matches_path(request)))

    assert ids[0] == near.id
    assert len(ids) == 2
    assert ids[1] in {offer.id for offer in far}


def test_the_callers_own_listings_are_never_suggested(
    client_as: Any, scene: Scene, places: Square, requester: Any, build_index: Any
) -> None:
    stroller_offer(places.kids_zone, owner=requester)
    build_index()

    response = client_as(requester).get(matches_path(scene.request))

    assert matched_ids(response) == [scene.near.id, scene.other_near.id, scene.far.id]


@pytest.mark.parametrize(
    "state",
    [
        {"moderation": "pending"},
        {"moderation": "hidden"},
        {"moderation": "rejected"},
        {"status": "withdrawn"},
        {"status": "expired"},
        {"status": "closed"},
        {"status": "fully_reserved", "units_reserved": 1},
    ],
    ids=lambda state: "-".join(str(value) for value in state.values()),
)
def test_listings_that_are_not_public_and_open_are_never_suggested(
    client_as: Any,
    scene: Scene,
    places: Square,
    requester: Any,
    state: dict[str, Any],
    build_index: Any,
) -> None:
    unavailable = stroller_offer(places.kids_zone, title="全新婴儿推车 婴儿车", **state)
    build_index()

    ids = matched_ids(client_as(requester).get(matches_path(scene.request)))

    assert unavailable.id not in ids
    assert scene.near.id in ids


def test_an_offer_that_stopped_being_public_after_indexing_is_not_suggested(
    client_as: Any, scene: Scene, requester: Any, search_index: Any
) -> None:
    """The database has the last word even when the index has not caught up yet."""
    scene.near.moderation = "hidden"
    db.session.flush()

    ids = matched_ids(client_as(requester).get(matches_path(scene.request)))

    assert scene.near.id not in ids


def test_the_wrong_kind_and_side_are_never_suggested(
    client_as: Any, scene: Scene, places: Square, requester: Any, build_index: Any
) -> None:
    skill = stroller_offer(places.kids_zone, kind="skill", mode=None, quantity=None)
    other_request = stroller_request(places.kids_zone)
    build_index()

    ids = matched_ids(client_as(requester).get(matches_path(scene.request)))

    assert skill.id not in ids
    assert other_request.id not in ids


def test_listings_sharing_no_word_are_not_suggested_however_close(
    client_as: Any, scene: Scene, places: Square, requester: Any
) -> None:
    """Without an index, candidates are the nearby listings of the same category: toys in the
    same zone are among them, but share no word with a request for a stroller."""
    toys = ItemOfferFactory(
        title="儿童玩具一箱", tags=["玩具"], category="baby_kids", place=places.kids_zone
    )

    ids = matched_ids(client_as(requester).get(matches_path(scene.request)))

    assert toys.id not in ids
    assert scene.near.id in ids


# --- dismissing ------------------------------------------------------------------------------------


def dismiss_path(listing: Any, other: Any) -> str:
    other_id = getattr(other, "id", other)
    return f"{API}/{listing.id}/matches/{other_id}/dismiss"


def test_a_dismissed_suggestion_never_comes_back(
    client_as: Any, scene: Scene, requester: Any, search_index: Any
) -> None:
    owner = client_as(requester)

    response = owner.post(dismiss_path(scene.request, scene.near))

    assert response.status_code == 204
    assert matched_ids(owner.get(matches_path(scene.request))) == [
        scene.other_near.id,
        scene.far.id,
    ]
    stored = db.session.query(MatchDismissal).filter_by(listing_id=scene.request.id).one()
    assert (stored.other_listing_id, stored.dismissed_by_id) == (scene.near.id, requester.id)


def test_dismissing_twice_is_harmless(client_as: Any, scene: Scene, requester: Any) -> None:
    owner = client_as(requester)

    assert owner.post(dismiss_path(scene.request, scene.near)).status_code == 204
    assert owner.post(dismiss_path(scene.request, scene.near)).status_code == 204
    assert db.session.query(MatchDismissal).count() == 1


def test_a_dismissal_hides_the_suggestion_from_coordinators_too(
    client_as: Any, scene: Scene, requester: Any, coordinator: Any, search_index: Any
) -> None:
    client_as(requester).post(dismiss_path(scene.request, scene.near))

    ids = matched_ids(client_as(coordinator).get(matches_path(scene.request)))

    assert scene.near.id not in ids


def test_only_the_listings_managers_dismiss(client_as: Any, scene: Scene, coordinator: Any) -> None:
    for outsider in (UserFactory(), coordinator):
        response = client_as(outsider).post(dismiss_path(scene.request, scene.near))
        assert response.status_code == 403
    assert db.session.query(MatchDismissal).count() == 0


def test_dismissing_a_listing_the_caller_cannot_see_is_not_found(
    client_as: Any, scene: Scene, places: Square, requester: Any
) -> None:
    hidden = stroller_offer(places.kids_zone, moderation="hidden")

    for other in (hidden, 999999):
        response = client_as(requester).post(dismiss_path(scene.request, other))
        assert response.status_code == 404
    assert db.session.query(MatchDismissal).count() == 0


def test_anonymous_callers_cannot_dismiss(client: Any, scene: Scene) -> None:
    assert client.post(dismiss_path(scene.request, scene.near)).status_code == 401


# --- the offer's side ------------------------------------------------------------------------------


def test_an_offer_sees_the_open_requests_it_could_serve_urgent_ones_first(
    client_as: Any, places: Square, giver: Any, build_index: Any
) -> None:
    offer = stroller_offer(places.kids_zone, owner=giver)
    # Posted first: on an equal score the newer listing would come first.
    urgent = stroller_request(places.kids_zone, urgency="high")
    normal = stroller_request(places.kids_zone, urgency="normal")
    closed = stroller_request(places.kids_zone, status="closed")
    build_index()

    response = client_as(giver).get(matches_path(offer))

    assert matched_ids(response) == [urgent.id, normal.id]
    assert closed.id not in matched_ids(response)
    first, second = response.get_json()["items"]
    assert first["score"] > second["score"]
    assert {"code": "urgent"} in first["reasons"]
    assert {"code": "urgent"} not in second["reasons"]


def test_the_pair_is_found_from_either_side_for_the_same_reasons(
    client_as: Any, scene: Scene, requester: Any, giver: Any, search_index: Any
) -> None:
    from_request = client_as(requester).get(matches_path(scene.request)).get_json()["items"]
    from_offer = client_as(giver).get(matches_path(scene.near)).get_json()["items"]

    request_side = next(item for item in from_request if item["listing"]["id"] == scene.near.id)
    (offer_side,) = from_offer
    assert offer_side["listing"]["id"] == scene.request.id
    assert offer_side["reasons"] == request_side["reasons"]


def test_a_requester_is_not_told_their_own_request_is_urgent(
    client_as: Any, places: Square, requester: Any, build_index: Any
) -> None:
    request = stroller_request(places.kids_zone, owner=requester, urgency="high")
    stroller_offer(places.kids_zone)
    build_index()

    (item,) = client_as(requester).get(matches_path(request)).get_json()["items"]

    assert {"code": "urgent"} not in item["reasons"]


def test_a_skill_offer_sees_requests_for_help_only(
    client_as: Any, places: Square, giver: Any, build_index: Any
) -> None:
    haircut = SkillOfferFactory(
        title="老人免费理发", tags=["理发"], category="beauty", place=places.grid, owner=giver
    )
    help_wanted = stroller_request(
        places.kids_zone, kind="skill", title="想找人理发", tags=["理发"], category="beauty"
    )
    thing_wanted = stroller_request(places.kids_zone, title="求理发推子", tags=["理发"])
    build_index()

    ids = matched_ids(client_as(giver).get(matches_path(haircut)))

    assert ids == [help_wanted.id]
    assert thing_wanted.id not in ids


# --- without the index -----------------------------------------------------------------------------


def test_matches_come_from_the_database_when_there_is_no_index(
    client_as: Any, scene: Scene, requester: Any
) -> None:
    """Nearby listings of the same category, still scored on words, place and time."""
    response = client_as(requester).get(matches_path(scene.request))

    assert matched_ids(response) == [scene.near.id, scene.other_near.id]


def test_matches_cost_the_same_queries_for_six_offers_as_for_two(
    app: Any, client_as: Any, places: Square, requester: Any, build_index: Any
) -> None:
    # Each offer has its own owner, whose reliability the score reads: loaded with the offers,
    # not one owner at a time.
    request = stroller_request(places.kids_zone, owner=requester)
    for _ in range(2):
        stroller_offer(places.kids_zone, owner=UserFactory(completed_exchanges=3))
    build_index()
    asker, path = client_as(requester), matches_path(request)
    asker.get(path)  # the first ask after a change also checks the index's lag
    few = count_statements(app, lambda: asker.get(path))
    for _ in range(4):
        stroller_offer(places.market_zone, owner=UserFactory(no_shows=1))
    build_index()
    asker.get(path)

    responses: list[Any] = []
    many = count_statements(app, lambda: responses.append(asker.get(path)))

    assert len(matched_ids(responses[0])) == 6
    assert len(many) == len(few), many
