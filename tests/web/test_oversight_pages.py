"""The coordinator's audit log with its filters, and the impact report with its period."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import CoordinatorFactory, MerchantFactory, UserFactory
from tests.listing_factories import DonationOfferFactory, ListingFactory
from tests.reservation_factories import DonationReservationFactory, local_today
from tests.web.pages import post_form, text_of

# --- the audit log -------------------------------------------------------------------------------


def test_a_moderation_decision_appears_in_the_audit_log_with_its_reason(browser_as):
    listing = ListingFactory(moderation="pending", title="可疑的台灯")
    coordinator_user = CoordinatorFactory(display_name="社工小王")
    coordinator = browser_as(coordinator_user)
    post_form(
        coordinator,
        f"/staff/listings/{listing.id}/moderate",
        {"action": "reject", "reason": "疑似广告"},
    )

    page = text_of(coordinator.get("/staff/audit"))

    assert "审核不通过" in page
    assert "疑似广告" in page
    assert "社工小王" in page
    assert f'href="/listings/{listing.id}"' in page


def test_the_audit_log_filters_by_target_and_by_actor(browser_as):
    first, second = ListingFactory(moderation="pending"), ListingFactory(moderation="pending")
    alice, bob = CoordinatorFactory(), CoordinatorFactory()
    post_form(browser_as(alice), f"/staff/listings/{first.id}/moderate",
              {"action": "reject", "reason": "第一条的理由"})  # fmt: skip
    post_form(browser_as(bob), f"/staff/listings/{second.id}/moderate",
              {"action": "hide", "reason": "第二条的理由"})  # fmt: skip
    reader = browser_as(CoordinatorFactory())

    by_target = text_of(reader.get(f"/staff/audit?target_type=listing&target_id={first.id}"))
    by_actor = text_of(reader.get(f"/staff/audit?actor_id={bob.id}"))
    by_type = text_of(reader.get("/staff/audit?target_type=user"))

    assert "第一条的理由" in by_target and "第二条的理由" not in by_target
    assert "第二条的理由" in by_actor and "第一条的理由" not in by_actor
    assert "没有符合条件的记录" in by_type
    assert 'value="listing" selected' in by_target


def test_a_bad_filter_is_shown_next_to_its_field(browser_as):
    coordinator = browser_as(CoordinatorFactory())

    response = coordinator.get("/staff/audit?target_id=abc")

    page = text_of(response)
    assert response.status_code == 422
    assert 'aria-describedby="err-target_id"' in page
    assert '<p class="field-error" id="err-target_id">请填写整数。</p>' in page


def test_the_audit_log_pages_through_many_entries(browser_as):
    coordinator_user = CoordinatorFactory()
    coordinator = browser_as(coordinator_user)
    for number in range(21):
        resident = UserFactory()
        post_form(coordinator, f"/staff/users/{resident.id}/suspend", {"reason": f"原因{number}"})

    first = text_of(coordinator.get("/staff/audit"))
    second = text_of(coordinator.get("/staff/audit?page=2"))

    assert "原因20" in first and "原因0" not in first
    assert "原因0" in second
    assert "第 1 / 2 页" in first


def test_only_coordinators_read_the_audit_log(browser_as, client):
    assert browser_as(UserFactory()).get("/staff/audit").status_code == 403
    assert browser_as(MerchantFactory()).get("/staff/audit").status_code == 403
    assert client.get("/staff/audit").status_code == 302


# --- the impact report ---------------------------------------------------------------------------


def merchant_with_a_handed_over_donation():
    merchant = MerchantFactory()
    donation = DonationOfferFactory(owner=merchant, organisation=merchant.organisation)
    DonationReservationFactory(listing=donation, status="picked_up", quantity=2)
    return merchant


def test_the_impact_report_covers_the_period_asked_for(browser_as):
    merchant = browser_as(merchant_with_a_handed_over_donation())
    today = local_today()

    this_month = text_of(merchant.get(f"/merchant/impact?from={today.replace(day=1)}"))
    long_ago = text_of(merchant.get("/merchant/impact?from=2020-01-01&to=2020-12-31"))

    assert today.strftime("%Y-%m") in this_month
    assert '<svg class="chart"' in this_month
    assert "2020-01-01 至 2020-12-31" in long_ago
    assert "这段时间没有捐赠和认领" in long_ago


def test_a_period_that_ends_before_it_starts_is_refused_next_to_the_date(browser_as):
    merchant = browser_as(MerchantFactory())

    response = merchant.get("/merchant/impact?from=2026-05-01&to=2026-04-01")

    page = text_of(response)
    assert response.status_code == 422
    assert '<p class="field-error" id="err-from">开始日期不能晚于结束日期。</p>' in page
    assert 'value="2026-05-01"' in page


def test_a_malformed_date_is_refused_next_to_its_field(browser_as):
    response = browser_as(MerchantFactory()).get("/merchant/impact?to=yesterday")

    assert response.status_code == 422
    assert '<p class="field-error" id="err-to">请填写有效日期。</p>' in text_of(response)


def test_the_period_presets_link_to_the_same_page(browser_as):
    page = text_of(browser_as(MerchantFactory()).get("/merchant/impact"))
    today = local_today()

    assert "近 30 天" in page
    assert f"/merchant/impact?from={today.year}-01-01" in page


def test_a_coordinator_reads_an_organisations_impact_others_may_not(browser_as, client):
    merchant = merchant_with_a_handed_over_donation()
    path = f"/staff/organisations/{merchant.organisation_id}/impact"
    coordinator = browser_as(CoordinatorFactory())

    page = text_of(coordinator.get(path))
    users_page = text_of(coordinator.get("/staff/users?role=merchant"))

    assert merchant.organisation.name in page
    assert f'href="{path}"' in users_page
    assert browser_as(merchant).get(path).status_code == 403
    assert browser_as(UserFactory()).get("/merchant/impact").status_code == 403
    assert coordinator.get("/staff/organisations/999999/impact").status_code == 404
    assert client.get(path).status_code == 302


def test_the_impact_period_defaults_to_the_last_year(browser_as):
    page = text_of(browser_as(MerchantFactory()).get("/merchant/impact"))
    first_day = local_today() - timedelta(days=364)

    assert f'value="{first_day.isoformat()}"' in page
