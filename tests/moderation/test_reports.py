"""Residents report listings and users; one open report per reporter and target; three distinct
reporters hide a listing until a coordinator reviews it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace import clock
from marketplace.extensions import db
from marketplace.moderation import services
from marketplace.moderation.models import Report
from tests.factories import CoordinatorFactory, UserFactory
from tests.listing_factories import ItemOfferFactory, ReportFactory, UserReportFactory
from tests.listings.fixtures import NOW
from tests.listings.responses import assert_error, assert_field_errors
from tests.listings.state import audit_entries, notifications_of, stored


def _report_count() -> int:
    return db.session.scalar(select(func.count(Report.id))) or 0


def _report(client, listing, reason="spam", **extra):
    return client.post(
        "/api/v1/reports", json={"listing_id": listing.id, "reason": reason, **extra}
    )


def test_resident_reports_a_listing(client_as, resident):
    listing = ItemOfferFactory()

    response = _report(client_as(resident), listing, "fraud", details="  要求先转账 ")

    assert response.status_code == 201
    assert response.json["target_type"] == "listing"
    assert response.json["target_id"] == listing.id
    report = db.session.get(Report, response.json["id"])
    assert (report.reporter_id, report.listing_id, report.reported_user_id) == (
        resident.id,
        listing.id,
        None,
    )
    assert (report.reason, report.details, report.status) == ("fraud", "要求先转账", "open")
    assert report.created_at == NOW
    assert stored(listing.id).moderation == "approved"


def test_second_open_report_of_the_same_listing_is_refused(client_as, resident):
    listing = ItemOfferFactory()
    reporter = client_as(resident)
    _report(reporter, listing)

    response = _report(reporter, listing, "offensive")

    assert_error(response, 409, "already_reported")
    assert _report_count() == 1


def test_database_refuses_a_duplicate_open_report_that_slips_past_the_check(
    client_as, resident, monkeypatch
):
    """Two identical reports at once both pass the check; the unique index stops the second."""
    listing = ItemOfferFactory()
    ReportFactory(reporter=resident, listing=listing)
    monkeypatch.setattr(services, "_refuse_duplicate_open_report", lambda report: None)

    response = _report(client_as(resident), listing)

    assert_error(response, 409, "already_reported")
    assert _report_count() == 1


def test_listing_may_be_reported_again_once_the_report_is_resolved(client_as, resident):
    listing = ItemOfferFactory()
    ReportFactory(reporter=resident, listing=listing, status="resolved", outcome="dismissed")

    response = _report(client_as(resident), listing)

    assert response.status_code == 201
    assert _report_count() == 2


def test_three_residents_reporting_a_listing_hide_it(client, client_as):
    listing = ItemOfferFactory(title="高价回收")
    ReportFactory(listing=listing)
    ReportFactory(listing=listing)

    response = _report(client_as(UserFactory()), listing)

    assert response.status_code == 201
    saved = stored(listing.id)
    reason = "reported by 3 residents; hidden until a coordinator reviews it"
    assert (saved.moderation, saved.moderation_reason) == ("hidden", reason)
    assert_error(client.get(f"/api/v1/listings/{listing.id}"), 404, "not_found")
    [entry] = audit_entries("listing", listing.id)
    assert (entry.actor_id, entry.action, entry.reason) == (None, "auto_hide_listing", reason)
    assert entry.details == {"reporters": 3}
    assert [(n.kind, n.payload) for n in notifications_of(listing.owner)] == [
        ("listing_hidden", {"listing_id": listing.id, "title": "高价回收", "reason": reason})
    ]


def test_two_reports_leave_a_listing_public(client_as):
    listing = ItemOfferFactory()
    ReportFactory(listing=listing)

    _report(client_as(UserFactory()), listing)

    assert stored(listing.id).moderation == "approved"
    assert audit_entries("listing", listing.id) == []


def test_resolved_reports_do_not_count_towards_hiding(client_as):
    listing = ItemOfferFactory()
    ReportFactory(listing=listing)
    ReportFactory(listing=listing, status="resolved", outcome="dismissed")

    _report(client_as(UserFactory()), listing)

    assert stored(listing.id).moderation == "approved"


def test_one_reporter_counts_once_however_many_reports_they_filed(client_as, resident):
    listing = ItemOfferFactory()
    ReportFactory(listing=listing)
    ReportFactory(listing=listing, reporter=resident, status="resolved", outcome="dismissed")

    _report(client_as(resident), listing)

    assert stored(listing.id).moderation == "approved"


def test_hide_threshold_comes_from_configuration(app, monkeypatch, client_as):
    monkeypatch.setitem(app.config, "MODERATION_REPORTS_TO_HIDE", 1)
    listing = ItemOfferFactory()

    _report(client_as(UserFactory()), listing)

    assert stored(listing.id).moderation == "hidden"


def test_owner_cannot_report_their_own_listing(client_as):
    listing = ItemOfferFactory()

    response = _report(client_as(listing.owner), listing)

    assert_field_errors(response, "listing_id")
    assert _report_count() == 0


def test_listing_the_reporter_cannot_see_is_missing(client_as, resident):
    listing = ItemOfferFactory(moderation="pending")

    assert_error(_report(client_as(resident), listing), 404, "not_found")
    assert_error(
        client_as(resident).post("/api/v1/reports", json={"listing_id": 7654321, "reason": "spam"}),
        404,
        "not_found",
    )


def test_resident_reports_a_user(client_as, resident):
    troublemaker = UserFactory()

    response = client_as(resident).post(
        "/api/v1/reports", json={"user_id": troublemaker.id, "reason": "offensive"}
    )

    assert response.status_code == 201
    assert (response.json["target_type"], response.json["target_id"]) == ("user", troublemaker.id)
    report = db.session.get(Report, response.json["id"])
    assert (report.listing_id, report.reported_user_id) == (None, troublemaker.id)


def test_second_open_report_of_the_same_user_is_refused(client_as, resident):
    troublemaker = UserFactory()
    UserReportFactory(reporter=resident, reported_user=troublemaker)

    response = client_as(resident).post(
        "/api/v1/reports", json={"user_id": troublemaker.id, "reason": "spam"}
    )

    assert_error(response, 409, "already_reported")


def test_nobody_reports_themselves(client_as, resident):
    response = client_as(resident).post(
        "/api/v1/reports", json={"user_id": resident.id, "reason": "spam"}
    )

    assert_field_errors(response, "user_id")


def test_report_of_an_unknown_user_is_404(client_as, resident):
    response = client_as(resident).post(
        "/api/v1/reports", json={"user_id": 7654321, "reason": "spam"}
    )

    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "spam"}, "listing_id"),
        ({"listing_id": 1, "user_id": 1, "reason": "spam"}, "listing_id"),
        ({"listing_id": 1, "reason": "boring"}, "reason"),
        ({"listing_id": 1}, "reason"),
        ({"listing_id": 1, "reason": "spam", "details": "长" * 1001}, "details"),
    ],
    ids=["no_target", "two_targets", "unknown_reason", "no_reason", "long_details"],
)
def test_report_must_name_one_target_and_a_known_reason(client_as, resident, body, field):
    response = client_as(resident).post("/api/v1/reports", json=body)

    assert_field_errors(response, field)
    assert _report_count() == 0


def test_coordinator_lists_reports_newest_first_and_by_status(client_as):
    oldest = ReportFactory()
    clock.advance(timedelta(minutes=5))
    resolved = ReportFactory(status="resolved", outcome="dismissed")
    clock.advance(timedelta(minutes=5))
    newest = UserReportFactory()
    staff = client_as(CoordinatorFactory())

    every = staff.get("/api/v1/reports")
    still_open = staff.get("/api/v1/reports?status=open")

    assert [item["id"] for item in every.json["items"]] == [newest.id, resolved.id, oldest.id]
    assert every.json["total"] == 3
    assert [item["id"] for item in still_open.json["items"]] == [newest.id, oldest.id]


def test_coordinator_dismisses_a_report_with_a_note(client_as):
    report = ReportFactory()
    coordinator = CoordinatorFactory()
    clock.advance(timedelta(hours=1))

    response = client_as(coordinator).post(
        f"/api/v1/reports/{report.id}/resolve", json={"outcome": "dismissed", "note": "正常交换"}
    )

    assert response.status_code == 200
    db.session.expire_all()
    saved = db.session.get(Report, report.id)
    assert (saved.status, saved.outcome, saved.resolution_note) == (
        "resolved",
        "dismissed",
        "正常交换",
    )
    assert (saved.resolved_by_id, saved.resolved_at) == (coordinator.id, NOW + timedelta(hours=1))
    [entry] = audit_entries("report", report.id)
    assert (entry.actor_id, entry.action, entry.reason) == (
        coordinator.id,
        "resolve_report_dismissed",
        "正常交换",
    )
    assert entry.details == {"target": f"listing:{report.listing_id}"}


def test_resolved_report_cannot_be_resolved_again(client_as):
    report = ReportFactory(status="resolved", outcome="dismissed")

    response = client_as(CoordinatorFactory()).post(
        f"/api/v1/reports/{report.id}/resolve", json={"outcome": "actioned", "note": "再看看"}
    )

    assert_error(response, 409, "invalid_transition")
    assert audit_entries("report", report.id) == []


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "dismissed"},
        {"outcome": "dismissed", "note": "  "},
        {"outcome": "ignored", "note": "x"},
    ],
    ids=["no_note", "blank_note", "unknown_outcome"],
)
def test_resolution_needs_a_known_outcome_and_a_note(client_as, body):
    report = ReportFactory()

    response = client_as(CoordinatorFactory()).post(
        f"/api/v1/reports/{report.id}/resolve", json=body
    )

    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Report, report.id).status == "open"


def test_resolving_an_unknown_report_is_404(client_as):
    response = client_as(CoordinatorFactory()).post(
        "/api/v1/reports/7654321/resolve", json={"outcome": "dismissed", "note": "无"}
    )

    assert_error(response, 404, "not_found")
