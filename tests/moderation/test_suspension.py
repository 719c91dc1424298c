"""Suspending a user hides their public listings and ends their sessions and tokens; reinstating
them brings back exactly the listings the suspension hid."""

from __future__ import annotations

import pytest

from tests.factories import CoordinatorFactory, UserFactory
from tests.listing_factories import ItemOfferFactory
from tests.listings import bodies
from tests.listings.actors import suspend, token_for
from tests.listings.responses import assert_error
from tests.listings.state import audit_entries, listing_count, stored


@pytest.fixture
def coordinator():
    return CoordinatorFactory()


@pytest.fixture
def staff(client_as, coordinator):
    return client_as(coordinator)


def test_suspension_hides_the_users_public_listings(staff, coordinator, client):
    owner = UserFactory()
    public = ItemOfferFactory(owner=owner)
    pending = ItemOfferFactory(owner=owner, moderation="pending")
    someone_elses = ItemOfferFactory()

    response = staff.post(f"/api/v1/users/{owner.id}/suspend", json={"reason": "多次违规"})

    assert response.status_code == 200
    saved = stored(public.id)
    assert (saved.moderation, saved.moderation_reason, saved.hidden_with_owner) == (
        "hidden",
        "owner suspended",
        True,
    )
    assert stored(pending.id).moderation == "pending"
    assert stored(someone_elses.id).moderation == "approved"
    assert_error(client.get(f"/api/v1/listings/{public.id}"), 404, "not_found")
    [entry] = audit_entries("user", owner.id)
    assert (entry.actor_id, entry.action, entry.reason) == (
        coordinator.id,
        "suspend_user",
        "多次违规",
    )
    assert entry.details == {"hidden_listings": [public.id]}


def test_reinstatement_brings_back_what_the_suspension_hid(staff, coordinator, client):
    owner = UserFactory()
    public = ItemOfferFactory(owner=owner)
    hidden_before = ItemOfferFactory(owner=owner, moderation="hidden", moderation_reason="举报")
    staff.post(f"/api/v1/users/{owner.id}/suspend", json={"reason": "多次违规"})

    response = staff.post(f"/api/v1/users/{owner.id}/reinstate", json={"reason": "已整改"})

    assert response.status_code == 200
    saved = stored(public.id)
    assert (saved.moderation, saved.moderation_reason, saved.hidden_with_owner) == (
        "approved",
        "",
        False,
    )
    assert client.get(f"/api/v1/listings/{public.id}").status_code == 200
    kept_hidden = stored(hidden_before.id)
    assert (kept_hidden.moderation, kept_hidden.moderation_reason) == ("hidden", "举报")
    entries = audit_entries("user", owner.id)
    assert [(entry.action, entry.reason) for entry in entries] == [
        ("suspend_user", "多次违规"),
        ("reinstate_user", "已整改"),
    ]
    assert entries[1].details == {"restored_listings": [public.id]}


def test_listing_a_coordinator_dealt_with_during_the_suspension_stays_as_they_left_it(
    staff,
):
    owner = UserFactory()
    listing = ItemOfferFactory(owner=owner)
    staff.post(f"/api/v1/users/{owner.id}/suspend", json={"reason": "多次违规"})
    staff.post(
        f"/api/v1/listings/{listing.id}/moderate", json={"action": "reject", "reason": "违禁品"}
    )

    staff.post(f"/api/v1/users/{owner.id}/reinstate", json={"reason": "已整改"})

    assert stored(listing.id).moderation == "rejected"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/auth/me", None),
        ("GET", "/api/v1/listings?owner=me", None),
        ("POST", "/api/v1/listings", "item_offer"),
        ("PATCH", "/api/v1/listings/{listing}", {"version": 1, "title": "改个标题"}),
        ("POST", "/api/v1/listings/{listing}/withdraw", None),
        ("POST", "/api/v1/reports", {"user_id": 1, "reason": "spam"}),
        ("GET", "/api/v1/notifications", None),
    ],
    ids=["me", "own_listings", "post", "edit", "withdraw", "report", "inbox"],
)
@pytest.mark.parametrize("credential", ["session", "token"])
def test_suspended_users_session_and_token_no_longer_authenticate(
    app, client_as, community, credential, method, path, body
):
    owner = UserFactory()
    listing = ItemOfferFactory(owner=owner, place=community)
    if credential == "session":
        caller = client_as(owner)
    else:
        caller = app.test_client()
        caller.bearer = token_for(owner)
        assert caller.get("/api/v1/auth/me").status_code == 200
    suspend(owner)
    json = bodies.item_offer(community.id) if body == "item_offer" else body

    response = caller.open(path.format(listing=listing.id), method=method, json=json)

    assert_error(response, 401, "unauthorized")
    saved = stored(listing.id)
    assert (saved.version, saved.status, saved.title) == (1, "open", listing.title)
    assert listing_count() == 1


def test_suspended_user_cannot_log_in_again(client, resident):
    suspend(resident)

    response = client.login(resident.email)

    assert_error(response, 403, "account_suspended")


def test_suspending_twice_is_a_conflict_and_hides_nothing_more(staff, coordinator):
    owner = UserFactory()
    staff.post(f"/api/v1/users/{owner.id}/suspend", json={"reason": "多次违规"})

    response = staff.post(f"/api/v1/users/{owner.id}/suspend", json={"reason": "再次"})

    assert_error(response, 409, "already_suspended")
    assert [entry.action for entry in audit_entries("user", owner.id)] == ["suspend_user"]
