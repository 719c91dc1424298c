"""Whether a new or edited listing is published at once depends on MODERATION_MODE and on who
posts it: pre (everyone waits), post (published at once), trusted (pre-moderation until a user
has three completed exchanges or speaks for a verified organisation)."""

from __future__ import annotations

import pytest

from tests.factories import (
    CoordinatorFactory,
    MerchantFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.listing_factories import ItemOfferFactory
from tests.listings import bodies
from tests.listings.state import stored


@pytest.fixture
def moderation_mode(app, monkeypatch):
    def set_mode(mode: str) -> None:
        monkeypatch.setitem(app.config, "MODERATION_MODE", mode)

    return set_mode


def _author(kind: str):
    return {
        "new_resident": lambda: UserFactory(completed_exchanges=0),
        "resident_with_2_exchanges": lambda: UserFactory(completed_exchanges=2),
        "resident_with_3_exchanges": lambda: UserFactory(completed_exchanges=3),
        "merchant_of_unverified_organisation": lambda: MerchantFactory(),
        "merchant_of_verified_organisation": lambda: MerchantFactory(
            organisation=OrganisationFactory(verified=True)
        ),
        "coordinator": CoordinatorFactory,
    }[kind]()


@pytest.mark.parametrize(
    ("mode", "author", "moderation"),
    [
        ("pre", "new_resident", "pending"),
        ("pre", "resident_with_3_exchanges", "pending"),
        ("pre", "merchant_of_verified_organisation", "pending"),
        ("pre", "coordinator", "approved"),
        ("post", "new_resident", "approved"),
        ("post", "merchant_of_unverified_organisation", "approved"),
        ("trusted", "new_resident", "pending"),
        ("trusted", "resident_with_2_exchanges", "pending"),
        ("trusted", "resident_with_3_exchanges", "approved"),
        ("trusted", "merchant_of_unverified_organisation", "pending"),
        ("trusted", "merchant_of_verified_organisation", "approved"),
        ("trusted", "coordinator", "approved"),
    ],
)
def test_new_listing_is_published_or_queued_by_mode_and_author(
    client_as, community, moderation_mode, mode, author, moderation
):
    moderation_mode(mode)

    response = client_as(_author(author)).post(
        "/api/v1/listings", json=bodies.item_offer(community.id)
    )

    assert response.status_code == 201
    listing = stored(response.json["id"])
    assert listing.moderation == moderation
    expected_reason = "" if moderation == "approved" else "waiting for a coordinator"
    assert listing.moderation_reason == expected_reason


def test_trusted_mode_is_the_default(app):
    assert app.config["MODERATION_MODE"] == "trusted"


def test_queued_listing_is_not_public_until_approved(client, client_as, community):
    response = client_as(UserFactory()).post(
        "/api/v1/listings", json=bodies.item_offer(community.id)
    )

    assert response.json["is_public"] is False
    assert client.get(f"/api/v1/listings/{response.json['id']}").status_code == 404


def test_text_edit_sends_an_approved_listing_back_to_review_in_pre_mode(client_as, moderation_mode):
    moderation_mode("pre")
    listing = ItemOfferFactory()

    response = client_as(listing.owner).patch(
        f"/api/v1/listings/{listing.id}", json={"version": 1, "title": "改过的标题"}
    )

    assert response.status_code == 200
    saved = stored(listing.id)
    assert (saved.moderation, saved.moderation_reason) == (
        "pending",
        "edited; waiting for a coordinator",
    )


def test_edit_without_text_changes_keeps_the_approval_in_pre_mode(client_as, moderation_mode):
    moderation_mode("pre")
    listing = ItemOfferFactory(quantity=3)

    client_as(listing.owner).patch(
        f"/api/v1/listings/{listing.id}", json={"version": 1, "quantity": 2}
    )

    assert stored(listing.id).moderation == "approved"


def test_trusted_authors_text_edit_stays_published(client_as, poster):
    listing = ItemOfferFactory(owner=poster)

    client_as(poster).patch(
        f"/api/v1/listings/{listing.id}", json={"version": 1, "title": "新标题"}
    )

    assert stored(listing.id).moderation == "approved"


@pytest.mark.parametrize("mode", ["post", "trusted"])
def test_hidden_listing_stays_hidden_when_its_owner_edits_it(
    client_as, poster, moderation_mode, mode
):
    moderation_mode(mode)
    listing = ItemOfferFactory(owner=poster, moderation="hidden", moderation_reason="举报过多")

    client_as(poster).patch(
        f"/api/v1/listings/{listing.id}", json={"version": 1, "title": "新标题"}
    )

    saved = stored(listing.id)
    assert (saved.moderation, saved.moderation_reason) == ("hidden", "举报过多")


@pytest.mark.parametrize("mode", ["pre", "post", "trusted"])
def test_rejected_listing_goes_back_to_review_when_its_owner_edits_it(
    client, client_as, moderation_mode, mode
):
    moderation_mode(mode)
    listing = ItemOfferFactory(
        owner=UserFactory(completed_exchanges=5),
        moderation="rejected",
        moderation_reason="照片不清楚",
    )

    response = client_as(listing.owner).patch(
        f"/api/v1/listings/{listing.id}", json={"version": 1, "title": "换了清楚的照片"}
    )

    assert response.status_code == 200, response.json
    assert stored(listing.id).moderation == "pending"
    assert client.get(f"/api/v1/listings/{listing.id}").status_code == 404
