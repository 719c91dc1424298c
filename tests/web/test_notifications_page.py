"""The inbox page: one notification is marked read, or opened (marked read, then its subject's
page, worked out from the notification alone); someone else's is a 404; all can be marked read."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace import clock
from marketplace.extensions import db
from marketplace.notifications import messages
from marketplace.notifications.models import Notification
from marketplace.web import subjects
from tests.factories import UserFactory
from tests.listing_factories import ItemOfferFactory, ItemRequestFactory, NotificationFactory
from tests.reservation_factories import ReservationFactory
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


def test_an_unread_notification_about_something_has_both_buttons(browser_as):
    user = UserFactory()
    notice = NotificationFactory(user=user, payload={"listing_id": 5, "title": "旧书包"})

    page = text_of(browser_as(user).get(INBOX))

    assert f'action="/me/notifications/{notice.id}/open"' in page
    assert f'action="/me/notifications/{notice.id}/read"' in page
    assert "查看" in page and "标为已读" in page
    assert 'href="/listings/5"' not in page  # the way there is the button, which marks it read


def test_a_read_notification_about_nothing_has_no_buttons(browser_as):
    user = UserFactory()
    notice = NotificationFactory(user=user, kind="no_such_kind", payload={}, read_at=clock.now())

    page = text_of(browser_as(user).get(INBOX))

    assert f"/me/notifications/{notice.id}/" not in page


def test_every_kind_of_notification_says_what_it_is_about():
    """A new kind of notification needs a decision about where “查看” leads."""
    assert set(subjects.SUBJECTS) == set(messages.TEMPLATES)


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


# --- opening one ---------------------------------------------------------------------------------


def test_opening_a_listing_notification_marks_it_read_and_shows_the_listing(browser_as):
    user = UserFactory()
    listing = ItemOfferFactory(owner=user, title="旧书包")
    notice = NotificationFactory(
        user=user, payload={"listing_id": listing.id, "title": listing.title}
    )
    browser = browser_as(user)

    response = post_from_inbox(browser, f"/me/notifications/{notice.id}/open")

    assert response.status_code == 303
    assert response.headers["Location"] == f"/listings/{listing.id}"
    assert stored(notice).read_at is not None
    assert "旧书包" in text_of(browser.get(response.headers["Location"]))


def test_a_match_leads_to_the_new_listing(browser_as):
    user = UserFactory()
    notice = NotificationFactory(
        user=user,
        kind="match_found",
        payload={"listing_id": 31, "title": "电钻", "your_listing_id": 30, "your_title": "借电钻"},
    )

    response = post_from_inbox(browser_as(user), f"/me/notifications/{notice.id}/open")

    assert response.headers["Location"] == "/listings/31"


def test_a_match_for_the_readers_request_opens_the_offer_ready_to_fulfil_it(browser_as):
    wanted = ItemRequestFactory(title="需要婴儿车")
    offer = ItemOfferFactory(title="婴儿车")
    notice = NotificationFactory(
        user=wanted.owner,
        kind="match_found",
        payload={"listing_id": offer.id, "title": "婴儿车", "your_listing_id": wanted.id},
    )
    browser = browser_as(wanted.owner)

    response = post_from_inbox(browser, f"/me/notifications/{notice.id}/open")

    assert response.headers["Location"] == f"/listings/{offer.id}?request_id={wanted.id}"
    page = text_of(browser.get(response.headers["Location"]))
    assert f'name="request_id" value="{wanted.id}"' in page


@pytest.mark.parametrize("whose", ["an offer of the reader's", "someone else's request"])
def test_a_match_names_no_request_unless_it_was_found_for_the_readers_own(browser_as, whose):
    reader = UserFactory()
    yours = (
        ItemOfferFactory(owner=reader)
        if whose == "an offer of the reader's"
        else ItemRequestFactory()
    )
    found = ItemRequestFactory() if whose == "an offer of the reader's" else ItemOfferFactory()
    notice = NotificationFactory(
        user=reader,
        kind="match_found",
        payload={"listing_id": found.id, "title": found.title, "your_listing_id": yours.id},
    )

    response = post_from_inbox(browser_as(reader), f"/me/notifications/{notice.id}/open")

    assert response.headers["Location"] == f"/listings/{found.id}"


@pytest.mark.parametrize(
    ("kind", "reader", "code_shown"),
    [
        ("reservation_confirmed", "claimant", True),
        ("pickup_tomorrow", "claimant", True),
        ("claim_received", "owner", False),
        ("reservation_no_show", "owner", False),  # told to both sides
        ("reservation_no_show", "claimant", True),
    ],
)
def test_a_reservation_notification_leads_to_the_reservations_page(
    browser_as, kind, reader, code_shown
):
    reservation = ReservationFactory(status="confirmed")
    user = reservation.claimant if reader == "claimant" else reservation.listing.owner
    notice = NotificationFactory(
        user=user,
        kind=kind,
        payload={
            "reservation_id": reservation.id,
            "listing_id": reservation.listing.id,
            "title": reservation.listing.title,
        },
    )
    browser = browser_as(user)

    response = post_from_inbox(browser, f"/me/notifications/{notice.id}/open")

    target = f"/me/reservations/{reservation.id}"
    assert response.status_code == 303
    assert response.headers["Location"] == target
    assert stored(notice).read_at is not None
    page = text_of(browser.get(target))
    assert f'id="reservation-{reservation.id}"' in page
    assert (reservation.pickup_code in page) is code_shown


@pytest.mark.parametrize(
    ("kind", "payload", "target"),
    [
        ("service_to_confirm", {"award_id": 12, "title": "理发", "hours": 48}, "/me/points#award-12"),
        ("dispute_resolved", {"award_id": 12, "awarded": True, "reason": "已核实"},
         "/me/points#award-12"),
        ("points_earned", {"points": 5, "title": "旧书包"}, "/me/points"),
        ("points_granted", {"points": 20, "reason": "清扫"}, "/me/points"),
    ],
)  # fmt: skip
def test_a_points_notification_leads_to_the_points_page(browser_as, kind, payload, target):
    user = UserFactory()
    notice = NotificationFactory(user=user, kind=kind, payload=payload)

    response = post_from_inbox(browser_as(user), f"/me/notifications/{notice.id}/open")

    assert response.status_code == 303
    assert response.headers["Location"] == target
    assert stored(notice).read_at is not None


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("no_such_kind", {"listing_id": 5}),
        ("listing_approved", {"title": "旧书包"}),  # no listing named
        ("listing_approved", {"listing_id": "//evil.example", "title": "旧书包"}),
        ("reservation_confirmed", {"reservation_id": True, "title": "旧书包"}),
    ],
)
def test_a_notification_naming_nothing_usable_leads_back_to_the_inbox(browser_as, kind, payload):
    user = UserFactory()
    notice = NotificationFactory(user=user, kind=kind, payload=payload)
    browser = browser_as(user)

    response = browser.post(
        f"/me/notifications/{notice.id}/open", data={"csrf_token": form_token(browser, INBOX)}
    )

    assert response.status_code == 303
    assert response.headers["Location"] == INBOX
    assert stored(notice).read_at is not None


def test_a_reservation_the_reader_is_no_party_to_leads_back_to_the_inbox(browser_as):
    user = UserFactory()
    strangers = ReservationFactory()
    notice = NotificationFactory(
        user=user, kind="reservation_confirmed", payload={"reservation_id": strangers.id}
    )

    response = post_from_inbox(browser_as(user), f"/me/notifications/{notice.id}/open")

    assert response.headers["Location"] == INBOX


def test_opening_ignores_a_target_sent_with_the_form(browser_as):
    user = UserFactory()
    notice = NotificationFactory(user=user, payload={"listing_id": 5, "title": "旧书包"})
    browser = browser_as(user)

    response = post_from_inbox(
        browser,
        f"/me/notifications/{notice.id}/open",
        next="//evil.example/steal",
        target="https://evil.example/",
    )

    assert response.headers["Location"] == "/listings/5"


# --- who may, and how --------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["read", "open"])
def test_someone_elses_notification_is_a_404_and_stays_unread(browser_as, action):
    notice = NotificationFactory(payload={"listing_id": 5, "title": "旧书包"})
    browser = browser_as(UserFactory())

    response = browser.post(
        f"/me/notifications/{notice.id}/{action}", data={"csrf_token": form_token(browser, INBOX)}
    )

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert stored(notice).read_at is None


@pytest.mark.parametrize("action", ["read", "open"])
@pytest.mark.parametrize("notification_id", ["999999", "99999999999999999999"])
def test_an_unknown_notification_is_a_404(browser_as, action, notification_id):
    browser = browser_as(UserFactory())

    response = browser.post(
        f"/me/notifications/{notification_id}/{action}",
        data={"csrf_token": form_token(browser, INBOX)},
    )

    assert response.status_code == 404
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("action", ["read", "open"])
def test_a_get_changes_nothing(browser_as, action):
    user = UserFactory()
    notice = NotificationFactory(user=user)

    response = browser_as(user).get(f"/me/notifications/{notice.id}/{action}")

    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert stored(notice).read_at is None


@pytest.mark.parametrize("action", ["read", "open"])
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


@pytest.mark.parametrize("action", ["read", "open"])
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
