"""Reading users (staff see the list, anyone a public profile) and verifying organisations."""

from __future__ import annotations

import pytest

from tests.accounts.state import stored_organisation
from tests.core.error_shape import assert_error
from tests.factories import MerchantFactory, OrganisationFactory, UserFactory

USERS = "/api/v1/users"


def test_staff_page_through_users_in_id_order(staff, coordinator):
    residents = UserFactory.create_batch(4)
    everyone = sorted([coordinator.id, *(user.id for user in residents)])

    response = staff.get(USERS, query_string={"page": 2, "per_page": 2})

    assert response.status_code == 200, response.json
    assert response.json["total"] == len(everyone)
    assert response.json["page"] == 2
    assert response.json["per_page"] == 2
    assert [user["id"] for user in response.json["items"]] == everyone[2:4]


def test_staff_see_contact_details_in_the_list(staff):
    user = UserFactory(email="listed@example.com", phone="13600000000")

    response = staff.get(USERS, query_string={"role": "resident"})

    [listed] = response.json["items"]
    assert listed["id"] == user.id
    assert listed["email"] == "listed@example.com"
    assert listed["phone"] == "13600000000"


def test_staff_filter_users_by_status(staff):
    suspended = UserFactory(status="suspended")
    UserFactory()

    response = staff.get(USERS, query_string={"status": "suspended"})

    assert [user["id"] for user in response.json["items"]] == [suspended.id]
    assert response.json["total"] == 1


def test_staff_filter_users_by_role(staff):
    merchants = MerchantFactory.create_batch(2)
    UserFactory()

    response = staff.get(USERS, query_string={"role": "merchant"})

    assert sorted(user["id"] for user in response.json["items"]) == sorted(
        merchant.id for merchant in merchants
    )
    assert response.json["total"] == 2


def test_unknown_status_filter_is_invalid(staff):
    details = assert_error(staff.get(USERS, query_string={"status": "banned"}), 422, "invalid")
    assert list(details["fields"]) == ["status"]


def test_resident_cannot_list_users(client_as, resident):
    assert_error(client_as(resident).get(USERS), 403, "forbidden")


def test_anonymous_visitor_cannot_list_users(client):
    assert_error(client.get(USERS), 401, "unauthorized")


def test_public_profile_shows_no_contact_details(client):
    user = UserFactory(email="private@example.com", phone="13500000000", display_name="李师傅")

    response = client.get(f"{USERS}/{user.id}")

    assert response.status_code == 200, response.json
    assert response.json["display_name"] == "李师傅"
    assert response.json["role"] == "resident"
    assert "email" not in response.json
    assert "phone" not in response.json
    assert "private@example.com" not in response.get_data(as_text=True)
    assert "13500000000" not in response.get_data(as_text=True)


def test_public_profile_of_a_missing_user_is_not_found(client):
    assert_error(client.get(f"{USERS}/999999"), 404, "not_found")


def verify(client, organisation, verified=True):
    return client.put(
        f"/api/v1/organisations/{organisation.id}/verification", json={"verified": verified}
    )


def stored_verification(organisation):
    return stored_organisation(organisation.id).verified


def test_coordinator_verifies_an_organisation(staff):
    organisation = OrganisationFactory(verified=False)

    response = verify(staff, organisation)

    assert response.status_code == 200, response.json
    assert response.json["verified"] is True
    assert stored_verification(organisation) is True


def test_coordinator_withdraws_a_verification(staff):
    organisation = OrganisationFactory(verified=True)

    assert verify(staff, organisation, verified=False).status_code == 200

    assert stored_verification(organisation) is False


@pytest.mark.parametrize("member", [False, True], ids=["resident", "own-merchant"])
def test_non_staff_cannot_verify_an_organisation(client_as, member):
    organisation = OrganisationFactory(verified=False)
    user = MerchantFactory(organisation=organisation) if member else UserFactory()

    response = verify(client_as(user), organisation)

    assert_error(response, 403, "forbidden")
    assert stored_verification(organisation) is False


def test_anonymous_visitor_cannot_verify_an_organisation(client):
    organisation = OrganisationFactory(verified=False)

    assert_error(verify(client, organisation), 401, "unauthorized")
    assert stored_verification(organisation) is False


def test_verifying_a_missing_organisation_is_not_found(staff):
    response = staff.put("/api/v1/organisations/999999/verification", json={"verified": True})

    assert_error(response, 404, "not_found")


def test_staff_list_the_organisations_by_name_and_nobody_else_does(coordinator):
    from marketplace.accounts import services
    from marketplace.errors import Forbidden

    OrganisationFactory(name="清溪理发店")
    OrganisationFactory(name="便民超市")

    names = [organisation.name for organisation in services.list_organisations(coordinator)]

    assert names == sorted(names) and {"清溪理发店", "便民超市"} <= set(names)
    for outsider in (UserFactory(), MerchantFactory()):
        with pytest.raises(Forbidden):
            services.list_organisations(outsider)
