"""A claim made from a match names the request it fulfils; when the completed claims that
fulfil a request cover what it wanted, the request closes itself and the requester is told."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from marketplace import clock
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.notifications.models import Notification
from marketplace.reservations.models import Reservation
from tests.factories import MerchantFactory, UserFactory
from tests.listing_factories import (
    DonationOfferFactory,
    ItemOfferFactory,
    ItemRequestFactory,
    LendOfferFactory,
    SkillOfferFactory,
)
from tests.matching.conftest import Square
from tests.matching.judged import NOW

API = "/api/v1"


@pytest.fixture
def requester_client(client_as: Any, requester: Any) -> Any:
    return client_as(requester)


@pytest.fixture
def giver_client(client_as: Any, giver: Any) -> Any:
    return client_as(giver)


def claim(client: Any, offer: Any, **body: Any) -> dict[str, Any]:
    response = client.post(f"{API}/listings/{offer.id}/reservations", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def act(client: Any, reservation: dict[str, Any], action: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"{API}/reservations/{reservation['id']}/{action}", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def hand_over(owner: Any, claimed: dict[str, Any]) -> None:
    """The owner confirms (unless the claim confirmed itself) and hands over with the code."""
    if claimed["status"] == "pending":
        act(owner, claimed, "confirm")
    act(owner, claimed, "pickup", code=claimed["pickup_code"])


def stored(listing: Any) -> Listing:
    db.session.expire_all()
    found = db.session.get(Listing, listing.id)
    assert found is not None
    return found


def fulfilled_notices(user: Any) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == user.id, Notification.kind == "request_fulfilled"
            )
        )
    )


def stroller_request(requester: Any, places: Square, **fields: Any) -> Any:
    values = {
        "title": "求婴儿推车",
        "tags": ["婴儿车"],
        "place": places.kids_zone,
        "owner": requester,
        **fields,
    }
    return ItemRequestFactory(**values)


def test_a_completed_claim_closes_the_request_it_fulfils_and_tells_the_requester(
    client_as: Any,
    requester_client: Any,
    giver_client: Any,
    places: Square,
    requester: Any,
    giver: Any,
) -> None:
    request = stroller_request(requester, places)
    offer = ItemOfferFactory(title="婴儿推车", owner=giver, place=places.kids_zone)

    claimed = claim(requester_client, offer, request_id=request.id)
    assert claimed["request_id"] == request.id
    hand_over(giver_client, claimed)
    assert stored(request).status == "open"

    act(giver_client, claimed, "complete")

    closed = stored(request)
    assert (closed.status, closed.fulfilled_at) == ("closed", NOW)
    (notice,) = fulfilled_notices(requester)
    assert notice.payload == {"listing_id": request.id, "title": "求婴儿推车"}
    inbox = requester_client.get(f"{API}/notifications").get_json()["items"]
    shown = next(item for item in inbox if item["kind"] == "request_fulfilled")
    assert "求婴儿推车" in shown["message"]
    assert requester_client.get(f"{API}/listings/{request.id}").get_json()["status"] == "closed"


def test_a_closed_request_is_no_longer_matched(
    client_as: Any,
    requester_client: Any,
    giver_client: Any,
    places: Square,
    requester: Any,
    giver: Any,
    build_index: Any,
) -> None:
    request = stroller_request(requester, places)
    offer = ItemOfferFactory(title="婴儿推车", owner=giver, place=places.kids_zone)
    other = ItemOfferFactory(title="婴儿推车", place=places.market_zone)
    build_index()
    other_owner = client_as(other.owner)
    matches = f"{API}/listings/{other.id}/matches"
    before = [item["listing"]["id"] for item in other_owner.get(matches).get_json()["items"]]

    claimed = claim(requester_client, offer, request_id=request.id)
    hand_over(giver_client, claimed)
    act(giver_client, claimed, "complete")

    after = other_owner.get(matches)
    assert before == [request.id]
    assert after.status_code == 200
    assert after.get_json()["items"] == []


def test_claims_covering_part_of_the_wanted_quantity_keep_the_request_open(
    client_as: Any,
    requester_client: Any,
    giver_client: Any,
    places: Square,
    requester: Any,
    giver: Any,
) -> None:
    request = stroller_request(
        requester, places, title="求大米", tags=["大米"], category="food", quantity_wanted=3
    )
    merchant = MerchantFactory()
    rice = DonationOfferFactory(
        owner=merchant, organisation=merchant.organisation, place=places.kids_zone
    )
    stroller = ItemOfferFactory(owner=giver, place=places.kids_zone)

    first = claim(
        requester_client,
        rice,
        request_id=request.id,
        quantity=2,
        pickup_window_id=rice.pickup_windows[0].id,
    )
    assert first["status"] == "confirmed"  # donations confirm themselves
    clock.advance(timedelta(days=1, hours=1))  # the pick-up window is open
    hand_over(client_as(merchant), first)
    act(requester_client, first, "complete")

    assert stored(request).status == "open"
    assert stored(request).fulfilled_at is None
    assert fulfilled_notices(requester) == []

    second = claim(requester_client, stroller, request_id=request.id)
    hand_over(giver_client, second)
    act(requester_client, second, "complete")

    assert stored(request).status == "closed"
    assert len(fulfilled_notices(requester)) == 1


def test_claims_that_are_not_completed_do_not_count(
    requester_client: Any,
    giver_client: Any,
    places: Square,
    requester: Any,
    giver: Any,
) -> None:
    request = stroller_request(requester, places, quantity_wanted=2)
    first = ItemOfferFactory(owner=giver, place=places.kids_zone)
    second = ItemOfferFactory(owner=giver, place=places.kids_zone)
    done = claim(requester_client, first, request_id=request.id)
    hand_over(giver_client, done)
    act(giver_client, done, "complete")
    handed = claim(requester_client, second, request_id=request.id)
    hand_over(giver_client, handed)

    assert stored(request).status == "open"


def test_a_lent_item_closes_the_request_once_returned_and_completed(
    requester_client: Any,
    giver_client: Any,
    places: Square,
    requester: Any,
    giver: Any,
) -> None:
    request = stroller_request(requester, places, title="借电钻", tags=["电钻"], category="tools")
    drill = LendOfferFactory(owner=giver, place=places.kids_zone)
    tomorrow = date(2026, 12, 2)

    loan = claim(
        requester_client,
        drill,
        request_id=request.id,
        starts_on=tomorrow.isoformat(),
        ends_on=(tomorrow + timedelta(days=1)).isoformat(),
    )
    loan["status"] = act(giver_client, loan, "confirm")["status"]  # within the hold
    clock.advance(timedelta(days=1))  # the loan's first day
    hand_over(giver_client, loan)
    act(giver_client, loan, "return")
    assert stored(request).status == "open"

    act(giver_client, loan, "complete")

    assert stored(request).status == "closed"


def test_a_skill_session_closes_a_request_for_help(
    requester_client: Any,
    giver_client: Any,
    places: Square,
    requester: Any,
    giver: Any,
) -> None:
    request = stroller_request(
        requester, places, kind="skill", title="想找人理发", tags=["理发"], category="beauty"
    )
    haircut = SkillOfferFactory(owner=giver, place=places.grid)

    booked = claim(requester_client, haircut, request_id=request.id, slot_id=haircut.slots[0].id)
    booked["status"] = act(giver_client, booked, "confirm")["status"]  # within the hold
    clock.freeze(haircut.slots[0].starts_at)
    hand_over(giver_client, booked)
    act(requester_client, booked, "complete")

    assert stored(request).status == "closed"


def test_a_completed_claim_without_a_request_closes_nothing(
    requester_client: Any,
    giver_client: Any,
    places: Square,
    requester: Any,
    giver: Any,
) -> None:
    request = stroller_request(requester, places)
    offer = ItemOfferFactory(owner=giver, place=places.kids_zone)

    claimed = claim(requester_client, offer)
    assert claimed["request_id"] is None
    hand_over(giver_client, claimed)
    act(giver_client, claimed, "complete")

    assert stored(request).status == "open"
    assert fulfilled_notices(requester) == []


def test_a_request_withdrawn_meanwhile_stays_withdrawn(
    requester_client: Any,
    giver_client: Any,
    places: Square,
    requester: Any,
    giver: Any,
) -> None:
    request = stroller_request(requester, places)
    offer = ItemOfferFactory(owner=giver, place=places.kids_zone)
    claimed = claim(requester_client, offer, request_id=request.id)
    hand_over(giver_client, claimed)
    withdrawn = requester_client.post(f"{API}/listings/{request.id}/withdraw")
    assert withdrawn.status_code == 200

    act(giver_client, claimed, "complete")

    assert stored(request).status == "withdrawn"
    assert stored(request).fulfilled_at is None
    assert fulfilled_notices(requester) == []


def test_a_claim_can_only_fulfil_the_claimants_own_open_request(
    requester_client: Any, places: Square, requester: Any, giver: Any
) -> None:
    offer = ItemOfferFactory(owner=giver, place=places.kids_zone, quantity=3)
    someone_elses = stroller_request(UserFactory(), places)
    closed = stroller_request(requester, places, status="closed")
    an_offer = ItemOfferFactory(owner=requester, place=places.kids_zone)

    for request_id in (someone_elses.id, closed.id, an_offer.id, 999999):
        response = requester_client.post(
            f"{API}/listings/{offer.id}/reservations", json={"request_id": request_id}
        )
        assert response.status_code == 422, request_id
        assert "request_id" in response.get_json()["error"]["details"]["fields"]
    assert db.session.scalar(select(Reservation.id)) is None
