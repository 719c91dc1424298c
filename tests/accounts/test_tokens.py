"""Bearer tokens for API clients: shown once, stored hashed, revocable."""

from __future__ import annotations

import hashlib

from tests.accounts.state import stored_tokens
from tests.core.error_shape import assert_error
from tests.factories import ApiTokenFactory, UserFactory

TOKENS = "/api/v1/auth/tokens"
ME = "/api/v1/auth/me"


def create_token(browser, name="家里的脚本"):
    response = browser.post(TOKENS, json={"name": name})
    assert response.status_code == 201, response.json
    return response.json


def test_created_token_shows_its_secret_once(client_as):
    user = UserFactory()
    browser = client_as(user)

    created = create_token(browser)

    assert created["name"] == "家里的脚本"
    assert created["token"].startswith("mkt_")
    assert created["prefix"] == created["token"][:12]
    listed = browser.get(TOKENS).json
    assert [token["id"] for token in listed] == [created["id"]]
    assert "token" not in listed[0]
    assert listed[0]["prefix"] == created["prefix"]


def test_only_the_hash_of_a_token_is_stored(client_as):
    user = UserFactory()

    secret = create_token(client_as(user))["token"]

    [stored] = stored_tokens(user)
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (stored.token_hash, stored.prefix, stored.name)


def test_bearer_token_authenticates_a_request(client_as, client):
    user = UserFactory()
    secret = create_token(client_as(user))["token"]

    response = client.get(ME, headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 200, response.json
    assert response.json["user"]["id"] == user.id


def test_bearer_request_opens_no_cookie_session(client_as, client):
    user = UserFactory()
    client.bearer = create_token(client_as(user))["token"]

    response = client.get(ME)

    assert response.json["user"]["id"] == user.id
    assert "Set-Cookie" not in response.headers
    assert client.get_cookie("marketplace_session") is None


def test_unknown_bearer_token_is_unauthorized(client):
    UserFactory()
    client.bearer = "mkt_" + "x" * 43

    assert_error(client.get(ME), 401, "unauthorized")


def test_revoked_token_no_longer_authenticates(client_as, client):
    user = UserFactory()
    browser = client_as(user)
    created = create_token(browser)
    client.bearer = created["token"]
    assert client.get(ME).status_code == 200

    response = browser.delete(f"{TOKENS}/{created['id']}")

    assert response.status_code == 204
    assert_error(client.get(ME), 401, "unauthorized")
    assert browser.get(TOKENS).json == []
    assert stored_tokens(user)[0].revoked_at is not None


def test_token_can_revoke_itself(client_as, client):
    created = create_token(client_as(UserFactory()))
    client.bearer = created["token"]

    assert client.delete(f"{TOKENS}/{created['id']}").status_code == 204

    assert_error(client.get(ME), 401, "unauthorized")


def test_revoking_someone_elses_token_is_not_found(client_as):
    owner = UserFactory()
    owners_token = create_token(client_as(owner))
    intruder = client_as(UserFactory())

    response = intruder.delete(f"{TOKENS}/{owners_token['id']}")

    assert_error(response, 404, "not_found")
    assert stored_tokens(owner)[0].revoked_at is None


def test_revoking_a_token_twice_is_not_found(client_as):
    browser = client_as(UserFactory())
    created = create_token(browser)
    browser.delete(f"{TOKENS}/{created['id']}")

    assert_error(browser.delete(f"{TOKENS}/{created['id']}"), 404, "not_found")


def test_token_list_shows_only_the_callers_tokens(client_as):
    user = UserFactory()
    ApiTokenFactory(user=UserFactory(), name="someone else's")
    browser = client_as(user)
    mine = create_token(browser, "mine")

    listed = browser.get(TOKENS).json

    assert [token["id"] for token in listed] == [mine["id"]]


def test_token_needs_a_name(client_as):
    user = UserFactory()

    response = client_as(user).post(TOKENS, json={})

    details = assert_error(response, 422, "invalid")
    assert list(details["fields"]) == ["name"]
    assert stored_tokens(user) == []


def test_anonymous_caller_cannot_create_a_token(client):
    assert_error(client.post(TOKENS, json={"name": "script"}), 401, "unauthorized")
