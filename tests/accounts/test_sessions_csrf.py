"""A request that uses the session cookie to change something must carry the session's CSRF
token in X-CSRF-Token; a bearer token is not sent by browsers on their own, so it needs none."""

from __future__ import annotations

from tests.accounts.state import stored_tokens, stored_user
from tests.core.error_shape import assert_error
from tests.factories import PASSWORD, ApiTokenFactory, UserFactory

ME = "/api/v1/auth/me"


def test_profile_change_without_csrf_header_is_refused(client_as):
    user = UserFactory(display_name="王阿姨")
    browser = client_as(user)
    browser.csrf_token = None

    response = browser.patch(ME, json={"display_name": "改了名"})

    assert_error(response, 403, "csrf_failed")
    assert stored_user(user.id).display_name == "王阿姨"


def test_profile_change_with_a_wrong_csrf_header_is_refused(client_as):
    user = UserFactory(display_name="王阿姨")
    browser = client_as(user)

    response = browser.patch(
        ME, json={"display_name": "改了名"}, headers={"X-CSRF-Token": "0" * 64}
    )

    assert_error(response, 403, "csrf_failed")
    assert stored_user(user.id).display_name == "王阿姨"


def test_csrf_token_of_another_login_session_is_refused(client_as):
    user = UserFactory(display_name="王阿姨")
    browser = client_as(user)
    other_session_token = client_as(UserFactory()).csrf_token

    response = browser.patch(
        ME, json={"display_name": "改了名"}, headers={"X-CSRF-Token": other_session_token}
    )

    assert_error(response, 403, "csrf_failed")
    assert stored_user(user.id).display_name == "王阿姨"


def test_profile_change_with_the_csrf_header_succeeds(client_as):
    user = UserFactory(display_name="王阿姨")
    browser = client_as(user)

    response = browser.patch(ME, json={"display_name": "王阿姨家"})

    assert response.status_code == 200, response.json
    assert stored_user(user.id).display_name == "王阿姨家"


def test_token_creation_without_csrf_header_is_refused(client_as):
    user = UserFactory()
    browser = client_as(user)
    browser.csrf_token = None

    response = browser.post("/api/v1/auth/tokens", json={"name": "script"})

    assert_error(response, 403, "csrf_failed")
    assert stored_tokens(user) == []


def test_token_revocation_without_csrf_header_is_refused(client_as):
    user = UserFactory()
    token = ApiTokenFactory(user=user)
    browser = client_as(user)
    browser.csrf_token = None

    response = browser.delete(f"/api/v1/auth/tokens/{token.id}")

    assert_error(response, 403, "csrf_failed")
    assert stored_tokens(user)[0].revoked_at is None


def test_logout_without_csrf_header_is_refused(client_as):
    user = UserFactory()
    browser = client_as(user)
    csrf_token = browser.csrf_token
    browser.csrf_token = None

    response = browser.post("/api/v1/auth/logout")

    assert_error(response, 403, "csrf_failed")
    browser.csrf_token = csrf_token
    assert browser.get(ME).status_code == 200


def test_password_change_without_csrf_header_is_refused(client_as):
    user = UserFactory()
    browser = client_as(user)
    browser.csrf_token = None
    hash_before = user.password_hash

    response = browser.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "attacker's choice"},
    )

    assert_error(response, 403, "csrf_failed")
    assert stored_user(user.id).password_hash == hash_before


def test_csrf_token_of_a_session_ended_by_a_password_change_is_refused(client_as):
    user = UserFactory(display_name="王阿姨")
    browser = client_as(user)
    old_token = browser.csrf_token
    changed = browser.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "a new passphrase"},
    )
    assert changed.json["csrf_token"] != old_token

    response = browser.patch(
        ME, json={"display_name": "改了名"}, headers={"X-CSRF-Token": old_token}
    )

    assert_error(response, 403, "csrf_failed")
    assert stored_user(user.id).display_name == "王阿姨"


def test_bearer_token_request_needs_no_csrf_header(client, app):
    user = UserFactory(display_name="王阿姨")
    browser = app.test_client()
    browser.login(user.email)
    secret = browser.post("/api/v1/auth/tokens", json={"name": "script"}).json["token"]
    client.bearer = secret

    response = client.patch(ME, json={"display_name": "脚本改名"})

    assert response.status_code == 200, response.json
    assert stored_user(user.id).display_name == "脚本改名"


def test_bogus_bearer_header_does_not_let_a_cookie_skip_the_csrf_check(client_as):
    """The bearer header decides who the caller is; an invalid one makes them nobody."""
    user = UserFactory(display_name="王阿姨")
    browser = client_as(user)
    browser.csrf_token = None

    response = browser.patch(
        ME, json={"display_name": "改了名"}, headers={"Authorization": "Bearer mkt_made_up"}
    )

    assert_error(response, 401, "unauthorized")
    assert stored_user(user.id).display_name == "王阿姨"


def test_logging_in_from_a_logged_in_browser_needs_no_csrf_header(client_as):
    """Login acts as nobody yet, so the cookie of an earlier login gives it nothing to forge."""
    browser = client_as(UserFactory())
    browser.csrf_token = None
    other = UserFactory()

    response = browser.post("/api/v1/auth/login", json={"login": other.email, "password": PASSWORD})

    assert response.status_code == 200, response.json
    assert browser.get(ME).json["user"]["id"] == other.id
