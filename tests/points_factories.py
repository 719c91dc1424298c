"""factory-boy factories for points, rewards and handed-over reservations; they flush, never commit.

``PointsEntryFactory`` keeps the user's cached balance (and ``points_earned`` for earning
reasons) in step with the entry it adds, as ``marketplace.points.ledger`` does, so a built
ledger passes ``flask points audit``. Reservations are built already handed over (a skill's slot
place or an item's unit taken and handed over, a loan returned), ready for ``complete``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory

from marketplace import clock
from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.points.models import EARNING_REASONS, PointsEntry, Redemption, Reward
from marketplace.reservations.models import Reservation, ReservationEvent
from tests.factories import BaseFactory, CommunityFactory, MerchantFactory, UserFactory
from tests.listing_factories import (
    DonationOfferFactory,
    ItemOfferFactory,
    LendOfferFactory,
    SkillOfferFactory,
)


class PointsEntryFactory(BaseFactory):
    """A volunteering grant of 10 points by a coordinator, with the user's balance following."""

    class Meta:
        model = PointsEntry

    class Params:
        user = factory.SubFactory(UserFactory)

    user_id = factory.SelfAttribute("user.id")
    delta = 10
    reason = "volunteer_grant"
    reference_type = None
    reference_id = None
    created_by_id = None
    note = "健康广场义务清洁"
    created_at = factory.LazyFunction(clock.now)

    @classmethod
    def _create(cls, model_class: type[PointsEntry], *args: Any, **kwargs: Any) -> PointsEntry:
        entry = model_class(*args, **kwargs)
        db.session.add(entry)
        user = db.session.get(User, entry.user_id)
        user.points_balance += entry.delta
        if entry.reason in EARNING_REASONS:
            user.points_earned += entry.delta
        db.session.flush()
        return entry


def give_points(user: User, points: int) -> PointsEntry:
    """Put ``points`` on a user's balance by a grant entry."""
    return PointsEntryFactory(user=user, delta=points)


class RewardFactory(BaseFactory):
    """A merchant's reward: 10 points, 5 in stock, valid for 30 days, collected in a community."""

    class Meta:
        model = Reward

    class Params:
        merchant = factory.SubFactory(MerchantFactory)

    organisation_id = factory.SelfAttribute("merchant.organisation_id")
    created_by_id = factory.SelfAttribute("merchant.id")
    title = factory.Sequence(lambda n: f"免费理发一次{n}")
    description = "感谢您参与益起来志愿积分"
    points_cost = 10
    stock = 5
    valid_until = factory.LazyFunction(lambda: clock.now() + timedelta(days=30))
    pickup_place = factory.SubFactory(CommunityFactory)
    status = "active"
    created_at = factory.LazyFunction(clock.now)


class RedemptionFactory(BaseFactory):
    """A pending redemption whose stock and points were taken, as ``redeem`` leaves it."""

    class Meta:
        model = Redemption

    class Params:
        reward = factory.SubFactory(RewardFactory)
        resident = factory.SubFactory(UserFactory)

    reward_id = factory.SelfAttribute("reward.id")
    user_id = factory.SelfAttribute("resident.id")
    points_cost = factory.SelfAttribute("reward.points_cost")
    pickup_code = factory.Sequence(lambda n: f"{(n * 7919 + 654321) % 1_000_000:06d}")
    status = "pending"
    created_at = factory.LazyFunction(clock.now)

    @classmethod
    def _create(cls, model_class: type[Redemption], *args: Any, **kwargs: Any) -> Redemption:
        redemption = model_class(*args, **kwargs)
        db.session.add(redemption)
        reward = db.session.get(Reward, redemption.reward_id)
        reward.stock -= 1
        db.session.flush()
        PointsEntryFactory(
            user=db.session.get(User, redemption.user_id),
            delta=-redemption.points_cost,
            reason="redemption",
            reference_type="redemption",
            reference_id=redemption.id,
            note="",
        )
        return redemption


def _first_slot(reservation: Any) -> Any:
    return reservation.listing.slots[0] if reservation.listing.kind == "skill" else None


def _first_window(reservation: Any) -> Any:
    windows = reservation.listing.pickup_windows
    return windows[0] if windows else None


class HandedOverReservationFactory(BaseFactory):
    """A claim of an item given away, handed over to the claimant and waiting to be completed."""

    class Meta:
        model = Reservation

    listing = factory.SubFactory(ItemOfferFactory)
    claimant = factory.SubFactory(UserFactory)
    status = "picked_up"
    quantity = 1
    slot = factory.LazyAttribute(_first_slot)
    pickup_window = factory.LazyAttribute(_first_window)
    note = ""
    pickup_code = factory.Sequence(lambda n: f"{(n * 7919 + 123457) % 1_000_000:06d}")
    created_at = factory.LazyFunction(clock.now)
    updated_at = factory.LazyFunction(clock.now)
    confirmed_at = factory.LazyFunction(clock.now)
    picked_up_at = factory.LazyFunction(clock.now)

    @classmethod
    def _create(cls, model_class: type[Reservation], *args: Any, **kwargs: Any) -> Reservation:
        reservation = model_class(*args, **kwargs)
        reservation.events = [
            ReservationEvent(
                action="claim",
                from_status=None,
                to_status=reservation.status,
                actor_id=reservation.claimant.id,
                at=reservation.created_at,
            )
        ]
        listing = reservation.listing
        if listing.counts_units:
            listing.units_reserved += reservation.quantity
            listing.units_handed_over += reservation.quantity
        elif reservation.slot is not None:
            reservation.slot.booked += reservation.quantity
        db.session.add(reservation)
        db.session.flush()
        return reservation


class HandedOverSkillFactory(HandedOverReservationFactory):
    """A booking of a skill's one-hour slot; the service was given."""

    listing = factory.SubFactory(SkillOfferFactory)


class HandedOverDonationFactory(HandedOverReservationFactory):
    listing = factory.SubFactory(DonationOfferFactory)


class ReturnedLoanFactory(HandedOverReservationFactory):
    """A loan of a drill for three days from today, brought back."""

    listing = factory.SubFactory(LendOfferFactory)
    status = "returned"
    starts_on = factory.LazyFunction(lambda: clock.now().date())
    ends_on = factory.LazyAttribute(lambda reservation: reservation.starts_on + timedelta(days=2))
    returned_at = factory.LazyFunction(clock.now)
