"""Who may use the inbox endpoints: the exact status for every caller. The notification belongs
to the listing owner; everyone else is told it does not exist."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.notifications.models import Notification
from tests.listing_factories import NotificationFactory
from tests.listings.actors import ACTORS
from tests.listings.responses import assert_error

ENDPOINTS = {
    "inbox": ("GET", "/api/v1/notifications"),
    "mark_read": ("POST", "/api/v1/notifications/{notification}/read"),
    "mark_all_read": ("POST", "/api/v1/notifications/read-all"),
}

# Columns follow ACTORS: anonymous, owner, other resident, merchant of the same organisation,
# merchant of another organisation, coordinator, suspended user.
EXPECTED = {
    "inbox": (401, 200, 200, 200, 200, 200, 401),
    "mark_read": (401, 200, 404, 404, 404, 404, 401),
    "mark_all_read": (401, 200, 200, 200, 200, 200, 401),
}
ERROR_CODES = {401: "unauthorized", 404: "not_found"}

CELLS = [
    pytest.param(endpoint, actor, status, id=f"{endpoint}-{actor}")
    for endpoint, statuses in EXPECTED.items()
    for actor, status in zip(ACTORS, statuses, strict=True)
]


@pytest.mark.parametrize(("endpoint", "actor", "expected"), CELLS)
def test_inbox_endpoint_answers_each_caller(client_of, merchant_owner, endpoint, actor, expected):
    notification = NotificationFactory(user=merchant_owner)
    method, path = ENDPOINTS[endpoint]

    response = client_of(actor).open(path.format(notification=notification.id), method=method)

    db.session.expire_all()
    read_at = db.session.get(Notification, notification.id).read_at
    if expected >= 400:
        assert_error(response, expected, ERROR_CODES[expected])
        assert read_at is None
        return
    assert response.status_code == expected, response.get_json()
    owner_acted = actor == "owner"
    assert (read_at is not None) == (owner_acted and endpoint != "inbox")
    if endpoint == "inbox":
        expected_ids = [notification.id] if owner_acted else []
        assert [item["id"] for item in response.json["items"]] == expected_ids
