"""Owners withdraw listings for good and renew them for another spell."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.listing_factories import ItemOfferFactory
from tests.listings.fixtures import NOW
from tests.listings.responses import assert_error, assert_field_errors
from tests.listings.state import stored


@pytest.mark.parametrize("status", ["open", "fully_reserved", "expired"])
def test_owner_withdraws_a_listing(client_as, poster, status):
    listing = ItemOfferFactory(owner=poster, status=status)

    response = client_as(poster).post(f"/api/v1/listings/{listing.id}/withdraw")

    assert response.status_code == 200
    assert response.json["status"] == "withdrawn"
    assert stored(listing.id).status == "withdrawn"
    assert stored(listing.id).updated_at == NOW


def test_withdrawn_listing_is_gone_for_everyone_else(client, client_as, poster):
    listing = ItemOfferFactory(owner=poster)
    client_as(poster).post(f"/api/v1/listings/{listing.id}/withdraw")

    assert_error(client.get(f"/api/v1/listings/{listing.id}"), 404, "not_found")
    assert client.get("/api/v1/listings").json["items"] == []


@pytest.mark.parametrize("status", ["withdrawn", "closed"])
def test_withdrawn_or_closed_listing_cannot_be_withdrawn(client_as, poster, status):
    listing = ItemOfferFactory(owner=poster, status=status)

    response = client_as(poster).post(f"/api/v1/listings/{listing.id}/withdraw")

    assert_error(response, 409, "invalid_transition")
    assert stored(listing.id).status == status


def test_renewal_adds_thirty_days_to_the_current_end(client_as, poster):
    listing = ItemOfferFactory(owner=poster, expires_at=NOW + timedelta(days=5))

    response = client_as(poster).post(f"/api/v1/listings/{listing.id}/renew", json={})

    assert response.status_code == 200
    assert stored(listing.id).expires_at == NOW + timedelta(days=35)


def test_renewal_may_ask_for_a_number_of_days(client_as, poster):
    listing = ItemOfferFactory(owner=poster, expires_at=NOW + timedelta(days=5))

    response = client_as(poster).post(f"/api/v1/listings/{listing.id}/renew", json={"days": 10})

    assert response.status_code == 200
    assert stored(listing.id).expires_at == NOW + timedelta(days=15)


@pytest.mark.parametrize("days", [0, 91, -3, 1.5, "30"])
def test_renewal_days_must_be_one_to_ninety(client_as, poster, days):
    listing = ItemOfferFactory(owner=poster, expires_at=NOW + timedelta(days=5))

    response = client_as(poster).post(f"/api/v1/listings/{listing.id}/renew", json={"days": days})

    assert_field_errors(response, "days")
    assert stored(listing.id).expires_at == NOW + timedelta(days=5)


def test_renewing_an_expired_listing_opens_it_again_from_now(client_as, poster):
    listing = ItemOfferFactory(owner=poster, status="expired", expires_at=NOW - timedelta(days=2))

    response = client_as(poster).post(f"/api/v1/listings/{listing.id}/renew", json={})

    assert response.status_code == 200
    saved = stored(listing.id)
    assert (saved.status, saved.expires_at) == ("open", NOW + timedelta(days=30))
    assert saved.is_public


def test_renewal_clears_the_expiry_reminder(client_as, poster):
    listing = ItemOfferFactory(
        owner=poster, expires_at=NOW + timedelta(days=2), expiry_reminded_at=NOW
    )

    client_as(poster).post(f"/api/v1/listings/{listing.id}/renew", json={})

    assert stored(listing.id).expiry_reminded_at is None


@pytest.mark.parametrize("status", ["withdrawn", "closed"])
def test_withdrawn_or_closed_listing_cannot_be_renewed(client_as, poster, status):
    listing = ItemOfferFactory(owner=poster, status=status)
    before = listing.expires_at

    response = client_as(poster).post(f"/api/v1/listings/{listing.id}/renew", json={})

    assert_error(response, 409, "invalid_transition")
    assert stored(listing.id).expires_at == before
