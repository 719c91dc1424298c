"""The audit log: every staff (and automatic) action, newest first, filterable by target and
actor; nothing can change or remove a line, neither a route nor the ORM."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, update

from marketplace import clock
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.moderation.models import AuditLogIsAppendOnly, ModerationAction
from tests.factories import CoordinatorFactory
from tests.listing_factories import ItemOfferFactory, ModerationActionFactory
from tests.listings.responses import assert_error, assert_field_errors


@pytest.fixture
def coordinator():
    return CoordinatorFactory()


@pytest.fixture
def staff(client_as, coordinator):
    return client_as(coordinator)


def _ids(response):
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.json["items"]]


def test_audit_log_lists_actions_newest_first(staff, coordinator):
    listing = ItemOfferFactory()
    staff.post(f"/api/v1/listings/{listing.id}/moderate", json={"action": "hide", "reason": "广告"})
    clock.advance(timedelta(minutes=1))
    staff.post(
        f"/api/v1/listings/{listing.id}/moderate", json={"action": "restore", "reason": "误判"}
    )

    response = staff.get("/api/v1/audit")

    assert response.status_code == 200
    entries = response.json["items"]
    assert [(e["action"], e["reason"], e["actor_id"]) for e in entries] == [
        ("restore_listing", "误判", coordinator.id),
        ("hide_listing", "广告", coordinator.id),
    ]
    assert entries[0]["target_type"] == "listing"
    assert entries[0]["target_id"] == listing.id
    assert entries[0]["details"] == {"previous": "hidden", "resolved_reports": []}
    assert response.json["total"] == 2


def test_audit_log_filters_by_target(staff):
    listing = ItemOfferFactory()
    about_listing = ModerationActionFactory(listing=listing)
    ModerationActionFactory()
    about_user = ModerationActionFactory(
        action="suspend_user", target_type="user", target_id=listing.id
    )

    by_listing = staff.get(f"/api/v1/audit?target_type=listing&target_id={listing.id}")
    by_type = staff.get("/api/v1/audit?target_type=user")

    assert _ids(by_listing) == [about_listing.id]
    assert by_listing.json["total"] == 1
    assert _ids(by_type) == [about_user.id]


def test_audit_log_filters_by_actor(staff):
    coordinator = CoordinatorFactory()
    first = ModerationActionFactory(actor=coordinator)
    ModerationActionFactory()
    second = ModerationActionFactory(actor=coordinator)

    response = staff.get(f"/api/v1/audit?actor_id={coordinator.id}")

    assert _ids(response) == [second.id, first.id]


def test_platform_actions_have_no_actor(staff):
    automatic = ModerationActionFactory(actor=None, action="auto_hide_listing")

    [entry] = staff.get("/api/v1/audit").json["items"]

    assert (entry["id"], entry["actor_id"]) == (automatic.id, None)


def test_audit_log_pages(staff):
    entries = [ModerationActionFactory() for _ in range(3)]

    response = staff.get("/api/v1/audit?per_page=2&page=2")

    assert _ids(response) == [entries[0].id]
    assert (response.json["total"], response.json["page"]) == (3, 2)


@pytest.mark.parametrize(
    "query",
    ["target_type=place", "target_id=0", "target_id=x", "actor_id=-1", "per_page=101"],
)
def test_audit_filters_are_validated(staff, query):
    response = staff.get(f"/api/v1/audit?{query}")

    assert_field_errors(response, query.split("=")[0])


@pytest.mark.parametrize("method", ["PATCH", "PUT", "DELETE"])
def test_no_route_changes_the_audit_log(staff, method):
    entry = ModerationActionFactory(reason="原始理由")

    collection = staff.open("/api/v1/audit", method=method, json={"reason": "改写"})
    single = staff.open(f"/api/v1/audit/{entry.id}", method=method, json={"reason": "改写"})

    assert_error(collection, 405, "method_not_allowed")
    assert_error(single, 404, "not_found")
    db.session.expire_all()
    assert db.session.get(ModerationAction, entry.id).reason == "原始理由"


def test_changing_an_audit_line_through_the_orm_raises(db_session):
    entry = ModerationActionFactory(reason="原始理由")
    entry.reason = "改写"

    with pytest.raises(AuditLogIsAppendOnly):
        db_session.flush()
    db_session.rollback()


def test_deleting_an_audit_line_through_the_orm_raises(db_session):
    entry = ModerationActionFactory()
    db_session.delete(entry)

    with pytest.raises(AuditLogIsAppendOnly):
        db_session.flush()
    db_session.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        update(ModerationAction).values(reason="改写"),
        delete(ModerationAction),
    ],
    ids=["update", "delete"],
)
def test_bulk_orm_statements_on_the_audit_log_raise(db_session, statement):
    entry = ModerationActionFactory(reason="原始理由")

    with pytest.raises(AuditLogIsAppendOnly):
        db_session.execute(statement)

    db_session.expire_all()
    assert db_session.get(ModerationAction, entry.id).reason == "原始理由"


def test_other_tables_still_take_bulk_updates(db_session):
    listing = ItemOfferFactory(title="旧标题")

    db_session.execute(update(Listing).where(Listing.id == listing.id).values(title="新标题"))

    db_session.expire_all()
    assert db_session.get(Listing, listing.id).title == "新标题"
