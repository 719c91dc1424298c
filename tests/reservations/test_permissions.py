"""Who may do what to a reservation: every endpoint against every kind of caller.

The listing belongs to a merchant posting for their organisation, so that a colleague of the same
organisation acts for the owner. Callers who may not see a reservation get 404 as if it did not
exist; callers who see it but may not make the transition get 403; a coordinator cancels (with a
reason) but never hands over or confirms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.factories import CoordinatorFactory, MerchantFactory, UserFactory
from tests.listing_factories import ItemOfferFactory, LendOfferFactory
from tests.reservation_factories import ReservationFactory, organisation_listing
from tests.reservations.helpers import act, reservation_of

ACTORS = ("anonymous", "claimant", "owner", "org_member", "other_resident", "coordinator")


def expect(*statuses: int) -> dict[str, int]:
    return dict(zip(ACTORS, statuses, strict=True))


# endpoint: (reservation status, listing factory, request, expected status per actor)
MATRIX: dict[str, tuple[str, Any, Callable[[Any, Any], Any], dict[str, int]]] = {
    "read": (
        "pending",
        ItemOfferFactory,
        lambda client, r: client.get(f"/api/v1/reservations/{r.id}"),
        expect(401, 200, 200, 200, 404, 200),
    ),
    "confirm": (
        "pending",
        ItemOfferFactory,
        lambda client, r: act(client, r, "confirm"),
        expect(401, 403, 200, 200, 404, 403),
    ),
    "decline": (
        "pending",
        ItemOfferFactory,
        lambda client, r: act(client, r, "decline", reason="不送了"),
        expect(401, 403, 200, 200, 404, 403),
    ),
    "cancel_with_reason": (
        "confirmed",
        ItemOfferFactory,
        lambda client, r: act(client, r, "cancel", reason="临时有事"),
        expect(401, 200, 200, 200, 404, 200),
    ),
    "cancel_without_reason": (
        "pending",
        ItemOfferFactory,
        lambda client, r: act(client, r, "cancel"),
        expect(401, 200, 409, 409, 404, 409),
    ),
    "pickup": (
        "confirmed",
        ItemOfferFactory,
        lambda client, r: act(client, r, "pickup", code=r.pickup_code),
        expect(401, 403, 200, 200, 404, 403),
    ),
    "no-show": (
        "confirmed",
        ItemOfferFactory,
        lambda client, r: act(client, r, "no-show"),
        expect(401, 403, 200, 200, 404, 403),
    ),
    "return": (
        "picked_up",
        LendOfferFactory,
        lambda client, r: act(client, r, "return"),
        expect(401, 403, 200, 200, 404, 403),
    ),
    "complete": (
        "picked_up",
        ItemOfferFactory,
        lambda client, r: act(client, r, "complete"),
        expect(401, 200, 200, 200, 404, 403),
    ),
}

CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "reason_required"}


@pytest.fixture
def parties(merchant: Any, claimant: Any) -> dict[str, Any]:
    """The user behind each kind of caller (nobody behind the anonymous one)."""
    return {
        "anonymous": None,
        "claimant": claimant,
        "owner": merchant,
        "org_member": MerchantFactory(organisation=merchant.organisation),
        "other_resident": UserFactory(),
        "coordinator": CoordinatorFactory(),
    }


@pytest.fixture
def clients(app: Flask, client_as: Callable[[Any], Any], parties: dict[str, Any]) -> Any:
    return {
        actor: app.test_client() if user is None else client_as(user)
        for actor, user in parties.items()
    }


@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_permission_matrix(
    endpoint: str, clients: Any, parties: dict[str, Any], merchant: Any, claimant: Any
) -> None:
    status, listing_factory, send, expected = MATRIX[endpoint]
    reservations = {
        actor: ReservationFactory(
            listing=organisation_listing(listing_factory, owner=merchant),
            claimant=claimant,
            status=status,
        )
        for actor in ACTORS
    }

    responses = {actor: send(clients[actor], reservations[actor]) for actor in ACTORS}

    assert {actor: response.status_code for actor, response in responses.items()} == expected
    for actor, response in responses.items():
        stored = reservation_of(reservations[actor].id)
        if response.status_code == 200:
            assert response.json["id"] == stored.id
            if endpoint != "read":
                assert stored.status != status
                assert stored.events[-1].actor_id == parties[actor].id
        else:
            assert response.json["error"]["code"] == CODES[response.status_code]
            assert stored.status == status
            assert len(stored.events) == 1


def test_pickup_code_is_shown_to_the_claimant_only(
    clients: Any, merchant: Any, claimant: Any
) -> None:
    reservation = ReservationFactory(
        listing=organisation_listing(ItemOfferFactory, owner=merchant), claimant=claimant
    )

    codes = {
        actor: clients[actor].get(f"/api/v1/reservations/{reservation.id}").json["pickup_code"]
        for actor in ("claimant", "owner", "org_member", "coordinator")
    }

    assert codes == {
        "claimant": reservation.pickup_code,
        "owner": None,
        "org_member": None,
        "coordinator": None,
    }


def test_the_reservation_list_shows_each_caller_their_own(
    clients: Any, merchant: Any, claimant: Any
) -> None:
    reservation = ReservationFactory(
        listing=organisation_listing(ItemOfferFactory, owner=merchant), claimant=claimant
    )

    listed = {
        actor: [item["id"] for item in clients[actor].get("/api/v1/reservations").json["items"]]
        for actor in ("claimant", "owner", "org_member", "other_resident", "coordinator")
    }

    assert listed == {
        "claimant": [reservation.id],
        "owner": [reservation.id],
        "org_member": [reservation.id],
        "other_resident": [],
        "coordinator": [],  # coordinators read a reservation by id; the list is the caller's own
    }
    assert clients["anonymous"].get("/api/v1/reservations").status_code == 401
