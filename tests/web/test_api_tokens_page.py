"""API tokens on the account page: created with the secret shown once (in the answer to the post
only, never kept by the browser or the session), listed by name and prefix, and revoked."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from marketplace.accounts.models import ApiToken
from marketplace.extensions import db
from tests.factories import ApiTokenFactory, UserFactory
from tests.web.pages import form_token, post_form, text_of

ACCOUNT = "/me/account"
ME = "/api/v1/auth/me"
SECRET = re.compile(r'<code class="secret">([^<]+)</code>')


def stored(token_id: int) -> ApiToken:
    db.session.expire_all()
    return db.session.get(ApiToken, token_id)


def tokens_of(user) -> list[ApiToken]:
    db.session.expire_all()
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))


def create(browser, name: str = "家里的脚本"):
    return post_form(browser, "/me/tokens", {"name": name}, token_from=ACCOUNT)


def secret_on(response) -> str:
    match = SECRET.search(text_of(response))
    assert match, text_of(response)
    return match.group(1)


def as_bearer(client, secret: str):
    return client.get(ME, headers={"Authorization": f"Bearer {secret}"})


def test_a_created_token_is_shown_once_and_works_as_a_bearer_token(browser_as, client):
    user = UserFactory()
    browser = browser_as(user)

    response = create(browser)

    assert response.status_code == 201
    secret = secret_on(response)
    assert secret.startswith("mkt_")
    assert "只显示这一次" in text_of(response)
    me = as_bearer(client, secret)
    assert me.status_code == 200 and me.json["user"]["id"] == user.id
    later = text_of(browser.get(ACCOUNT))
    assert secret not in later
    assert "家里的脚本" in later and secret[:12] in later  # listed by name and prefix


def test_the_page_with_the_secret_is_not_stored_and_the_secret_is_kept_nowhere(browser_as):
    browser = browser_as(UserFactory())

    response = create(browser)

    secret = secret_on(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert not any(secret in cookie for cookie in response.headers.getlist("Set-Cookie"))
    with browser.session_transaction() as session:
        assert secret not in repr(dict(session))  # nor in a flash message, which lives there


def test_a_revoked_token_stops_working_and_is_shown_as_revoked(browser_as, client):
    user = UserFactory()
    browser = browser_as(user)
    secret = secret_on(create(browser, "旧脚本"))
    [token] = tokens_of(user)

    response = post_form(browser, f"/me/tokens/{token.id}/revoke", {}, token_from=ACCOUNT)

    assert response.status_code == 303
    assert response.headers["Location"] == f"{ACCOUNT}#tokens"
    assert stored(token.id).revoked_at is not None
    assert as_bearer(client, secret).status_code == 401
    page = text_of(browser.get(ACCOUNT))
    assert "令牌已撤销" in page and "已撤销" in page
    assert f"/me/tokens/{token.id}/revoke" not in page  # no button for a revoked token


def test_someone_elses_token_cannot_be_revoked(browser_as):
    token = ApiTokenFactory()
    browser = browser_as(UserFactory())

    response = post_form(browser, f"/me/tokens/{token.id}/revoke", {}, token_from=ACCOUNT)

    assert response.status_code == 404
    assert "找不到" in text_of(response)
    assert stored(token.id).revoked_at is None
    assert token.prefix not in text_of(browser.get(ACCOUNT))  # nor listed


def test_a_token_needs_a_name_and_the_form_keeps_what_was_typed(browser_as):
    user = UserFactory()
    browser = browser_as(user)

    blank = create(browser, "  ")
    too_long = create(browser, "名" * 61)

    assert blank.status_code == 422
    assert '<p class="field-error" id="err-name">必填。</p>' in text_of(blank)
    assert too_long.status_code == 422
    assert 'aria-invalid="true" aria-describedby="err-name"' in text_of(too_long)
    assert f'value="{"名" * 61}"' in text_of(too_long)
    assert tokens_of(user) == []


def test_creating_a_token_needs_the_forms_csrf_token(browser_as):
    user = UserFactory()
    browser = browser_as(user)

    response = browser.post("/me/tokens", data={"name": "偷偷创建"})

    assert response.status_code == 403
    assert tokens_of(user) == []


def test_visitors_are_sent_to_log_in(client):
    token = form_token(client, "/login")

    response = client.post("/me/tokens", data={"name": "x", "csrf_token": token})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_visitor_sending_a_form_logs_in_and_returns_to_the_page_it_was_on(client):
    token = form_token(client, "/login")

    response = client.post(
        "/me/tokens",
        data={"name": "x", "csrf_token": token},
        headers={"Referer": "http://localhost/me/account?tab=tokens"},
    )

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/me/account?tab=tokens"]


@pytest.mark.parametrize("referrer", [None, "https://elsewhere.example/me/account"])
def test_a_form_sent_from_elsewhere_returns_home_after_logging_in(client, referrer):
    token = form_token(client, "/login")
    headers = {"Referer": referrer} if referrer else {}

    response = client.post("/me/tokens", data={"name": "x", "csrf_token": token}, headers=headers)

    assert parse_qs(urlsplit(response.headers["Location"]).query)["next"] == ["/"]
