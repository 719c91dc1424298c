"""An owner withdrawing a listing: claims not handed over yet are cancelled with a reason and
their claimants told; what is already out (a lent item) stays until it comes back."""

from __future__ import annotations

from typing import Any

from marketplace.reservations.services import WITHDRAWN_REASON
from tests.factories import UserFactory
from tests.listing_factories import ItemOfferFactory, LendOfferFactory
from tests.reservation_factories import LoanReservationFactory, ReservationFactory
from tests.reservations.helpers import notice_kinds, notices, reservation_of, stored_listing

API = "/api/v1/listings"


def withdraw(client: Any, listing: Any) -> Any:
    return client.post(f"{API}/{listing.id}/withdraw")


def test_withdrawing_cancels_open_claims_and_tells_their_claimants(
    owner_client: Any, owner: Any
) -> None:
    item = ItemOfferFactory(owner=owner, quantity=3)
    confirmed_by, pending_by, waiting_by, done_by = (UserFactory() for _ in range(4))
    handed_over = ReservationFactory(listing=item, claimant=done_by, status="picked_up")
    confirmed = ReservationFactory(listing=item, claimant=confirmed_by, status="confirmed")
    pending = ReservationFactory(listing=item, claimant=pending_by)
    waiting = ReservationFactory(listing=item, claimant=waiting_by, status="waitlisted")
    assert stored_listing(item).status == "fully_reserved"

    response = withdraw(owner_client, item)

    assert response.status_code == 200, response.json
    assert response.json["status"] == "withdrawn"
    for reservation in (confirmed, pending, waiting):
        stored = reservation_of(reservation.id)
        assert (stored.status, stored.close_reason) == ("cancelled", WITHDRAWN_REASON)
        assert stored.events[-1].actor_id == owner.id
    assert reservation_of(handed_over.id).status == "picked_up"
    for claimant in (confirmed_by, pending_by, waiting_by):
        [notice] = notices(claimant)
        assert (notice.kind, notice.payload["reason"]) == (
            "reservation_cancelled",
            WITHDRAWN_REASON,
        )
    assert notice_kinds(done_by) == []
    listing = stored_listing(item)
    # Only the handed-over unit is still counted, and nobody moved up from the waitlist.
    assert (listing.status, listing.units_reserved) == ("withdrawn", 1)


def test_a_lent_item_that_is_out_stays_on_loan_when_withdrawn(
    owner_client: Any, owner: Any
) -> None:
    lent = LendOfferFactory(owner=owner)
    out = LoanReservationFactory(listing=lent, status="picked_up")

    response = withdraw(owner_client, lent)

    assert response.status_code == 200, response.json
    assert reservation_of(out.id).status == "picked_up"
    assert notice_kinds(out.claimant) == []


def test_someone_else_cannot_withdraw_and_the_claims_stay(client_as: Any, owner: Any) -> None:
    item = ItemOfferFactory(owner=owner)
    claim = ReservationFactory(listing=item, status="confirmed")

    response = withdraw(client_as(UserFactory()), item)

    assert response.status_code == 403
    assert reservation_of(claim.id).status == "confirmed"
    assert stored_listing(item).status == "fully_reserved"
