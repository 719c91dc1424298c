"""`flask listings expire`: closes listings past their end, and offers that time no longer lets
anyone claim, and reminds owners three days before the end, once; running it again changes
nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace import clock
from marketplace.notifications.messages import render
from tests.listing_factories import (
    DonationOfferFactory,
    ItemOfferFactory,
    ListingSlotFactory,
    PickupWindowFactory,
    SkillOfferFactory,
)
from tests.listings.fixtures import NOW
from tests.listings.responses import assert_error
from tests.listings.state import notifications_of, stored


def _expire(cli):
    result = cli("listings", "expire")
    assert result.exit_code == 0, result.output
    return result.output


def test_listing_past_its_end_expires_and_its_owner_is_told(cli, client):
    listing = ItemOfferFactory(title="旧书包", expires_at=NOW - timedelta(minutes=1))
    running = ItemOfferFactory(expires_at=NOW + timedelta(days=10))

    output = _expire(cli)

    assert output == "listings: 1 expired, 0 owners reminded\n"
    assert stored(listing.id).status == "expired"
    assert stored(listing.id).updated_at == NOW
    assert stored(running.id).status == "open"
    assert [(n.kind, n.payload) for n in notifications_of(listing.owner)] == [
        ("listing_expired", {"listing_id": listing.id, "title": "旧书包"})
    ]
    assert client.get(f"/api/v1/listings/{listing.id}").status_code == 404


def test_listing_ending_exactly_now_expires(cli):
    listing = ItemOfferFactory(expires_at=NOW)

    _expire(cli)

    assert stored(listing.id).status == "expired"


def test_expiring_twice_changes_nothing_the_second_time(cli):
    listing = ItemOfferFactory(expires_at=NOW - timedelta(days=1))
    _expire(cli)
    clock.advance(timedelta(hours=1))

    output = _expire(cli)

    assert output == "listings: 0 expired, 0 owners reminded\n"
    assert stored(listing.id).updated_at == NOW
    assert len(notifications_of(listing.owner)) == 1


@pytest.mark.parametrize("status", ["withdrawn", "closed", "expired"])
def test_listings_already_ended_are_left_alone(cli, status):
    listing = ItemOfferFactory(status=status, expires_at=NOW - timedelta(days=1))

    _expire(cli)

    assert stored(listing.id).status == status
    assert notifications_of(listing.owner) == []


def test_fully_reserved_listing_expires_too(cli):
    listing = ItemOfferFactory(status="fully_reserved", expires_at=NOW - timedelta(days=1))

    _expire(cli)

    assert stored(listing.id).status == "expired"


def test_owner_is_reminded_three_days_before_the_end_once(cli):
    # 2026-12-04 01:00 UTC is 09:00 on 4 December in Qingxi.
    listing = ItemOfferFactory(title="旧书包", expires_at=NOW + timedelta(days=2, hours=23))

    first = _expire(cli)
    clock.advance(timedelta(days=1))
    second = _expire(cli)

    assert first == "listings: 0 expired, 1 owners reminded\n"
    assert second == "listings: 0 expired, 0 owners reminded\n"
    assert stored(listing.id).status == "open"
    assert stored(listing.id).expiry_reminded_at == NOW
    assert [(n.kind, n.payload) for n in notifications_of(listing.owner)] == [
        (
            "listing_expiring",
            {"listing_id": listing.id, "title": "旧书包", "expires_on": "2026-12-04"},
        )
    ]


def test_no_reminder_while_the_end_is_more_than_three_days_away(cli):
    listing = ItemOfferFactory(expires_at=NOW + timedelta(days=3, minutes=1))

    _expire(cli)
    assert notifications_of(listing.owner) == []

    clock.advance(timedelta(minutes=1))
    _expire(cli)
    assert [n.kind for n in notifications_of(listing.owner)] == ["listing_expiring"]


def test_reminded_listing_expires_later_with_its_own_notice(cli):
    listing = ItemOfferFactory(expires_at=NOW + timedelta(days=1))
    _expire(cli)
    clock.advance(timedelta(days=2))

    _expire(cli)

    assert stored(listing.id).status == "expired"
    assert [n.kind for n in notifications_of(listing.owner)] == [
        "listing_expiring",
        "listing_expired",
    ]


def test_renewed_listing_is_reminded_again_before_its_new_end(cli, client_as):
    listing = ItemOfferFactory(expires_at=NOW + timedelta(days=1))
    _expire(cli)
    client_as(listing.owner).post(f"/api/v1/listings/{listing.id}/renew", json={})
    clock.advance(timedelta(days=29))

    _expire(cli)

    assert stored(listing.id).status == "open"
    assert [n.kind for n in notifications_of(listing.owner)] == [
        "listing_expiring",
        "listing_expiring",
    ]


def test_expired_listing_given_a_new_end_by_an_edit_is_open_again(cli, client_as, client):
    listing = ItemOfferFactory(title="旧书包", expires_at=NOW - timedelta(minutes=1))
    _expire(cli)
    owner = client_as(listing.owner)

    response = owner.patch(
        f"/api/v1/listings/{listing.id}",
        json={"version": stored(listing.id).version, "expires_at": _iso(NOW + timedelta(days=5))},
    )

    assert response.status_code == 200, response.json
    assert response.json["status"] == "open"
    assert stored(listing.id).expires_at == NOW + timedelta(days=5)
    assert client.get(f"/api/v1/listings/{listing.id}").status_code == 200


def test_expired_listing_edited_without_a_new_end_stays_expired(cli, client_as):
    listing = ItemOfferFactory(expires_at=NOW - timedelta(minutes=1))
    _expire(cli)

    response = client_as(listing.owner).patch(
        f"/api/v1/listings/{listing.id}",
        json={"version": stored(listing.id).version, "title": "新标题的书包"},
    )

    assert response.status_code == 200, response.json
    assert stored(listing.id).status == "expired"


def test_end_moved_by_an_edit_is_reminded_again_but_an_unchanged_end_is_not(cli, client_as):
    listing = ItemOfferFactory(expires_at=NOW + timedelta(days=1))
    _expire(cli)
    owner = client_as(listing.owner)
    unchanged = owner.patch(
        f"/api/v1/listings/{listing.id}",
        json={"version": stored(listing.id).version, "expires_at": _iso(NOW + timedelta(days=1))},
    )
    assert unchanged.status_code == 200, unchanged.json
    _expire(cli)
    assert [n.kind for n in notifications_of(listing.owner)] == ["listing_expiring"]

    moved = owner.patch(
        f"/api/v1/listings/{listing.id}",
        json={"version": stored(listing.id).version, "expires_at": _iso(NOW + timedelta(days=2))},
    )
    assert moved.status_code == 200, moved.json
    _expire(cli)

    assert [n.kind for n in notifications_of(listing.owner)] == [
        "listing_expiring",
        "listing_expiring",
    ]


def _iso(moment):
    return moment.isoformat()


# --- offers that time closes -----------------------------------------------------------------------


def _slot_at(listing, starts_at):
    return ListingSlotFactory(listing=listing, starts_at=starts_at)


def test_skill_offer_expires_once_its_last_slot_has_started(cli, client):
    haircut = SkillOfferFactory(title="义务理发", slots=[])
    _slot_at(haircut, NOW + timedelta(hours=1))
    _slot_at(haircut, NOW + timedelta(days=1))
    clock.advance(timedelta(hours=2))

    assert _expire(cli) == "listings: 0 expired, 0 owners reminded\n"  # a slot is still ahead
    clock.advance(timedelta(hours=22))
    output = _expire(cli)

    assert output == "listings: 1 expired, 0 owners reminded\n"
    assert stored(haircut.id).status == "expired"
    [notice] = notifications_of(haircut.owner)
    assert notice.kind == "listing_expired"
    assert notice.payload["reason"] == "所有时段都已开始；添加新的时段即可重新开放。"
    assert render(notice.kind, notice.payload) == (
        "您发布的「义务理发」已到期关闭。所有时段都已开始；添加新的时段即可重新开放。"
    )
    assert client.get(f"/api/v1/listings/{haircut.id}").status_code == 404


def test_donation_expires_once_its_last_pickup_window_is_over(cli):
    rice = DonationOfferFactory(pickup_windows=[])
    PickupWindowFactory(
        listing=rice, starts_at=NOW + timedelta(hours=1), ends_at=NOW + timedelta(hours=3)
    )
    clock.advance(timedelta(hours=2))  # the window has begun and is still open

    _expire(cli)
    assert stored(rice.id).status == "open"
    clock.advance(timedelta(hours=1))
    _expire(cli)

    assert stored(rice.id).status == "expired"
    [notice] = notifications_of(rice.owner)
    assert notice.payload["reason"] == "所有领取时段都已结束；添加新的领取时段即可重新开放。"


@pytest.mark.parametrize(
    "offer",
    [ItemOfferFactory, lambda: DonationOfferFactory(pickup_windows=[])],
    ids=["item", "donation_without_windows"],
)
def test_offers_without_slots_or_windows_live_until_their_end(cli, offer):
    listing = offer()
    clock.advance(timedelta(days=20))

    _expire(cli)

    assert stored(listing.id).status == "open"


def test_offer_closed_by_time_opens_again_only_with_a_time_ahead(cli, client_as, client):
    haircut = SkillOfferFactory()  # one slot, tomorrow
    slot = haircut.slots[0]
    clock.advance(timedelta(days=1, hours=2))
    _expire(cli)
    owner = client_as(haircut.owner)

    renewal = owner.post(f"/api/v1/listings/{haircut.id}/renew", json={})
    new_end = owner.patch(
        f"/api/v1/listings/{haircut.id}",
        json={"version": stored(haircut.id).version, "expires_at": _iso(NOW + timedelta(days=40))},
    )

    assert_error(renewal, 409, "nothing_ahead")
    assert new_end.status_code == 200, new_end.json
    assert new_end.json["status"] == "expired"

    kept = {"id": slot.id, "starts_at": _iso(slot.starts_at), "ends_at": _iso(slot.ends_at)}
    ahead = {
        "starts_at": _iso(clock.now() + timedelta(days=2)),
        "ends_at": _iso(clock.now() + timedelta(days=2, hours=1)),
    }
    new_slot = owner.patch(
        f"/api/v1/listings/{haircut.id}",
        json={"version": stored(haircut.id).version, "slots": [kept, ahead]},
    )

    assert new_slot.status_code == 200, new_slot.json
    assert new_slot.json["status"] == "open"
    assert client.get(f"/api/v1/listings/{haircut.id}").status_code == 200
    _expire(cli)
    assert stored(haircut.id).status == "open"
