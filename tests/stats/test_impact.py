"""``GET /organisations/{id}/impact``: per local month, the organisation's donations listed, the
units claimed (in the month of the claim) and handed over (in the month of the hand-over), and the
distinct residents served; for the organisation's members and coordinators only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from marketplace import clock
from marketplace.reservations import services as reservations
from marketplace.reservations.services import Claim
from tests.factories import CoordinatorFactory, MerchantFactory, UserFactory
from tests.listing_factories import DonationOfferFactory, ItemOfferFactory

NOVEMBER_5 = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)  # 10:00 in Qingxi
DECEMBER_2 = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
WINTER = {"from": "2026-11-01", "to": "2026-12-31"}


@dataclass
class Shop:
    merchant: Any
    colleague: Any


def claim_units(resident: Any, donation: Any, quantity: int) -> Any:
    window = donation.pickup_windows[0].id
    return reservations.claim(
        resident, donation.id, Claim(quantity=quantity, pickup_window_id=window)
    )


def hand_over(merchant: Any, reservation: Any) -> None:
    reservations.pickup(merchant, reservation.id, reservation.pickup_code)


@pytest.fixture
def shop(app: Flask) -> Shop:
    """Rice in November and oil in December, claimed and handed over by four residents:

    - 11-05: 20 bags of rice; A claims 2, B 1, C 2, D 1; A collects on 11-06; D cancels.
    - 12-02: 10 bottles of oil; A claims 1; A and C collect on 12-03.
    - Not counted: another shop's donation, and this shop's item given away (not a donation).
    """
    merchant = MerchantFactory()
    colleague = MerchantFactory(organisation=merchant.organisation)
    resident_a, resident_b, resident_c, resident_d = UserFactory.create_batch(4)
    with app.app_context():
        clock.freeze(NOVEMBER_5)
        rice = DonationOfferFactory(owner=merchant, organisation=merchant.organisation, quantity=20)
        other_shop = DonationOfferFactory(quantity=5)
        kettle = ItemOfferFactory(owner=merchant, organisation=merchant.organisation)
        a_rice = claim_units(resident_a, rice, 2)
        claim_units(resident_b, rice, 1)
        c_rice = claim_units(resident_c, rice, 2)
        d_rice = claim_units(resident_d, rice, 1)
        other_claim = claim_units(resident_a, other_shop, 2)
        kettle_claim = reservations.claim(resident_b, kettle.id, Claim())
        reservations.confirm(merchant, kettle_claim.id)  # within the hold

        clock.freeze(NOVEMBER_5 + timedelta(days=1))
        hand_over(colleague, a_rice)
        hand_over(other_shop.owner, other_claim)
        reservations.cancel(resident_d, d_rice.id, "")
        hand_over(merchant, kettle_claim)

        clock.freeze(DECEMBER_2)
        oil = DonationOfferFactory(owner=colleague, organisation=merchant.organisation, quantity=10)
        a_oil = claim_units(resident_a, oil, 1)
        clock.freeze(DECEMBER_2 + timedelta(days=1))
        hand_over(merchant, a_oil)
        hand_over(merchant, c_rice)
    return Shop(merchant, colleague)


def impact(client: Any, organisation_id: int, **query: Any) -> Any:
    return client.get(f"/api/v1/organisations/{organisation_id}/impact", query_string=query)


def test_the_shops_winter_month_by_month(client_as: Any, shop: Shop) -> None:
    response = impact(client_as(shop.merchant), shop.merchant.organisation_id, **WINTER)

    assert response.status_code == 200, response.json
    body = response.json
    assert body["organisation"] == {
        "id": shop.merchant.organisation_id,
        "name": shop.merchant.organisation.name,
    }
    assert body["period"] == {"from": "2026-11-01", "to": "2026-12-31"}
    assert body["months"] == [
        {
            "month": "2026-11",
            "donations_listed": 1,
            "units_listed": 20,
            "units_claimed": 5,  # A 2, B 1, C 2; D cancelled
            "units_handed_over": 2,  # A's rice
            "residents_served": 1,
        },
        {
            "month": "2026-12",
            "donations_listed": 1,
            "units_listed": 10,
            "units_claimed": 1,
            "units_handed_over": 3,  # A's oil and C's rice
            "residents_served": 2,
        },
    ]
    assert body["totals"] == {
        "donations_listed": 2,
        "units_listed": 30,
        "units_claimed": 6,
        "units_handed_over": 5,
        "residents_served": 2,  # A and C; A counts once
    }


def test_a_months_report_holds_only_that_month(client_as: Any, shop: Shop) -> None:
    """C claimed rice in November and collected it in December: November's report counts the
    claim, December's the hand-over; neither shows a row for the other month, and a quiet
    October has no rows at all."""
    client = client_as(shop.merchant)
    organisation_id = shop.merchant.organisation_id

    november = impact(client, organisation_id, **{"from": "2026-11-01", "to": "2026-11-30"}).json
    december = impact(client, organisation_id, **{"from": "2026-12-01", "to": "2026-12-31"}).json
    october = impact(client, organisation_id, **{"from": "2026-10-01", "to": "2026-10-31"}).json

    assert [row["month"] for row in november["months"]] == ["2026-11"]
    assert november["totals"] == {
        "donations_listed": 1,
        "units_listed": 20,
        "units_claimed": 5,
        "units_handed_over": 2,
        "residents_served": 1,
    }
    assert [row["month"] for row in december["months"]] == ["2026-12"]
    assert december["totals"] == {
        "donations_listed": 1,
        "units_listed": 10,
        "units_claimed": 1,
        "units_handed_over": 3,
        "residents_served": 2,
    }
    assert (october["months"], set(october["totals"].values())) == ([], {0})


def test_colleagues_and_coordinators_see_the_impact(client_as: Any, shop: Shop) -> None:
    organisation_id = shop.merchant.organisation_id
    for viewer in (shop.colleague, CoordinatorFactory()):
        response = impact(client_as(viewer), organisation_id, **WINTER)
        assert response.status_code == 200
        assert response.json["totals"]["units_handed_over"] == 5


def test_outsiders_do_not_see_the_impact(client: Any, client_as: Any) -> None:
    organisation_id = MerchantFactory().organisation_id

    anonymous = impact(client, organisation_id)
    assert (anonymous.status_code, anonymous.json["error"]["code"]) == (401, "unauthorized")
    for outsider in (UserFactory(), MerchantFactory()):
        response = impact(client_as(outsider), organisation_id)
        assert (response.status_code, response.json["error"]["code"]) == (403, "forbidden")


def test_an_unknown_organisation_is_404(client_as: Any) -> None:
    response = impact(client_as(CoordinatorFactory()), 999_999)

    assert (response.status_code, response.json["error"]["code"]) == (404, "not_found")


def test_a_period_that_ends_before_it_starts_is_invalid(client_as: Any) -> None:
    merchant = MerchantFactory()

    response = impact(
        client_as(merchant), merchant.organisation_id, **{"from": "2026-12-01", "to": "2026-11-01"}
    )

    assert response.status_code == 422
    assert list(response.json["error"]["details"]["fields"]) == ["from"]


def test_a_day_off_the_calendar_is_invalid_not_an_error(client_as: Any) -> None:
    merchant = MerchantFactory()

    response = impact(
        client_as(merchant), merchant.organisation_id, **{"from": "0001-01-01", "to": "0001-01-01"}
    )

    assert response.status_code == 422
    assert sorted(response.json["error"]["details"]["fields"]) == ["from", "to"]
