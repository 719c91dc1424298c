"""Match alerts, through the real flow: a listing is posted (or approved) through the API, the
request's search drain indexes it, and the owners of matching open listings hear of it in their
inbox: once per pair, above the threshold, unless they turned alerts off or had enough today."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from marketplace import clock
from marketplace.extensions import db
from marketplace.matching.models import MatchAlert
from marketplace.notifications.models import Notification
from tests.factories import UserFactory
from tests.listing_factories import ItemOfferFactory, ItemRequestFactory
from tests.matching.conftest import Square

API = "/api/v1"


@pytest.fixture
def poster() -> Any:
    """A resident with enough completed exchanges to publish at once (trusted mode)."""
    return UserFactory(completed_exchanges=5)


@pytest.fixture
def poster_client(client_as: Any, poster: Any) -> Any:
    return client_as(poster)


def open_request(owner: Any, place: Any, **fields: Any) -> Any:
    values = {
        "title": "求婴儿推车",
        "tags": ["婴儿车", "推车"],
        "category": "baby_kids",
        "place": place,
        "owner": owner,
        "needed_by": clock.now() + timedelta(days=7),
        **fields,
    }
    return ItemRequestFactory(**values)


@pytest.fixture
def stroller_request(requester: Any, places: Square) -> Any:
    """The requester's open request for a stroller in the kids' zone, posted before the index
    was built."""
    return open_request(requester, places.kids_zone)


def stroller_body(place: Any, **fields: Any) -> dict[str, Any]:
    return {
        "side": "offer",
        "kind": "item",
        "mode": "give",
        "title": "婴儿推车",
        "description": "可折叠，孩子大了用不上。",
        "category": "baby_kids",
        "tags": ["婴儿车", "推车"],
        "place_id": place.id,
        **fields,
    }


def post(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{API}/listings", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def alerts_for(user: Any) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.kind == "match_found")
            .order_by(Notification.id)
        )
    )


def test_a_new_offer_alerts_the_owner_of_a_matching_request_with_the_reasons(
    client_as: Any,
    poster_client: Any,
    places: Square,
    requester: Any,
    stroller_request: Any,
    search_index: Any,
) -> None:
    request = stroller_request
    offer = post(poster_client, stroller_body(places.kids_zone))

    inbox = client_as(requester).get(f"{API}/notifications").get_json()
    (alert,) = [item for item in inbox["items"] if item["kind"] == "match_found"]
    payload = alert["payload"]
    assert (payload["listing_id"], payload["your_listing_id"]) == (offer["id"], request.id)
    assert (payload["title"], payload["your_title"]) == ("婴儿推车", "求婴儿推车")
    assert payload["score"] >= 0.6
    assert {"code": "same_zone", "place": "儿童游乐区"} in payload["reasons"]
    assert any(reason["code"] == "words" for reason in payload["reasons"])
    assert "婴儿推车" in alert["message"]
    assert "求婴儿推车" in alert["message"]


def test_a_new_request_alerts_the_owners_of_matching_offers(
    poster_client: Any, places: Square, giver: Any, search_index_for_offer: Any
) -> None:
    offer = search_index_for_offer(giver, places)

    request = post(
        poster_client,
        {
            "side": "request",
            "kind": "item",
            "title": "想要一辆婴儿车",
            "category": "baby_kids",
            "tags": ["婴儿车"],
            "place_id": places.kids_zone.id,
            "urgency": "high",
        },
    )

    (alert,) = alerts_for(giver)
    assert (alert.payload["listing_id"], alert.payload["your_listing_id"]) == (
        request["id"],
        offer.id,
    )
    assert {"code": "urgent"} in alert.payload["reasons"]


@pytest.fixture
def search_index_for_offer(build_index: Any) -> Any:
    def build(owner: Any, places: Square) -> Any:
        offer = ItemOfferFactory(
            title="婴儿推车",
            tags=["婴儿车", "推车"],
            category="baby_kids",
            place=places.kids_zone,
            owner=owner,
        )
        build_index()
        return offer

    return build


def test_each_pair_is_alerted_once(
    client_as: Any,
    poster_client: Any,
    places: Square,
    requester: Any,
    stroller_request: Any,
    search_index: Any,
) -> None:
    offer = post(poster_client, stroller_body(places.kids_zone))

    edited = poster_client.patch(
        f"{API}/listings/{offer['id']}",
        json={"version": offer["version"], "description": "可折叠，送一个遮阳篷。"},
    )

    assert edited.status_code == 200, edited.get_data(as_text=True)
    assert len(alerts_for(requester)) == 1
    assert db.session.scalar(select(MatchAlert.recipient_id)) == requester.id


def test_a_pair_is_alerted_once_whichever_listing_changes_later(
    client_as: Any,
    poster: Any,
    poster_client: Any,
    places: Square,
    requester: Any,
    stroller_request: Any,
    search_index: Any,
) -> None:
    """The requester hears of the new offer; when they then edit their request, the offer's
    owner is not told about a request that has been there all along."""
    post(poster_client, stroller_body(places.kids_zone))

    edited = client_as(requester).patch(
        f"{API}/listings/{stroller_request.id}",
        json={"version": stroller_request.version, "description": "下周就要用。"},
    )

    assert edited.status_code == 200, edited.get_data(as_text=True)
    assert len(alerts_for(requester)) == 1
    assert alerts_for(poster) == []


def test_each_of_a_users_matching_listings_is_a_pair_of_its_own(
    poster_client: Any, places: Square, requester: Any, search_index_after_requests: Any
) -> None:
    first, second = search_index_after_requests(requester, places, 2)

    offer = post(poster_client, stroller_body(places.kids_zone))

    alerts = alerts_for(requester)
    assert sorted(alert.payload["your_listing_id"] for alert in alerts) == [first.id, second.id]
    assert {alert.payload["listing_id"] for alert in alerts} == {offer["id"]}


@pytest.fixture
def search_index_after_requests(build_index: Any) -> Any:
    def build(owner: Any, places: Square, how_many: int) -> list[Any]:
        requests = [open_request(owner, places.kids_zone) for _ in range(how_many)]
        build_index()
        return requests

    return build


def test_matches_below_the_threshold_are_not_alerted(
    app_config: dict[str, Any],
    poster_client: Any,
    places: Square,
    requester: Any,
    stroller_request: Any,
    search_index: Any,
) -> None:
    app_config["MATCHING_ALERT_THRESHOLD"] = 0.99

    post(poster_client, stroller_body(places.kids_zone))

    assert alerts_for(requester) == []
    assert db.session.scalar(select(MatchAlert.id)) is None


def test_a_listing_sharing_a_word_but_not_the_thing_is_not_alerted(
    poster_client: Any, places: Square, requester: Any, stroller_request: Any, search_index: Any
) -> None:
    """Same zone, same category, on time: a cot guard is still no answer to a stroller."""

    post(
        poster_client,
        stroller_body(places.kids_zone, title="婴儿床护栏", tags=["婴儿床", "护栏"]),
    )

    assert alerts_for(requester) == []


def test_residents_who_turned_alerts_off_are_not_alerted(
    client_as: Any,
    poster_client: Any,
    places: Square,
    requester: Any,
    stroller_request: Any,
    search_index: Any,
) -> None:
    turned_off = client_as(requester).patch(f"{API}/auth/me", json={"match_alerts": False})
    assert turned_off.status_code == 200
    assert turned_off.get_json()["match_alerts"] is False

    post(poster_client, stroller_body(places.kids_zone))

    assert alerts_for(requester) == []


def test_alerts_stop_at_the_daily_cap_and_resume_a_day_later(
    app_config: dict[str, Any],
    poster_client: Any,
    places: Square,
    requester: Any,
    search_index_after_requests: Any,
) -> None:
    app_config["MATCHING_ALERTS_PER_DAY"] = 2
    search_index_after_requests(requester, places, 3)

    post(poster_client, stroller_body(places.kids_zone))
    post(poster_client, stroller_body(places.market_zone, title="二手婴儿推车"))
    assert len(alerts_for(requester)) == 2

    clock.advance(timedelta(days=1, minutes=1))
    post(poster_client, stroller_body(places.grid, title="婴儿推车 可折叠"))

    assert len(alerts_for(requester)) == 4


def test_the_default_daily_cap_is_five(
    poster_client: Any, places: Square, requester: Any, search_index_after_requests: Any
) -> None:
    search_index_after_requests(requester, places, 7)

    post(poster_client, stroller_body(places.kids_zone))

    assert len(alerts_for(requester)) == 5


def test_a_listing_waiting_for_review_alerts_only_once_approved(
    client_as: Any,
    places: Square,
    requester: Any,
    coordinator: Any,
    stroller_request: Any,
    search_index: Any,
) -> None:
    newcomer = client_as(UserFactory())

    offer = post(newcomer, stroller_body(places.kids_zone))
    assert offer["moderation"] == "pending"
    assert alerts_for(requester) == []

    approved = client_as(coordinator).post(
        f"{API}/listings/{offer['id']}/moderate", json={"action": "approve", "reason": "可以"}
    )

    assert approved.status_code == 200, approved.get_data(as_text=True)
    (alert,) = alerts_for(requester)
    assert alert.payload["listing_id"] == offer["id"]


def test_nobody_is_alerted_about_their_own_listing(
    places: Square, poster: Any, poster_client: Any, build_index: Any
) -> None:
    open_request(poster, places.kids_zone)
    build_index()

    post(poster_client, stroller_body(places.kids_zone))

    assert alerts_for(poster) == []


def test_owners_of_closed_requests_are_not_alerted(
    poster_client: Any, places: Square, requester: Any, build_index: Any
) -> None:
    open_request(requester, places.kids_zone, status="closed")
    build_index()

    post(poster_client, stroller_body(places.kids_zone))

    assert alerts_for(requester) == []
