"""Balances and stocks hold under concurrent spending, on SQLite and on PostgreSQL.

Ten threads, each with a test client of its own (so each request has its own app context,
session and database connection), wait at one barrier and send their requests together. The
data is really committed (the ``committed`` fixture empties the tables after each test). What
holds the line: the stock and the balance are each taken by a conditional update
(``... WHERE stock >= 1``, ``... WHERE points_balance >= cost``) in the redeeming transaction,
and the CHECK constraints behind them. Each test races three rounds, with fresh people each
round.

Whatever a thread raises is recorded as its outcome and never escapes the thread (pytest would
turn that into a warning, and warnings are errors here).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.points import ledger
from marketplace.points.models import PointsEntry, Redemption, Reward
from tests.factories import CoordinatorFactory, UserFactory
from tests.points_factories import RedemptionFactory, RewardFactory, give_points

# Many connections at once: these run one after another in one xdist worker (--dist loadgroup).
pytestmark = [pytest.mark.concurrency, pytest.mark.xdist_group("many_connections")]

THREADS = 10
ROUNDS = 3
BARRIER_TIMEOUT = 30
FINISH_TIMEOUT = 90

# An attempt gets its index and the barrier's ``wait``; it returns what happened.
Attempt = Callable[[int, Callable[[], Any]], str]


def run_together(count: int, attempt: Attempt) -> list[str]:
    """Run ``count`` attempts in threads released together; their outcomes, by index."""
    barrier = threading.Barrier(count, timeout=BARRIER_TIMEOUT)
    outcomes = ["did not finish"] * count

    def run(index: int) -> None:
        try:
            outcomes[index] = attempt(index, barrier.wait)
        except BaseException as error:  # recorded for the test to report, never re-raised
            outcomes[index] = f"unexpected {type(error).__name__}: {error}"
            barrier.abort()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=FINISH_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a request is still running"
    return outcomes


def answer_of(response: Any) -> str:
    """``201 pending``, ``409 out_of_stock``: the status and what the body says happened."""
    body = response.get_json()
    if response.status_code >= 500:
        return f"unexpected {response.status_code}: {body}"
    if response.status_code >= 400:
        return f"{response.status_code} {body['error']['code']}"
    return f"{response.status_code} {body['status']}"


def post_together(app: Flask, requests: list[tuple[str, str]]) -> list[str]:
    """POST each (path, bearer token) from a thread of its own, all at once."""

    def attempt(index: int, start: Callable[[], Any]) -> str:
        path, token = requests[index]
        client = FlaskClient(app, app.response_class)
        start()
        return answer_of(client.post(path, headers={"Authorization": f"Bearer {token}"}))

    return run_together(len(requests), attempt)


@contextmanager
def session_of(app: Flask) -> Iterator[Any]:
    """A fresh app context, so a fresh session and connection, to set up or inspect data."""
    with app.app_context():
        yield db.session


def token_of(user: User) -> str:
    return accounts.create_token(user, "race")[1]


def assert_invariant_three() -> None:
    """No balance below zero and every balance equal to its ledger."""
    assert db.session.scalar(select(func.min(User.points_balance))) >= 0
    assert ledger.mismatches() == []


# --- one user's balance: ten redemptions, points for three ---------------------------------------


def redeem_ten_times_with_points_for_three(app: Flask) -> None:
    with session_of(app) as session:
        resident = UserFactory()
        give_points(resident, 30)
        reward = RewardFactory(points_cost=10, stock=THREADS)
        session.commit()
        resident_id, reward_id, token = resident.id, reward.id, token_of(resident)

    outcomes = post_together(app, [(f"/api/v1/rewards/{reward_id}/redeem", token)] * THREADS)

    assert Counter(outcomes) == {"201 pending": 3, "409 insufficient_points": THREADS - 3}
    with session_of(app) as session:
        assert session.get(User, resident_id).points_balance == 0
        assert ledger.ledger_sum(resident_id) == 0
        assert session.get(Reward, reward_id).stock == THREADS - 3
        redeemed = select(func.count(Redemption.id)).where(Redemption.reward_id == reward_id)
        assert session.scalar(redeemed) == 3
        assert_invariant_three()


def test_ten_redemptions_with_points_for_three_give_exactly_three(committed: Flask) -> None:
    for _round in range(ROUNDS):
        redeem_ten_times_with_points_for_three(committed)


def redeem_ten_rewards_with_points_for_three(app: Flask) -> None:
    """Ten different rewards, so no reward's row lock queues the redemptions: only the
    conditional update of the balance keeps it from going below zero."""
    with session_of(app) as session:
        resident = UserFactory()
        give_points(resident, 30)
        rewards = RewardFactory.create_batch(THREADS, points_cost=10, stock=1)
        session.commit()
        resident_id, token = resident.id, token_of(resident)
        reward_ids = [reward.id for reward in rewards]

    outcomes = post_together(
        app, [(f"/api/v1/rewards/{reward_id}/redeem", token) for reward_id in reward_ids]
    )

    assert Counter(outcomes) == {"201 pending": 3, "409 insufficient_points": THREADS - 3}
    with session_of(app) as session:
        assert session.get(User, resident_id).points_balance == 0
        assert ledger.ledger_sum(resident_id) == 0
        stocks = [session.get(Reward, reward_id).stock for reward_id in reward_ids]
        for outcome, stock in zip(outcomes, stocks, strict=True):
            assert stock == (0 if outcome == "201 pending" else 1)
        assert_invariant_three()


def test_ten_redemptions_of_different_rewards_with_points_for_three_give_exactly_three(
    committed: Flask,
) -> None:
    for _round in range(ROUNDS):
        redeem_ten_rewards_with_points_for_three(committed)


# --- one reward's stock: ten residents, three in stock -------------------------------------------


def ten_residents_redeem_a_stock_of_three(app: Flask) -> None:
    with session_of(app) as session:
        residents = UserFactory.create_batch(THREADS)
        for resident in residents:
            give_points(resident, 25)
        reward = RewardFactory(points_cost=10, stock=3)
        session.commit()
        reward_id, tokens = reward.id, [token_of(resident) for resident in residents]
        resident_ids = [resident.id for resident in residents]

    outcomes = post_together(
        app, [(f"/api/v1/rewards/{reward_id}/redeem", token) for token in tokens]
    )

    assert Counter(outcomes) == {"201 pending": 3, "409 out_of_stock": THREADS - 3}
    with session_of(app) as session:
        assert session.get(Reward, reward_id).stock == 0
        balances = [session.get(User, user_id).points_balance for user_id in resident_ids]
        for outcome, balance in zip(outcomes, balances, strict=True):
            assert balance == (15 if outcome == "201 pending" else 25)
        redeemed = select(func.count(Redemption.id)).where(Redemption.reward_id == reward_id)
        assert session.scalar(redeemed) == 3
        assert_invariant_three()


def test_ten_residents_after_a_stock_of_three_get_exactly_three(committed: Flask) -> None:
    for _round in range(ROUNDS):
        ten_residents_redeem_a_stock_of_three(committed)


# --- a revocation racing the redemptions it would leave unpaid -----------------------------------


def revoke_while_redeeming(app: Flask) -> None:
    with session_of(app) as session:
        resident, coordinator = UserFactory(), CoordinatorFactory()
        grant_id = give_points(resident, 10).id
        reward = RewardFactory(points_cost=10, stock=THREADS)
        session.commit()
        resident_id = resident.id
        redeem = (f"/api/v1/rewards/{reward.id}/redeem", token_of(resident))
        revoke_path = f"/api/v1/points/grants/{grant_id}/revoke"
        coordinator_token = token_of(coordinator)

    def attempt(index: int, start: Callable[[], Any]) -> str:
        client = FlaskClient(app, app.response_class)
        start()
        if index == 0:
            response = client.post(
                revoke_path,
                json={"reason": "重复登记"},
                headers={"Authorization": f"Bearer {coordinator_token}"},
            )
            return "revoked" if response.status_code == 201 else answer_of(response)
        path, token = redeem
        return answer_of(client.post(path, headers={"Authorization": f"Bearer {token}"}))

    outcomes = run_together(5, attempt)

    won = [outcome for outcome in outcomes if outcome in ("revoked", "201 pending")]
    assert len(won) == 1, outcomes
    assert Counter(outcomes)["409 insufficient_points"] == 4, outcomes
    with session_of(app) as session:
        assert session.get(User, resident_id).points_balance == 0
        lines = select(func.count(PointsEntry.id)).where(PointsEntry.user_id == resident_id)
        assert session.scalar(lines) == 2
        assert_invariant_three()


def test_a_revocation_racing_redemptions_never_takes_a_balance_below_zero(
    committed: Flask,
) -> None:
    """Ten points from one grant: a coordinator revokes it while the resident redeems them four
    times over; exactly one of the five gets the points."""
    for _round in range(ROUNDS):
        revoke_while_redeeming(committed)


# --- one redemption cancelled from ten places at once --------------------------------------------


def cancel_ten_times(app: Flask) -> None:
    with session_of(app) as session:
        resident = UserFactory()
        give_points(resident, 10)
        redemption = RedemptionFactory(resident=resident, reward__points_cost=10, reward__stock=1)
        session.commit()
        resident_id, reward_id = resident.id, redemption.reward_id
        cancel = (f"/api/v1/redemptions/{redemption.id}/cancel", token_of(resident))

    outcomes = post_together(app, [cancel] * THREADS)

    assert Counter(outcomes) == {"200 cancelled": 1, "409 invalid_transition": THREADS - 1}
    with session_of(app) as session:
        assert session.get(User, resident_id).points_balance == 10
        assert session.get(Reward, reward_id).stock == 1
        assert_invariant_three()


def test_cancelling_one_redemption_from_ten_places_at_once_refunds_it_once(
    committed: Flask,
) -> None:
    for _round in range(ROUNDS):
        cancel_ten_times(committed)
