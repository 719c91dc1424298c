"""Login throttling: failures are counted per account and per client address within a window
(defaults: 10 per account and 50 per address in 15 minutes), in the database, so every worker
process sees the same counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factory
import pytest

from marketplace import clock
from tests.accounts.state import login_failures, open_login_sessions
from tests.core.error_shape import assert_error
from tests.factories import PASSWORD, LoginFailureFactory, UserFactory

LOGIN = "/api/v1/auth/login"
WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 10
PER_ADDRESS = 50
ATTACKER = "203.0.113.9"


@pytest.fixture(autouse=True)
def _frozen_clock() -> None:
    clock.freeze(datetime(2024, 5, 6, 9, 0, tzinfo=UTC))


@pytest.fixture(autouse=True)
def _default_limits(app) -> None:
    assert app.config["LOGIN_THROTTLE_WINDOW"] == WINDOW
    assert app.config["LOGIN_THROTTLE_PER_ACCOUNT"] == PER_ACCOUNT
    assert app.config["LOGIN_THROTTLE_PER_ADDRESS"] == PER_ADDRESS


def attempt(client, login, password="wrong password", address="127.0.0.1"):
    return client.post(
        LOGIN, json={"login": login, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def fail(client, login, times, address="127.0.0.1"):
    for _ in range(times):
        assert attempt(client, login, address=address).status_code == 401


def test_eleventh_attempt_after_ten_failures_is_throttled_even_with_the_right_password(client):
    user = UserFactory()
    fail(client, user.email, PER_ACCOUNT)

    response = attempt(client, user.email, PASSWORD)

    details = assert_error(response, 429, "throttled")
    assert details["retry_after"] == WINDOW.total_seconds()
    assert response.headers["Retry-After"] == "900"
    assert open_login_sessions(user) == 0
    assert client.get_cookie("marketplace_session") is None


def test_nine_failures_do_not_stop_the_right_password(client):
    user = UserFactory()
    fail(client, user.email, PER_ACCOUNT - 1)

    assert attempt(client, user.email, PASSWORD).status_code == 200


def test_retry_after_counts_down_from_the_oldest_failure_in_the_window(client):
    user = UserFactory()
    fail(client, user.email, PER_ACCOUNT)
    clock.advance(timedelta(minutes=5))

    response = attempt(client, user.email, PASSWORD)

    details = assert_error(response, 429, "throttled")
    assert details["retry_after"] == 600
    assert response.headers["Retry-After"] == "600"


def test_refused_attempts_do_not_prolong_the_lock(client):
    user = UserFactory()
    fail(client, user.email, PER_ACCOUNT)
    clock.advance(timedelta(minutes=10))
    assert attempt(client, user.email).status_code == 429
    before = login_failures()

    clock.advance(timedelta(minutes=5, seconds=1))

    assert login_failures() == before
    assert attempt(client, user.email, PASSWORD).status_code == 200


def test_login_works_again_once_the_window_has_passed(client):
    user = UserFactory()
    fail(client, user.email, PER_ACCOUNT)
    clock.advance(WINDOW - timedelta(seconds=1))
    assert attempt(client, user.email, PASSWORD).status_code == 429

    clock.advance(timedelta(seconds=2))

    response = attempt(client, user.email, PASSWORD)
    assert response.status_code == 200, response.json
    assert open_login_sessions(user) == 1


def test_failures_spread_beyond_the_window_do_not_add_up(client):
    user = UserFactory()
    fail(client, user.email, PER_ACCOUNT - 1)
    clock.advance(WINDOW + timedelta(seconds=1))
    fail(client, user.email, PER_ACCOUNT - 1)

    assert attempt(client, user.email, PASSWORD).status_code == 200


def test_a_successful_login_clears_the_accounts_failures(client):
    user = UserFactory()
    fail(client, user.email, PER_ACCOUNT - 1)
    assert attempt(client, user.email, PASSWORD).status_code == 200
    assert login_failures() == 0

    fail(client, user.email, PER_ACCOUNT - 1)

    assert attempt(client, user.email, PASSWORD).status_code == 200


def test_failures_count_for_the_account_whatever_case_or_form_the_login_takes(client):
    user = UserFactory(email="wang@example.com", phone="13912345678")
    fail(client, "Wang@Example.com", 3)
    fail(client, "wang@example.com", 2)
    fail(client, "+86 139-1234-5678", 3)
    fail(client, "13912345678", 2)

    response = attempt(client, user.email, PASSWORD)

    assert_error(response, 429, "throttled")
    assert_error(attempt(client, user.phone, PASSWORD), 429, "throttled")


def test_one_accounts_failures_do_not_throttle_another_account(client):
    victim = UserFactory()
    neighbour = UserFactory()
    fail(client, victim.email, PER_ACCOUNT)

    assert attempt(client, neighbour.email, PASSWORD).status_code == 200


def test_fifty_failures_from_one_address_throttle_every_login_from_it(client):
    user = UserFactory()
    for number in range(PER_ADDRESS):
        attempt(client, f"guess{number % 6}@example.com", address=ATTACKER)

    response = attempt(client, user.email, PASSWORD, address=ATTACKER)

    details = assert_error(response, 429, "throttled")
    assert details["retry_after"] == 900
    assert attempt(client, user.email, PASSWORD, address="198.51.100.20").status_code == 200


def test_forty_nine_failures_from_one_address_do_not_throttle_it(client):
    user = UserFactory()
    LoginFailureFactory.create_batch(
        PER_ADDRESS - 1,
        login_key=factory.Sequence(lambda number: f"guess{number}@example.com"),
        remote_addr=ATTACKER,
    )

    assert attempt(client, user.email, PASSWORD, address=ATTACKER).status_code == 200


@pytest.mark.concurrency
def test_failures_counted_by_one_worker_throttle_login_in_another(worker_apps):
    first_worker, second_worker = (worker.test_client() for worker in worker_apps)
    registered = first_worker.post(
        "/api/v1/auth/register",
        json={"email": "shared@example.com", "password": PASSWORD, "display_name": "共享"},
    )
    assert registered.status_code == 201, registered.json
    fail(first_worker, "shared@example.com", PER_ACCOUNT)

    response = attempt(second_worker, "shared@example.com", PASSWORD)

    details = assert_error(response, 429, "throttled")
    assert details["retry_after"] == 900
    clock.advance(WINDOW + timedelta(seconds=1))
    assert attempt(second_worker, "shared@example.com", PASSWORD).status_code == 200


def test_login_by_phone_clears_failures_made_by_email(client):
    user = UserFactory(email="wang@example.com", phone="13912345678")
    fail(client, user.email, PER_ACCOUNT - 1)

    assert attempt(client, user.phone, PASSWORD).status_code == 200

    assert login_failures() == 0
