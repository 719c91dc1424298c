"""Who may call each listing endpoint: the exact status for every caller.

The listing belongs to a merchant posting for their organisation; a second merchant of that
organisation manages it too. What a caller may not see is 404; what they see but may not change
is 403. A suspended user's session no longer authenticates, so they are anonymous: 401 where a
login is needed, and only public listings otherwise.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.listing_factories import ItemOfferFactory
from tests.listings import bodies
from tests.listings.actors import ACTORS
from tests.listings.responses import assert_error
from tests.listings.state import listing_count, stored

ERROR_CODES = {401: "unauthorized", 404: "not_found"}

# endpoint: (method, path, body) with {public} / {pending} standing for the listings' ids.
ENDPOINTS: dict[str, tuple[str, str, Any]] = {
    "browse": ("GET", "/api/v1/listings", None),
    "browse_own": ("GET", "/api/v1/listings?owner=me", None),
    "post_item": ("POST", "/api/v1/listings", bodies.item_offer),
    "post_donation": ("POST", "/api/v1/listings", bodies.donation_offer),
    "read_public": ("GET", "/api/v1/listings/{public}", None),
    "read_pending": ("GET", "/api/v1/listings/{pending}", None),
    "edit_public": ("PATCH", "/api/v1/listings/{public}", {"version": 1, "quantity": 4}),
    "edit_pending": ("PATCH", "/api/v1/listings/{pending}", {"version": 1, "quantity": 4}),
    "withdraw_public": ("POST", "/api/v1/listings/{public}/withdraw", None),
    "withdraw_pending": ("POST", "/api/v1/listings/{pending}/withdraw", None),
    "renew_public": ("POST", "/api/v1/listings/{public}/renew", {}),
    "renew_pending": ("POST", "/api/v1/listings/{pending}/renew", {}),
}

# Columns follow ACTORS: anonymous, owner, other resident, merchant of the same organisation,
# merchant of another organisation, coordinator, suspended user.
EXPECTED: dict[str, tuple[int, ...]] = {
    "browse": (200, 200, 200, 200, 200, 200, 200),
    "browse_own": (401, 200, 200, 200, 200, 200, 401),
    "post_item": (401, 201, 201, 201, 201, 201, 401),
    "post_donation": (401, 201, 403, 201, 201, 403, 401),
    "read_public": (200, 200, 200, 200, 200, 200, 200),
    "read_pending": (404, 200, 404, 200, 404, 200, 404),
    "edit_public": (401, 200, 403, 200, 403, 403, 401),
    "edit_pending": (401, 200, 404, 200, 404, 403, 401),
    "withdraw_public": (401, 200, 403, 200, 403, 403, 401),
    "withdraw_pending": (401, 200, 404, 200, 404, 403, 401),
    "renew_public": (401, 200, 403, 200, 403, 403, 401),
    "renew_pending": (401, 200, 404, 200, 404, 403, 401),
}
FORBIDDEN_CODES = {"post_donation": "organisation_required"}

CELLS = [
    pytest.param(endpoint, actor, status, id=f"{endpoint}-{actor}")
    for endpoint, statuses in EXPECTED.items()
    for actor, status in zip(ACTORS, statuses, strict=True)
]


def _request(client: Any, endpoint: str, listings: dict[str, Any], place_id: int) -> Any:
    method, path, body = ENDPOINTS[endpoint]
    url = path.format(**{name: listing.id for name, listing in listings.items()})
    json = body(place_id) if callable(body) else body
    return client.open(url, method=method, json=json)


def _fingerprint(listing: Any) -> tuple[Any, ...]:
    saved = stored(listing.id)
    return (saved.version, saved.status, saved.quantity, saved.expires_at)


def _assert_effect(
    endpoint: str, actor: str, response: Any, listings: dict[str, Any], before: dict[str, Any]
) -> None:
    """What a successful call did, endpoint by endpoint."""
    target_name = "pending" if endpoint.endswith("_pending") else "public"
    target = listings[target_name]
    if endpoint == "browse":
        assert [item["id"] for item in response.json["items"]] == [listings["public"].id]
    elif endpoint == "browse_own":
        manages = actor in ("owner", "same_org_merchant")
        expected = {listing.id for listing in listings.values()} if manages else set()
        assert {item["id"] for item in response.json["items"]} == expected
    elif endpoint.startswith("post_"):
        assert stored(response.json["id"]).kind == endpoint.removeprefix("post_")
    elif endpoint.startswith("read_"):
        assert response.json["id"] == target.id
    elif endpoint.startswith("edit_"):
        assert (stored(target.id).quantity, stored(target.id).version) == (4, 2)
    elif endpoint.startswith("withdraw_"):
        assert stored(target.id).status == "withdrawn"
    elif endpoint.startswith("renew_"):
        assert stored(target.id).expires_at > before[target_name][3]


@pytest.mark.parametrize(("endpoint", "actor", "expected"), CELLS)
def test_listing_endpoint_answers_each_caller(
    client_of, merchant_owner, community, endpoint, actor, expected
):
    listings = {
        "public": ItemOfferFactory(
            owner=merchant_owner,
            organisation=merchant_owner.organisation,
            place=community,
            quantity=2,
        ),
        "pending": ItemOfferFactory(
            owner=merchant_owner,
            organisation=merchant_owner.organisation,
            place=community,
            quantity=2,
            moderation="pending",
        ),
    }
    before = {name: _fingerprint(listing) for name, listing in listings.items()}
    count_before = listing_count()
    client = client_of(actor)

    response = _request(client, endpoint, listings, community.id)

    if expected >= 400:
        code = (
            FORBIDDEN_CODES.get(endpoint, "forbidden") if expected == 403 else ERROR_CODES[expected]
        )
        assert_error(response, expected, code)
        assert {name: _fingerprint(listing) for name, listing in listings.items()} == before
        assert listing_count() == count_before
    else:
        assert response.status_code == expected, response.get_json()
        _assert_effect(endpoint, actor, response, listings, before)
