"""The index follows the database: every kind of listing change reaches search by the time the
request that made it has answered, a listing that stops being public disappears at once, and the
outbox row of a change lives and dies with the change's transaction.

Most tests search once before the change, as a running process would have: its searcher is then
open on the old index and must see the change all the same.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from marketplace import clock
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.search.models import SearchOutbox
from tests.factories import CommunityFactory, SubdistrictFactory, UserFactory
from tests.listing_factories import ItemOfferFactory
from tests.search.conftest import API, ids_of, index_now, offer, outbox_pending, search


@pytest.fixture
def subdistrict() -> Any:
    return SubdistrictFactory(name="雕庄街道")


@pytest.fixture
def community(subdistrict: Any) -> Any:
    return CommunityFactory(name="清溪村", parent=subdistrict)


@pytest.fixture
def stroller(app: Any, frozen_clock: Any, community: Any, poster: Any) -> Any:
    """A public listing, in the index."""
    listing = ItemOfferFactory(
        title="好孩子婴儿车", description="九成新，可折叠。", tags=["婴儿车"],
        category="baby_kids", place=community, owner=poster,
    )  # fmt: skip
    index_now(app)
    return listing


def _found(client: Any, q: str, listing_id: int, **params: Any) -> bool:
    body = search(client, q, **params)
    assert body["degraded"] is False
    return listing_id in ids_of(body)


def test_posted_listing_is_found_as_soon_as_the_post_has_answered(
    app, frozen_clock, search_index, client, poster_client, community
):
    response = poster_client.post(API, json=offer(community.id, title="闲置电钻"))

    assert response.status_code == 201
    assert outbox_pending(app) == 0
    assert _found(client, "电钻", response.json["id"])


def test_listing_waiting_for_review_is_found_only_once_approved(
    app, frozen_clock, search_index, client, client_as, staff_client, community
):
    newcomer_client = client_as(UserFactory())
    listing_id = newcomer_client.post(API, json=offer(community.id)).json["id"]

    hidden_while_pending = _found(client, "婴儿车", listing_id)
    approved = staff_client.post(
        f"{API}/{listing_id}/moderate", json={"action": "approve", "reason": "ok"}
    )

    assert approved.status_code == 200
    assert hidden_while_pending is False
    assert _found(client, "婴儿车", listing_id)
    assert outbox_pending(app) == 0


def test_edited_listing_is_found_by_its_new_words_and_not_its_old_ones(
    stroller, client, poster_client
):
    found_before = _found(client, "好孩子", stroller.id)

    response = poster_client.patch(
        f"{API}/{stroller.id}", json={"version": stroller.version, "title": "儿童安全座椅"}
    )

    assert found_before
    assert response.status_code == 200
    assert _found(client, "安全座椅", stroller.id)
    assert search(client, "好孩子")["total"] == 0


def test_edited_tags_and_description_are_searchable(stroller, client, poster_client):
    found_before = _found(client, "九成新", stroller.id)

    response = poster_client.patch(
        f"{API}/{stroller.id}",
        json={"version": stroller.version, "tags": ["推车"], "description": "送一个遮阳篷。"},
    )

    assert found_before
    assert response.status_code == 200
    assert _found(client, "遮阳篷", stroller.id)
    assert search(client, "九成新")["total"] == 0


@pytest.mark.parametrize("action", ["hide", "reject"])
def test_listing_taken_down_by_a_coordinator_disappears_at_once(
    stroller, client, staff_client, action
):
    found_before = _found(client, "婴儿车", stroller.id)

    response = staff_client.post(
        f"{API}/{stroller.id}/moderate", json={"action": action, "reason": "广告"}
    )

    assert found_before
    assert response.status_code == 200
    assert search(client, "婴儿车")["total"] == 0


def test_restored_listing_is_found_again(stroller, client, staff_client):
    staff_client.post(f"{API}/{stroller.id}/moderate", json={"action": "hide", "reason": "查看"})
    gone = not _found(client, "婴儿车", stroller.id)

    response = staff_client.post(
        f"{API}/{stroller.id}/moderate", json={"action": "restore", "reason": "没问题"}
    )

    assert gone
    assert response.status_code == 200
    assert _found(client, "婴儿车", stroller.id)


def test_withdrawn_listing_disappears_at_once(app, stroller, client, poster_client):
    found_before = _found(client, "婴儿车", stroller.id)

    response = poster_client.post(f"{API}/{stroller.id}/withdraw")

    assert found_before
    assert response.status_code == 200
    assert search(client, "婴儿车")["total"] == 0
    assert outbox_pending(app) == 0


def test_expired_listing_disappears_and_comes_back_when_renewed(
    app, stroller, client, poster_client, cli
):
    found_before = _found(client, "婴儿车", stroller.id)
    clock.advance(timedelta(days=31))

    expired = cli("listings", "expire")
    gone = search(client, "婴儿车")["total"] == 0
    renewed = poster_client.post(f"{API}/{stroller.id}/renew", json={})

    assert found_before
    assert expired.exit_code == 0, expired.output
    assert gone
    assert renewed.status_code == 200
    assert _found(client, "婴儿车", stroller.id)
    assert outbox_pending(app) == 0


def test_fully_claimed_listing_is_found_but_no_longer_available(stroller, client, client_as):
    available_before = _found(client, "婴儿车", stroller.id, available="true")
    claimant = client_as(UserFactory())

    claimed = claimant.post(f"{API}/{stroller.id}/reservations", json={"quantity": 1})

    assert available_before
    assert claimed.status_code == 201, claimed.get_json()
    assert _found(client, "婴儿车", stroller.id)
    assert not _found(client, "婴儿车", stroller.id, available="true")
    assert _found(client, "婴儿车", stroller.id, available="false")


def test_renamed_place_is_searchable_by_its_new_name(stroller, client, staff_client, community):
    unknown_before = not _found(client, "桃源村", stroller.id)

    response = staff_client.patch(f"/api/v1/places/{community.id}", json={"name": "桃源村"})

    assert unknown_before
    assert response.status_code == 200
    assert _found(client, "桃源村", stroller.id)


def test_listing_moved_to_another_place_is_filtered_by_its_new_place(
    stroller, client, poster_client, subdistrict, community
):
    elsewhere = CommunityFactory(parent=subdistrict, name="杨家埠社区")
    found_before = _found(client, "婴儿车", stroller.id, place_id=community.id)

    response = poster_client.patch(
        f"{API}/{stroller.id}", json={"version": stroller.version, "place_id": elsewhere.id}
    )

    assert found_before
    assert response.status_code == 200
    assert _found(client, "婴儿车", stroller.id, place_id=elsewhere.id)
    assert not _found(client, "婴儿车", stroller.id, place_id=community.id)
    assert _found(client, "婴儿车", stroller.id, place_id=subdistrict.id)


# --- the outbox ---------------------------------------------------------------------------------


def _outbox_rows(listing_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(SearchOutbox.id)).where(SearchOutbox.listing_id == listing_id)
        )
        or 0
    )


def test_every_change_writes_an_outbox_row_in_its_own_transaction(app_ctx, community):
    listing = ItemOfferFactory(place=community)
    written = _outbox_rows(listing.id)
    listing_id = listing.id

    db.session.rollback()

    assert written == 1
    assert _outbox_rows(listing_id) == 0
    assert db.session.get(Listing, listing_id) is None


def test_a_change_to_a_listing_writes_its_outbox_row_in_the_same_flush(app_ctx, community):
    """A listing that has its id gets its row as the flush begins, a new listing right after
    the flush that gave it its id: nothing is left for another flush to write."""
    existing = ItemOfferFactory(place=community)
    db.session.commit()
    existing.status = "fully_reserved"

    db.session.flush()
    left_after_changing = list(db.session.new)
    rows_after_changing = _outbox_rows(existing.id)
    new = ItemOfferFactory(place=community, owner=existing.owner)  # the factory flushes
    left_after_creating = list(db.session.new)

    assert left_after_changing == left_after_creating == []
    assert rows_after_changing == 2  # its creation, then the change
    assert _outbox_rows(new.id) == 1


def test_refused_post_writes_no_outbox_row(poster_client, community):
    response = poster_client.post(API, json=offer(community.id, title="x"))

    assert response.status_code == 422
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0


def test_change_left_for_the_worker_never_shows_a_listing_that_stopped_being_public(
    app, stroller, app_config, client, poster_client, cli
):
    """In worker mode nothing drains after the request; the database still has the last word."""
    app_config["SEARCH_INDEXING"] = "worker"

    withdrawn = poster_client.post(f"{API}/{stroller.id}/withdraw")
    before_worker = search(client, "婴儿车")
    worker = cli("search", "worker", "--once")

    assert withdrawn.status_code == 200
    assert before_worker["degraded"] is False
    assert stroller.id not in ids_of(before_worker)
    assert before_worker["total"] == 0
    assert worker.exit_code == 0, worker.output
    assert "applied 1 changes" in worker.output
    assert search(client, "婴儿车")["total"] == 0
    assert outbox_pending(app) == 0


def test_search_uses_the_database_once_the_worker_falls_behind(
    frozen_clock, search_index, app_config, client, poster_client, community
):
    app_config["SEARCH_INDEXING"] = "worker"
    posted = poster_client.post(API, json=offer(community.id, title="闲置电钻")).json["id"]

    within_lag = search(client, "电钻")
    clock.advance(timedelta(seconds=app_config["SEARCH_MAX_LAG"] + 1))
    behind = search(client, "电钻")

    assert within_lag["degraded"] is False
    assert behind["degraded"] is True
    assert ids_of(behind) == [posted]
