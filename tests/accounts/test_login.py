"""Logging in and out: credentials, the session cookie, /auth/me and password changes."""

from __future__ import annotations

import pytest

from tests.accounts.state import (
    client_with_cookie,
    login_failures,
    open_login_sessions,
    session_contents,
    session_cookie,
    signed_session_cookie,
    stored_user,
)
from tests.core.error_shape import assert_error
from tests.factories import PASSWORD, UserFactory

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"
NEW_PASSWORD = "a brand new passphrase"


def test_login_by_email_returns_the_user_and_a_csrf_token(client):
    user = UserFactory(email="wang@example.com")

    response = client.post(LOGIN, json={"login": "wang@example.com", "password": PASSWORD})

    assert response.status_code == 200, response.json
    assert response.json["user"]["id"] == user.id
    assert response.json["user"]["email"] == "wang@example.com"
    assert response.json["csrf_token"]
    assert open_login_sessions(user) == 1


def test_login_by_email_ignores_case_and_surrounding_spaces(client):
    user = UserFactory(email="wang@example.com")

    response = client.post(LOGIN, json={"login": "  Wang@Example.COM ", "password": PASSWORD})

    assert response.status_code == 200, response.json
    assert response.json["user"]["id"] == user.id


@pytest.mark.parametrize("entered", ["13912345678", "+86 139-1234-5678"])
def test_login_by_phone(client, entered):
    user = UserFactory(email=None, phone="13912345678")

    response = client.post(LOGIN, json={"login": entered, "password": PASSWORD})

    assert response.status_code == 200, response.json
    assert response.json["user"]["id"] == user.id


def test_wrong_password_is_refused(client):
    user = UserFactory(email="wang@example.com")

    response = client.post(LOGIN, json={"login": "wang@example.com", "password": "not it at all"})

    assert_error(response, 401, "invalid_credentials")
    assert open_login_sessions(user) == 0
    assert client.get_cookie("marketplace_session") is None
    assert login_failures() == 1


def test_unknown_login_is_refused_like_a_wrong_password(client):
    user = UserFactory(email="wang@example.com")
    wrong_password = client.post(LOGIN, json={"login": user.email, "password": "not it at all"})

    unknown = client.post(LOGIN, json={"login": "nobody@example.com", "password": PASSWORD})

    assert_error(unknown, 401, "invalid_credentials")
    assert unknown.json["error"]["message"] == wrong_password.json["error"]["message"]


def test_missing_password_is_invalid(client):
    response = client.post(LOGIN, json={"login": "wang@example.com"})

    details = assert_error(response, 422, "invalid")
    assert list(details["fields"]) == ["password"]


def test_session_cookie_is_http_only_and_same_site_lax(client):
    user = UserFactory()

    response = client.login(user.email)

    set_cookie = response.headers.getlist("Set-Cookie")
    assert len(set_cookie) == 1
    name_value, *attributes = (part.strip() for part in set_cookie[0].split(";"))
    assert name_value.startswith("marketplace_session=")
    assert "HttpOnly" in attributes
    assert "SameSite=Lax" in attributes


def test_login_replaces_whatever_session_the_browser_brought(app, client):
    """A session planted before login (session fixation) does not survive it."""
    user = UserFactory()
    planted = signed_session_cookie(app, {"planted_by": "someone else", "_user_id": "forged"})
    client.set_cookie("marketplace_session", planted)

    client.login(user.email)

    renewed = session_cookie(client)
    assert renewed != planted
    contents = session_contents(app, renewed)
    assert "planted_by" not in contents
    assert contents["_user_id"] != "forged"


def test_logging_in_again_opens_a_new_login_session(client):
    user = UserFactory()
    client.login(user.email)
    first_cookie = session_cookie(client)

    client.login(user.email)

    assert session_cookie(client) != first_cookie
    assert open_login_sessions(user) == 2


def test_me_returns_the_user_and_the_sessions_csrf_token(client):
    user = UserFactory(email="me@example.com", phone="13700000000")
    login = client.login(user.email)

    response = client.get(ME)

    assert response.status_code == 200, response.json
    assert response.json["user"]["id"] == user.id
    assert response.json["user"]["email"] == "me@example.com"
    assert response.json["user"]["phone"] == "13700000000"
    assert response.json["csrf_token"] == login.json["csrf_token"]


def test_me_without_logging_in_is_unauthorized(client):
    assert_error(client.get(ME), 401, "unauthorized")


def test_forged_session_cookie_is_ignored(app):
    user = UserFactory()
    forged = client_with_cookie(app, "not-a-signed-session")

    assert_error(forged.get(ME), 401, "unauthorized")
    assert open_login_sessions(user) == 0


def test_logout_ends_the_login_session_so_its_cookie_cannot_be_replayed(app, client):
    user = UserFactory()
    client.login(user.email)
    captured = session_cookie(client)
    assert client_with_cookie(app, captured).get(ME).status_code == 200

    response = client.post("/api/v1/auth/logout")

    assert response.status_code == 204
    assert_error(client.get(ME), 401, "unauthorized")
    assert_error(client_with_cookie(app, captured).get(ME), 401, "unauthorized")
    assert open_login_sessions(user) == 0


def test_logout_ends_only_that_login_session(client_as):
    user = UserFactory()
    phone = client_as(user)
    laptop = client_as(user)

    assert laptop.post("/api/v1/auth/logout").status_code == 204

    assert phone.get(ME).status_code == 200
    assert open_login_sessions(user) == 1


def test_logout_without_logging_in_is_unauthorized(client):
    assert_error(client.post("/api/v1/auth/logout"), 401, "unauthorized")


def change_password(client, current=PASSWORD, new=NEW_PASSWORD):
    return client.post(
        "/api/v1/auth/password", json={"current_password": current, "new_password": new}
    )


def test_password_change_ends_the_users_other_login_sessions(client_as):
    user = UserFactory()
    changing = client_as(user)
    other = client_as(user)
    assert other.get(ME).status_code == 200

    response = change_password(changing)

    assert response.status_code == 200, response.json
    assert_error(other.get(ME), 401, "unauthorized")
    changing.csrf_token = response.json["csrf_token"]
    assert changing.get(ME).json["user"]["id"] == user.id
    assert open_login_sessions(user) == 1


def test_password_change_renews_the_changing_clients_own_cookie(app, client_as):
    user = UserFactory()
    changing = client_as(user)
    before_change = session_cookie(changing)

    change_password(changing)

    assert session_cookie(changing) != before_change
    assert_error(client_with_cookie(app, before_change).get(ME), 401, "unauthorized")


def test_new_password_replaces_the_old_one_for_login(client_as, client):
    user = UserFactory()

    change_password(client_as(user))

    assert_error(client.login(user.email), 401, "invalid_credentials")
    assert client.login(user.email, NEW_PASSWORD).status_code == 200
    assert stored_user(user.id).password_hash.startswith("$argon2id$")


def test_password_change_with_wrong_current_password_is_invalid(client_as, client):
    user = UserFactory()
    changing = client_as(user)
    other = client_as(user)
    hash_before = user.password_hash

    response = change_password(changing, current="not my password")

    details = assert_error(response, 422, "invalid")
    assert list(details["fields"]) == ["current_password"]
    assert stored_user(user.id).password_hash == hash_before
    assert other.get(ME).status_code == 200
    assert changing.get(ME).status_code == 200


def test_new_password_shorter_than_8_characters_is_invalid(client_as):
    user = UserFactory()
    hash_before = user.password_hash

    response = change_password(client_as(user), new="short")

    details = assert_error(response, 422, "invalid")
    assert list(details["fields"]) == ["new_password"]
    assert stored_user(user.id).password_hash == hash_before


def test_password_change_needs_a_login(client):
    assert_error(change_password(client), 401, "unauthorized")


def test_login_that_lower_cases_beyond_254_characters_is_refused_not_an_error(client):
    """The schema checks 254 characters before lower-casing, which turns "İ" into two."""
    login = "İ" * 250 + "@a.b"

    response = client.post(LOGIN, json={"login": login, "password": PASSWORD})

    assert_error(response, 401, "invalid_credentials")
    assert login_failures() == 1
