"""A resident's own listings; a coordinator moderating from a listing's page; volunteer points
granted from the users page and revoked from the audit log."""

from __future__ import annotations

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.listings.models import Listing
from tests.factories import CoordinatorFactory, MerchantFactory, UserFactory
from tests.listing_factories import DonationOfferFactory, ListingFactory
from tests.points_factories import give_points
from tests.web.pages import post_form, text_of


def stored(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


# --- my listings ---------------------------------------------------------------------------------


def test_a_resident_sees_their_listings_in_every_state_and_no_one_elses(browser_as):
    owner = UserFactory()
    ListingFactory(owner=owner, title="我的台灯")
    ListingFactory(owner=owner, title="被退回的发布", moderation="rejected",
                   moderation_reason="图片不清楚")  # fmt: skip
    ListingFactory(owner=owner, title="撤下的发布", status="withdrawn")
    ListingFactory(title="别人的发布")
    browser = browser_as(owner)

    page = text_of(browser.get("/me/listings"))
    withdrawn = text_of(browser.get("/me/listings?status=withdrawn"))

    for title in ("我的台灯", "被退回的发布", "撤下的发布"):
        assert title in page
    assert "别人的发布" not in page
    assert "审核说明：图片不清楚" in page
    assert "撤下的发布" in withdrawn and "我的台灯" not in withdrawn
    assert 'href="/me/listings"' in page  # in the header


def test_a_merchant_sees_the_organisations_listings(browser_as):
    merchant = MerchantFactory()
    colleague = MerchantFactory(organisation=merchant.organisation)
    DonationOfferFactory(owner=colleague, organisation=merchant.organisation, title="同事发布的米")

    assert "同事发布的米" in text_of(browser_as(merchant).get("/me/listings"))


def test_visitors_are_asked_to_log_in_for_their_listings(client):
    response = client.get("/me/listings")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# --- moderating from a listing's page ------------------------------------------------------------


def test_a_coordinator_hides_a_reported_listing_from_its_page_and_restores_it(browser_as):
    listing = ListingFactory(title="可疑的转让")
    coordinator = browser_as(CoordinatorFactory())
    path = f"/listings/{listing.id}"

    page = text_of(coordinator.get(path))
    hidden = post_form(
        coordinator, f"/staff/listings/{listing.id}/moderate",
        {"action": "hide", "reason": "疑似诈骗", "next": path}, token_from=path,
    )  # fmt: skip
    hidden_page = text_of(coordinator.get(path))
    restored = post_form(
        coordinator, f"/staff/listings/{listing.id}/moderate",
        {"action": "restore", "reason": "核实无误", "next": path}, token_from=path,
    )  # fmt: skip

    assert 'value="hide"' in page and 'value="restore"' not in page
    assert "尚未交接的预约会被取消并通知申请人" in page
    assert hidden.status_code == 303 and hidden.headers["Location"] == path
    assert 'value="restore"' in hidden_page
    assert restored.status_code == 303
    assert stored(Listing, listing.id).moderation == "approved"


def test_hiding_without_a_reason_is_refused(browser_as):
    listing = ListingFactory()
    coordinator = browser_as(CoordinatorFactory())
    path = f"/listings/{listing.id}"

    post_form(coordinator, f"/staff/listings/{listing.id}/moderate",
              {"action": "hide", "next": path}, token_from=path)  # fmt: skip

    assert "必填" in text_of(coordinator.get(path))
    assert stored(Listing, listing.id).moderation == "approved"


def test_residents_see_no_moderation_panel_and_cannot_moderate(browser_as):
    listing = ListingFactory()
    resident = browser_as(UserFactory())

    assert 'id="moderate"' not in text_of(resident.get(f"/listings/{listing.id}"))
    response = post_form(
        resident, f"/staff/listings/{listing.id}/moderate", {"action": "hide", "reason": "x"}
    )
    assert response.status_code == 403
    assert stored(Listing, listing.id).moderation == "approved"


# --- volunteer points ----------------------------------------------------------------------------


def test_a_coordinator_grants_volunteer_points_and_revokes_them_from_the_audit_log(browser_as):
    resident = UserFactory()
    coordinator = browser_as(CoordinatorFactory())

    granted = post_form(
        coordinator, f"/staff/users/{resident.id}/grant", {"points": "20", "reason": "广场义务清洁"}
    )
    audit = text_of(coordinator.get("/staff/audit?target_type=user"))

    assert granted.status_code == 303
    assert stored(User, resident.id).points_balance == 20
    assert "发放志愿积分" in audit and "广场义务清洁" in audit
    assert "广场义务清洁" in text_of(browser_as(resident).get("/me/points"))
    revoke_action = audit.split('action="/staff/grants/')[1].split('"')[0]
    revoked = post_form(
        coordinator,
        f"/staff/grants/{revoke_action}",
        {"reason": "重复发放"},
        token_from="/staff/audit",
    )
    assert revoked.status_code == 303
    assert stored(User, resident.id).points_balance == 0


def test_a_grant_over_the_limit_is_refused_next_to_the_points(browser_as):
    resident = UserFactory()
    coordinator = browser_as(CoordinatorFactory())

    response = post_form(
        coordinator, f"/staff/users/{resident.id}/grant", {"points": "9999", "reason": "活动"}
    )

    page = text_of(response)
    assert response.status_code == 422
    assert f'id="points-{resident.id}"' in page
    assert '<p class="field-error" id="err-points">须在 1 到 500 之间。</p>' in page
    assert stored(User, resident.id).points_balance == 0


def test_revoking_points_already_spent_is_refused(browser_as):
    resident = UserFactory()
    coordinator = browser_as(CoordinatorFactory())
    post_form(coordinator, f"/staff/users/{resident.id}/grant", {"points": "20", "reason": "活动"})
    entry_id = text_of(coordinator.get("/staff/audit")).split('action="/staff/grants/')[1]
    entry_id = entry_id.split("/")[0]
    give_points(resident, -15)  # spent meanwhile

    post_form(coordinator, f"/staff/grants/{entry_id}/revoke", {"reason": "重复发放"})

    assert "积分不足" in text_of(coordinator.get("/staff/audit"))
    assert stored(User, resident.id).points_balance == 5


def test_only_coordinators_grant_points(browser_as):
    resident = UserFactory()
    other = browser_as(UserFactory())

    response = post_form(other, f"/staff/users/{resident.id}/grant", {"points": "5", "reason": "x"})

    assert response.status_code == 403
    assert stored(User, resident.id).points_balance == 0


# --- my account ----------------------------------------------------------------------------------


def test_a_resident_sets_their_name_home_place_and_alerts(browser_as):
    from tests.factories import CommunityFactory

    resident = UserFactory(display_name="老王")
    place = CommunityFactory(name="清溪村")
    browser = browser_as(resident)

    page = text_of(browser.get("/me/account"))
    response = post_form(
        browser, "/me/account", {"display_name": "王师傅", "home_place_id": place.id}
    )

    assert 'value="老王"' in page and 'name="match_alerts" checked' in page
    assert response.status_code == 303
    saved = stored(User, resident.id)
    assert (saved.display_name, saved.home_place_id, saved.match_alerts) == (
        "王师傅",
        place.id,
        False,
    )


def test_an_empty_name_is_refused_next_to_the_field(browser_as):
    resident = UserFactory(display_name="老王")
    browser = browser_as(resident)

    response = post_form(browser, "/me/account", {"display_name": "", "match_alerts": "on"})

    page = text_of(response)
    assert response.status_code == 422
    assert '<p class="field-error" id="err-display_name">' in page
    assert stored(User, resident.id).display_name == "老王"


def test_changing_the_password_needs_the_current_one_and_keeps_this_browser_logged_in(
    browser_as, app
):
    from tests.factories import PASSWORD
    from tests.web.pages import log_in

    resident = UserFactory()
    browser = browser_as(resident)
    other_device = browser_as(resident)

    wrong = post_form(
        browser,
        "/me/password",
        {"current_password": "not-it-at-all", "new_password": "n3w-secret!"},
    )
    changed = post_form(
        browser, "/me/password", {"current_password": PASSWORD, "new_password": "n3w-secret!"}
    )

    assert wrong.status_code == 422
    assert '<p class="field-error" id="err-current_password">当前密码不正确。</p>' in text_of(wrong)
    assert changed.status_code == 303
    assert browser.get("/me/account").status_code == 200
    assert other_device.get("/me/account").status_code == 302  # its session ended
    log_in(app.test_client(), resident, password="n3w-secret!")


def test_visitors_are_asked_to_log_in_for_the_account_page(client):
    assert client.get("/me/account").status_code == 302


# --- reporting the poster, verifying a merchant --------------------------------------------------


def test_a_resident_reports_the_person_who_posted_a_listing(browser_as):
    from sqlalchemy import select

    from marketplace.moderation.models import Report

    listing = ListingFactory()
    reporter = UserFactory()

    response = post_form(
        browser_as(reporter),
        f"/listings/{listing.id}/report",
        {"about": "owner", "reason": "fraud", "details": "要求先付定金"},
    )

    assert response.status_code == 303
    report = db.session.scalars(select(Report).where(Report.reporter_id == reporter.id)).one()
    assert (report.reported_user_id, report.listing_id) == (listing.owner_id, None)
    page = text_of(browser_as(CoordinatorFactory()).get("/staff/reports"))
    assert f"被举报的用户 #{listing.owner_id}" in page


def test_a_coordinator_verifies_a_merchant_and_its_listings_show_the_badge(browser_as):
    from marketplace.accounts.models import Organisation

    merchant = MerchantFactory()
    donation = DonationOfferFactory(owner=merchant, organisation=merchant.organisation)
    coordinator = browser_as(CoordinatorFactory())

    response = post_form(
        coordinator,
        f"/staff/organisations/{merchant.organisation_id}/verification",
        {"verified": "true"},
    )

    assert response.status_code == 303
    assert stored(Organisation, merchant.organisation_id).verified is True
    assert "已认证" in text_of(browser_as(UserFactory()).get(f"/listings/{donation.id}"))
    post_form(
        coordinator,
        f"/staff/organisations/{merchant.organisation_id}/verification",
        {"verified": "false"},
    )
    assert stored(Organisation, merchant.organisation_id).verified is False


def test_merchants_cannot_verify_themselves(browser_as):
    from marketplace.accounts.models import Organisation

    merchant = MerchantFactory()

    response = post_form(
        browser_as(merchant),
        f"/staff/organisations/{merchant.organisation_id}/verification",
        {"verified": "true"},
    )

    assert response.status_code == 403
    assert stored(Organisation, merchant.organisation_id).verified is False


# --- claiming for one of my requests -------------------------------------------------------------


def test_a_claim_opened_from_my_requests_matches_says_it_fulfils_that_request(browser_as):
    from sqlalchemy import select

    from marketplace.reservations.models import Reservation
    from tests.listing_factories import ItemRequestFactory

    request = ItemRequestFactory()
    offer = ListingFactory()
    browser = browser_as(request.owner)
    path = f"/listings/{offer.id}?request_id={request.id}"

    page = text_of(browser.get(path))
    response = post_form(
        browser, f"/listings/{offer.id}/claim", {"quantity": "1", "request_id": request.id},
        token_from=path,
    )  # fmt: skip

    assert 'name="request_id"' in page
    assert response.status_code == 303
    claim = db.session.scalars(
        select(Reservation).where(Reservation.claimant_id == request.owner_id)
    ).one()
    assert claim.request_id == request.id


def test_a_claim_cannot_name_someone_elses_request(browser_as):
    from tests.listing_factories import ItemRequestFactory

    someone_elses = ItemRequestFactory()
    offer = ListingFactory()
    browser = browser_as(UserFactory())

    response = post_form(
        browser, f"/listings/{offer.id}/claim", {"quantity": "1", "request_id": someone_elses.id}
    )

    assert response.status_code == 422
    assert '<p class="field-error" id="err-request_id">只能选择您自己发布的需求。</p>' in text_of(
        response
    )
