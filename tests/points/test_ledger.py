"""The ledger: append-only lines whose sum is the cached balance (checked by ``flask points
audit``), read back by ``GET /points/me``; a public profile shows what was earned, never the
ledger."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.points.models import LedgerIsAppendOnly, PointsEntry
from tests.factories import CoordinatorFactory, MerchantFactory, UserFactory
from tests.listing_factories import ItemOfferFactory
from tests.points.helpers import NOW, act, assert_error, entries_of
from tests.points_factories import (
    HandedOverReservationFactory,
    PointsEntryFactory,
    RedemptionFactory,
    give_points,
)

# --- append-only ---------------------------------------------------------------------------------


def test_changing_an_entry_through_the_orm_is_refused(claimant: Any) -> None:
    entry = give_points(claimant, 10)
    db.session.commit()  # so that rolling back the refused change keeps the entry

    entry.delta = 1000
    with pytest.raises(LedgerIsAppendOnly):
        db.session.flush()
    db.session.rollback()

    assert [(line.id, line.delta) for line in entries_of(claimant)] == [(entry.id, 10)]


def test_deleting_an_entry_through_the_orm_is_refused(claimant: Any) -> None:
    entry = give_points(claimant, 10)
    db.session.commit()

    db.session.delete(entry)
    with pytest.raises(LedgerIsAppendOnly):
        db.session.flush()
    db.session.rollback()

    assert [line.id for line in entries_of(claimant)] == [entry.id]


def test_an_entry_never_moves_zero_points(claimant: Any) -> None:
    with pytest.raises(IntegrityError):
        PointsEntryFactory(user=claimant, delta=0)
    db.session.rollback()


def test_the_database_refuses_a_negative_balance(claimant: Any) -> None:
    give_points(claimant, 5)
    with pytest.raises(IntegrityError):
        db.session.execute(update(User).where(User.id == claimant.id).values(points_balance=-1))
    db.session.rollback()


# --- flask points audit --------------------------------------------------------------------------


def test_audit_passes_when_every_balance_is_its_ledger(
    cli: Any, claimant: Any, provider: Any, provider_client: Any
) -> None:
    give_points(claimant, 30)
    RedemptionFactory(resident=claimant, reward__points_cost=10)
    handed_over = HandedOverReservationFactory(
        listing=ItemOfferFactory(owner=claimant), claimant=provider
    )
    assert act(provider_client, handed_over, "complete").status_code == 200
    UserFactory()  # no ledger, no balance

    result = cli("points", "audit")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "points: every balance equals its ledger"


def test_audit_reports_a_hand_made_mismatch_and_fails(cli: Any, claimant: Any) -> None:
    give_points(claimant, 10)
    give_points(claimant, 5)
    no_ledger = UserFactory()
    consistent = UserFactory()
    give_points(consistent, 7)
    db.session.execute(update(User).where(User.id == claimant.id).values(points_balance=25))
    db.session.execute(update(User).where(User.id == no_ledger.id).values(points_balance=3))

    result = cli("points", "audit")

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"user {claimant.id}: cached balance 25, ledger sum 15",
        f"user {no_ledger.id}: cached balance 3, ledger sum 0",
    ]
    assert result.stderr.strip() == "points: 2 balances disagree with the ledger"


def test_audit_notices_a_line_removed_behind_the_orms_back(cli: Any, claimant: Any) -> None:
    give_points(claimant, 10)
    kept = give_points(claimant, 4)
    db.session.execute(delete(PointsEntry).where(PointsEntry.id != kept.id))

    result = cli("points", "audit")

    assert result.exit_code == 1
    assert f"user {claimant.id}: cached balance 14, ledger sum 4" in result.stdout


# --- GET /points/me ------------------------------------------------------------------------------


def test_my_points_shows_the_balance_and_the_ledger_newest_first(
    claimant: Any, claimant_client: Any
) -> None:
    coordinator = CoordinatorFactory()
    first = PointsEntryFactory(user=claimant, delta=30, created_by_id=coordinator.id)
    redemption = RedemptionFactory(resident=claimant, reward__points_cost=12)
    give_points(UserFactory(), 99)  # someone else's

    response = claimant_client.get("/api/v1/points/me")

    assert response.status_code == 200, response.json
    body = response.json
    assert (body["balance"], body["earned"], body["total"]) == (18, 30, 2)
    assert (body["page"], body["per_page"]) == (1, 20)
    newest, oldest = body["items"]
    assert (newest["delta"], newest["reason"]) == (-12, "redemption")
    assert (newest["reference_type"], newest["reference_id"]) == ("redemption", redemption.id)
    assert oldest == {
        "id": first.id,
        "delta": 30,
        "reason": "volunteer_grant",
        "reference_type": None,
        "reference_id": None,
        "created_by_id": coordinator.id,
        "note": "健康广场义务清洁",
        "created_at": NOW.isoformat(),
    }


def test_my_points_pages_through_the_ledger(claimant: Any, claimant_client: Any) -> None:
    entries = [give_points(claimant, points) for points in (1, 2, 3, 4, 5)]

    page_two = claimant_client.get("/api/v1/points/me?page=2&per_page=2").json
    page_three = claimant_client.get("/api/v1/points/me?page=3&per_page=2").json

    assert [item["id"] for item in page_two["items"]] == [entries[2].id, entries[1].id]
    assert [item["id"] for item in page_three["items"]] == [entries[0].id]
    assert (page_two["balance"], page_two["total"], page_two["page"]) == (15, 5, 2)


def test_my_points_starts_empty(claimant_client: Any) -> None:
    body = claimant_client.get("/api/v1/points/me").json

    assert (body["balance"], body["earned"], body["items"], body["total"]) == (0, 0, [], 0)


@pytest.mark.parametrize("factory", [MerchantFactory, CoordinatorFactory])
def test_merchants_and_coordinators_have_points_too(client_as: Any, factory: Any) -> None:
    user = factory()
    give_points(user, 3)

    response = client_as(user).get("/api/v1/points/me")

    assert response.status_code == 200
    assert response.json["balance"] == 3


def test_my_points_needs_a_login(client: Any) -> None:
    assert_error(client.get("/api/v1/points/me"), 401, "unauthorized")


def test_my_points_refuses_a_bad_page(claimant_client: Any) -> None:
    response = claimant_client.get("/api/v1/points/me?per_page=0")

    assert response.status_code == 422
    assert "per_page" in response.json["error"]["details"]["fields"]


# --- the public profile --------------------------------------------------------------------------


def test_a_public_profile_shows_points_earned_and_exchanges_but_not_the_ledger(
    client: Any, client_as: Any, provider: Any, claimant: Any
) -> None:
    give_points(provider, 20)
    handed_over = HandedOverReservationFactory(
        listing=ItemOfferFactory(owner=provider), claimant=claimant
    )
    assert act(client_as(claimant), handed_over, "complete").status_code == 200
    RedemptionFactory(resident=provider, reward__points_cost=15)

    for viewer in (client, client_as(UserFactory())):
        response = viewer.get(f"/api/v1/users/{provider.id}")
        assert response.status_code == 200
        profile = response.json
        assert (profile["points_earned"], profile["completed_exchanges"]) == (22, 1)
        assert set(profile) == {
            "id",
            "display_name",
            "role",
            "organisation",
            "completed_exchanges",
            "points_earned",
            "created_at",
        }
