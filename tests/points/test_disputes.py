"""The dispute window of a skill the provider marked complete: the person helped confirms (paid
now), disputes within 72 hours (a coordinator decides, with a reason in the audit log), or says
nothing (``flask points sweep`` pays once the window has passed). The clock is moved by hand."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from marketplace import clock
from tests.factories import AdminFactory, CoordinatorFactory, MerchantFactory, UserFactory
from tests.listing_factories import SkillOfferFactory
from tests.points.helpers import (
    NOW,
    act,
    assert_balance_is_the_ledger,
    assert_error,
    assert_field_errors,
    audit_lines,
    award_of,
    earned_of,
    entries_of,
    ledger_lines,
    notice_kinds,
    stored_award,
)
from tests.points_factories import HandedOverSkillFactory

WINDOW = timedelta(hours=72)


@pytest.fixture
def award(provider: Any, claimant: Any, provider_client: Any) -> Any:
    """The award of a one-hour haircut the provider marked complete at NOW."""
    booking = HandedOverSkillFactory(listing=SkillOfferFactory(owner=provider), claimant=claimant)
    response = act(provider_client, booking, "complete")
    assert response.status_code == 200, response.json
    return award_of(booking)


def dispute(client: Any, award: Any, reason: str = "师傅没有来") -> Any:
    return client.post(f"/api/v1/points/awards/{award.id}/dispute", json={"reason": reason})


def resolve(client: Any, award: Any, pay: bool, reason: str = "核实后处理") -> Any:
    return client.post(
        f"/api/v1/points/awards/{award.id}/resolve", json={"award": pay, "reason": reason}
    )


@pytest.fixture
def disputed(award: Any, claimant_client: Any) -> Any:
    assert dispute(claimant_client, award).status_code == 200
    return award


def test_provider_completing_leaves_the_points_pending_for_72_hours(
    provider: Any, claimant: Any, award: Any
) -> None:
    assert (award.status, award.points, award.due_at) == ("pending", 10, NOW + WINDOW)
    assert (award.provider_id, award.claimant_id) == (provider.id, claimant.id)
    assert entries_of(provider) == []
    assert earned_of(provider) == 0
    assert "service_to_confirm" in notice_kinds(claimant)


def test_claimant_confirming_pays_the_provider_at_once(
    provider: Any, claimant_client: Any, award: Any
) -> None:
    clock.advance(timedelta(hours=5))

    response = claimant_client.post(f"/api/v1/points/awards/{award.id}/confirm")

    assert response.status_code == 200, response.json
    assert response.json["status"] == "awarded"
    [entry] = entries_of(provider)
    assert (entry.delta, entry.reason, entry.reference_id) == (
        10,
        "skill_service",
        award.reservation_id,
    )
    assert entry.created_at == NOW + timedelta(hours=5)
    assert earned_of(provider) == 10


def test_sweep_pays_an_undisputed_award_once_the_72_hours_have_passed(
    cli: Any, provider: Any, award: Any
) -> None:
    clock.advance(WINDOW - timedelta(minutes=1))
    early = cli("points", "sweep")
    assert early.exit_code == 0, early.output
    assert early.output.strip() == "points: 0 awards paid, 0 redemptions expired"
    assert entries_of(provider) == []

    clock.advance(timedelta(minutes=1))
    result = cli("points", "sweep")

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "points: 1 awards paid, 0 redemptions expired"
    assert ledger_lines(provider) == [(10, "skill_service")]
    assert stored_award(award.id).status == "awarded"
    assert_balance_is_the_ledger(provider)


def test_sweeping_again_pays_nothing_more(cli: Any, provider: Any, award: Any) -> None:
    clock.advance(WINDOW)
    cli("points", "sweep")

    result = cli("points", "sweep")

    assert result.output.strip() == "points: 0 awards paid, 0 redemptions expired"
    assert ledger_lines(provider) == [(10, "skill_service")]


def test_a_dispute_within_the_window_stops_the_sweep(
    cli: Any, provider: Any, claimant_client: Any, award: Any
) -> None:
    clock.advance(WINDOW - timedelta(minutes=1))

    response = dispute(claimant_client, award)

    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["dispute_reason"]) == ("disputed", "师傅没有来")
    assert "service_disputed" in notice_kinds(provider)
    clock.advance(timedelta(days=10))
    assert cli("points", "sweep").output.strip() == "points: 0 awards paid, 0 redemptions expired"
    assert entries_of(provider) == []


def test_the_window_closes_at_72_hours(claimant_client: Any, award: Any) -> None:
    clock.advance(WINDOW)

    assert_error(dispute(claimant_client, award), 409, "invalid_transition")
    assert stored_award(award.id).status == "pending"


def test_a_confirmed_award_cannot_be_disputed(claimant_client: Any, award: Any) -> None:
    assert claimant_client.post(f"/api/v1/points/awards/{award.id}/confirm").status_code == 200

    assert_error(dispute(claimant_client, award), 409, "invalid_transition")
    assert_error(
        claimant_client.post(f"/api/v1/points/awards/{award.id}/confirm"), 409, "invalid_transition"
    )


def test_a_dispute_needs_a_reason(claimant_client: Any, award: Any) -> None:
    response = claimant_client.post(f"/api/v1/points/awards/{award.id}/dispute", json={})

    assert_field_errors(response, "reason")
    assert stored_award(award.id).status == "pending"


# --- a coordinator decides -----------------------------------------------------------------------


def test_coordinator_awarding_a_disputed_service_pays_and_logs_the_reason(
    provider: Any, claimant: Any, coordinator: Any, coordinator_client: Any, disputed: Any
) -> None:
    clock.advance(timedelta(days=5))

    response = resolve(coordinator_client, disputed, True, "电话核实 服务已提供")

    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["resolution_reason"]) == (
        "awarded",
        "电话核实 服务已提供",
    )
    [entry] = entries_of(provider)
    assert (entry.delta, entry.reason, entry.created_by_id, entry.note) == (
        10,
        "skill_service",
        coordinator.id,
        "电话核实 服务已提供",
    )
    [line] = audit_lines("award_points")
    assert (line.actor_id, line.target_type, line.target_id, line.reason) == (
        coordinator.id,
        "award",
        disputed.id,
        "电话核实 服务已提供",
    )
    assert line.details == {"points": 10}
    assert stored_award(disputed.id).resolved_by_id == coordinator.id
    assert "dispute_resolved" in notice_kinds(provider)
    assert "dispute_resolved" in notice_kinds(claimant)


def test_coordinator_refusing_a_disputed_service_pays_nothing_and_logs_the_reason(
    cli: Any, provider: Any, coordinator: Any, coordinator_client: Any, disputed: Any
) -> None:
    response = resolve(coordinator_client, disputed, False, "服务未提供")

    assert response.status_code == 200, response.json
    assert response.json["status"] == "rejected"
    assert entries_of(provider) == []
    [line] = audit_lines("reject_points")
    assert (line.actor_id, line.target_id, line.reason) == (
        coordinator.id,
        disputed.id,
        "服务未提供",
    )
    clock.advance(timedelta(days=10))
    cli("points", "sweep")
    assert entries_of(provider) == []


def test_a_decided_dispute_cannot_be_decided_again(
    coordinator_client: Any, provider: Any, disputed: Any
) -> None:
    assert resolve(coordinator_client, disputed, False).status_code == 200

    assert_error(resolve(coordinator_client, disputed, True), 409, "invalid_transition")
    assert entries_of(provider) == []


def test_only_disputed_awards_are_decided(coordinator_client: Any, award: Any) -> None:
    assert_error(resolve(coordinator_client, award, True), 409, "invalid_transition")
    assert audit_lines("award_points") == []


def test_the_coordinators_decision_needs_a_reason(coordinator_client: Any, disputed: Any) -> None:
    response = coordinator_client.post(
        f"/api/v1/points/awards/{disputed.id}/resolve", json={"award": True}
    )

    assert_field_errors(response, "reason")
    assert stored_award(disputed.id).status == "disputed"


# --- who may do what -----------------------------------------------------------------------------


def test_only_the_person_helped_confirms_or_disputes(
    provider_client: Any, client_as: Any, coordinator_client: Any, award: Any
) -> None:
    assert_error(
        provider_client.post(f"/api/v1/points/awards/{award.id}/confirm"), 403, "forbidden"
    )
    assert_error(dispute(provider_client, award), 403, "forbidden")
    stranger = client_as(UserFactory())
    assert_error(stranger.post(f"/api/v1/points/awards/{award.id}/confirm"), 404, "not_found")
    assert_error(dispute(stranger, award), 404, "not_found")
    assert_error(
        coordinator_client.post(f"/api/v1/points/awards/{award.id}/confirm"), 403, "forbidden"
    )
    assert stored_award(award.id).status == "pending"


def test_anonymous_callers_are_told_to_log_in(client: Any, award: Any) -> None:
    assert_error(client.post(f"/api/v1/points/awards/{award.id}/confirm"), 401, "unauthorized")
    assert_error(dispute(client, award), 401, "unauthorized")
    assert_error(resolve(client, award, True), 401, "unauthorized")
    assert_error(client.get("/api/v1/points/awards"), 401, "unauthorized")


def test_only_coordinators_decide_disputes(
    provider_client: Any, claimant_client: Any, client_as: Any, disputed: Any
) -> None:
    for caller in (provider_client, claimant_client, client_as(MerchantFactory())):
        assert_error(resolve(caller, disputed, True), 403, "forbidden")
    assert stored_award(disputed.id).status == "disputed"


def test_admins_decide_disputes_too(client_as: Any, provider: Any, disputed: Any) -> None:
    assert resolve(client_as(AdminFactory()), disputed, True).status_code == 200
    assert ledger_lines(provider) == [(10, "skill_service")]


def test_deciding_an_unknown_award_is_404(coordinator_client: Any) -> None:
    response = coordinator_client.post(
        "/api/v1/points/awards/999999/resolve", json={"award": True, "reason": "核实"}
    )

    assert_error(response, 404, "not_found")


def test_each_party_lists_their_awards_and_coordinators_list_the_disputed(
    provider_client: Any,
    claimant_client: Any,
    client_as: Any,
    coordinator_client: Any,
    disputed: Any,
) -> None:
    for party in (provider_client, claimant_client):
        response = party.get("/api/v1/points/awards")
        assert response.status_code == 200
        assert [item["id"] for item in response.json["items"]] == [disputed.id]
    assert client_as(UserFactory()).get("/api/v1/points/awards").json["total"] == 0
    listed = coordinator_client.get("/api/v1/points/awards?status=disputed")
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json["items"]] == [disputed.id]
    assert coordinator_client.get("/api/v1/points/awards?status=awarded").json["total"] == 0


def test_a_second_coordinator_sees_the_first_ones_decision_in_the_audit_log(
    client_as: Any, coordinator: Any, coordinator_client: Any, disputed: Any
) -> None:
    assert resolve(coordinator_client, disputed, False, "服务未提供").status_code == 200

    response = client_as(CoordinatorFactory()).get(f"/api/v1/audit?actor_id={coordinator.id}")

    assert response.status_code == 200
    [line] = response.json["items"]
    assert (line["action"], line["target_type"], line["target_id"], line["reason"]) == (
        "reject_points",
        "award",
        disputed.id,
        "服务未提供",
    )


def test_the_window_length_is_configurable(
    app: Flask, monkeypatch: pytest.MonkeyPatch, provider: Any, claimant: Any, provider_client: Any
) -> None:
    monkeypatch.setitem(app.config, "POINTS_DISPUTE_HOURS", 24)
    booking = HandedOverSkillFactory(listing=SkillOfferFactory(owner=provider), claimant=claimant)

    assert act(provider_client, booking, "complete").status_code == 200

    assert award_of(booking).due_at == NOW + timedelta(hours=24)
