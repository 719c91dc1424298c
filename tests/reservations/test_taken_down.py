"""A listing moderation takes down (hidden or rejected by a coordinator, hidden by reports or with
its suspended owner): claims not handed over yet are cancelled and their claimants told why, so
nobody goes to fetch it or is marked a no-show for not coming. A lent item that is out stays on
loan. The owner's own edit sending a listing back to review is no take-down. A suspended
claimant's own claims not collected yet end too, and what they held goes to the waitlist."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.moderation.services import (
    HIDDEN_AFTER_REPORTS,
    OWNER_SUSPENDED,
    TAKEN_DOWN_BY_COORDINATOR,
)
from marketplace.reservations.services import CLAIMANT_SUSPENDED_REASON
from tests.factories import UserFactory
from tests.listing_factories import ItemOfferFactory, LendOfferFactory
from tests.reservation_factories import LoanReservationFactory, ReservationFactory
from tests.reservations.helpers import (
    claim,
    notices,
    reservation_of,
    stored_listing,
)


def moderate(client: Any, listing: Any, action: str) -> Any:
    return client.post(
        f"/api/v1/listings/{listing.id}/moderate", json={"action": action, "reason": "高仿名牌"}
    )


def open_claims_on(item: Any) -> dict[str, Any]:
    """A handed-over claim and one confirmed, one pending and one waitlisted claim."""
    return {
        "handed_over": ReservationFactory(listing=item, status="picked_up"),
        "confirmed": ReservationFactory(listing=item, status="confirmed"),
        "pending": ReservationFactory(listing=item),
        "waiting": ReservationFactory(listing=item, status="waitlisted"),
    }


def assert_cancelled_and_told(claims: dict[str, Any], reason: str, actor_id: int | None) -> None:
    for name in ("confirmed", "pending", "waiting"):
        stored = reservation_of(claims[name].id)
        assert (stored.status, stored.close_reason) == ("cancelled", reason), name
        assert stored.events[-1].actor_id == actor_id
        [notice] = notices(claims[name].claimant)
        assert (notice.kind, notice.payload["reason"]) == ("reservation_cancelled", reason)
    assert reservation_of(claims["handed_over"].id).status == "picked_up"
    assert notices(claims["handed_over"].claimant) == []


@pytest.mark.parametrize("action", ["hide", "reject"])
def test_a_coordinator_taking_a_listing_down_cancels_its_open_claims(
    client_as: Any, coordinator: Any, owner: Any, action: str
) -> None:
    item = ItemOfferFactory(owner=owner, quantity=3)
    claims = open_claims_on(item)

    response = moderate(client_as(coordinator), item, action)

    assert response.status_code == 200, response.json
    assert_cancelled_and_told(claims, TAKEN_DOWN_BY_COORDINATOR, coordinator.id)
    listing = stored_listing(item)
    # Only the handed-over unit is still counted, and nobody moved up from the waitlist.
    assert (listing.units_reserved, listing.status) == (1, "open")


def test_reports_hiding_a_listing_cancel_its_open_claims_as_the_platform(
    client_as: Any, owner: Any
) -> None:
    item = ItemOfferFactory(owner=owner, quantity=3)
    claims = open_claims_on(item)

    for _ in range(3):
        reported = client_as(UserFactory()).post(
            "/api/v1/reports", json={"listing_id": item.id, "reason": "fraud"}
        )
        assert reported.status_code == 201, reported.json

    assert stored_listing(item).moderation == "hidden"
    assert_cancelled_and_told(claims, HIDDEN_AFTER_REPORTS, None)


def test_suspending_the_owner_cancels_the_open_claims_of_their_listings(
    client_as: Any, coordinator: Any, owner: Any
) -> None:
    item = ItemOfferFactory(owner=owner, quantity=3)
    claims = open_claims_on(item)

    response = client_as(coordinator).post(
        f"/api/v1/users/{owner.id}/suspend", json={"reason": "多次爽约"}
    )

    assert response.status_code == 200, response.json
    assert_cancelled_and_told(claims, OWNER_SUSPENDED, coordinator.id)


def test_a_lent_item_that_is_out_stays_on_loan_when_taken_down(
    client_as: Any, coordinator: Any, owner: Any
) -> None:
    lent = LendOfferFactory(owner=owner)
    out = LoanReservationFactory(listing=lent, status="picked_up")

    response = moderate(client_as(coordinator), lent, "hide")

    assert response.status_code == 200, response.json
    assert reservation_of(out.id).status == "picked_up"


def test_restoring_brings_no_claim_back_and_the_claimant_may_claim_again(
    client_as: Any, coordinator: Any, owner: Any
) -> None:
    item = ItemOfferFactory(owner=owner, quantity=1)
    taken = ReservationFactory(listing=item, status="confirmed")
    staff = client_as(coordinator)
    moderate(staff, item, "hide")

    restored = moderate(staff, item, "restore")
    again = claim(client_as(taken.claimant), item)

    assert restored.status_code == 200, restored.json
    assert reservation_of(taken.id).status == "cancelled"
    assert again.status_code == 201, again.json


def test_an_owner_edit_sent_back_to_review_keeps_the_claims(
    app: Any, monkeypatch: Any, client_as: Any, owner: Any
) -> None:
    monkeypatch.setitem(app.config, "MODERATION_MODE", "pre")
    item = ItemOfferFactory(owner=owner, quantity=3)
    kept = ReservationFactory(listing=item, status="confirmed")

    edited = client_as(owner).patch(
        f"/api/v1/listings/{item.id}", json={"version": item.version, "title": "九成新书包"}
    )

    assert edited.status_code == 200, edited.json
    assert edited.json["moderation"] == "pending"
    assert reservation_of(kept.id).status == "confirmed"


def test_suspending_a_claimant_ends_their_open_claims_and_moves_the_waitlist_up(
    client_as: Any, coordinator: Any, owner: Any
) -> None:
    item = ItemOfferFactory(owner=owner, quantity=1)
    suspended = UserFactory()
    held = ReservationFactory(listing=item, claimant=suspended, status="confirmed")
    waiting = ReservationFactory(listing=item, status="waitlisted")
    lent = LendOfferFactory(owner=owner)
    out = LoanReservationFactory(listing=lent, claimant=suspended, status="picked_up")

    response = client_as(coordinator).post(
        f"/api/v1/users/{suspended.id}/suspend", json={"reason": "囤积捐赠物资"}
    )

    assert response.status_code == 200, response.json
    cancelled = reservation_of(held.id)
    assert (cancelled.status, cancelled.close_reason) == ("cancelled", CLAIMANT_SUSPENDED_REASON)
    assert cancelled.events[-1].actor_id == coordinator.id
    assert reservation_of(waiting.id).status == "pending"
    assert reservation_of(out.id).status == "picked_up"
    told = [n for n in notices(owner) if n.kind == "reservation_cancelled"]
    assert [n.payload["reason"] for n in told] == [CLAIMANT_SUSPENDED_REASON]
    assert stored_listing(item).units_reserved == 1


def test_a_suspended_claimants_waiting_claim_is_not_moved_up_by_their_own_cancellation(
    client_as: Any, coordinator: Any, owner: Any
) -> None:
    item = ItemOfferFactory(owner=owner, quantity=1, per_person_limit=None)
    suspended = UserFactory()
    held = ReservationFactory(listing=item, claimant=suspended, status="confirmed")
    also_waiting = ReservationFactory(listing=item, claimant=suspended, status="waitlisted")
    other = ReservationFactory(listing=item, status="waitlisted")

    client_as(coordinator).post(f"/api/v1/users/{suspended.id}/suspend", json={"reason": "x"})

    assert reservation_of(held.id).status == "cancelled"
    waited = reservation_of(also_waiting.id)
    assert [event.action for event in waited.events] == ["claim", "cancel"]
    assert reservation_of(other.id).status == "pending"
