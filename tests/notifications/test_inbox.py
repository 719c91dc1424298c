"""The in-app inbox: the caller's notifications newest first with the unread count; marking
one (never someone else's) or all of them read."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace import clock
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from tests.factories import CoordinatorFactory
from tests.listing_factories import ItemOfferFactory, NotificationFactory
from tests.listings.fixtures import NOW
from tests.listings.responses import assert_error, assert_field_errors


def _stored(notification_id: int) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, notification_id)


def test_inbox_lists_the_callers_notifications_newest_first(client_as, resident):
    oldest = NotificationFactory(user=resident, read_at=NOW)
    clock.advance(timedelta(minutes=1))
    newest = NotificationFactory(
        user=resident, kind="listing_rejected", payload={"title": "旧书包", "reason": "信息不全"}
    )
    NotificationFactory()

    response = client_as(resident).get("/api/v1/notifications")

    assert response.status_code == 200
    assert [item["id"] for item in response.json["items"]] == [newest.id, oldest.id]
    assert (response.json["total"], response.json["unread_count"]) == (2, 1)
    first = response.json["items"][0]
    assert first["kind"] == "listing_rejected"
    assert first["message"] == "您发布的「旧书包」未通过审核：信息不全"
    assert first["read_at"] is None
    assert response.json["items"][1]["read_at"] == NOW.isoformat()


def test_unread_filter_and_pages(client_as, resident):
    unread = [NotificationFactory(user=resident) for _ in range(3)]
    NotificationFactory(user=resident, read_at=NOW)

    only_unread = client_as(resident).get("/api/v1/notifications?unread=true&per_page=2&page=2")

    assert [item["id"] for item in only_unread.json["items"]] == [unread[0].id]
    assert (only_unread.json["total"], only_unread.json["unread_count"]) == (3, 3)


def test_inbox_per_page_is_at_most_a_hundred(client_as, resident):
    assert_field_errors(client_as(resident).get("/api/v1/notifications?per_page=101"), "per_page")


def test_marking_a_notification_read(client_as, resident):
    notification = NotificationFactory(user=resident)
    clock.advance(timedelta(minutes=5))
    inbox = client_as(resident)

    response = inbox.post(f"/api/v1/notifications/{notification.id}/read")

    assert response.status_code == 200
    assert response.json["read_at"] == (NOW + timedelta(minutes=5)).isoformat()
    assert _stored(notification.id).read_at == NOW + timedelta(minutes=5)
    assert inbox.get("/api/v1/notifications").json["unread_count"] == 0


def test_marking_it_read_again_keeps_the_first_time(client_as, resident):
    notification = NotificationFactory(user=resident, read_at=NOW - timedelta(days=1))

    response = client_as(resident).post(f"/api/v1/notifications/{notification.id}/read")

    assert response.status_code == 200
    assert _stored(notification.id).read_at == NOW - timedelta(days=1)


def test_someone_elses_notification_is_missing(client_as, resident):
    theirs = NotificationFactory()

    response = client_as(resident).post(f"/api/v1/notifications/{theirs.id}/read")

    assert_error(response, 404, "not_found")
    assert _stored(theirs.id).read_at is None


def test_unknown_notification_is_missing(client_as, resident):
    response = client_as(resident).post("/api/v1/notifications/7654321/read")

    assert_error(response, 404, "not_found")


def test_marking_all_read_touches_only_the_callers_unread_ones(client_as, resident):
    mine = [NotificationFactory(user=resident) for _ in range(2)]
    already_read = NotificationFactory(user=resident, read_at=NOW - timedelta(days=1))
    theirs = NotificationFactory()
    clock.advance(timedelta(minutes=1))

    response = client_as(resident).post("/api/v1/notifications/read-all")

    assert response.status_code == 200
    assert response.json == {"marked": 2}
    assert [_stored(n.id).read_at for n in mine] == [NOW + timedelta(minutes=1)] * 2
    assert _stored(already_read.id).read_at == NOW - timedelta(days=1)
    assert _stored(theirs.id).read_at is None


@pytest.mark.parametrize(
    ("action", "kind", "message"),
    [
        ("approve", "listing_approved", "您发布的「旧书包」已通过审核，邻居们现在可以看到了。"),
        ("reject", "listing_rejected", "您发布的「旧书包」未通过审核：信息不全"),
        ("hide", "listing_hidden", "您发布的「旧书包」已被隐藏：信息不全"),
        ("restore", "listing_restored", "您发布的「旧书包」已恢复显示。"),
    ],
)
def test_owner_finds_the_coordinators_decision_in_the_inbox(client_as, action, kind, message):
    before = {"approve": "pending", "reject": "pending", "hide": "approved", "restore": "hidden"}
    listing = ItemOfferFactory(title="旧书包", moderation=before[action])
    client_as(CoordinatorFactory()).post(
        f"/api/v1/listings/{listing.id}/moderate", json={"action": action, "reason": "信息不全"}
    )

    response = client_as(listing.owner).get("/api/v1/notifications")

    [notice] = response.json["items"]
    assert (notice["kind"], notice["message"]) == (kind, message)
    assert notice["payload"]["listing_id"] == listing.id
    assert response.json["unread_count"] == 1


def test_owner_finds_the_expiry_reminder_in_the_inbox(cli, client_as):
    listing = ItemOfferFactory(title="旧书包", expires_at=NOW + timedelta(days=2))
    cli("listings", "expire")

    [notice] = client_as(listing.owner).get("/api/v1/notifications").json["items"]

    assert notice["kind"] == "listing_expiring"
    assert notice["message"] == "您发布的「旧书包」将于2026-12-03到期，如仍需要请及时续期。"


def test_notification_of_an_unknown_kind_shows_its_kind(client_as, resident):
    NotificationFactory(user=resident, kind="something_new", payload={})

    [item] = client_as(resident).get("/api/v1/notifications").json["items"]

    assert item["message"] == "something_new"


def test_notification_missing_part_of_its_payload_still_renders(client_as, resident):
    NotificationFactory(user=resident, kind="listing_rejected", payload={"title": "旧书包"})

    response = client_as(resident).get("/api/v1/notifications")

    assert response.status_code == 200
    assert response.json["items"][0]["message"] == "您发布的「旧书包」未通过审核："
