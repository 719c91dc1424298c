"""Coordinators grant points for volunteering (a reason is required and the grant goes into the
audit log) and revoke a grant only by a compensating entry, never by editing it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import AdminFactory, CoordinatorFactory, MerchantFactory, UserFactory
from tests.points.helpers import (
    assert_balance_is_the_ledger,
    assert_error,
    assert_field_errors,
    audit_lines,
    balance_of,
    earned_of,
    entries_of,
    ledger_lines,
    notice_kinds,
)
from tests.points_factories import PointsEntryFactory, RedemptionFactory, give_points


def grant(client: Any, user: Any, points: int = 20, reason: str = "健康广场义务清洁") -> Any:
    return client.post(
        "/api/v1/points/grants", json={"user_id": user.id, "points": points, "reason": reason}
    )


def revoke(client: Any, entry_id: int, reason: str = "重复登记") -> Any:
    return client.post(f"/api/v1/points/grants/{entry_id}/revoke", json={"reason": reason})


def test_coordinator_grants_points_for_volunteering(
    coordinator: Any, coordinator_client: Any, claimant: Any
) -> None:
    response = grant(coordinator_client, claimant, 20, "重阳节敬老活动志愿者")

    assert response.status_code == 201, response.json
    body = response.json
    assert (body["delta"], body["reason"], body["created_by_id"], body["note"]) == (
        20,
        "volunteer_grant",
        coordinator.id,
        "重阳节敬老活动志愿者",
    )
    [entry] = entries_of(claimant)
    assert entry.id == body["id"]
    assert (balance_of(claimant), earned_of(claimant)) == (20, 20)
    [line] = audit_lines("grant_points")
    assert (line.actor_id, line.target_type, line.target_id, line.reason) == (
        coordinator.id,
        "user",
        claimant.id,
        "重阳节敬老活动志愿者",
    )
    assert line.details == {"points": 20, "entry_id": entry.id}
    assert "points_granted" in notice_kinds(claimant)
    assert_balance_is_the_ledger(claimant)


def test_admins_grant_too(client_as: Any, claimant: Any) -> None:
    assert grant(client_as(AdminFactory()), claimant).status_code == 201
    assert balance_of(claimant) == 20


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"points": 20}, ["reason"]),
        ({"points": 20, "reason": ""}, ["reason"]),
        ({"points": 20, "reason": "   "}, ["reason"]),
        ({"points": 0, "reason": "清洁"}, ["points"]),
        ({"points": -5, "reason": "清洁"}, ["points"]),
        ({"points": 501, "reason": "清洁"}, ["points"]),
        ({"reason": "清洁"}, ["points"]),
    ],
)
def test_a_grant_needs_a_reason_and_a_sensible_amount(
    coordinator_client: Any, claimant: Any, body: dict[str, Any], fields: list[str]
) -> None:
    response = coordinator_client.post(
        "/api/v1/points/grants", json={"user_id": claimant.id, **body}
    )

    assert_field_errors(response, *fields)
    assert entries_of(claimant) == []
    assert audit_lines("grant_points") == []


def test_granting_to_an_unknown_user_is_invalid(coordinator_client: Any) -> None:
    response = coordinator_client.post(
        "/api/v1/points/grants", json={"user_id": 999_999, "points": 5, "reason": "清洁"}
    )

    assert_field_errors(response, "user_id")
    assert audit_lines("grant_points") == []


def test_anonymous_callers_cannot_grant(client: Any, claimant: Any) -> None:
    assert_error(grant(client, claimant), 401, "unauthorized")
    assert entries_of(claimant) == []


@pytest.mark.parametrize("factory", [UserFactory, MerchantFactory])
def test_residents_and_merchants_cannot_grant(client_as: Any, claimant: Any, factory: Any) -> None:
    caller = factory()

    assert_error(grant(client_as(caller), caller), 403, "forbidden")
    assert_error(grant(client_as(caller), claimant), 403, "forbidden")
    assert entries_of(claimant) == entries_of(caller) == []


# --- revoking ------------------------------------------------------------------------------------


@pytest.fixture
def granted(coordinator_client: Any, claimant: Any) -> dict[str, Any]:
    response = grant(coordinator_client, claimant, 20)
    assert response.status_code == 201
    return response.json


def test_revoking_adds_a_compensating_entry_and_keeps_the_grant(
    client_as: Any, claimant: Any, granted: dict[str, Any]
) -> None:
    other_coordinator = CoordinatorFactory()

    response = revoke(client_as(other_coordinator), granted["id"], "重复登记")

    assert response.status_code == 201, response.json
    body = response.json
    assert (body["delta"], body["reason"], body["reference_type"], body["reference_id"]) == (
        -20,
        "grant_revoked",
        "grant",
        granted["id"],
    )
    assert (body["created_by_id"], body["note"]) == (other_coordinator.id, "重复登记")
    grant_entry, revocation = entries_of(claimant)
    assert (grant_entry.id, grant_entry.delta, grant_entry.reason) == (
        granted["id"],
        20,
        "volunteer_grant",
    )
    assert revocation.id == body["id"]
    assert (balance_of(claimant), earned_of(claimant)) == (0, 0)
    [line] = audit_lines("revoke_points")
    assert (line.actor_id, line.target_type, line.target_id, line.reason) == (
        other_coordinator.id,
        "user",
        claimant.id,
        "重复登记",
    )
    assert line.details == {"points": 20, "entry_id": revocation.id}
    assert_balance_is_the_ledger(claimant)


def test_a_grant_is_revoked_once(
    coordinator_client: Any, claimant: Any, granted: dict[str, Any]
) -> None:
    give_points(claimant, 50)  # enough to pay a second revocation, were it allowed
    assert revoke(coordinator_client, granted["id"]).status_code == 201

    assert_error(revoke(coordinator_client, granted["id"]), 409, "already_revoked")
    assert ledger_lines(claimant) == [
        (20, "volunteer_grant"),
        (50, "volunteer_grant"),
        (-20, "grant_revoked"),
    ]


def test_spent_points_cannot_be_revoked_below_zero(
    coordinator_client: Any, claimant: Any, granted: dict[str, Any]
) -> None:
    RedemptionFactory(resident=claimant, reward__points_cost=15)

    assert_error(revoke(coordinator_client, granted["id"]), 409, "insufficient_points")
    assert ledger_lines(claimant) == [(20, "volunteer_grant"), (-15, "redemption")]
    assert balance_of(claimant) == 5
    assert audit_lines("revoke_points") == []


def test_only_grants_are_revoked(coordinator_client: Any, claimant: Any) -> None:
    skill_entry = PointsEntryFactory(user=claimant, reason="skill_service", note="")

    assert_error(revoke(coordinator_client, skill_entry.id), 404, "not_found")
    assert_error(revoke(coordinator_client, 999_999), 404, "not_found")
    assert balance_of(claimant) == 10


def test_a_revocation_needs_a_reason(
    coordinator_client: Any, claimant: Any, granted: dict[str, Any]
) -> None:
    response = coordinator_client.post(f"/api/v1/points/grants/{granted['id']}/revoke", json={})

    assert_field_errors(response, "reason")
    assert balance_of(claimant) == 20


def test_only_coordinators_revoke(
    client: Any, client_as: Any, claimant: Any, granted: dict[str, Any]
) -> None:
    assert_error(revoke(client, granted["id"]), 401, "unauthorized")
    for caller in (claimant, UserFactory(), MerchantFactory()):
        assert_error(revoke(client_as(caller), granted["id"]), 403, "forbidden")
    assert ledger_lines(claimant) == [(20, "volunteer_grant")]


def test_staff_cannot_grant_points_to_themselves(coordinator: Any, coordinator_client: Any) -> None:
    response = grant(coordinator_client, coordinator)

    assert_error(response, 403, "own_grant")
    assert entries_of(coordinator) == []
    assert audit_lines("grant_points") == []
