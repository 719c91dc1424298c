"""Points rules: what earns how much, the dispute window for skills, coordinators' grants,
merchants' rewards and residents' redemptions."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from marketplace import clock
from marketplace.accounts.models import User
from marketplace.db import lock_row, retry_on_contention
from marketplace.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from marketplace.extensions import db
from marketplace.listings.models import Listing, ListingSlot
from marketplace.moderation.services import record
from marketplace.notifications import services as notifications
from marketplace.places.models import Place
from marketplace.points import ledger
from marketplace.points.models import PointsEntry, Redemption, Reward, ServiceAward
from marketplace.reservations.models import Reservation


def _config(name: str) -> Any:
    return current_app.config[name]


# --- earning -------------------------------------------------------------------------------------


def skill_points(starts_at: datetime, ends_at: datetime, rate: int) -> int:
    """Hours of the slot, rounded up to the half hour, times the rate."""
    half_hours = math.ceil((ends_at - starts_at).total_seconds() / 1800)
    return math.ceil(half_hours / 2 * rate)


def on_reservation_completed(reservation: Reservation, *, actor: Any, **_kwargs: Any) -> None:
    """Receiver of reservation_completed (inside the completing transaction)."""
    listing = reservation.listing
    if not _earns_points(reservation, listing):
        return
    if listing.kind == "skill" and reservation.slot_id is not None:
        _award_skill(
            reservation,
            listing,
            confirmed_by_claimant=actor is not None and actor.id == reservation.claimant_id,
        )
    elif listing.kind == "item":
        reason = "lending" if listing.is_loan else "giving"
        ledger.credit(
            listing.owner_id, _config("POINTS_FOR_SHARING"), reason, ("reservation", reservation.id)
        )
        _tell_earned(listing.owner_id, _config("POINTS_FOR_SHARING"), listing.title)


def _earns_points(reservation: Reservation, listing: Listing) -> bool:
    """No points between members of one organisation, nor past a few exchanges a month between
    the same two people, so the scheme cannot be farmed."""
    claimant = db.session.get(User, reservation.claimant_id)
    provider = db.session.get(User, listing.owner_id)
    organisations = {listing.organisation_id, provider.organisation_id} - {None}
    if claimant.organisation_id is not None and claimant.organisation_id in organisations:
        return False
    return _earning_exchanges_between(claimant.id, provider.id) < _config(
        "POINTS_PAIR_LIMIT_PER_MONTH"
    )


def _earning_exchanges_between(first: int, second: int) -> int:
    since = clock.now() - timedelta(days=30)
    pair = or_(
        and_(Reservation.claimant_id == first, Listing.owner_id == second),
        and_(Reservation.claimant_id == second, Listing.owner_id == first),
    )
    credited = db.session.scalar(
        select(func.count(PointsEntry.id))
        .join(
            Reservation,
            and_(
                PointsEntry.reference_type == "reservation",
                PointsEntry.reference_id == Reservation.id,
            ),
        )
        .join(Listing, Reservation.listing_id == Listing.id)
        .where(
            pair,
            PointsEntry.created_at >= since,
            PointsEntry.reason.in_(("lending", "giving", "skill_service")),
        )
    )
    awaiting = db.session.scalar(
        select(func.count(ServiceAward.id)).where(
            or_(
                and_(ServiceAward.provider_id == first, ServiceAward.claimant_id == second),
                and_(ServiceAward.provider_id == second, ServiceAward.claimant_id == first),
            ),
            ServiceAward.status.in_(("pending", "disputed")),
            ServiceAward.created_at >= since,
        )
    )
    return (credited or 0) + (awaiting or 0)


def _award_skill(reservation: Reservation, listing: Listing, confirmed_by_claimant: bool) -> None:
    slot = db.session.get(ListingSlot, reservation.slot_id)
    points = skill_points(slot.starts_at, slot.ends_at, _config("POINTS_PER_SKILL_HOUR"))
    award = ServiceAward(
        reservation_id=reservation.id,
        provider_id=listing.owner_id,
        claimant_id=reservation.claimant_id,
        points=points,
        status="pending",
        due_at=clock.now() + timedelta(hours=_config("POINTS_DISPUTE_HOURS")),
        created_at=clock.now(),
    )
    db.session.add(award)
    db.session.flush()
    if confirmed_by_claimant:
        _pay(award, note="the claimant confirmed")
    else:
        notifications.queue(
            reservation.claimant_id,
            "service_to_confirm",
            award_id=award.id,
            title=listing.title,
            hours=_config("POINTS_DISPUTE_HOURS"),
        )


def _pay(award: ServiceAward, note: str, actor_id: int | None = None) -> None:
    award.status, award.resolved_at = "awarded", clock.now()
    title = db.session.scalar(
        select(Listing.title)
        .join(Reservation, Reservation.listing_id == Listing.id)
        .where(Reservation.id == award.reservation_id)
    )
    ledger.credit(
        award.provider_id,
        award.points,
        "skill_service",
        ("reservation", award.reservation_id),
        actor_id,
        note,
    )
    _tell_earned(award.provider_id, award.points, title or "")


def _tell_earned(user_id: int, points: int, title: str) -> None:
    notifications.queue(user_id, "points_earned", points=points, title=title)


# --- the dispute window --------------------------------------------------------------------------


def _award_for(actor: Any, award_id: int) -> ServiceAward:
    award = lock_row(ServiceAward, award_id)
    if award is None or not (actor.id in (award.provider_id, award.claimant_id) or actor.is_staff):
        raise NotFound("No such award.")
    return award


@retry_on_contention()
def confirm_service(actor: Any, award_id: int) -> ServiceAward:
    """The claimant confirms the skill was provided: the provider is paid now."""
    award = _award_for(actor, award_id)
    if actor.id != award.claimant_id:
        raise Forbidden("Only the person who was helped confirms.")
    if award.status != "pending":
        raise Conflict("invalid_transition", f"This award is {award.status}.")
    _pay(award, note="the claimant confirmed")
    db.session.commit()
    return award


@retry_on_contention()
def dispute_service(actor: Any, award_id: int, reason: str) -> ServiceAward:
    award = _award_for(actor, award_id)
    if actor.id != award.claimant_id:
        raise Forbidden("Only the person who was helped disputes.")
    if award.status != "pending" or award.due_at <= clock.now():
        raise Conflict("invalid_transition", "The dispute window is closed.")
    award.status, award.dispute_reason = "disputed", reason
    notifications.queue(award.provider_id, "service_disputed", award_id=award.id, reason=reason)
    db.session.commit()
    return award


@retry_on_contention()
def resolve_dispute(actor: Any, award_id: int, pay: bool, reason: str) -> ServiceAward:
    """A coordinator decides a disputed award; the decision goes into the audit log."""
    if not actor.is_staff:
        raise Forbidden("Only community coordinators resolve disputes.")
    award = _award_for(actor, award_id)
    if award.status != "disputed":
        raise Conflict("invalid_transition", "Only disputed awards are resolved.")
    award.resolved_by_id, award.resolution_reason = actor.id, reason
    if pay:
        _pay(award, note=reason, actor_id=actor.id)
    else:
        award.status, award.resolved_at = "rejected", clock.now()
    record(
        actor,
        "award_points" if pay else "reject_points",
        "award",
        award.id,
        reason,
        points=award.points,
    )
    for user_id in (award.provider_id, award.claimant_id):
        notifications.queue(
            user_id, "dispute_resolved", award_id=award.id, awarded=pay, reason=reason
        )
    db.session.commit()
    return award


def list_awards(
    actor: Any, status: str | None, page: int, per_page: int
) -> tuple[list[ServiceAward], int]:
    """Awards the caller gives or receives; staff see all (e.g. ``status=disputed``)."""
    query = select(ServiceAward)
    if not actor.is_staff:
        query = query.where(
            or_(ServiceAward.provider_id == actor.id, ServiceAward.claimant_id == actor.id)
        )
    if status:
        query = query.where(ServiceAward.status == status)
    return _page(query.order_by(ServiceAward.id.desc()), page, per_page)


def _page(query: Any, page: int, per_page: int) -> tuple[list[Any], int]:
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page))), total


# --- grants --------------------------------------------------------------------------------------


def _require_staff(actor: Any) -> None:
    if not actor.is_staff:
        raise Forbidden("Only community coordinators grant points.")


@retry_on_contention()
def grant(actor: Any, user_id: int, points: int, reason: str) -> PointsEntry:
    """Points for volunteering at a community event; recorded in the audit log."""
    _require_staff(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise Invalid({"user_id": "No such user."})
    if user.id == actor.id:
        raise Forbidden(
            "Nobody grants points to themselves; another coordinator records it.",
            code="own_grant",
        )
    entry = ledger.credit(user.id, points, "volunteer_grant", actor_id=actor.id, note=reason)
    record(actor, "grant_points", "user", user.id, reason, points=points, entry_id=entry.id)
    notifications.queue(user.id, "points_granted", points=points, reason=reason)
    db.session.commit()
    return entry


@retry_on_contention()
def revoke_grant(actor: Any, entry_id: int, reason: str) -> PointsEntry:
    """Undo a grant with a compensating entry (the grant itself is never edited)."""
    _require_staff(actor)
    granted = db.session.get(PointsEntry, entry_id)
    if granted is None or granted.reason != "volunteer_grant":
        raise NotFound("No such grant.")
    lock_row(User, granted.user_id)
    already = db.session.scalar(
        select(PointsEntry.id).where(
            PointsEntry.reference_type == "grant",
            PointsEntry.reference_id == granted.id,
            PointsEntry.reason == "grant_revoked",
        )
    )
    if already:
        raise Conflict("already_revoked", "This grant was already revoked.")
    entry = ledger.debit(
        granted.user_id, granted.delta, "grant_revoked", ("grant", granted.id), actor.id, reason
    )
    record(
        actor,
        "revoke_points",
        "user",
        granted.user_id,
        reason,
        points=granted.delta,
        entry_id=entry.id,
    )
    db.session.commit()
    return entry


# --- reading the ledger --------------------------------------------------------------------------


def my_points(actor: Any, page: int, per_page: int) -> tuple[int, int, list[PointsEntry], int]:
    """(balance, earned, a page of entries newest first, total entries)."""
    if not actor.is_authenticated:
        raise Unauthorized()
    user = db.session.get(User, actor.id)
    db.session.refresh(user, ["points_balance", "points_earned"])
    entries, total = _page(
        select(PointsEntry).where(PointsEntry.user_id == actor.id).order_by(PointsEntry.id.desc()),
        page,
        per_page,
    )
    return user.points_balance, user.points_earned, entries, total


# --- rewards and redemptions ---------------------------------------------------------------------


def _require_merchant(actor: Any) -> int:
    if actor.role != "merchant" or actor.organisation_id is None or not actor.can_write:
        raise Forbidden("Only merchants offer rewards.")
    return actor.organisation_id


def create_reward(actor: Any, data: dict[str, Any]) -> Reward:
    organisation_id = _require_merchant(actor)
    errors = {}
    if data["valid_until"] <= clock.now():
        errors["valid_until"] = "Must be in the future."
    place = db.session.get(Place, data["pickup_place_id"])
    if place is None or not place.can_host_listings:
        errors["pickup_place_id"] = "Choose a community or a place inside one."
    if errors:
        raise Invalid(errors)
    reward = Reward(
        organisation_id=organisation_id,
        created_by_id=actor.id,
        status="active",
        created_at=clock.now(),
        **data,
    )
    db.session.add(reward)
    db.session.commit()
    return reward


def list_rewards(
    available_only: bool, organisation_id: int | None, page: int, per_page: int
) -> tuple[list[Reward], int]:
    query = select(Reward)
    if available_only:
        query = query.where(
            Reward.status == "active", Reward.stock > 0, Reward.valid_until > clock.now()
        )
    if organisation_id is not None:
        query = query.where(Reward.organisation_id == organisation_id)
    return _page(query.order_by(Reward.points_cost, Reward.id), page, per_page)


def get_reward(reward_id: int) -> Reward:
    reward = db.session.get(Reward, reward_id)
    if reward is None:
        raise NotFound("No such reward.")
    return reward


def withdraw_reward(actor: Any, reward_id: int) -> Reward:
    reward = get_reward(reward_id)
    if not actor.in_organisation(reward.organisation_id):
        raise Forbidden("Only the merchant who offers it withdraws a reward.")
    reward.status = "withdrawn"
    db.session.commit()
    return reward


@retry_on_contention()
def redeem(actor: Any, reward_id: int) -> Redemption:
    """Spend points on a reward: points debited and stock taken in one transaction, each by a
    conditional update, so neither a balance nor a stock can go below zero."""
    if not actor.is_authenticated:
        raise Unauthorized()
    if not actor.can_write:
        raise Forbidden("Suspended accounts cannot redeem.", code="account_suspended")
    reward = get_reward(reward_id)
    if actor.in_organisation(reward.organisation_id):
        raise Forbidden("Merchants do not redeem their own rewards.")
    taken = db.session.execute(
        update(Reward)
        .where(
            Reward.id == reward.id,
            Reward.stock >= 1,
            Reward.status == "active",
            Reward.valid_until > clock.now(),
        )
        .values(stock=Reward.stock - 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise Conflict("out_of_stock", "This reward is no longer available.")
    redemption = Redemption(
        reward_id=reward.id,
        user_id=actor.id,
        points_cost=reward.points_cost,
        pickup_code=f"{secrets.randbelow(1_000_000):06d}",
        status="pending",
        created_at=clock.now(),
    )
    db.session.add(redemption)
    db.session.flush()
    ledger.debit(actor.id, reward.points_cost, "redemption", ("redemption", redemption.id))
    db.session.commit()
    return redemption


def _redemption_for(actor: Any, redemption_id: int) -> Redemption:
    redemption = lock_row(Redemption, redemption_id)
    if redemption is None:
        raise NotFound("No such redemption.")
    reward = db.session.get(Reward, redemption.reward_id)
    if not (
        actor.id == redemption.user_id
        or actor.in_organisation(reward.organisation_id)
        or actor.is_staff
    ):
        raise NotFound("No such redemption.")
    return redemption


@retry_on_contention()
def hand_over(actor: Any, redemption_id: int, code: str) -> Redemption:
    """The merchant hands the reward over after checking the resident's code."""
    redemption = _redemption_for(actor, redemption_id)
    if not actor.in_organisation(redemption.reward.organisation_id):
        raise Forbidden("Only the merchant hands the reward over.")
    if redemption.status != "pending":
        raise Conflict("invalid_transition", f"This redemption is {redemption.status}.")
    if not secrets.compare_digest(code, redemption.pickup_code):
        raise Conflict("wrong_code", "That is not the resident's code.")
    redemption.status, redemption.handed_over_at = "handed_over", clock.now()
    db.session.commit()
    return redemption


@retry_on_contention()
def cancel_redemption(actor: Any, redemption_id: int) -> Redemption:
    """Cancelled before hand-over: the points come back by a new entry and the stock returns."""
    redemption = _redemption_for(actor, redemption_id)
    if redemption.status != "pending":
        raise Conflict("invalid_transition", f"This redemption is {redemption.status}.")
    _refund(redemption, "cancelled")
    db.session.commit()
    return redemption


def _refund(redemption: Redemption, status: str) -> None:
    redemption.status, redemption.closed_at = status, clock.now()
    ledger.credit(
        redemption.user_id,
        redemption.points_cost,
        "redemption_refund",
        ("redemption", redemption.id),
    )
    db.session.execute(
        update(Reward)
        .where(Reward.id == redemption.reward_id)
        .values(stock=Reward.stock + 1)
        .execution_options(synchronize_session=False)
    )


def list_redemptions(
    actor: Any, role: str | None, page: int, per_page: int
) -> tuple[list[Redemption], int]:
    """The caller's redemptions, or (role=merchant) those of their organisation's rewards."""
    if role == "merchant":
        organisation_id = _require_merchant(actor)
        query = select(Redemption).join(Reward).where(Reward.organisation_id == organisation_id)
    else:
        query = select(Redemption).where(Redemption.user_id == actor.id)
    return _page(query.order_by(Redemption.id.desc()), page, per_page)


# --- the sweep -----------------------------------------------------------------------------------


@dataclass
class PointsSweep:
    awarded: int = 0
    expired_redemptions: int = 0


def sweep() -> PointsSweep:
    """Pay skill awards whose dispute window passed; expire redemptions of rewards that ended
    (refunding the points). Idempotent; each change re-checks its row under a lock."""
    report = PointsSweep()
    now = clock.now()
    for award_id in db.session.scalars(
        select(ServiceAward.id).where(ServiceAward.status == "pending", ServiceAward.due_at <= now)
    ).all():
        report.awarded += _pay_if_due(award_id)
    for redemption_id in db.session.scalars(
        select(Redemption.id)
        .join(Reward)
        .where(Redemption.status == "pending", Reward.valid_until <= now)
    ).all():
        report.expired_redemptions += _expire_redemption(redemption_id)
    return report


@retry_on_contention()
def _pay_if_due(award_id: int) -> int:
    award = lock_row(ServiceAward, award_id)
    if award is None or award.status != "pending" or award.due_at > clock.now():
        db.session.rollback()
        return 0
    _pay(award, note="no dispute within the window")
    db.session.commit()
    return 1


@retry_on_contention()
def _expire_redemption(redemption_id: int) -> int:
    redemption = lock_row(Redemption, redemption_id)
    if (
        redemption is None
        or redemption.status != "pending"
        or redemption.reward.valid_until > clock.now()
    ):
        db.session.rollback()
        return 0
    _refund(redemption, "expired")
    db.session.commit()
    return 1
