"""A user's own pages: reservations (as claimant and as owner), notifications, points."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import marshmallow as ma
from flask import redirect, render_template, request, url_for
from flask_login import current_user

from marketplace import clock
from marketplace.errors import DomainError, NotFound
from marketplace.listings import services as listings
from marketplace.notifications import messages
from marketplace.notifications import services as notifications
from marketplace.points import services as points
from marketplace.points.schemas import DisputeIn
from marketplace.reservations import services as reservations
from marketplace.reservations import transitions
from marketplace.reservations.models import Reservation
from marketplace.reservations.schemas import CancelIn, DeclineIn, PickupIn
from marketplace.web import bp, forms, subjects
from marketplace.web.pages import done, login_required, refused, safe_next

PER_PAGE = 20


def _page_number() -> int:
    number = forms.as_integer(request.args.get("page", "1"))
    return number if isinstance(number, int) and 1 <= number <= 10_000 else 1


# --- my listings ---------------------------------------------------------------------------------

MY_LISTING_STATUSES = ("open", "fully_reserved", "expired", "closed", "withdrawn")


@bp.get("/me/listings")
@login_required
def my_listings() -> Any:
    """What I (or my organisation) posted, in any state, newest first, so that I can find a
    listing to edit, renew or withdraw and see why one is waiting or was turned down."""
    status = request.args.get("status", "")
    status = status if status in MY_LISTING_STATUSES else None
    page = _page_number()
    result = listings.browse(
        current_user,
        listings.BrowseFilters(
            owner="me", status=status, sort="newest", page=page, per_page=PER_PAGE
        ),
    )
    return render_template(
        "web/my_listings.html",
        result=result,
        status=status,
        statuses=MY_LISTING_STATUSES,
        page_url=lambda number: url_for("web.my_listings", status=status, page=number),
    )


# --- reservations --------------------------------------------------------------------------------


def actions_for(reservation: Reservation, side: str) -> list[str]:
    """The transitions the state machine lets the current user make on this reservation now,
    as the claimant or as the provider (the tab the page shows)."""
    wanted = transitions.CLAIMANT if side == "claimant" else transitions.PROVIDER
    roles = transitions.roles_of(current_user, reservation) & {wanted}
    return [
        transition.action
        for transition in transitions.TRANSITIONS
        if reservation.status in transition.sources
        and roles & transition.actors
        and transition.applies(reservation)
        and not _refused_now(transition.action, side, reservation)
    ]


def _refused_now(action: str, side: str, reservation: Reservation) -> bool:
    """Whether the service refuses this move at this time: no no-show while the claimant may
    still come, no claimant's cancel of a pick-up they missed."""
    if action == "no_show":
        return reservations.time_to_collect_runs(reservation)
    if action == "cancel" and side == "claimant":
        return reservations.pickup_missed(reservation)
    return False


def _hand_over_still_to_open(reservation: Reservation) -> datetime | None:
    """When the hand-over of this reservation becomes possible, if that is still ahead."""
    opens_at = reservations.hand_over_opens_at(reservation)
    return opens_at if opens_at is not None and opens_at > clock.now() else None


@bp.get("/me/reservations")
@login_required
def reservations_page() -> Any:
    role = "owner" if request.args.get("role") == "owner" else "claimant"
    page = _page_number()
    items, total = reservations.list_reservations(current_user, role, None, page, PER_PAGE)
    return render_template(
        "web/reservations.html",
        role=role,
        items=items,
        total=total,
        page=page,
        per_page=PER_PAGE,
        actions=lambda reservation: actions_for(reservation, role),
        hand_over_opens_at=_hand_over_still_to_open,
        page_url=lambda number: url_for("web.reservations_page", role=role, page=number),
    )


@bp.get("/me/reservations/<int:reservation_id>")
@login_required
def reservation_page(reservation_id: int) -> Any:
    """One reservation with its history, for its claimant, its provider or a coordinator."""
    reservation = reservations.get_reservation(current_user, reservation_id)
    role = "claimant" if reservation.is_claimant(current_user) else "owner"
    return render_template(
        "web/reservation.html",
        r=reservation,
        role=role,
        actions=actions_for(reservation, role),
        opens_at=_hand_over_still_to_open(reservation),
        history=[(event, _who(event, reservation)) for event in reservation.events],
    )


def _who(event: Any, reservation: Reservation) -> str:
    """Who made a move, as the parties know each other."""
    actor = event.actor
    if actor is None:
        return "系统"
    if actor.id == reservation.claimant_id:
        return "申请人"
    if actor.id == reservation.listing.owner_id:
        return "发布者"
    if actor.is_staff:
        return "社区协调员"
    return f"发布方成员 {actor.display_name}"


# Each action: the service, and the schema of its form (None: no fields).
ACTIONS: dict[str, tuple[Callable[..., Reservation], ma.Schema | None]] = {
    "confirm": (reservations.confirm, None),
    "decline": (reservations.decline, DeclineIn()),
    "cancel": (reservations.cancel, CancelIn()),
    "pickup": (reservations.pickup, PickupIn()),
    "return": (reservations.mark_returned, None),
    "complete": (reservations.complete, None),
    "no_show": (reservations.mark_no_show, None),
}

DONE_MESSAGES = {
    "confirm": "已确认，请按约定时间交接。",
    "decline": "已告知对方。",
    "cancel": "预约已取消。",
    "pickup": "领取码正确，已交接！",
    "return": "已记录归还。",
    "complete": "交换完成，谢谢分享！",
    "no_show": "已记为爽约。",
}


@bp.post("/me/reservations/<int:reservation_id>/<action>")
@login_required
def reservation_action(reservation_id: int, action: str) -> Any:
    if action not in ACTIONS:
        raise NotFound("No such action.")
    role = "owner" if request.form.get("role") == "owner" else "claimant"
    target = safe_next(request.form.get("next"), url_for("web.reservations_page", role=role))
    service, schema = ACTIONS[action]
    try:
        data = (
            forms.parse(schema, forms.cleaned(request.form, ("reason", "code"))) if schema else {}
        )
        service(current_user, reservation_id, **data)
    except DomainError as error:
        return refused(forms.FormProblem.of(error), target)
    return done(DONE_MESSAGES[action], target)


# --- notifications -------------------------------------------------------------------------------


@bp.get("/me/notifications")
@login_required
def notifications_page() -> Any:
    page = _page_number()
    items, total, unread = notifications.inbox(current_user.id, False, page, PER_PAGE)
    return render_template(
        "web/notifications.html",
        items=[
            (item, messages.render(item.kind, item.payload), subjects.subject_of(item))
            for item in items
        ],
        total=total,
        unread=unread,
        page=page,
        per_page=PER_PAGE,
    )


@bp.post("/me/notifications/read")
@login_required
def notifications_read() -> Any:
    notifications.mark_all_read(current_user.id)
    return done("已全部标为已读。", url_for("web.notifications_page"))


def _inbox_url(page: int) -> str:
    return url_for("web.notifications_page", page=page if page > 1 else None)


@bp.post("/me/notifications/<int:notification_id>/read")
@login_required
def mark_notification_read(notification_id: int) -> Any:
    """One of my notifications is read (someone else's is a 404); back to the same inbox page."""
    notifications.mark_read(current_user.id, notification_id)
    return done("已标为已读。", _inbox_url(_page_number()))


@bp.post("/me/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int) -> Any:
    """Mark one of my notifications read and go to the page of what it is about, which comes
    from the notification itself, never from the request."""
    notification = notifications.mark_read(current_user.id, notification_id)
    target = subjects.subject_url(subjects.subject_of(notification), current_user)
    return redirect(target, code=303)


# --- points and rewards --------------------------------------------------------------------------


def _points_page(problem: forms.FormProblem | None = None, award_id: int | None = None) -> str:
    balance, earned, entries, _total = points.my_points(current_user, 1, PER_PAGE)
    rewards, _count = points.list_rewards(True, None, 1, 50)
    redemptions, _count = points.list_redemptions(current_user, None, 1, PER_PAGE)
    awards, _count = points.list_awards(current_user, None, 1, PER_PAGE)
    return render_template(
        "web/points.html",
        balance=balance,
        earned=earned,
        entries=entries,
        rewards=rewards,
        redemptions=redemptions,
        awards=awards,
        now=clock.now(),
        problem=problem or forms.FormProblem(),
        problem_award_id=award_id,
        values=request.form if award_id else {},
    )


@bp.get("/me/points")
@login_required
def points_page() -> Any:
    return _points_page()


@bp.post("/rewards/<int:reward_id>/redeem")
@login_required
def redeem(reward_id: int) -> Any:
    target = url_for("web.points_page")
    try:
        redemption = points.redeem(current_user, reward_id)
    except DomainError as error:
        return refused(forms.FormProblem.of(error), target)
    return done(f"兑换成功！领取时出示兑换码 {redemption.pickup_code}。", target)


@bp.post("/redemptions/<int:redemption_id>/cancel")
@login_required
def cancel_redemption(redemption_id: int) -> Any:
    """The resident who redeemed, or the merchant who offers the reward, cancels before the
    hand-over; the points come back (the service decides who may)."""
    merchant_side = request.form.get("role") == "merchant"
    target = url_for("web.merchant_home" if merchant_side else "web.points_page")
    try:
        redemption = points.cancel_redemption(current_user, redemption_id)
    except DomainError as error:
        return refused(forms.FormProblem.of(error), target)
    return done(f"兑换已取消，{redemption.points_cost} 分已退回。", target)


# --- skill awards: the person helped confirms or disputes ----------------------------------------


@bp.post("/me/awards/<int:award_id>/confirm")
@login_required
def confirm_service(award_id: int) -> Any:
    target = url_for("web.points_page")
    try:
        points.confirm_service(current_user, award_id)
    except DomainError as error:
        return refused(forms.FormProblem.of(error), target)
    return done("已确认服务，积分已发给对方。谢谢！", target)


@bp.post("/me/awards/<int:award_id>/dispute")
@login_required
def dispute_service(award_id: int) -> Any:
    try:
        data = forms.parse(DisputeIn(), forms.cleaned(request.form, ("reason",)))
        points.dispute_service(current_user, award_id, data["reason"])
    except DomainError as error:
        return _points_page(forms.FormProblem.of(error), award_id), error.status
    return done("已提出异议，社区工作人员会核实处理。", url_for("web.points_page"))
