"""Self-registration: who may register with what, and what is stored."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from tests.accounts.state import organisation_count, organisation_named, user_by_email, user_count
from tests.core.error_shape import assert_error
from tests.factories import OrganisationFactory, UserFactory

REGISTER = "/api/v1/auth/register"
PASSWORD = "清溪 sharing 2024"


def registration(**fields: object) -> dict[str, object]:
    return {"password": PASSWORD, "display_name": "王阿姨", **fields}


def test_resident_registers_with_email_only(client):
    response = client.post(REGISTER, json=registration(email="wang@example.com"))

    assert response.status_code == 201, response.json
    assert response.json["email"] == "wang@example.com"
    assert response.json["phone"] is None
    assert response.json["role"] == "resident"
    assert response.json["status"] == "active"
    stored = user_by_email("wang@example.com")
    assert stored is not None
    assert stored.id == response.json["id"]
    assert stored.phone is None
    assert stored.role == "resident"


def test_resident_registers_with_phone_only(client):
    before = user_count()

    response = client.post(REGISTER, json=registration(phone="13912345678"))

    assert response.status_code == 201, response.json
    assert response.json["phone"] == "13912345678"
    assert response.json["email"] is None
    assert user_count() == before + 1


@pytest.mark.parametrize(
    "entered",
    ["+86 139-1234-5678", "0086 139 1234 5678", "(139)1234-5678", "１３９１２３４５６７８"],
    ids=["plus86-dashes", "0086-spaces", "brackets", "full-width"],
)
def test_tolerated_phone_forms_are_stored_as_eleven_digits(client, entered):
    response = client.post(REGISTER, json=registration(phone=entered))

    assert response.status_code == 201, response.json
    assert response.json["phone"] == "13912345678"


def test_resident_registers_with_email_and_phone(client):
    response = client.post(REGISTER, json=registration(email="li@example.com", phone="13800000001"))

    assert response.status_code == 201, response.json
    stored = user_by_email("li@example.com")
    assert stored is not None
    assert stored.phone == "13800000001"


def test_email_is_stored_lower_cased(client):
    response = client.post(REGISTER, json=registration(email="Zhang.Wei@Example.COM"))

    assert response.status_code == 201, response.json
    assert response.json["email"] == "zhang.wei@example.com"
    assert user_by_email("zhang.wei@example.com") is not None


@pytest.mark.parametrize(
    "contact",
    [{}, {"email": None, "phone": None}, {"email": "", "phone": ""}],
    ids=["absent", "null", "empty"],
)
def test_registration_without_email_or_phone_is_invalid(client, contact):
    before = user_count()

    response = client.post(REGISTER, json=registration(**contact))

    details = assert_error(response, 422, "invalid")
    assert details["fields"]["email"]
    assert user_count() == before


@pytest.mark.parametrize("password", ["seven77", "x" * 129], ids=["7-chars", "129-chars"])
def test_password_outside_8_to_128_characters_is_invalid(client, password):
    before = user_count()

    response = client.post(
        REGISTER, json=registration(email="short@example.com", password=password)
    )

    details = assert_error(response, 422, "invalid")
    assert list(details["fields"]) == ["password"]
    assert user_count() == before


@pytest.mark.parametrize("password", ["eight888", "x" * 128], ids=["8-chars", "128-chars"])
def test_password_of_8_or_128_characters_is_accepted(client, password):
    response = client.post(REGISTER, json=registration(email="edge@example.com", password=password))

    assert response.status_code == 201, response.json


@pytest.mark.parametrize(
    "phone", ["12912345678", "1391234567", "139123456789", "23912345678", "phone"]
)
def test_phone_that_is_not_a_mainland_mobile_number_is_invalid(client, phone):
    before = user_count()

    response = client.post(REGISTER, json=registration(phone=phone))

    details = assert_error(response, 422, "invalid")
    assert list(details["fields"]) == ["phone"]
    assert user_count() == before


def test_malformed_email_is_invalid(client):
    response = client.post(REGISTER, json=registration(email="not-an-address"))

    details = assert_error(response, 422, "invalid")
    assert list(details["fields"]) == ["email"]


def test_display_name_is_required(client):
    response = client.post(REGISTER, json={"email": "noname@example.com", "password": PASSWORD})

    details = assert_error(response, 422, "invalid")
    assert list(details["fields"]) == ["display_name"]


def test_email_already_registered_in_other_case_is_a_conflict(client):
    UserFactory(email="foo@example.com")
    before = user_count()

    response = client.post(REGISTER, json=registration(email="Foo@Example.com"))

    assert_error(response, 409, "email_taken")
    assert user_count() == before


def test_second_registration_of_an_email_in_other_case_is_a_conflict(client):
    first = client.post(REGISTER, json=registration(email="Foo@Example.com"))
    assert first.status_code == 201, first.json

    response = client.post(REGISTER, json=registration(email="foo@example.com"))

    assert_error(response, 409, "email_taken")


def test_phone_already_registered_is_a_conflict(client):
    UserFactory(email=None, phone="13912345678")
    before = user_count()

    response = client.post(
        REGISTER, json=registration(email="new@example.com", phone="+86 139 1234 5678")
    )

    assert_error(response, 409, "phone_taken")
    assert user_count() == before
    assert user_by_email("new@example.com") is None


def test_merchant_registration_creates_the_organisation(client):
    response = client.post(
        REGISTER,
        json=registration(email="shop@example.com", organisation_name="清溪便民超市"),
    )

    assert response.status_code == 201, response.json
    assert response.json["role"] == "merchant"
    assert response.json["organisation"]["name"] == "清溪便民超市"
    assert response.json["organisation"]["kind"] == "merchant"
    assert response.json["organisation"]["verified"] is False
    organisation = organisation_named("清溪便民超市")
    assert organisation is not None
    assert organisation.verified is False
    stored = user_by_email("shop@example.com")
    assert stored.role == "merchant"
    assert stored.organisation_id == organisation.id


def test_registration_names_the_kind_of_organisation(client):
    response = client.post(
        REGISTER,
        json=registration(
            email="ngo@example.com",
            organisation_name="雕庄志愿者协会",
            organisation_kind="social_organisation",
        ),
    )

    assert response.status_code == 201, response.json
    assert organisation_named("雕庄志愿者协会").kind == "social_organisation"


def test_organisation_name_already_taken_is_a_conflict(client):
    OrganisationFactory(name="Qingxi Bakery")
    organisations_before, users_before = organisation_count(), user_count()

    response = client.post(
        REGISTER,
        json=registration(email="baker@example.com", organisation_name="qingxi bakery"),
    )

    assert_error(response, 409, "organisation_exists")
    assert organisation_count() == organisations_before
    assert user_count() == users_before


def test_password_is_stored_as_an_argon2id_hash(client):
    response = client.post(REGISTER, json=registration(email="hash@example.com"))

    assert response.status_code == 201, response.json
    assert "password" not in response.json
    assert "password_hash" not in response.json
    stored_hash = user_by_email("hash@example.com").password_hash
    assert stored_hash.startswith("$argon2id$")
    assert PASSWORD not in stored_hash
    assert PasswordHasher().verify(stored_hash, PASSWORD)


def test_registration_does_not_log_in(client):
    client.post(REGISTER, json=registration(email="later@example.com"))

    assert_error(client.get("/api/v1/auth/me"), 401, "unauthorized")


def test_role_in_the_registration_body_is_refused(client):
    response = client.post(REGISTER, json=registration(email="sneaky@example.com", role="admin"))

    details = assert_error(response, 422, "invalid")
    assert list(details["fields"]) == ["role"]
    assert user_by_email("sneaky@example.com") is None
