"""The pages share the API's session and are protected like it: CSRF tokens on every form
(also before login), escaped output, security headers on pages and API, HTML error pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.listings.models import Listing
from tests.factories import CommunityFactory, UserFactory
from tests.listing_factories import ListingFactory
from tests.web.pages import form_token, log_in, post_form, text_of

SCRIPT_TITLE = "<script>alert(1)</script>"


def listing_count() -> int:
    return db.session.scalar(select(func.count(Listing.id)))


def test_a_post_without_the_form_token_is_refused_with_an_html_page(browser_as):
    browser = browser_as(UserFactory())
    place = CommunityFactory()
    before = listing_count()

    response = browser.post(
        "/post",
        data={"type": "give", "title": "旧台灯", "category": "household", "tags": "灯",
              "place_id": place.id},
    )  # fmt: skip

    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert "页面已过期" in text_of(response)
    assert listing_count() == before


def test_a_post_with_a_token_of_another_session_is_refused(browser_as):
    browser = browser_as(UserFactory())
    other_token = form_token(browser_as(UserFactory()))

    response = browser.post("/me/notifications/read", data={"csrf_token": other_token})

    assert response.status_code == 403


def test_the_login_form_needs_the_visitors_token(client):
    """Login CSRF: another site cannot log a visitor in to an account of its choosing."""
    user = UserFactory()

    response = client.post(
        "/login", data={"login": user.email, "password": "correct horse battery"}
    )

    assert response.status_code == 403
    assert client.get("/me/points").status_code == 302  # still not logged in


def test_the_login_form_with_its_token_logs_in(client):
    user = UserFactory(display_name="王阿姨")

    log_in(client, user)

    assert "王阿姨" in text_of(client.get("/"))


def test_the_api_keeps_taking_the_csrf_header(client_as):
    """The API's own check is unchanged: its clients send the header, not a form field."""
    api = client_as(UserFactory())

    assert api.patch("/api/v1/auth/me", json={"display_name": "新名字"}).status_code == 200
    api.csrf_token = None
    assert api.patch("/api/v1/auth/me", json={"display_name": "又改"}).status_code == 403


def test_the_api_session_and_the_pages_are_one_session(client_as):
    user = UserFactory(display_name="刘先生")
    api = client_as(user)

    page = text_of(api.get("/me/points"))

    assert "我的积分" in page
    assert "刘先生" in page


@pytest.mark.parametrize("path", ["/", "/search?q=script", "/listings/{id}"])
def test_a_title_with_markup_is_shown_as_text(client, request, path):
    listing = ListingFactory(title=SCRIPT_TITLE, description="<b>粗体</b> script")
    request.getfixturevalue("search_index")  # built from what the test has flushed

    page = text_of(client.get(path.format(id=listing.id)))

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>粗体</b>" not in page


def test_pages_carry_the_security_headers(client):
    response = client.get("/")

    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_api_responses_carry_the_security_headers(client):
    for response in (client.get("/api/v1/listings"), client.get("/api/v1/nowhere")):
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_api_docs_page_allows_only_its_own_inline_script_by_hash(client):
    response = client.get("/api/v1/docs")

    policy = response.headers["Content-Security-Policy"]
    script_sources = re.search(r"script-src ([^;]*)", policy).group(1)
    assert "'unsafe-inline'" not in script_sources
    assert re.search(r"'sha256-[A-Za-z0-9+/=]+'", script_sources)
    assert "frame-ancestors 'none'" in policy


def test_pages_use_no_inline_script_or_style(client):
    page = text_of(client.get("/"))

    assert "<script" not in page
    assert "style=" not in page
    assert '<html lang="zh-CN">' in page


def test_an_unknown_page_is_an_html_404_and_an_unknown_api_path_stays_json(client):
    page = client.get("/no-such-page")
    api = client.get("/api/v1/no-such-thing")

    assert page.status_code == 404
    assert page.mimetype == "text/html"
    assert "找不到页面" in text_of(page)
    assert api.status_code == 404
    assert api.mimetype == "application/json"
    assert api.get_json()["error"]["code"] == "not_found"


def test_a_hidden_listing_is_a_404_page(client):
    listing = ListingFactory(moderation="pending")

    response = client.get(f"/listings/{listing.id}")

    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_a_page_that_needs_login_sends_visitors_to_the_login_page(client):
    response = client.get("/me/reservations?role=owner")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_never_redirects_to_another_site(client):
    user = UserFactory()
    token = form_token(client, "/login")

    response = client.post(
        "/login",
        data={"login": user.email, "password": "correct horse battery", "csrf_token": token,
              "next": "//evil.example/steal"},
    )  # fmt: skip

    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_logout_ends_the_login_session(browser_as):
    browser = browser_as(UserFactory())

    response = post_form(browser, "/logout", {})

    assert response.status_code == 303
    assert browser.get("/me/points").status_code == 302
