"""Coordinators approve, reject, hide and restore listings, always with a reason; each action is
audited, closes the listing's open reports and tells the owner."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from marketplace.extensions import db
from marketplace.moderation import services
from tests.factories import CoordinatorFactory
from tests.listing_factories import ItemOfferFactory, ReportFactory
from tests.listings.fixtures import NOW
from tests.listings.responses import assert_error, assert_field_errors
from tests.listings.state import audit_entries, notifications_of, stored


@pytest.fixture
def coordinator():
    return CoordinatorFactory()


@pytest.fixture
def staff(client_as, coordinator):
    return client_as(coordinator)


def _moderate(staff, listing, action, reason="核实无误"):
    return staff.post(
        f"/api/v1/listings/{listing.id}/moderate", json={"action": action, "reason": reason}
    )


VALID = [
    ("pending", "approve", "approved", "listing_approved"),
    ("pending", "reject", "rejected", "listing_rejected"),
    ("pending", "hide", "hidden", "listing_hidden"),
    ("approved", "reject", "rejected", "listing_rejected"),
    ("approved", "hide", "hidden", "listing_hidden"),
    ("hidden", "reject", "rejected", "listing_rejected"),
    ("hidden", "restore", "approved", "listing_restored"),
    ("rejected", "restore", "approved", "listing_restored"),
]


@pytest.mark.parametrize(("before", "action", "after", "notice"), VALID)
def test_coordinator_moves_a_listing_between_moderation_states(
    staff, coordinator, before, action, after, notice
):
    listing = ItemOfferFactory(moderation=before, title="旧书包")

    response = _moderate(staff, listing, action, reason="  与描述不符  ")

    assert response.status_code == 200
    assert response.json["moderation"] == after
    saved = stored(listing.id)
    assert (saved.moderation, saved.moderation_reason) == (after, "与描述不符")
    [entry] = audit_entries("listing", listing.id)
    assert (entry.actor_id, entry.action, entry.reason, entry.created_at) == (
        coordinator.id,
        f"{action}_listing",
        "与描述不符",
        NOW,
    )
    assert entry.details == {"previous": before, "resolved_reports": []}
    assert [(n.kind, n.payload) for n in notifications_of(listing.owner)] == [
        (notice, {"listing_id": listing.id, "title": "旧书包", "reason": "与描述不符"})
    ]


INVALID = [
    ("approved", "approve"),
    ("hidden", "approve"),
    ("rejected", "approve"),
    ("rejected", "reject"),
    ("hidden", "hide"),
    ("rejected", "hide"),
    ("pending", "restore"),
    ("approved", "restore"),
]


@pytest.mark.parametrize(("before", "action"), INVALID)
def test_action_that_does_not_apply_to_the_state_is_an_invalid_transition(staff, before, action):
    listing = ItemOfferFactory(moderation=before, moderation_reason="原因")

    response = _moderate(staff, listing, action)

    assert_error(response, 409, "invalid_transition")
    saved = stored(listing.id)
    assert (saved.moderation, saved.moderation_reason) == (before, "原因")
    assert audit_entries("listing", listing.id) == []
    assert notifications_of(listing.owner) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "hide"}, "reason"),
        ({"action": "hide", "reason": " \t "}, "reason"),
        ({"action": "hide", "reason": "长" * 501}, "reason"),
        ({"action": "delete", "reason": "垃圾信息"}, "action"),
        ({"reason": "垃圾信息"}, "action"),
    ],
    ids=["no_reason", "blank_reason", "long_reason", "unknown_action", "no_action"],
)
def test_action_needs_a_known_name_and_a_reason(staff, body, field):
    listing = ItemOfferFactory()

    response = staff.post(f"/api/v1/listings/{listing.id}/moderate", json=body)

    assert_field_errors(response, field)
    assert stored(listing.id).moderation == "approved"
    assert audit_entries("listing", listing.id) == []


def test_moderating_an_unknown_listing_is_404(staff):
    response = staff.post(
        "/api/v1/listings/7654321/moderate", json={"action": "hide", "reason": "垃圾信息"}
    )

    assert_error(response, 404, "not_found")


def test_hiding_a_reported_listing_closes_its_reports_as_actioned(staff, coordinator):
    listing = ItemOfferFactory()
    reports = [ReportFactory(listing=listing), ReportFactory(listing=listing)]
    other = ReportFactory()

    _moderate(staff, listing, "hide", "虚假信息")

    for report in reports:
        assert (report.status, report.outcome, report.resolution_note) == (
            "resolved",
            "actioned",
            "虚假信息",
        )
        assert (report.resolved_by_id, report.resolved_at) == (coordinator.id, NOW)
    assert other.status == "open"
    [entry] = audit_entries("listing", listing.id)
    assert sorted(entry.details["resolved_reports"]) == sorted(r.id for r in reports)


def test_restoring_an_auto_hidden_listing_dismisses_its_reports(staff, client):
    listing = ItemOfferFactory(moderation="hidden")
    report = ReportFactory(listing=listing)

    response = _moderate(staff, listing, "restore", "举报不实")

    assert response.status_code == 200
    assert (report.status, report.outcome) == ("resolved", "dismissed")
    assert client.get(f"/api/v1/listings/{listing.id}").status_code == 200


def test_approved_listing_becomes_public(staff, client):
    listing = ItemOfferFactory(moderation="pending", moderation_reason="waiting for a coordinator")

    _moderate(staff, listing, "approve")

    assert client.get(f"/api/v1/listings/{listing.id}").json["is_public"] is True


def test_coordinator_may_reject_a_listing_held_for_a_prohibited_word(staff):
    listing = ItemOfferFactory(moderation="pending", moderation_reason="prohibited word: 香烟")

    response = _moderate(staff, listing, "reject", "禁止交易烟草")

    assert response.status_code == 200
    assert stored(listing.id).moderation_reason == "禁止交易烟草"


def test_a_decision_applies_to_what_an_owner_edit_just_saved(staff, monkeypatch):
    """The owner's edit lands between the coordinator's first read and the decision: the
    decision re-reads the listing under its row lock and applies to what the owner saved."""
    listing = ItemOfferFactory(moderation="pending")
    report = ReportFactory(listing=listing)
    load = services.listings.get_listing

    def load_then_owner_edits(actor, listing_id):
        loaded = load(actor, listing_id)
        db.session.execute(
            text("UPDATE listings SET version = version + 1, title = '改过的' WHERE id = :id"),
            {"id": listing_id},
        )
        return loaded

    monkeypatch.setattr(services.listings, "get_listing", load_then_owner_edits)

    response = _moderate(staff, listing, "approve")

    assert response.status_code == 200, response.json
    assert (response.json["title"], response.json["moderation"]) == ("改过的", "approved")
    saved = stored(listing.id)
    assert (saved.title, saved.moderation, saved.version) == ("改过的", "approved", 3)
    assert report.status == "resolved"
