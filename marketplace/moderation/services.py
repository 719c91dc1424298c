"""Moderation rules: who is published at once, prohibited words, reports, coordinator actions,
suspension side effects, and the audit log that records all of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import distinct, func, literal, select
from sqlalchemy.exc import IntegrityError

from marketplace import clock
from marketplace.accounts import signals as account_signals
from marketplace.accounts.models import User
from marketplace.db import lock_row
from marketplace.errors import Conflict, Forbidden, Invalid, NotFound
from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.listings.models import Listing
from marketplace.listings.signals import listing_submitted, listing_taken_down
from marketplace.moderation.models import ModerationAction, Report
from marketplace.moderation.words import find_prohibited_word
from marketplace.notifications import services as notifications

# action -> (moderation states it applies to, resulting state, notification kind)
# What claimants of a listing that moderation takes down are told.
TAKEN_DOWN_BY_COORDINATOR = "社区协调员下架了这条分享"
HIDDEN_AFTER_REPORTS = "这条分享被多位邻居举报，已暂停，等待社区协调员核查"
OWNER_SUSPENDED = "发布者的账号已被停用"

LISTING_ACTIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "approve": (frozenset({"pending"}), "approved", "listing_approved"),
    "reject": (frozenset({"pending", "approved", "hidden"}), "rejected", "listing_rejected"),
    "hide": (frozenset({"pending", "approved"}), "hidden", "listing_hidden"),
    "restore": (frozenset({"hidden", "rejected"}), "approved", "listing_restored"),
}


def record(
    actor: Any, action: str, target_type: str, target_id: int, reason: str = "", **details: Any
) -> None:
    """Append a line to the audit log (in the current transaction)."""
    db.session.add(
        ModerationAction(
            actor_id=actor.id if actor is not None else None,
            action=action,
            target_type=target_type,
            target_id=target_id,
            reason=reason,
            details=details,
            created_at=clock.now(),
        )
    )


def _require_staff(actor: Any) -> None:
    if not actor.is_staff:
        raise Forbidden("Only community coordinators moderate.")


# --- the decision when a listing is posted or edited ---------------------------------------------


def publishes_at_once(author: User) -> bool:
    """Whether the moderation mode lets this author's listings go public without review."""
    mode = current_app.config["MODERATION_MODE"]
    if author.is_staff or mode == "post":
        return True
    if mode == "pre":
        return False
    verified_merchant = (
        author.role == "merchant"
        and author.organisation is not None
        and author.organisation.verified
    )
    return (
        verified_merchant
        or author.completed_exchanges >= current_app.config["MODERATION_TRUSTED_AFTER_EXCHANGES"]
    )


def decide_listing_moderation(
    listing: Listing, *, actor: User, created: bool, text_changed: bool
) -> None:
    """Receiver of listing_submitted: publish, queue for review, or hold on a prohibited word."""
    if not (created or text_changed):
        return
    word = find_prohibited_word(
        [listing.title, listing.description, *listing.tags], current_app.config["PROHIBITED_WORDS"]
    )
    if word is not None:
        listing.moderation, listing.moderation_reason = "pending", f"prohibited word: {word}"
    elif listing.moderation == "hidden":
        return  # stays hidden until a coordinator restores it
    elif listing.moderation == "rejected":
        # A rejection sticks until a coordinator has looked at the corrected listing.
        listing.moderation, listing.moderation_reason = (
            "pending",
            "edited after rejection; waiting for a coordinator",
        )
    elif publishes_at_once(actor):
        if created or listing.moderation != "approved":
            listing.moderation, listing.moderation_reason = "approved", ""
    else:
        listing.moderation = "pending"
        listing.moderation_reason = (
            "waiting for a coordinator" if created else "edited; waiting for a coordinator"
        )


# --- coordinator actions -------------------------------------------------------------------------


def moderate_listing(actor: User, listing_id: int, action: str, reason: str) -> Listing:
    _require_staff(actor)
    listings.get_listing(actor, listing_id)
    # The decision is made under the listing's row lock, on what it holds then: an owner's edit
    # or a claim (which locks the row too) lands before it or after, never in between.
    listing = lock_row(Listing, listing_id)
    assert listing is not None
    allowed_from, new_state, notification = LISTING_ACTIONS[action]
    if listing.moderation not in allowed_from:
        raise Conflict(
            "invalid_transition", f"Cannot {action} a listing that is {listing.moderation}."
        )
    old_state = listing.moderation
    listing.moderation, listing.moderation_reason = new_state, reason
    listing.hidden_with_owner = False
    if new_state in ("hidden", "rejected"):
        listing_taken_down.send(listing, actor=actor, reason=TAKEN_DOWN_BY_COORDINATOR)
    resolved = _resolve_open_reports_of_listing(
        actor,
        listing.id,
        "actioned" if new_state in ("hidden", "rejected") else "dismissed",
        reason,
    )
    record(
        actor,
        f"{action}_listing",
        "listing",
        listing.id,
        reason,
        previous=old_state,
        resolved_reports=resolved,
    )
    notifications.queue(
        listing.owner_id,
        notification,
        listing_id=listing.id,
        title=listing.title,
        reason=reason,
    )
    db.session.commit()
    return listing


def _resolve_open_reports_of_listing(
    actor: User, listing_id: int, outcome: str, note: str
) -> list[int]:
    reports = db.session.scalars(
        select(Report).where(Report.listing_id == listing_id, Report.status == "open")
    ).all()
    for report in reports:
        _close_report(report, actor, outcome, note)
    return [report.id for report in reports]


def _close_report(report: Report, actor: User, outcome: str, note: str) -> None:
    report.status, report.outcome, report.resolution_note = "resolved", outcome, note
    report.resolved_at, report.resolved_by_id = clock.now(), actor.id


@dataclass(frozen=True)
class Queue:
    listings: list[Listing]
    reports: list[Report]
    pending_listings: int
    open_reports: int


def review_queue(actor: User, limit: int) -> Queue:
    """Listings waiting for review and open reports, oldest first."""
    _require_staff(actor)
    # The value is written into the SQL so that the partial index of pending listings serves it.
    pending = select(Listing).where(Listing.moderation == literal("pending", literal_execute=True))
    open_reports = select(Report).where(Report.status == "open")
    return Queue(
        listings=list(
            db.session.scalars(pending.order_by(Listing.created_at, Listing.id).limit(limit))
        ),
        reports=list(
            db.session.scalars(open_reports.order_by(Report.created_at, Report.id).limit(limit))
        ),
        pending_listings=_count(pending),
        open_reports=_count(open_reports),
    )


def _count(query: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


# --- reports -------------------------------------------------------------------------------------


def file_report(actor: User, data: dict[str, Any]) -> Report:
    """Report a listing or a user; enough distinct reporters hide a listing until reviewed."""
    if not actor.can_write:
        raise Forbidden("Suspended accounts cannot report.", code="account_suspended")
    listing = _reported_listing(actor, data.get("listing_id"))
    reported_user = _reported_user(actor, data.get("user_id"))
    report = Report(
        reporter_id=actor.id,
        listing_id=listing.id if listing else None,
        reported_user_id=reported_user.id if reported_user else None,
        reason=data["reason"],
        details=data.get("details", ""),
        created_at=clock.now(),
    )
    _refuse_duplicate_open_report(report)
    db.session.add(report)
    try:
        # A concurrent identical report passes the check above; the unique index stops it here.
        db.session.flush()
        if listing is not None:
            _hide_if_reported_enough(listing)
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict("already_reported", "You already have an open report about this.") from exc
    return report


def _reported_listing(actor: User, listing_id: int | None) -> Listing | None:
    if listing_id is None:
        return None
    listing = listings.get_listing(actor, listing_id)
    if listing.is_managed_by(actor):
        raise Invalid({"listing_id": "You cannot report your own listing."})
    return listing


def _reported_user(actor: User, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    if user.id == actor.id:
        raise Invalid({"user_id": "You cannot report yourself."})
    return user


def _refuse_duplicate_open_report(report: Report) -> None:
    target = (
        Report.listing_id == report.listing_id
        if report.listing_id is not None
        else Report.reported_user_id == report.reported_user_id
    )
    duplicate = db.session.scalar(
        select(Report.id).where(
            Report.reporter_id == report.reporter_id, Report.status == "open", target
        )
    )
    if duplicate:
        raise Conflict("already_reported", "You already have an open report about this.")


def _hide_if_reported_enough(listing: Listing) -> None:
    threshold = current_app.config["MODERATION_REPORTS_TO_HIDE"]
    reporters = db.session.scalar(
        select(func.count(distinct(Report.reporter_id))).where(
            Report.listing_id == listing.id, Report.status == "open"
        )
    )
    if reporters < threshold or listing.moderation != "approved":
        return
    lock_row(Listing, listing.id)  # as a coordinator's decision does; refreshes ``listing``
    if listing.moderation != "approved":
        return
    reason = f"reported by {reporters} residents; hidden until a coordinator reviews it"
    listing.moderation, listing.moderation_reason = "hidden", reason
    listing_taken_down.send(listing, actor=None, reason=HIDDEN_AFTER_REPORTS)
    record(None, "auto_hide_listing", "listing", listing.id, reason, reporters=reporters)
    notifications.queue(
        listing.owner_id,
        "listing_hidden",
        listing_id=listing.id,
        title=listing.title,
        reason=reason,
    )


def list_reports(
    actor: User, status: str | None, page: int, per_page: int
) -> tuple[list[Report], int]:
    _require_staff(actor)
    query = select(Report)
    if status:
        query = query.where(Report.status == status)
    page_query = (
        query.order_by(Report.created_at.desc(), Report.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(db.session.scalars(page_query)), _count(query)


def resolve_report(actor: User, report_id: int, outcome: str, note: str) -> Report:
    _require_staff(actor)
    report = db.session.get(Report, report_id)
    if report is None:
        raise NotFound("No such report.")
    if report.status != "open":
        raise Conflict("invalid_transition", "This report is already resolved.")
    _close_report(report, actor, outcome, note)
    record(
        actor,
        f"resolve_report_{outcome}",
        "report",
        report.id,
        note,
        target=f"{report.target_type}:{report.target_id}",
    )
    db.session.commit()
    return report


# --- the audit log -------------------------------------------------------------------------------


def audit_log(
    actor: User,
    target_type: str | None,
    target_id: int | None,
    actor_id: int | None,
    page: int,
    per_page: int,
) -> tuple[list[ModerationAction], int]:
    _require_staff(actor)
    query = select(ModerationAction)
    if target_type:
        query = query.where(ModerationAction.target_type == target_type)
    if target_id is not None:
        query = query.where(ModerationAction.target_id == target_id)
    if actor_id is not None:
        query = query.where(ModerationAction.actor_id == actor_id)
    ordered = (
        query.order_by(ModerationAction.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return list(db.session.scalars(ordered)), _count(query)


# --- reactions to account changes ----------------------------------------------------------------


def on_user_suspended(user: User, *, actor: User, reason: str) -> None:
    """Hide the suspended user's public listings; they come back on reinstatement."""
    hidden = []
    for listing in db.session.scalars(
        select(Listing)
        .where(Listing.owner_id == user.id, Listing.moderation == "approved")
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all():
        listing.moderation, listing.moderation_reason = "hidden", "owner suspended"
        listing.hidden_with_owner = True
        listing_taken_down.send(listing, actor=actor, reason=OWNER_SUSPENDED)
        hidden.append(listing.id)
    record(actor, "suspend_user", "user", user.id, reason, hidden_listings=hidden)


def on_user_reinstated(user: User, *, actor: User, reason: str) -> None:
    restored = []
    for listing in db.session.scalars(
        select(Listing).where(Listing.owner_id == user.id, Listing.hidden_with_owner.is_(True))
    ):
        listing.moderation, listing.moderation_reason = "approved", ""
        listing.hidden_with_owner = False
        restored.append(listing.id)
    record(actor, "reinstate_user", "user", user.id, reason, restored_listings=restored)


def on_user_role_changed(user: User, *, actor: User, old_role: str) -> None:
    record(
        actor,
        "change_role",
        "user",
        user.id,
        f"{old_role} -> {user.role}",
        old_role=old_role,
        new_role=user.role,
    )


def on_organisation_verification_changed(organisation: Any, *, actor: User) -> None:
    record(
        actor,
        "verify_organisation" if organisation.verified else "unverify_organisation",
        "organisation",
        organisation.id,
    )


def connect_signals() -> None:
    """Subscribe to the lower domains' signals (idempotent)."""
    listing_submitted.connect(decide_listing_moderation)
    account_signals.user_suspended.connect(on_user_suspended)
    account_signals.user_reinstated.connect(on_user_reinstated)
    account_signals.user_role_changed.connect(on_user_role_changed)
    account_signals.organisation_verification_changed.connect(on_organisation_verification_changed)
