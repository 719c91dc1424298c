"""The review queue: listings waiting for a coordinator and open reports, oldest first."""

from __future__ import annotations

from datetime import timedelta

from marketplace import clock
from tests.factories import CoordinatorFactory
from tests.listing_factories import ItemOfferFactory, ReportFactory, UserReportFactory
from tests.listings.responses import assert_field_errors


def _queue(client_as, query=""):
    response = client_as(CoordinatorFactory()).get(f"/api/v1/moderation/queue{query}")
    assert response.status_code == 200, response.get_json()
    return response.json


def test_queue_lists_pending_listings_and_open_reports_oldest_first(client_as):
    first_pending = ItemOfferFactory(moderation="pending")
    first_report = UserReportFactory()
    clock.advance(timedelta(minutes=10))
    second_report = ReportFactory()
    second_pending = ItemOfferFactory(moderation="pending")
    clock.advance(timedelta(minutes=10))
    ItemOfferFactory(moderation="approved")
    ItemOfferFactory(moderation="hidden")
    ItemOfferFactory(moderation="rejected")
    ReportFactory(status="resolved", outcome="dismissed")

    queue = _queue(client_as)

    assert [item["id"] for item in queue["listings"]] == [first_pending.id, second_pending.id]
    assert [item["id"] for item in queue["reports"]] == [first_report.id, second_report.id]
    assert (queue["pending_listings"], queue["open_reports"]) == (2, 2)


def test_queue_limit_keeps_the_oldest_and_the_counts_stay_whole(client_as):
    listings = []
    for _ in range(3):
        listings.append(ItemOfferFactory(moderation="pending"))
        clock.advance(timedelta(minutes=1))

    queue = _queue(client_as, "?limit=2")

    assert [item["id"] for item in queue["listings"]] == [listings[0].id, listings[1].id]
    assert queue["pending_listings"] == 3


def test_queue_shows_why_a_listing_is_waiting(client_as):
    ItemOfferFactory(moderation="pending", moderation_reason="prohibited word: 香烟")

    [listing] = _queue(client_as)["listings"]

    assert listing["moderation_reason"] == "prohibited word: 香烟"


def test_queue_limit_must_be_one_to_two_hundred(client_as):
    staff = client_as(CoordinatorFactory())

    for limit in (0, 201):
        assert_field_errors(staff.get(f"/api/v1/moderation/queue?limit={limit}"), "limit")
