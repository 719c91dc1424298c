"""Earning points when a reservation completes: a skill by the hours of its slot, lending and
giving away a small fixed amount, and nothing between colleagues of one organisation or past a
few exchanges a month between the same two people (anti-farming)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from marketplace import clock
from marketplace.points.services import skill_points
from tests.factories import MerchantFactory, UserFactory
from tests.listing_factories import (
    ItemOfferFactory,
    LendOfferFactory,
    ListingSlotFactory,
    SkillOfferFactory,
)
from tests.points.helpers import (
    NOW,
    act,
    assert_balance_is_the_ledger,
    award_of,
    earned_of,
    entries_of,
    ledger_lines,
    notice_kinds,
    stored_user,
)
from tests.points_factories import (
    HandedOverDonationFactory,
    HandedOverReservationFactory,
    HandedOverSkillFactory,
    ReturnedLoanFactory,
)


def skill_of(provider: Any, minutes: int = 60, capacity: int = 1) -> Any:
    """A skill of ``provider`` with one slot of ``minutes`` tomorrow."""
    skill = SkillOfferFactory(owner=provider, slots=[])
    starts_at = NOW + timedelta(days=1)
    ListingSlotFactory(
        listing=skill,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        capacity=capacity,
    )
    return skill


# --- skills --------------------------------------------------------------------------------------


def test_claimant_completing_a_skill_pays_the_provider_at_once(
    provider: Any, claimant: Any, claimant_client: Any
) -> None:
    booking = HandedOverSkillFactory(listing=skill_of(provider), claimant=claimant)

    response = act(claimant_client, booking, "complete")

    assert response.status_code == 200, response.json
    assert response.json["status"] == "completed"
    [entry] = entries_of(provider)
    assert (entry.delta, entry.reason, entry.reference_type, entry.reference_id) == (
        10,
        "skill_service",
        "reservation",
        booking.id,
    )
    assert (entry.created_by_id, entry.created_at) == (None, NOW)
    assert earned_of(provider) == 10
    assert entries_of(claimant) == []
    award = award_of(booking)
    assert (award.status, award.points, award.resolved_at) == ("awarded", 10, NOW)
    assert "points_earned" in notice_kinds(provider)
    assert_balance_is_the_ledger(provider)


@pytest.mark.parametrize(
    ("minutes", "points"),
    [(20, 5), (30, 5), (31, 10), (60, 10), (70, 15), (90, 15), (120, 20), (150, 25), (181, 35)],
)
def test_points_are_the_slot_hours_rounded_up_to_the_half_hour_times_ten(
    provider: Any, claimant: Any, claimant_client: Any, minutes: int, points: int
) -> None:
    booking = HandedOverSkillFactory(listing=skill_of(provider, minutes), claimant=claimant)

    assert act(claimant_client, booking, "complete").status_code == 200

    assert ledger_lines(provider) == [(points, "skill_service")]


def test_the_hourly_rate_is_configurable(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    provider: Any,
    claimant: Any,
    claimant_client: Any,
) -> None:
    monkeypatch.setitem(app.config, "POINTS_PER_SKILL_HOUR", 7)
    booking = HandedOverSkillFactory(listing=skill_of(provider, 90), claimant=claimant)

    assert act(claimant_client, booking, "complete").status_code == 200

    assert ledger_lines(provider) == [(11, "skill_service")]  # 1.5 h x 7 = 10.5, rounded up


def test_a_booking_of_several_places_earns_the_slot_once(
    provider: Any, claimant: Any, claimant_client: Any
) -> None:
    skill = skill_of(provider, 60, capacity=3)
    booking = HandedOverSkillFactory(listing=skill, claimant=claimant, quantity=2)

    assert act(claimant_client, booking, "complete").status_code == 200

    assert ledger_lines(provider) == [(10, "skill_service")]


def test_skill_points_round_the_duration_up_to_the_half_hour_then_the_points_up() -> None:
    assert skill_points(NOW, NOW + timedelta(minutes=1), 10) == 5
    assert skill_points(NOW, NOW + timedelta(hours=2, minutes=29), 10) == 25
    assert skill_points(NOW, NOW + timedelta(hours=1), 3) == 3
    assert skill_points(NOW, NOW + timedelta(minutes=30), 3) == 2  # 1.5, rounded up


def test_completing_twice_pays_once(provider: Any, claimant: Any, claimant_client: Any) -> None:
    booking = HandedOverSkillFactory(listing=skill_of(provider), claimant=claimant)
    assert act(claimant_client, booking, "complete").status_code == 200

    response = act(claimant_client, booking, "complete")

    assert response.status_code == 409
    assert response.json["error"]["code"] == "invalid_transition"
    assert ledger_lines(provider) == [(10, "skill_service")]


# --- lending and giving away ---------------------------------------------------------------------


def test_giving_an_item_away_earns_its_owner_two_points(
    provider: Any, claimant: Any, claimant_client: Any
) -> None:
    handed_over = HandedOverReservationFactory(
        listing=ItemOfferFactory(owner=provider), claimant=claimant
    )

    response = act(claimant_client, handed_over, "complete")

    assert response.status_code == 200, response.json
    [entry] = entries_of(provider)
    assert (entry.delta, entry.reason, entry.reference_type, entry.reference_id) == (
        2,
        "giving",
        "reservation",
        handed_over.id,
    )
    assert earned_of(provider) == 2
    assert entries_of(claimant) == []
    assert award_of(handed_over) is None
    assert_balance_is_the_ledger(provider)


def test_lending_earns_the_owner_when_the_loan_completes(
    provider: Any, claimant: Any, provider_client: Any
) -> None:
    loan = ReturnedLoanFactory(listing=LendOfferFactory(owner=provider), claimant=claimant)

    response = act(provider_client, loan, "complete")

    assert response.status_code == 200, response.json
    assert ledger_lines(provider) == [(2, "lending")]
    assert entries_of(claimant) == []


def test_a_loan_earns_nothing_before_it_completes(
    provider: Any, claimant: Any, provider_client: Any
) -> None:
    loan = HandedOverReservationFactory(
        listing=LendOfferFactory(owner=provider),
        claimant=claimant,
        starts_on=NOW.date(),
        ends_on=NOW.date() + timedelta(days=2),
    )

    assert act(provider_client, loan, "return").status_code == 200

    assert entries_of(provider) == []


def test_the_amount_for_sharing_is_configurable(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    provider: Any,
    claimant: Any,
    claimant_client: Any,
) -> None:
    monkeypatch.setitem(app.config, "POINTS_FOR_SHARING", 5)
    handed_over = HandedOverReservationFactory(
        listing=ItemOfferFactory(owner=provider), claimant=claimant
    )

    assert act(claimant_client, handed_over, "complete").status_code == 200

    assert ledger_lines(provider) == [(5, "giving")]


def test_a_merchants_donation_earns_no_points(claimant: Any, claimant_client: Any) -> None:
    """Points thank residents; an organisation's donations are not paid in points."""
    handed_over = HandedOverDonationFactory(claimant=claimant)

    assert act(claimant_client, handed_over, "complete").status_code == 200

    assert entries_of(handed_over.listing.owner) == []
    assert entries_of(claimant) == []


# --- no points between colleagues ----------------------------------------------------------------


def test_colleagues_of_one_organisation_earn_nothing_from_each_other(client_as: Any) -> None:
    owner = MerchantFactory()
    colleague = MerchantFactory(organisation=owner.organisation)
    skill = skill_of(owner)  # posted personally, so a colleague may claim it
    item = ItemOfferFactory(owner=owner)
    booking = HandedOverSkillFactory(listing=skill, claimant=colleague)
    handed_over = HandedOverReservationFactory(listing=item, claimant=colleague)
    colleague_client = client_as(colleague)

    assert act(colleague_client, booking, "complete").status_code == 200
    assert act(colleague_client, handed_over, "complete").status_code == 200

    assert entries_of(owner) == []
    assert award_of(booking) is None
    assert stored_user(owner).completed_exchanges == 2  # the exchange itself still counts


def test_a_merchant_helping_a_resident_earns(client_as: Any, claimant: Any) -> None:
    merchant = MerchantFactory()
    booking = HandedOverSkillFactory(listing=skill_of(merchant), claimant=claimant)

    assert act(client_as(claimant), booking, "complete").status_code == 200

    assert ledger_lines(merchant) == [(10, "skill_service")]


def test_members_of_different_organisations_earn(client_as: Any) -> None:
    owner, other = MerchantFactory(), MerchantFactory()
    handed_over = HandedOverReservationFactory(
        listing=ItemOfferFactory(owner=owner), claimant=other
    )

    assert act(client_as(other), handed_over, "complete").status_code == 200

    assert ledger_lines(owner) == [(2, "giving")]


# --- anti-farming: at most three earning exchanges a month between the same two people ----------


def give_and_complete(client: Any, owner: Any, claimant: Any) -> Any:
    handed_over = HandedOverReservationFactory(
        listing=ItemOfferFactory(owner=owner), claimant=claimant
    )
    response = act(client, handed_over, "complete")
    assert response.status_code == 200, response.json
    return handed_over


def test_the_fourth_exchange_in_a_month_between_two_people_earns_nothing(
    provider: Any, claimant: Any, claimant_client: Any
) -> None:
    for _ in range(3):
        give_and_complete(claimant_client, provider, claimant)
        clock.advance(timedelta(days=9))

    fourth = give_and_complete(claimant_client, provider, claimant)

    assert ledger_lines(provider) == [(2, "giving")] * 3
    assert fourth.id not in {entry.reference_id for entry in entries_of(provider)}
    assert stored_user(provider).completed_exchanges == 4


def test_exchanges_in_either_direction_and_of_any_kind_count_towards_the_limit(
    client_as: Any, provider: Any, claimant: Any, provider_client: Any, claimant_client: Any
) -> None:
    give_and_complete(claimant_client, provider, claimant)  # provider -> claimant
    give_and_complete(provider_client, claimant, provider)  # claimant -> provider
    booking = HandedOverSkillFactory(listing=skill_of(provider), claimant=claimant)
    assert act(claimant_client, booking, "complete").status_code == 200

    fourth = HandedOverSkillFactory(listing=skill_of(claimant), claimant=provider)
    assert act(provider_client, fourth, "complete").status_code == 200

    assert ledger_lines(provider) == [(2, "giving"), (10, "skill_service")]
    assert ledger_lines(claimant) == [(2, "giving")]
    assert award_of(fourth) is None


def test_the_limit_is_per_pair(provider: Any, claimant: Any, client_as: Any) -> None:
    claimant_client = client_as(claimant)
    for _ in range(3):
        give_and_complete(claimant_client, provider, claimant)
    someone_else = UserFactory()

    give_and_complete(client_as(someone_else), provider, someone_else)

    assert ledger_lines(provider) == [(2, "giving")] * 4


def test_the_pair_earns_again_once_30_days_have_passed(
    provider: Any, claimant: Any, claimant_client: Any
) -> None:
    for _ in range(3):
        give_and_complete(claimant_client, provider, claimant)
    clock.advance(timedelta(days=30, seconds=1))

    give_and_complete(claimant_client, provider, claimant)

    assert ledger_lines(provider) == [(2, "giving")] * 4


def test_a_skill_award_still_waiting_counts_towards_the_limit(
    provider: Any, claimant: Any, provider_client: Any, claimant_client: Any
) -> None:
    for _ in range(3):
        booking = HandedOverSkillFactory(listing=skill_of(provider), claimant=claimant)
        assert act(provider_client, booking, "complete").status_code == 200
        assert award_of(booking).status == "pending"

    give_and_complete(claimant_client, provider, claimant)

    assert entries_of(provider) == []


def test_the_pair_limit_is_configurable(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    provider: Any,
    claimant: Any,
    claimant_client: Any,
) -> None:
    monkeypatch.setitem(app.config, "POINTS_PAIR_LIMIT_PER_MONTH", 1)

    give_and_complete(claimant_client, provider, claimant)
    give_and_complete(claimant_client, provider, claimant)

    assert ledger_lines(provider) == [(2, "giving")]
