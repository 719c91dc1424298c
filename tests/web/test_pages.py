"""Every page renders, in Chinese, for each role that may see it; others get a 403 page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import CoordinatorFactory, MerchantFactory, UserFactory
from tests.listing_factories import (
    DonationOfferFactory,
    ItemRequestFactory,
    LendOfferFactory,
    ListingFactory,
    SkillOfferFactory,
)
from tests.web.pages import text_of

EVERYONE = ["/", "/search", "/search?category=tools&side=offer", "/login", "/register"]
MEMBERS = [
    "/me/listings",
    "/me/account",
    "/post",
    "/post?type=lend",
    "/post?type=skill",
    "/post?type=need_item",
    "/post?type=need_skill",
    "/me/reservations",
    "/me/reservations?role=owner",
    "/me/notifications",
    "/me/points",
]
MERCHANTS = ["/merchant", "/merchant/impact", "/post?type=donation"]
STAFF = [
    "/staff/queue",
    "/staff/reports",
    "/staff/users",
    "/staff/places",
    "/staff/figures",
    "/staff/audit",
    "/staff/audit?target_type=listing",
    "/staff/disputes",
]

ROLES = {
    "resident": UserFactory,
    "merchant": MerchantFactory,
    "coordinator": CoordinatorFactory,
}


def visible_pages(role: str) -> list[str]:
    return [
        *EVERYONE,
        *MEMBERS,
        *(MERCHANTS if role == "merchant" else []),
        *(STAFF if role == "coordinator" else []),
    ]


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_page_of_a_role_renders(role, browser_as):
    browser = browser_as(ROLES[role]())

    for path in visible_pages(role):
        response = browser.get(path)
        assert response.status_code == 200, (path, text_of(response)[:500])
        page = text_of(response)
        assert '<html lang="zh-CN">' in page
        assert 'name="viewport"' in page


@pytest.mark.parametrize("role", sorted(ROLES))
def test_pages_of_other_roles_are_refused(role, browser_as):
    browser = browser_as(ROLES[role]())
    refused = [path for path in (*MERCHANTS[:2], *STAFF) if path not in visible_pages(role)]

    for path in refused:
        response = browser.get(path)
        assert response.status_code == 403, path
        assert response.mimetype == "text/html"


def test_visitors_see_public_pages_and_are_asked_to_log_in_elsewhere(client):
    for path in EVERYONE:
        assert client.get(path).status_code == 200, path
    for path in (*MEMBERS, *MERCHANTS[:2], *STAFF):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    "factory",
    [ListingFactory, LendOfferFactory, SkillOfferFactory, DonationOfferFactory, ItemRequestFactory],
)
def test_a_listing_page_renders_for_visitor_claimant_owner_and_coordinator(
    factory: Any, client, browser_as
):
    listing = factory()
    readers = {
        "visitor": client,
        "claimant": browser_as(UserFactory()),
        "owner": browser_as(listing.owner),
        "coordinator": browser_as(CoordinatorFactory()),
    }

    for reader, browser in readers.items():
        response = browser.get(f"/listings/{listing.id}")
        assert response.status_code == 200, (reader, text_of(response)[:500])
        assert listing.title in text_of(response)
    assert "举报这条信息" in text_of(readers["claimant"].get(f"/listings/{listing.id}"))
    owner_page = text_of(readers["owner"].get(f"/listings/{listing.id}"))
    assert "撤下" in owner_page
    assert "续期" in owner_page
    assert "举报这条信息" not in owner_page


def test_the_claim_form_fits_the_kind_of_offer(client, browser_as):
    claimant = browser_as(UserFactory())
    forms = {
        ListingFactory(): 'name="quantity"',
        LendOfferFactory(): 'name="starts_on"',
        SkillOfferFactory(): 'name="slot_id"',
        DonationOfferFactory(): 'name="pickup_window_id"',
    }

    for listing, field in forms.items():
        page = text_of(claimant.get(f"/listings/{listing.id}"))
        assert field in page, listing.kind
        assert f'action="/listings/{listing.id}/claim"' in page


def test_the_claim_form_offers_only_slots_and_windows_still_ahead(browser_as):
    from datetime import timedelta

    from marketplace import clock
    from tests.listing_factories import ListingSlotFactory, PickupWindowFactory

    now = clock.now()
    haircut = SkillOfferFactory(slots=[])
    begun = ListingSlotFactory(listing=haircut, starts_at=now - timedelta(minutes=10))
    ahead = ListingSlotFactory(listing=haircut, starts_at=now + timedelta(days=1))
    rice = DonationOfferFactory(pickup_windows=[])
    over = PickupWindowFactory(
        listing=rice, starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1)
    )
    open_window = PickupWindowFactory(listing=rice, starts_at=now + timedelta(hours=1))
    claimant = browser_as(UserFactory())

    skill_page = text_of(claimant.get(f"/listings/{haircut.id}"))
    donation_page = text_of(claimant.get(f"/listings/{rice.id}"))

    assert f'name="slot_id" value="{begun.id}"' not in skill_page
    assert f'name="slot_id" value="{ahead.id}" checked' in skill_page
    assert "已开始" in skill_page
    assert f'name="pickup_window_id" value="{over.id}"' not in donation_page
    assert f'name="pickup_window_id" value="{open_window.id}" checked' in donation_page
    assert "（已结束）" in donation_page


def test_the_header_shows_the_unread_count(browser_as):
    from tests.listing_factories import NotificationFactory

    user = UserFactory()
    NotificationFactory.create_batch(3, user=user)
    browser = browser_as(user)

    page = text_of(browser.get("/"))

    assert '<span class="count" aria-label="3 条未读">3</span>' in page


def test_every_form_field_has_a_label(browser_as):
    """Each input, select and textarea that a person fills in has a <label for> naming it."""
    import re

    browser = browser_as(MerchantFactory())
    for path in ("/post?type=donation", "/post?type=skill", "/register", "/search"):
        page = text_of(browser.get(path))
        ids = set(
            re.findall(
                r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit|checkbox|radio)")[^>]*\bid="([^"]+)"',
                page,
            )
        )
        labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', page))
        assert ids, path
        assert ids <= labelled, (path, ids - labelled)
