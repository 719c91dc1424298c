"""The core flows through the pages with the test client: posting with the API's validation,
claiming, the owner's side of a reservation, moderation, reports, users, merchant and figures."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from marketplace import clock
from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.moderation.models import Report
from marketplace.reservations.models import Reservation
from tests.factories import CommunityFactory, CoordinatorFactory, MerchantFactory, UserFactory
from tests.listing_factories import (
    DonationOfferFactory,
    LendOfferFactory,
    ListingFactory,
    SkillOfferFactory,
)
from tests.reservation_factories import (
    LOCAL_ZONE,
    DonationReservationFactory,
    ReservationFactory,
    organisation_listing,
)
from tests.web.pages import post_form, text_of


def stored(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def newest_listing() -> Listing:
    return db.session.scalars(select(Listing).order_by(Listing.id.desc())).first()


# --- posting -------------------------------------------------------------------------------------


def test_posting_without_a_title_shows_the_apis_message_next_to_the_field(browser_as):
    browser = browser_as(UserFactory())
    place = CommunityFactory()

    response = post_form(
        browser, "/post", {"type": "give", "category": "household", "place_id": place.id}
    )

    page = text_of(response)
    assert response.status_code == 422
    assert 'id="title" name="title"' in page
    assert 'aria-invalid="true" aria-describedby="err-title"' in page
    assert '<p class="field-error" id="err-title">必填。</p>' in page
    assert '<p class="field-error" id="err-tags">' in page  # at least one tag


def test_a_rule_of_the_service_is_shown_next_to_its_field(browser_as):
    """The service's own checks (a lent item needs a lending period) come back per field too."""
    browser = browser_as(UserFactory())
    place = CommunityFactory()

    response = post_form(
        browser,
        "/post",
        {"type": "lend", "title": "电钻", "category": "tools", "tags": "电钻",
         "place_id": place.id, "max_lend_days": ""},
    )  # fmt: skip

    assert response.status_code == 422
    assert 'id="err-max_lend_days"' in text_of(response)


def test_posting_an_item_creates_it_for_review(browser_as):
    user = UserFactory()
    browser = browser_as(user)
    place = CommunityFactory()

    response = post_form(
        browser,
        "/post",
        {"type": "give", "title": "九成新婴儿推车", "description": "可折叠", "category": "baby_kids",
         "tags": "推车，婴儿", "place_id": place.id, "quantity": "1"},
    )  # fmt: skip

    listing = newest_listing()
    assert response.status_code == 303
    assert response.headers["Location"] == f"/listings/{listing.id}"
    assert (listing.title, listing.owner_id, listing.mode) == ("九成新婴儿推车", user.id, "give")
    assert listing.tags == ["推车", "婴儿"]
    assert listing.moderation == "pending"


def test_a_skill_slot_is_read_in_local_time(browser_as):
    browser = browser_as(UserFactory())
    place = CommunityFactory()
    day = (clock.now() + timedelta(days=3)).date().isoformat()

    response = post_form(
        browser,
        "/post",
        {"type": "skill", "title": "理发", "category": "beauty", "tags": "理发",
         "place_id": place.id, "slot-0-date": day, "slot-0-start": "09:00",
         "slot-0-end": "10:00", "slot-0-capacity": "2"},
    )  # fmt: skip

    assert response.status_code == 303, text_of(response)
    slot = newest_listing().slots[0]
    assert slot.starts_at.astimezone(UTC).hour == 1  # 09:00 in Asia/Shanghai
    assert slot.capacity == 2


def test_the_owner_edits_withdraws_and_renews(browser_as):
    listing = ListingFactory(title="旧台灯")
    browser = browser_as(listing.owner)

    edited = post_form(
        browser,
        f"/listings/{listing.id}/edit",
        {"title": "旧台灯（可调光）", "category": "household", "tags": "台灯",
         "place_id": listing.place_id, "quantity": "1", "version": listing.version},
    )  # fmt: skip
    renewed = post_form(browser, f"/listings/{listing.id}/renew", {})
    withdrawn = post_form(browser, f"/listings/{listing.id}/withdraw", {})

    assert [edited.status_code, renewed.status_code, withdrawn.status_code] == [303, 303, 303]
    assert stored(Listing, listing.id).title == "旧台灯(可调光)"  # NFKC, as the API stores it
    assert stored(Listing, listing.id).status == "withdrawn"


def test_withdrawing_from_the_page_warns_then_cancels_the_open_claim(browser_as):
    donation = DonationOfferFactory(title="多余的口罩", quantity=5)
    claim = DonationReservationFactory(listing=donation, status="confirmed")
    browser = browser_as(donation.owner)

    page = browser.get(f"/listings/{donation.id}")
    withdrawn = post_form(browser, f"/listings/{donation.id}/withdraw", {})

    assert "还没交接的申请会被取消" in text_of(page)
    assert withdrawn.status_code == 303
    assert stored(Reservation, claim.id).status == "cancelled"


def test_a_stale_edit_is_refused_with_the_services_message(browser_as):
    listing = ListingFactory(title="旧台灯")
    browser = browser_as(listing.owner)

    response = post_form(
        browser,
        f"/listings/{listing.id}/edit",
        {"title": "新标题", "category": "household", "tags": "台灯",
         "place_id": listing.place_id, "version": listing.version + 5},
    )  # fmt: skip

    assert response.status_code == 409
    assert "内容已被修改" in text_of(response)


# --- claiming and the reservation ----------------------------------------------------------------


def test_claim_confirm_pickup_and_complete_through_the_pages(browser_as):
    listing = ListingFactory(quantity=2, title="儿童绘本")
    claimant_user = UserFactory()
    claimant = browser_as(claimant_user)
    owner = browser_as(listing.owner)

    claimed = post_form(claimant, f"/listings/{listing.id}/claim", {"quantity": "1"})
    reservation = db.session.scalars(
        select(Reservation).where(Reservation.claimant_id == claimant_user.id)
    ).one()
    mine = text_of(claimant.get("/me/reservations"))
    confirmed = post_form(owner, f"/me/reservations/{reservation.id}/confirm", {"role": "owner"})
    wrong = post_form(
        owner, f"/me/reservations/{reservation.id}/pickup", {"role": "owner", "code": "999999"
        if reservation.pickup_code != "999999" else "000000"},
    )  # fmt: skip
    wrong_page = text_of(owner.get("/me/reservations?role=owner"))
    picked_up = post_form(
        owner,
        f"/me/reservations/{reservation.id}/pickup",
        {"role": "owner", "code": reservation.pickup_code},
    )
    completed = post_form(owner, f"/me/reservations/{reservation.id}/complete", {"role": "owner"})

    assert claimed.status_code == 303
    assert claimed.headers["Location"] == "/me/reservations?role=claimant"
    assert '<strong class="pickup-code"' in mine and reservation.pickup_code in mine
    assert [confirmed.status_code, wrong.status_code, picked_up.status_code] == [303, 303, 303]
    assert "领取码不正确" in wrong_page
    assert completed.status_code == 303
    assert stored(Reservation, reservation.id).status == "completed"
    assert "已完成" in text_of(claimant.get("/me/reservations"))


def test_the_owner_is_told_from_when_a_session_can_begin_and_an_early_one_is_refused(
    browser_as, frozen_clock
):
    haircut = SkillOfferFactory()
    reservation = ReservationFactory(listing=haircut, status="confirmed")
    owner = browser_as(haircut.owner)
    opens_at = haircut.slots[0].starts_at - timedelta(minutes=30)

    page = text_of(owner.get("/me/reservations?role=owner"))
    early = post_form(
        owner,
        f"/me/reservations/{reservation.id}/pickup",
        {"role": "owner", "code": reservation.pickup_code},
    )
    refused_page = text_of(owner.get("/me/reservations?role=owner"))
    clock.freeze(opens_at)
    on_time_page = text_of(owner.get("/me/reservations?role=owner"))

    local = opens_at.astimezone(LOCAL_ZONE).strftime("%H:%M")
    assert "起可以交接（时段开始前不久）" in page and local in page
    assert early.status_code == 303
    assert "还没到时间" in refused_page
    assert stored(Reservation, reservation.id).status == "confirmed"
    assert "起可以交接" not in on_time_page


def test_a_sold_out_claim_says_so_on_the_listing_page(browser_as):
    listing = ListingFactory(quantity=1)
    post_form(browser_as(UserFactory()), f"/listings/{listing.id}/claim", {"quantity": "1"})

    response = post_form(
        browser_as(UserFactory()), f"/listings/{listing.id}/claim", {"quantity": "1"}
    )

    assert response.status_code == 409
    assert "已经被领完了" in text_of(response)


def test_a_loan_too_far_ahead_is_refused_in_chinese_on_the_listing_page(browser_as):
    drill = LendOfferFactory(max_lend_days=7)
    day = (clock.now() + timedelta(days=120)).date().isoformat()

    response = post_form(
        browser_as(UserFactory()),
        f"/listings/{drill.id}/claim",
        {"starts_on": day, "ends_on": day},
    )

    assert response.status_code == 422
    assert "最多只能预约 90 天以内开始的借用。" in text_of(response)
    assert db.session.scalars(select(Reservation)).all() == []


def test_the_owner_cannot_claim_their_own_listing(browser_as):
    listing = ListingFactory()

    response = post_form(browser_as(listing.owner), f"/listings/{listing.id}/claim", {})

    assert response.status_code == 403
    assert "不能申请自己发布的内容" in text_of(response)


def test_a_resident_reports_a_listing(browser_as):
    listing = ListingFactory()
    reporter = UserFactory()

    response = post_form(
        browser_as(reporter),
        f"/listings/{listing.id}/report",
        {"reason": "spam", "details": "广告"},
    )

    assert response.status_code == 303
    report = db.session.scalars(select(Report).where(Report.reporter_id == reporter.id)).one()
    assert (report.listing_id, report.reason) == (listing.id, "spam")


# --- coordinators --------------------------------------------------------------------------------


def test_a_coordinator_approves_from_the_queue(browser_as):
    listing = ListingFactory(moderation="pending", title="待审核的台灯")
    coordinator = browser_as(CoordinatorFactory())

    assert "待审核的台灯" in text_of(coordinator.get("/staff/queue"))
    response = post_form(
        coordinator, f"/staff/listings/{listing.id}/moderate", {"action": "approve", "reason": ""}
    )

    assert response.status_code == 303
    assert stored(Listing, listing.id).moderation == "approved"


def test_rejecting_needs_a_reason(browser_as):
    listing = ListingFactory(moderation="pending")
    coordinator = browser_as(CoordinatorFactory())

    response = post_form(
        coordinator, f"/staff/listings/{listing.id}/moderate", {"action": "reject"}
    )

    assert response.status_code == 303
    assert "必填" in text_of(coordinator.get("/staff/queue"))
    assert stored(Listing, listing.id).moderation == "pending"


def test_a_coordinator_suspends_and_reinstates_a_user(browser_as):
    resident = UserFactory()
    coordinator = browser_as(CoordinatorFactory())

    post_form(coordinator, f"/staff/users/{resident.id}/suspend", {"reason": "发布违禁物品"})
    assert stored(User, resident.id).status == "suspended"
    post_form(coordinator, f"/staff/users/{resident.id}/reinstate", {"reason": "已整改"})
    assert stored(User, resident.id).status == "active"


def test_a_coordinator_resolves_a_report(browser_as):
    from tests.listing_factories import ReportFactory

    report = ReportFactory()
    coordinator = browser_as(CoordinatorFactory())

    response = post_form(
        coordinator, f"/staff/reports/{report.id}/resolve", {"outcome": "dismissed", "note": "正常"}
    )

    assert response.status_code == 303
    assert stored(Report, report.id).status == "resolved"


def test_the_figures_page_draws_three_svg_charts(browser_as):
    ListingFactory.create_batch(3)
    coordinator = browser_as(CoordinatorFactory())

    page = text_of(coordinator.get("/staff/figures"))

    assert page.count('<svg class="chart"') == 3
    for title in ("每周发布与完成交换", "按类别", "按网格"):
        assert f'aria-label="{title}"' in page


def test_the_figures_page_shows_the_period_it_is_asked_for_with_its_csv_export(browser_as):
    clock.freeze(datetime(2026, 3, 20, 4, 0, tzinfo=UTC))
    ListingFactory(created_at=datetime(2026, 3, 3, 2, 0, tzinfo=UTC), side="offer")
    ListingFactory(created_at=datetime(2026, 1, 5, 2, 0, tzinfo=UTC), side="offer")
    coordinator = browser_as(CoordinatorFactory())

    page = text_of(coordinator.get("/staff/figures?from=2026-03-01&to=2026-03-10"))

    assert "2026-03-01 至 2026-03-10" in page
    assert 'name="from" type="date" value="2026-03-01"' in page
    assert 'name="to" type="date" value="2026-03-10"' in page
    assert "<strong>1</strong><span>提供</span>" in page  # the January one is outside
    export = re.search(r'<a href="([^"]+)" download>导出 CSV</a>', page)
    assert export is not None
    answer = coordinator.get(html.unescape(export.group(1)))
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    rows = text_of(answer).splitlines()
    assert "period,from,2026-03-01" in rows and "period,to,2026-03-10" in rows


def test_the_figures_page_offers_periods_and_defaults_to_the_last_twelve_weeks(browser_as):
    clock.freeze(datetime(2026, 3, 20, 4, 0, tzinfo=UTC))
    coordinator = browser_as(CoordinatorFactory())

    page = text_of(coordinator.get("/staff/figures"))

    assert "2025-12-27 至 2026-03-20" in page
    assert 'href="/api/v1/stats?format=csv&amp;from=2025-12-27&amp;to=2026-03-20"' in page
    assert "/staff/figures?from=2025-01-01&amp;to=2025-12-31" in page  # last year


def test_the_figures_page_refuses_a_period_that_ends_before_it_starts(browser_as):
    coordinator = browser_as(CoordinatorFactory())

    response = coordinator.get("/staff/figures?from=2026-03-10&to=2026-03-01")

    assert response.status_code == 422
    page = text_of(response)
    assert 'id="err-from"' in page
    assert '<svg class="chart"' not in page


def test_the_weekly_chart_of_a_long_period_shows_its_last_weeks(browser_as):
    clock.freeze(datetime(2026, 3, 20, 4, 0, tzinfo=UTC))
    coordinator = browser_as(CoordinatorFactory())

    page = text_of(coordinator.get("/staff/figures?from=2024-01-01&to=2026-03-20"))

    assert "2024-01-01 至 2026-03-20" in page
    weekly = page[page.index('id="chart-weekly"') :]
    weekly = weekly[: weekly.index("</figure>")]
    assert weekly.count('class="series-0"') == 26 + 1  # a column a week, and the legend
    assert "（2025-09-22 起）" in weekly  # a Monday


def test_weekly_activity_counts_listings_and_exchanges_per_local_week(app_ctx):
    from marketplace.stats import services as stats
    from tests.reservation_factories import ReservationFactory

    monday = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 on a Monday in Shanghai
    clock.freeze(monday + timedelta(days=15))
    coordinator = CoordinatorFactory()
    ListingFactory(created_at=monday)
    ListingFactory(created_at=monday + timedelta(days=8))
    ReservationFactory(status="completed", completed_at=monday + timedelta(days=9))
    db.session.flush()

    period = stats.local_period(monday.date(), (monday + timedelta(days=20)).date())
    weeks = stats.weekly_activity(coordinator, None, period)

    assert [week["week_start"].isoformat() for week in weeks] == [
        "2026-03-02", "2026-03-09", "2026-03-16",
    ]  # fmt: skip
    assert [week["listings"] for week in weeks] == [1, 1, 1]  # the claimed listing: "now"
    assert [week["completed"] for week in weeks] == [0, 1, 0]


# --- merchants -----------------------------------------------------------------------------------


def test_a_merchant_hands_over_a_donation_claimed_for_today(browser_as):
    donation = organisation_listing(DonationOfferFactory)
    reservation = DonationReservationFactory(listing=donation)
    merchant = browser_as(donation.owner)

    page = text_of(merchant.get("/merchant"))
    response = post_form(
        merchant,
        f"/me/reservations/{reservation.id}/pickup",
        {"role": "owner", "code": reservation.pickup_code},
        token_from="/merchant",
    )

    assert donation.title in page
    assert reservation.claimant.display_name in page
    assert response.status_code == 303
    assert stored(Reservation, reservation.id).status == "picked_up"


def test_a_merchant_puts_up_a_reward_and_a_resident_sees_it(browser_as):
    merchant_user = MerchantFactory()
    merchant = browser_as(merchant_user)
    place = CommunityFactory()
    until = (clock.now() + timedelta(days=30)).date().isoformat()

    response = post_form(
        merchant,
        "/merchant/rewards",
        {"title": "环保购物袋", "points_cost": "10", "stock": "5", "valid_until": until,
         "pickup_place_id": place.id},
    )  # fmt: skip

    assert response.status_code == 303
    assert "环保购物袋" in text_of(browser_as(UserFactory()).get("/me/points"))
