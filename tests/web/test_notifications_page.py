"""The inbox page: one notification is marked read; someone else's is a 404; all can be marked
read."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace import clock
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from tests.factories import UserFactory
from tests.listing_factories import NotificationFactory
from tests.web.pages import form_token, form_values, text_of

INBOX = "/me/notifications"


def stored(notification: Notification) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, notification.id)


def post_from_inbox(browser: Any, action: str, page: str = INBOX, **extra: str) -> Any:
    """Post the form of the inbox page that posts to ``action``, as the page shows it."""
    return browser.post(action, data={**form_values(browser, page, action), **extra})


# --- the page ------------------------------------------------------------------------------------


def test_an_unread_notification_has_a_button_to_mark_it_read(browser_as):
    user = UserFactory()
    unread = NotificationFactory(user=user)
    read = NotificationFactory(user=user, read_at=clock.now())

    page = text_of(browser_as(user).get(INBOX))

    assert f'action="/me/notifications/{unread.id}/read"' in page
    assert f'action="/me/notifications/{read.id}/read"' not in page
    assert "标为已读" in page


# --- marking one read ----------------------------------------------------------------------------


def test_marking_one_read_comes_back_to_the_inbox(browser_as):
    user = UserFactory()
    notice, other = NotificationFactory.create_batch(2, user=user)
    browser = browser_as(user)

    response = post_from_inbox(browser, f"/me/notifications/{notice.id}/read")

    assert response.status_code == 303
    assert response.headers["Location"] == INBOX
    assert stored(notice).read_at is not None
    assert stored(other).read_at is None
    assert "已标为已读。" in text_of(browser.get(INBOX))


def test_marking_one_read_on_the_second_page_comes_back_to_the_second_page(browser_as):
    user = UserFactory()
    oldest = NotificationFactory(user=user)
    NotificationFactory.create_batch(20, user=user)
    browser = browser_as(user)

    response = post_from_inbox(
        browser, f"/me/notifications/{oldest.id}/read?page=2", page=f"{INBOX}?page=2"
    )

    assert response.status_code == 303
    assert response.headers["Location"] == f"{INBOX}?page=2"
    assert stored(oldest).read_at is not None


def test_a_nonsense_page_number_comes_back_to_the_first_page(browser_as):
    user = UserFactory()
    notice = NotificationFactory(user=user)
    browser = browser_as(user)

    response = browser.post(
        f"/me/notifications/{notice.id}/read?page=//evil.example",
        data={"csrf_token": form_token(browser, INBOX)},
    )

    assert response.headers["Location"] == INBOX
    assert stored(notice).read_at is not None


# --- who may, and how --------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["read"])
def test_someone_elses_notification_is_a_404_and_stays_unread(browser_as, action):
    notice = NotificationFactory(payload={"listing_id": 5, "title": "旧书包"})
    browser = browser_as(UserFactory())

    response = browser.post(
        f"/me/notifications/{notice.id}/{action}", data={"csrf_token": form_token(browser, INBOX)}
    )

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert stored(notice).read_at is None


@pytest.mark.parametrize("action", ["read"])
@pytest.mark.parametrize("notification_id", ["999999", "99999999999999999999"])
def test_an_unknown_notification_is_a_404(browser_as, action, notification_id):
    browser = browser_as(UserFactory())

    response = browser.post(
        f"/me/notifications/{notification_id}/{action}",
        data={"csrf_token": form_token(browser, INBOX)},
    )

    assert response.status_code == 404
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("action", ["read"])
def test_a_get_changes_nothing(browser_as, action):
    user = UserFactory()
    notice = NotificationFactory(user=user)

    response = browser_as(user).get(f"/me/notifications/{notice.id}/{action}")

    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert stored(notice).read_at is None


@pytest.mark.parametrize("action", ["read"])
def test_a_post_without_this_sessions_form_token_is_refused(browser_as, action):
    user = UserFactory()
    notice = NotificationFactory(user=user)
    browser = browser_as(user)
    other_token = form_token(browser_as(UserFactory()), INBOX)

    without = browser.post(f"/me/notifications/{notice.id}/{action}")
    with_another = browser.post(
        f"/me/notifications/{notice.id}/{action}", data={"csrf_token": other_token}
    )

    assert without.status_code == 403
    assert with_another.status_code == 403
    assert "页面已过期" in text_of(without)
    assert stored(notice).read_at is None


@pytest.mark.parametrize("action", ["read"])
def test_a_visitor_is_sent_to_log_in(client, action):
    notice = NotificationFactory()
    token = form_token(client, "/login")

    response = client.post(f"/me/notifications/{notice.id}/{action}", data={"csrf_token": token})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert stored(notice).read_at is None


# --- all of them -------------------------------------------------------------------------------


def test_marking_all_read_still_marks_only_mine(browser_as):
    user = UserFactory()
    mine = NotificationFactory.create_batch(2, user=user)
    someone_elses = NotificationFactory()

    response = post_from_inbox(browser_as(user), "/me/notifications/read")

    assert response.status_code == 303
    assert response.headers["Location"] == INBOX
    assert all(stored(notice).read_at is not None for notice in mine)
    assert stored(someone_elses).read_at is None
