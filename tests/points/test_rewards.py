"""Merchants' rewards and residents' redemptions: points debited and stock taken together, a
pick-up code the merchant checks at hand-over, and a refund by a new entry when a redemption is
cancelled or its reward expires."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from marketplace import clock
from marketplace.extensions import db
from marketplace.points.models import Redemption
from tests.factories import (
    CommunityFactory,
    CoordinatorFactory,
    MerchantFactory,
    SubdistrictFactory,
    UserFactory,
)
from tests.points.helpers import (
    NOW,
    assert_balance_is_the_ledger,
    assert_error,
    assert_field_errors,
    balance_of,
    earned_of,
    entries_of,
    ledger_lines,
    stored_redemption,
    stored_reward,
)
from tests.points_factories import RedemptionFactory, RewardFactory, give_points

# --- offering rewards ----------------------------------------------------------------------------


def reward_body(place: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "title": "洗衣液一瓶",
        "description": "感谢您参与益起来志愿积分",
        "points_cost": 30,
        "stock": 10,
        "valid_until": (NOW + timedelta(days=90)).isoformat(),
        "pickup_place_id": place.id,
        **overrides,
    }


@pytest.fixture
def pickup_place() -> Any:
    return CommunityFactory(name="清溪村资源服务站")


def test_a_merchant_offers_a_reward(client_as: Any, merchant: Any, pickup_place: Any) -> None:
    response = client_as(merchant).post("/api/v1/rewards", json=reward_body(pickup_place))

    assert response.status_code == 201, response.json
    body = response.json
    assert body["organisation_id"] == merchant.organisation_id
    assert (body["title"], body["points_cost"], body["stock"], body["status"]) == (
        "洗衣液一瓶",
        30,
        10,
        "active",
    )
    assert (body["pickup_place_id"], body["pickup_place_name"]) == (
        pickup_place.id,
        "清溪村资源服务站",
    )
    assert body["valid_until"] == (NOW + timedelta(days=90)).isoformat()
    stored = stored_reward(body["id"])
    assert stored.created_by_id == merchant.id


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"valid_until": NOW.isoformat()}, ["valid_until"]),
        ({"points_cost": 0}, ["points_cost"]),
        ({"stock": -1}, ["stock"]),
        ({"title": ""}, ["title"]),
        ({"pickup_place_id": 999_999}, ["pickup_place_id"]),
    ],
)
def test_a_reward_needs_a_cost_a_future_end_and_a_pickup_place(
    client_as: Any, merchant: Any, pickup_place: Any, overrides: dict[str, Any], fields: list[str]
) -> None:
    response = client_as(merchant).post(
        "/api/v1/rewards", json=reward_body(pickup_place, **overrides)
    )

    assert_field_errors(response, *fields)


def test_a_reward_is_not_collected_at_the_subdistrict_root(client_as: Any, merchant: Any) -> None:
    response = client_as(merchant).post("/api/v1/rewards", json=reward_body(SubdistrictFactory()))

    assert_field_errors(response, "pickup_place_id")


def test_only_merchants_offer_rewards(client: Any, client_as: Any, pickup_place: Any) -> None:
    assert_error(
        client.post("/api/v1/rewards", json=reward_body(pickup_place)), 401, "unauthorized"
    )
    for caller in (UserFactory(), CoordinatorFactory()):
        response = client_as(caller).post("/api/v1/rewards", json=reward_body(pickup_place))
        assert_error(response, 403, "forbidden")


def test_anyone_lists_the_rewards_that_can_be_redeemed_now(client: Any) -> None:
    cheap = RewardFactory(points_cost=5)
    dear = RewardFactory(points_cost=50)
    RewardFactory(stock=0)
    RewardFactory(status="withdrawn")
    ended = RewardFactory(valid_until=NOW + timedelta(minutes=1))
    clock.advance(timedelta(minutes=1))

    available = client.get("/api/v1/rewards")
    everything = client.get("/api/v1/rewards?available=false")

    assert available.status_code == 200
    assert [item["id"] for item in available.json["items"]] == [cheap.id, dear.id]
    assert everything.json["total"] == 5
    assert client.get(f"/api/v1/rewards/{ended.id}").json["id"] == ended.id
    assert_error(client.get("/api/v1/rewards/999999"), 404, "not_found")


def test_rewards_of_one_organisation(client: Any) -> None:
    mine = RewardFactory()
    RewardFactory()

    response = client.get(f"/api/v1/rewards?organisation_id={mine.organisation_id}")

    assert [item["id"] for item in response.json["items"]] == [mine.id]


def test_the_merchant_withdraws_a_reward(client: Any, client_as: Any, merchant: Any) -> None:
    reward = RewardFactory(merchant=merchant)
    colleague = MerchantFactory(organisation=merchant.organisation)

    assert_error(client.post(f"/api/v1/rewards/{reward.id}/withdraw"), 401, "unauthorized")
    for outsider in (UserFactory(), MerchantFactory(), CoordinatorFactory()):
        response = client_as(outsider).post(f"/api/v1/rewards/{reward.id}/withdraw")
        assert_error(response, 403, "forbidden")
    response = client_as(colleague).post(f"/api/v1/rewards/{reward.id}/withdraw")

    assert response.status_code == 200
    assert stored_reward(reward).status == "withdrawn"


# --- redeeming -----------------------------------------------------------------------------------


def redeem(client: Any, reward: Any) -> Any:
    return client.post(f"/api/v1/rewards/{reward.id}/redeem")


def test_redeeming_debits_the_points_and_takes_one_from_stock(
    claimant: Any, claimant_client: Any
) -> None:
    give_points(claimant, 30)
    reward = RewardFactory(points_cost=10, stock=5)

    response = redeem(claimant_client, reward)

    assert response.status_code == 201, response.json
    body = response.json
    assert (body["reward_id"], body["reward_title"], body["user_id"]) == (
        reward.id,
        reward.title,
        claimant.id,
    )
    assert (body["points_cost"], body["status"]) == (10, "pending")
    assert len(body["pickup_code"]) == 6 and body["pickup_code"].isdigit()
    assert stored_reward(reward).stock == 4
    [_grant, debit] = entries_of(claimant)
    assert (debit.delta, debit.reason, debit.reference_type, debit.reference_id) == (
        -10,
        "redemption",
        "redemption",
        body["id"],
    )
    assert (balance_of(claimant), earned_of(claimant)) == (20, 30)
    assert_balance_is_the_ledger(claimant)


def test_not_enough_points_is_a_conflict_and_takes_nothing(
    claimant: Any, claimant_client: Any
) -> None:
    give_points(claimant, 9)
    reward = RewardFactory(points_cost=10, stock=5)

    details = assert_error(redeem(claimant_client, reward), 409, "insufficient_points")

    assert details == {"needed": 10}
    assert stored_reward(reward).stock == 5
    assert balance_of(claimant) == 9
    assert db.session.query(Redemption).count() == 0


def test_an_empty_stock_is_a_conflict_and_costs_nothing(
    claimant: Any, claimant_client: Any
) -> None:
    give_points(claimant, 30)
    reward = RewardFactory(stock=1)
    assert redeem(claimant_client, reward).status_code == 201

    assert_error(redeem(claimant_client, reward), 409, "out_of_stock")

    assert (stored_reward(reward).stock, balance_of(claimant)) == (0, 20)


@pytest.mark.parametrize("ended", ["expired", "withdrawn"])
def test_a_reward_that_ended_cannot_be_redeemed(
    claimant: Any, claimant_client: Any, ended: str
) -> None:
    give_points(claimant, 30)
    reward = RewardFactory(valid_until=NOW + timedelta(hours=1))
    if ended == "expired":
        clock.advance(timedelta(hours=1))
    else:
        reward.status = "withdrawn"

    assert_error(redeem(claimant_client, reward), 409, "out_of_stock")

    assert (stored_reward(reward).stock, balance_of(claimant)) == (5, 30)


def test_merchants_do_not_redeem_their_own_rewards(client_as: Any, merchant: Any) -> None:
    colleague = MerchantFactory(organisation=merchant.organisation)
    give_points(colleague, 30)
    reward = RewardFactory(merchant=merchant)

    assert_error(redeem(client_as(colleague), reward), 403, "forbidden")
    assert balance_of(colleague) == 30


def test_another_merchant_may_redeem(client_as: Any) -> None:
    shopper = MerchantFactory()
    give_points(shopper, 10)

    assert redeem(client_as(shopper), RewardFactory()).status_code == 201


def test_redeeming_needs_a_login_and_a_reward(client: Any, claimant_client: Any) -> None:
    assert_error(redeem(client, RewardFactory()), 401, "unauthorized")
    assert_error(claimant_client.post("/api/v1/rewards/999999/redeem"), 404, "not_found")


# --- handing over --------------------------------------------------------------------------------


@pytest.fixture
def redemption(claimant: Any, claimant_client: Any, merchant: Any) -> dict[str, Any]:
    """The claimant redeemed 10 of their 30 points at the merchant's; the response body."""
    give_points(claimant, 30)
    response = redeem(claimant_client, RewardFactory(merchant=merchant, points_cost=10, stock=5))
    assert response.status_code == 201
    return response.json


def hand_over(client: Any, redemption: dict[str, Any], code: str) -> Any:
    return client.post(f"/api/v1/redemptions/{redemption['id']}/hand-over", json={"code": code})


def test_the_merchant_hands_over_after_checking_the_code(
    client_as: Any, merchant: Any, redemption: dict[str, Any]
) -> None:
    merchant_client = client_as(merchant)
    wrong = "000000" if redemption["pickup_code"] != "000000" else "111111"

    assert_error(hand_over(merchant_client, redemption, wrong), 409, "wrong_code")
    assert stored_redemption(redemption["id"]).status == "pending"
    clock.advance(timedelta(hours=2))
    response = hand_over(merchant_client, redemption, redemption["pickup_code"])

    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["pickup_code"]) == ("handed_over", None)
    assert response.json["handed_over_at"] == (NOW + timedelta(hours=2)).isoformat()
    assert_error(
        hand_over(merchant_client, redemption, redemption["pickup_code"]), 409, "invalid_transition"
    )


def test_a_code_has_six_digits(client_as: Any, merchant: Any, redemption: dict[str, Any]) -> None:
    assert_field_errors(hand_over(client_as(merchant), redemption, "12ab"), "code")


def test_only_the_merchant_hands_over(
    client: Any, client_as: Any, claimant_client: Any, redemption: dict[str, Any]
) -> None:
    code = redemption["pickup_code"]

    assert_error(hand_over(client, redemption, code), 401, "unauthorized")
    assert_error(hand_over(claimant_client, redemption, code), 403, "forbidden")
    assert_error(hand_over(client_as(CoordinatorFactory()), redemption, code), 403, "forbidden")
    for stranger in (UserFactory(), MerchantFactory()):
        assert_error(hand_over(client_as(stranger), redemption, code), 404, "not_found")
    assert stored_redemption(redemption["id"]).status == "pending"


def test_the_code_is_shown_to_the_resident_only(
    client_as: Any, claimant_client: Any, merchant: Any, redemption: dict[str, Any]
) -> None:
    mine = claimant_client.get("/api/v1/redemptions").json["items"]
    at_the_shop = client_as(merchant).get("/api/v1/redemptions?role=merchant").json["items"]

    assert [(item["id"], item["pickup_code"]) for item in mine] == [
        (redemption["id"], redemption["pickup_code"])
    ]
    assert [(item["id"], item["pickup_code"]) for item in at_the_shop] == [(redemption["id"], None)]
    assert_error(claimant_client.get("/api/v1/redemptions?role=merchant"), 403, "forbidden")


# --- cancelling and expiring refund by a new entry -----------------------------------------------


def test_cancelling_refunds_the_points_by_a_new_entry_and_returns_the_stock(
    claimant: Any, claimant_client: Any, redemption: dict[str, Any]
) -> None:
    response = claimant_client.post(f"/api/v1/redemptions/{redemption['id']}/cancel")

    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["closed_at"]) == ("cancelled", NOW.isoformat())
    assert ledger_lines(claimant) == [
        (30, "volunteer_grant"),
        (-10, "redemption"),
        (10, "redemption_refund"),
    ]
    refund = entries_of(claimant)[-1]
    assert (refund.reference_type, refund.reference_id) == ("redemption", redemption["id"])
    assert (balance_of(claimant), earned_of(claimant)) == (30, 30)
    assert stored_reward(redemption["reward_id"]).stock == 5
    assert_error(
        claimant_client.post(f"/api/v1/redemptions/{redemption['id']}/cancel"),
        409,
        "invalid_transition",
    )
    assert_balance_is_the_ledger(claimant)


def test_the_merchant_may_cancel_too(
    client_as: Any, claimant: Any, merchant: Any, redemption: dict[str, Any]
) -> None:
    response = client_as(merchant).post(f"/api/v1/redemptions/{redemption['id']}/cancel")

    assert response.status_code == 200
    assert balance_of(claimant) == 30


def test_a_handed_over_redemption_is_not_cancelled(
    client_as: Any, claimant: Any, claimant_client: Any, merchant: Any, redemption: dict[str, Any]
) -> None:
    assert hand_over(client_as(merchant), redemption, redemption["pickup_code"]).status_code == 200

    response = claimant_client.post(f"/api/v1/redemptions/{redemption['id']}/cancel")

    assert_error(response, 409, "invalid_transition")
    assert balance_of(claimant) == 20


def test_strangers_cannot_cancel(client: Any, client_as: Any, redemption: dict[str, Any]) -> None:
    path = f"/api/v1/redemptions/{redemption['id']}/cancel"

    assert_error(client.post(path), 401, "unauthorized")
    assert_error(client_as(UserFactory()).post(path), 404, "not_found")
    assert_error(client_as(MerchantFactory()).post(path), 404, "not_found")
    assert stored_redemption(redemption["id"]).status == "pending"


def test_the_sweep_expires_redemptions_of_rewards_that_ended_and_refunds_them(
    cli: Any, claimant: Any
) -> None:
    give_points(claimant, 50)
    reward = RewardFactory(points_cost=10, valid_until=NOW + timedelta(days=1))
    waiting = RedemptionFactory(reward=reward, resident=claimant)
    collected = RedemptionFactory(reward=reward, resident=claimant, status="handed_over")
    still_valid = RedemptionFactory(resident=claimant, reward__points_cost=5)
    clock.advance(timedelta(days=1))

    result = cli("points", "sweep")

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "points: 0 awards paid, 1 redemptions expired"
    assert stored_redemption(waiting.id).status == "expired"
    assert stored_redemption(waiting.id).closed_at == NOW + timedelta(days=1)
    assert stored_redemption(collected.id).status == "handed_over"
    assert stored_redemption(still_valid.id).status == "pending"
    assert ledger_lines(claimant)[-1] == (10, "redemption_refund")
    assert balance_of(claimant) == 50 - 10 - 5
    assert cli("points", "sweep").output.strip() == "points: 0 awards paid, 0 redemptions expired"
    assert_balance_is_the_ledger(claimant)
