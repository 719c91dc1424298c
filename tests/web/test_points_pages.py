"""Points through the pages: the person helped confirms or disputes a skill's points, a
coordinator resolves the dispute; redemptions cancelled by the resident or the merchant; a
merchant withdraws a reward."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.moderation.models import ModerationAction
from marketplace.points.models import Redemption, Reward, ServiceAward
from tests.factories import CoordinatorFactory, MerchantFactory, UserFactory
from tests.listing_factories import SkillOfferFactory
from tests.points_factories import (
    HandedOverSkillFactory,
    RedemptionFactory,
    RewardFactory,
    give_points,
)
from tests.web.pages import post_form, text_of


def stored(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def user(user_id: int) -> User:
    return db.session.get(User, user_id)


def redeemed(**overrides) -> Redemption:
    """A resident's pending redemption of a 10-point reward, paid from a grant."""
    resident = UserFactory()
    give_points(resident, 10)
    return RedemptionFactory(resident=resident, **overrides)


def completed_skill(browser_as) -> tuple[ServiceAward, object, object]:
    """A haircut the provider marked complete through the page: its award waits for the
    claimant. Returns the award and the provider's and claimant's browsers."""
    booking = HandedOverSkillFactory(listing=SkillOfferFactory(title="上门理发"))
    provider = browser_as(booking.listing.owner)
    response = post_form(provider, f"/me/reservations/{booking.id}/complete", {"role": "owner"})
    assert response.status_code == 303
    award = db.session.scalars(
        select(ServiceAward).where(ServiceAward.reservation_id == booking.id)
    ).one()
    return award, provider, browser_as(booking.claimant)


# --- the person helped ---------------------------------------------------------------------------


def test_the_person_helped_sees_the_pending_award_and_confirms_it(browser_as):
    award, provider, claimant = completed_skill(browser_as)

    page = text_of(claimant.get("/me/points"))
    response = post_form(claimant, f"/me/awards/{award.id}/confirm", {}, token_from="/me/points")

    assert "上门理发" in page and "服务已完成，确认" in page
    assert response.status_code == 303
    assert stored(ServiceAward, award.id).status == "awarded"
    assert "已发放" in text_of(provider.get("/me/points"))


def test_the_provider_cannot_confirm_their_own_award(browser_as):
    award, provider, _claimant = completed_skill(browser_as)

    response = post_form(provider, f"/me/awards/{award.id}/confirm", {})

    assert response.status_code == 303
    assert "服务已完成，确认" not in text_of(provider.get("/me/points"))
    assert stored(ServiceAward, award.id).status == "pending"


def test_a_dispute_without_a_reason_is_refused_next_to_the_field(browser_as):
    award, _provider, claimant = completed_skill(browser_as)

    response = post_form(claimant, f"/me/awards/{award.id}/dispute", {"reason": " "})

    page = text_of(response)
    assert response.status_code == 422
    assert f'id="dispute-{award.id}"' in page
    assert '<p class="field-error" id="err-reason">必填。</p>' in page
    assert stored(ServiceAward, award.id).status == "pending"


def test_the_person_helped_disputes_and_a_coordinator_decides(browser_as):
    award, provider, claimant = completed_skill(browser_as)
    coordinator = browser_as(CoordinatorFactory())

    disputed = post_form(claimant, f"/me/awards/{award.id}/dispute", {"reason": "师傅没有来"})
    queue = text_of(coordinator.get("/staff/disputes"))
    resolved = post_form(
        coordinator,
        f"/staff/disputes/{award.id}/resolve",
        {"award": "false", "reason": "核实后确实未提供服务"},
    )

    assert disputed.status_code == 303
    assert "师傅没有来" in queue and "上门理发" in queue
    assert resolved.status_code == 303
    assert stored(ServiceAward, award.id).status == "rejected"
    assert "核实后确实未提供服务" in text_of(provider.get("/me/points"))
    logged = db.session.scalars(
        select(ModerationAction).where(ModerationAction.target_type == "award")
    ).one()
    assert logged.action == "reject_points"


def test_resolving_needs_a_reason_shown_next_to_that_disputes_field(browser_as):
    award, _provider, claimant = completed_skill(browser_as)
    post_form(claimant, f"/me/awards/{award.id}/dispute", {"reason": "师傅没有来"})
    coordinator = browser_as(CoordinatorFactory())

    response = post_form(coordinator, f"/staff/disputes/{award.id}/resolve", {"award": "true"})

    page = text_of(response)
    assert response.status_code == 422
    assert f'id="reason-{award.id}" name="reason"' in page
    assert 'aria-describedby="err-reason"' in page
    assert stored(ServiceAward, award.id).status == "disputed"


def test_only_coordinators_see_and_resolve_disputes(browser_as, client):
    award, provider, claimant = completed_skill(browser_as)
    post_form(claimant, f"/me/awards/{award.id}/dispute", {"reason": "师傅没有来"})

    assert provider.get("/staff/disputes").status_code == 403
    refused = post_form(
        provider, f"/staff/disputes/{award.id}/resolve", {"award": "true", "reason": "我来了"}
    )
    assert refused.status_code == 403
    assert client.get("/staff/disputes").status_code == 302
    assert stored(ServiceAward, award.id).status == "disputed"


# --- redemptions and rewards ---------------------------------------------------------------------


def test_a_resident_cancels_a_redemption_and_gets_the_points_back(browser_as):
    redemption = redeemed()
    resident = browser_as(user(redemption.user_id))

    page = text_of(resident.get("/me/points"))
    response = post_form(resident, f"/redemptions/{redemption.id}/cancel", {})

    assert f'action="/redemptions/{redemption.id}/cancel"' in page
    assert response.status_code == 303
    assert response.headers["Location"] == "/me/points"
    assert stored(Redemption, redemption.id).status == "cancelled"
    assert stored(Reward, redemption.reward_id).stock == 5
    assert "兑换退回" in text_of(resident.get("/me/points"))


def test_the_merchant_cancels_a_redemption_of_their_reward(browser_as):
    redemption = redeemed()
    merchant = browser_as(user(redemption.reward.created_by_id))

    assert f'action="/redemptions/{redemption.id}/cancel"' in text_of(merchant.get("/merchant"))
    response = post_form(merchant, f"/redemptions/{redemption.id}/cancel", {"role": "merchant"})

    assert response.status_code == 303
    assert response.headers["Location"] == "/merchant"
    assert stored(Redemption, redemption.id).status == "cancelled"


def test_someone_else_cannot_cancel_a_redemption(browser_as):
    redemption = redeemed()
    other = browser_as(UserFactory())

    response = post_form(other, f"/redemptions/{redemption.id}/cancel", {})

    assert response.status_code == 303
    assert "找不到" in text_of(other.get("/me/points"))
    assert stored(Redemption, redemption.id).status == "pending"


def test_a_handed_over_redemption_cannot_be_cancelled(browser_as):
    redemption = redeemed(status="handed_over")
    resident = browser_as(user(redemption.user_id))

    post_form(resident, f"/redemptions/{redemption.id}/cancel", {})

    assert "当前状态下不能进行这个操作" in text_of(resident.get("/me/points"))
    assert stored(Redemption, redemption.id).status == "handed_over"


def test_a_merchant_withdraws_a_reward_and_residents_no_longer_see_it(browser_as):
    merchant_user = MerchantFactory()
    reward = RewardFactory(merchant=merchant_user, title="环保购物袋")
    merchant = browser_as(merchant_user)

    response = post_form(merchant, f"/merchant/rewards/{reward.id}/withdraw", {})

    assert response.status_code == 303
    assert stored(Reward, reward.id).status == "withdrawn"
    assert "环保购物袋" not in text_of(browser_as(UserFactory()).get("/me/points"))
    assert "已下架" in text_of(merchant.get("/merchant"))


def test_another_merchant_cannot_withdraw_the_reward(browser_as):
    reward = RewardFactory()
    other = browser_as(MerchantFactory())

    post_form(other, f"/merchant/rewards/{reward.id}/withdraw", {})

    assert "没有权限" in text_of(other.get("/merchant"))
    assert stored(Reward, reward.id).status == "active"
    resident = browser_as(UserFactory())
    assert post_form(resident, f"/merchant/rewards/{reward.id}/withdraw", {}).status_code == 403
