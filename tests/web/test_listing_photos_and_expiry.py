"""Photo URLs and the expiry date on the post and edit forms: stored as the API stores them, the
date read as the end of that day in local time, the API's refusals shown next to the field, and
the photos shown on the listing's page."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from marketplace import clock
from marketplace.extensions import db
from marketplace.listings.models import Listing
from tests.factories import CommunityFactory, UserFactory
from tests.listing_factories import ListingFactory, SkillOfferFactory
from tests.web.pages import form_values, post_form, text_of

PHOTO = "https://img.example.cn/推车-{}.jpg"


@pytest.fixture(autouse=True)
def _frozen(frozen_clock):
    """2026-12-01 10:00 in Qingxi."""


def stored(listing_id: int) -> Listing:
    db.session.expire_all()
    return db.session.get(Listing, listing_id)


def newest_listing() -> Listing:
    db.session.expire_all()
    return db.session.scalars(select(Listing).order_by(Listing.id.desc())).first()


def post_give(browser, **fields: str):
    place = CommunityFactory()
    return post_form(
        browser,
        "/post",
        {"type": "give", "title": "婴儿推车", "category": "baby_kids", "tags": "推车",
         "place_id": place.id, "quantity": "1", **fields},
    )  # fmt: skip


def edit_values(browser, listing) -> dict[str, str]:
    path = f"/listings/{listing.id}/edit"
    return form_values(browser, path, path)


def save(browser, listing, values: dict[str, str]):
    return browser.post(f"/listings/{listing.id}/edit", data=values)


# --- posting -------------------------------------------------------------------------------------


def test_a_listing_posted_with_photos_and_an_expiry_date_has_them(browser_as, client_as):
    user = UserFactory()
    browser = browser_as(user)
    typed = f"{PHOTO.format(1)}\n\n   {PHOTO.format(2)}  \n\n"

    response = post_give(browser, photo_urls=typed, expires_at="2026-12-20")

    assert response.status_code == 303, text_of(response)
    listing = newest_listing()
    assert listing.photo_urls == [PHOTO.format(1), PHOTO.format(2)]  # blank lines ignored
    assert listing.expires_at == datetime(2026, 12, 20, 15, 59, tzinfo=UTC)  # 23:59 local
    api = client_as(user).get(f"/api/v1/listings/{listing.id}").json
    assert api["photo_urls"] == [PHOTO.format(1), PHOTO.format(2)]
    assert api["expires_at"].startswith("2026-12-20T15:59:00")


def test_without_a_date_a_listing_gets_the_default_lifetime(browser_as, frozen_clock):
    response = post_give(browser_as(UserFactory()), photo_urls="", expires_at="")

    assert response.status_code == 303, text_of(response)
    listing = newest_listing()
    assert listing.photo_urls == []
    assert listing.expires_at == frozen_clock + timedelta(days=30)


def test_the_form_offers_the_days_the_service_accepts(browser_as):
    """At 10:00 the end of the day 90 days ahead is past the 90-day limit; the day before is
    the last one."""
    browser = browser_as(UserFactory())

    page = text_of(browser.get("/post"))
    last_day = post_give(browser, expires_at="2027-02-28")
    one_later = post_give(browser, expires_at="2027-03-01")

    assert 'min="2026-12-01" max="2027-02-28"' in page
    assert "不填则 30 天后到期；最晚可选 2027-02-28" in page
    assert last_day.status_code == 303, text_of(last_day)
    assert one_later.status_code == 422


@pytest.mark.parametrize(
    ("photos", "message"),
    [
        ("http://img.example.cn/a.jpg", "第 1 个网址：请填写 https:// 开头的完整网址。"),
        (f"{PHOTO.format(1)}\n\n不是网址", "第 2 个网址：请填写 https:// 开头的完整网址。"),
        ("\n".join(PHOTO.format(n) for n in range(10)), "最多 9 张照片，请删去多余的网址。"),
    ],
    ids=["not https", "not a url", "ten photos"],
)
def test_bad_photo_urls_are_refused_next_to_the_field(browser_as, photos, message):
    browser = browser_as(UserFactory())

    response = post_give(browser, photo_urls=photos)

    page = text_of(response)
    assert response.status_code == 422
    assert f'<p class="field-error" id="err-photo_urls">{message}</p>' in page
    assert 'aria-invalid="true" aria-describedby="err-photo_urls"' in page
    assert f">{html.escape(photos)}</textarea>" in page  # kept as typed
    assert newest_listing() is None


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2026-11-30", "必须是将来的时间。"),
        ("2027-06-01", "最多只能设到 90 天以内；到期前可以再续期。"),
    ],
    ids=["yesterday", "too far ahead"],
)
def test_an_expiry_date_out_of_range_is_refused_next_to_the_field(browser_as, day, message):
    response = post_give(browser_as(UserFactory()), expires_at=day)

    page = text_of(response)
    assert response.status_code == 422
    assert f'<p class="field-error" id="err-expires_at">{message}</p>' in page
    assert f'value="{day}" aria-invalid="true" aria-describedby="err-expires_at"' in page


def test_a_date_that_is_not_one_is_refused_not_an_error(browser_as):
    response = post_give(browser_as(UserFactory()), expires_at="2026-13-45")

    assert response.status_code == 422
    assert 'id="err-expires_at"' in text_of(response)


# --- editing -------------------------------------------------------------------------------------


def test_the_edit_form_shows_the_photos_and_expiry_and_changes_them(browser_as):
    listing = ListingFactory(photo_urls=[PHOTO.format(1), PHOTO.format(2)])
    browser = browser_as(listing.owner)

    values = edit_values(browser, listing)
    assert values["photo_urls"] == f"{PHOTO.format(1)}\n{PHOTO.format(2)}"
    assert values["expires_at"] == "2026-12-31"  # 30 days from the 1st, as the factory sets it
    values.update(photo_urls=PHOTO.format(3), expires_at="2027-01-15")

    response = save(browser, listing, values)

    assert response.status_code == 303, text_of(response)
    edited = stored(listing.id)
    assert edited.photo_urls == [PHOTO.format(3)]
    assert edited.expires_at == datetime(2027, 1, 15, 15, 59, tzinfo=UTC)


def test_saving_an_unchanged_date_keeps_the_exact_expiry(browser_as, frozen_clock):
    """Even one beyond the 90 days a new date may be (after renewals) or already past."""
    far = ListingFactory(expires_at=frozen_clock + timedelta(days=150))
    expired = ListingFactory(status="expired", expires_at=frozen_clock - timedelta(days=2))

    for listing in (far, expired):
        browser = browser_as(listing.owner)
        expires_at = listing.expires_at
        response = save(browser, listing, edit_values(browser, listing))

        assert response.status_code == 303, text_of(response)
        assert stored(listing.id).expires_at == expires_at


def test_clearing_the_photos_removes_them_and_a_cleared_date_keeps_the_expiry(browser_as):
    listing = ListingFactory(photo_urls=[PHOTO.format(1)])
    expires_at = listing.expires_at
    browser = browser_as(listing.owner)
    values = {**edit_values(browser, listing), "photo_urls": "", "expires_at": ""}

    response = save(browser, listing, values)

    assert response.status_code == 303, text_of(response)
    assert stored(listing.id).photo_urls == []
    assert stored(listing.id).expires_at == expires_at


def test_an_edit_with_a_bad_photo_url_keeps_the_listing_and_what_was_typed(browser_as):
    listing = ListingFactory(photo_urls=[PHOTO.format(1)])
    browser = browser_as(listing.owner)
    values = {**edit_values(browser, listing), "photo_urls": "ftp://img.example.cn/a.jpg"}

    response = save(browser, listing, values)

    page = text_of(response)
    assert response.status_code == 422
    assert "第 1 个网址：请填写 https:// 开头的完整网址。" in page
    assert ">ftp://img.example.cn/a.jpg</textarea>" in page
    assert stored(listing.id).photo_urls == [PHOTO.format(1)]


# --- the listing's page --------------------------------------------------------------------------


def test_the_listing_page_shows_the_photos(client):
    listing = ListingFactory(title="推车 <九成新>", photo_urls=[PHOTO.format(1), PHOTO.format(2)])

    page = text_of(client.get(f"/listings/{listing.id}"))

    for number in (1, 2):
        src = html.escape(PHOTO.format(number))
        assert f'<img src="{src}" alt="推车 &lt;九成新&gt;" loading="lazy">' in page


def test_a_listing_without_photos_shows_none(client):
    listing = ListingFactory()

    assert "<img" not in text_of(client.get(f"/listings/{listing.id}"))


def test_a_tag_too_long_is_refused_in_chinese_naming_which_one(browser_as):
    response = post_give(browser_as(UserFactory()), tags="推车 " + "很" * 21)

    page = text_of(response)
    assert response.status_code == 422
    assert '<p class="field-error" id="err-tags">第 2 项：长度须在 1 到 20 个字之间。</p>' in page
    assert newest_listing() is None


def test_an_offer_with_no_slot_ahead_offers_no_renewal_but_says_how_to_reopen(browser_as):
    haircut = SkillOfferFactory()  # one slot, tomorrow
    owner = browser_as(haircut.owner)
    renew = f'action="/listings/{haircut.id}/renew"'

    before = text_of(owner.get(f"/listings/{haircut.id}"))
    clock.advance(haircut.slots[0].starts_at - clock.now())
    after = text_of(owner.get(f"/listings/{haircut.id}"))

    assert renew in before
    assert "所有时段都已开始" not in before
    assert renew not in after
    assert "所有时段都已开始，没人能再申请了：修改并添加新的时段即可重新开放。" in after
