"""Coordinators suspend, reinstate and change the role of users; admins also act on staff."""

from __future__ import annotations

import pytest

from tests.accounts.state import open_login_sessions, stored_user
from tests.core.error_shape import assert_error
from tests.factories import (
    PASSWORD,
    AdminFactory,
    CoordinatorFactory,
    MerchantFactory,
    OrganisationFactory,
    UserFactory,
)

ME = "/api/v1/auth/me"


def suspend(client, user, reason="多次爽约"):
    return client.post(f"/api/v1/users/{user.id}/suspend", json={"reason": reason})


def reinstate(client, user, reason="已沟通"):
    return client.post(f"/api/v1/users/{user.id}/reinstate", json={"reason": reason})


def change_role(client, user, role, organisation_id=None):
    body = {"role": role}
    if organisation_id is not None:
        body["organisation_id"] = organisation_id
    return client.put(f"/api/v1/users/{user.id}/role", json=body)


# --- suspension -----------------------------------------------------------------------------------


def test_coordinator_suspends_a_resident(staff, resident):
    response = suspend(staff, resident)

    assert response.status_code == 200, response.json
    assert response.json["status"] == "suspended"
    assert stored_user(resident.id).status == "suspended"


def test_suspended_resident_cannot_log_in(staff, resident, client):
    suspend(staff, resident)

    response = client.login(resident.email, PASSWORD)

    assert_error(response, 403, "account_suspended")
    assert open_login_sessions(resident) == 0
    assert client.get_cookie("marketplace_session") is None


def test_suspension_stops_the_residents_open_session(staff, resident, client_as):
    residents_browser = client_as(resident)
    assert residents_browser.get(ME).status_code == 200

    suspend(staff, resident)

    assert_error(residents_browser.get(ME), 401, "unauthorized")
    response = residents_browser.patch(ME, json={"display_name": "还想改名"})
    assert_error(response, 401, "unauthorized")
    assert stored_user(resident.id).display_name != "还想改名"


def test_suspension_stops_the_residents_bearer_tokens(staff, resident, client_as, client):
    created = client_as(resident).post("/api/v1/auth/tokens", json={"name": "script"})
    client.bearer = created.json["token"]
    assert client.get(ME).status_code == 200

    suspend(staff, resident)

    assert_error(client.get(ME), 401, "unauthorized")


def test_reinstated_resident_can_log_in_again(staff, resident, client):
    suspend(staff, resident)

    response = reinstate(staff, resident)

    assert response.status_code == 200, response.json
    assert response.json["status"] == "active"
    assert stored_user(resident.id).status == "active"
    assert client.login(resident.email, PASSWORD).status_code == 200


def test_reinstatement_does_not_revive_sessions_or_tokens_ended_by_the_suspension(
    staff, resident, client_as, client
):
    session_client = client_as(resident)
    secret = session_client.post("/api/v1/auth/tokens", json={"name": "script"}).json["token"]
    suspend(staff, resident)

    reinstate(staff, resident)

    assert session_client.get("/api/v1/auth/me").status_code == 401
    bearer = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"})
    assert bearer.status_code == 401
    assert client.login(resident.email, PASSWORD).status_code == 200


def test_resident_cannot_suspend_anyone(client_as, resident):
    neighbour = UserFactory()

    response = suspend(client_as(resident), neighbour)

    assert_error(response, 403, "forbidden")
    assert stored_user(neighbour.id).status == "active"


def test_anonymous_visitor_cannot_suspend_anyone(client, resident):
    assert_error(suspend(client, resident), 401, "unauthorized")
    assert stored_user(resident.id).status == "active"


@pytest.mark.parametrize(
    "staff_factory", [CoordinatorFactory, AdminFactory], ids=["coordinator", "admin"]
)
def test_coordinator_cannot_suspend_staff(staff, staff_factory):
    colleague = staff_factory()

    response = suspend(staff, colleague)

    assert_error(response, 403, "forbidden")
    assert stored_user(colleague.id).status == "active"


@pytest.mark.parametrize(
    "staff_factory", [CoordinatorFactory, AdminFactory], ids=["coordinator", "admin"]
)
def test_admin_can_suspend_staff(admin_client, staff_factory, client):
    colleague = staff_factory()

    response = suspend(admin_client, colleague)

    assert response.status_code == 200, response.json
    assert stored_user(colleague.id).status == "suspended"
    assert_error(client.login(colleague.email), 403, "account_suspended")


def test_coordinator_cannot_reinstate_a_suspended_coordinator(admin_client, staff):
    colleague = CoordinatorFactory(status="suspended")

    response = reinstate(staff, colleague)

    assert_error(response, 403, "forbidden")
    assert stored_user(colleague.id).status == "suspended"
    assert reinstate(admin_client, colleague).status_code == 200


def test_nobody_suspends_themselves(admin_client, admin):
    assert_error(suspend(admin_client, admin), 403, "forbidden")
    assert stored_user(admin.id).status == "active"


def test_suspending_a_suspended_user_is_a_conflict(staff, resident):
    suspend(staff, resident)

    assert_error(suspend(staff, resident), 409, "already_suspended")


def test_reinstating_an_active_user_is_a_conflict(staff, resident):
    assert_error(reinstate(staff, resident), 409, "not_suspended")


def test_suspension_needs_a_reason(staff, resident):
    response = suspend(staff, resident, reason="   ")

    details = assert_error(response, 422, "invalid")
    assert list(details["fields"]) == ["reason"]
    assert stored_user(resident.id).status == "active"


def test_suspending_a_missing_user_is_not_found(staff):
    response = staff.post("/api/v1/users/999999/suspend", json={"reason": "不存在"})

    assert_error(response, 404, "not_found")


# --- roles ----------------------------------------------------------------------------------------


def test_coordinator_makes_a_resident_a_merchant_of_an_organisation(staff, resident):
    organisation = OrganisationFactory(name="清溪理发店")

    response = change_role(staff, resident, "merchant", organisation.id)

    assert response.status_code == 200, response.json
    assert response.json["role"] == "merchant"
    assert response.json["organisation"]["name"] == "清溪理发店"
    stored = stored_user(resident.id)
    assert stored.role == "merchant"
    assert stored.organisation_id == organisation.id


def test_merchant_role_without_an_organisation_is_invalid(staff, resident):
    response = change_role(staff, resident, "merchant")

    details = assert_error(response, 422, "invalid")
    assert list(details["fields"]) == ["organisation_id"]
    assert stored_user(resident.id).role == "resident"


def test_leaving_the_merchant_role_leaves_the_organisation(staff):
    merchant = MerchantFactory()

    response = change_role(staff, merchant, "resident")

    assert response.status_code == 200, response.json
    stored = stored_user(merchant.id)
    assert stored.role == "resident"
    assert stored.organisation_id is None


def test_coordinator_cannot_grant_admin(staff, resident):
    response = change_role(staff, resident, "admin")

    assert_error(response, 403, "forbidden")
    assert stored_user(resident.id).role == "resident"


def test_admin_grants_admin(admin_client, resident):
    response = change_role(admin_client, resident, "admin")

    assert response.status_code == 200, response.json
    assert stored_user(resident.id).role == "admin"


@pytest.mark.parametrize(
    "staff_factory", [CoordinatorFactory, AdminFactory], ids=["coordinator", "admin"]
)
def test_coordinator_cannot_change_the_role_of_staff(staff, staff_factory):
    colleague = staff_factory()
    role_before = colleague.role

    response = change_role(staff, colleague, "resident")

    assert_error(response, 403, "forbidden")
    assert stored_user(colleague.id).role == role_before


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_nobody_changes_their_own_role(client_as, role):
    user = UserFactory(role=role)

    response = change_role(client_as(user), user, "resident")

    assert_error(response, 403, "forbidden")
    assert stored_user(user.id).role == role


def test_resident_cannot_change_roles(client_as, resident):
    neighbour = UserFactory()

    response = change_role(client_as(resident), neighbour, "coordinator")

    assert_error(response, 403, "forbidden")
    assert stored_user(neighbour.id).role == "resident"


def test_anonymous_visitor_cannot_change_roles(client, resident):
    assert_error(change_role(client, resident, "coordinator"), 401, "unauthorized")
    assert stored_user(resident.id).role == "resident"


def test_unknown_role_is_invalid(staff, resident):
    response = change_role(staff, resident, "superuser")

    details = assert_error(response, 422, "invalid")
    assert list(details["fields"]) == ["role"]
    assert stored_user(resident.id).role == "resident"


def test_making_a_merchant_of_an_unknown_organisation_is_invalid(staff, resident):
    response = change_role(staff, resident, "merchant", organisation_id=999_999)

    details = assert_error(response, 422, "invalid")
    assert list(details["fields"]) == ["organisation_id"]
    assert stored_user(resident.id).role == "resident"
