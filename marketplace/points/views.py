"""/points, /rewards and /redemptions."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from marketplace.accounts.auth import login_required, staff_required
from marketplace.openapi import ApiBlueprint, documents_errors
from marketplace.points import services
from marketplace.points.schemas import (
    AwardListArgs,
    AwardOut,
    DisputeIn,
    EntryOut,
    GrantIn,
    HandOverIn,
    MyPointsOut,
    RedemptionListArgs,
    RedemptionOut,
    ResolveDisputeIn,
    RevokeIn,
    RewardIn,
    RewardListArgs,
    RewardOut,
)
from marketplace.schemas import PageArgs, page_of

blp = ApiBlueprint(
    "points", __name__, url_prefix="/api/v1", description="Volunteer points and rewards"
)


def _page(items: list[Any], total: int, args: dict[str, Any]) -> dict[str, Any]:
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/points/me", methods=["GET"])
@login_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, MyPointsOut)
@documents_errors(blp, 401)
def my_points(args: dict[str, Any]) -> Any:
    """The caller's balance and ledger, newest first."""
    balance, earned, items, total = services.my_points(current_user, args["page"], args["per_page"])
    return {"balance": balance, "earned": earned, **_page(items, total, args)}


@blp.route("/points/grants", methods=["POST"])
@staff_required
@blp.arguments(GrantIn)
@blp.response(201, EntryOut)
@documents_errors(blp, 401, 403)
def grant(data: dict[str, Any]) -> Any:
    """Grant points for volunteering at a community event (coordinators; audit-logged)."""
    return services.grant(current_user, data["user_id"], data["points"], data["reason"])


@blp.route("/points/grants/<int:entry_id>/revoke", methods=["POST"])
@staff_required
@blp.arguments(RevokeIn)
@blp.response(201, EntryOut)
@documents_errors(blp, 401, 403, 404, 409)
def revoke_grant(data: dict[str, Any], entry_id: int) -> Any:
    """Revoke a grant by a compensating entry (coordinators; audit-logged)."""
    return services.revoke_grant(current_user, entry_id, data["reason"])


@blp.route("/points/awards", methods=["GET"])
@login_required
@blp.arguments(AwardListArgs, location="query")
@blp.response(200, page_of(AwardOut, "AwardPage"))
@documents_errors(blp, 401)
def list_awards(args: dict[str, Any]) -> Any:
    """Skill awards the caller gives or receives (coordinators: all, e.g. status=disputed)."""
    return _page(
        *services.list_awards(current_user, args.get("status"), args["page"], args["per_page"]),
        args,
    )


@blp.route("/points/awards/<int:award_id>/confirm", methods=["POST"])
@login_required
@blp.response(200, AwardOut)
@documents_errors(blp, 401, 403, 404, 409)
def confirm_service(award_id: int) -> Any:
    """The person helped confirms the skill was provided; the provider is paid now."""
    return services.confirm_service(current_user, award_id)


@blp.route("/points/awards/<int:award_id>/dispute", methods=["POST"])
@login_required
@blp.arguments(DisputeIn)
@blp.response(200, AwardOut)
@documents_errors(blp, 401, 403, 404, 409)
def dispute_service(data: dict[str, Any], award_id: int) -> Any:
    """Dispute, within the window, that the skill was provided."""
    return services.dispute_service(current_user, award_id, data["reason"])


@blp.route("/points/awards/<int:award_id>/resolve", methods=["POST"])
@staff_required
@blp.arguments(ResolveDisputeIn)
@blp.response(200, AwardOut)
@documents_errors(blp, 401, 403, 404, 409)
def resolve_dispute(data: dict[str, Any], award_id: int) -> Any:
    """Decide a disputed award, with a reason (coordinators; audit-logged)."""
    return services.resolve_dispute(current_user, award_id, data["award"], data["reason"])


@blp.route("/rewards", methods=["GET"])
@blp.arguments(RewardListArgs, location="query")
@blp.response(200, page_of(RewardOut, "RewardPage"))
def list_rewards(args: dict[str, Any]) -> Any:
    """Rewards merchants offer for points."""
    items, total = services.list_rewards(
        args["available"], args.get("organisation_id"), args["page"], args["per_page"]
    )
    return _page(items, total, args)


@blp.route("/rewards", methods=["POST"])
@login_required
@blp.arguments(RewardIn)
@blp.response(201, RewardOut)
@documents_errors(blp, 401, 403)
def create_reward(data: dict[str, Any]) -> Any:
    """Offer a reward (merchants)."""
    return services.create_reward(current_user, data)


@blp.route("/rewards/<int:reward_id>", methods=["GET"])
@blp.response(200, RewardOut)
@documents_errors(blp, 404)
def get_reward(reward_id: int) -> Any:
    return services.get_reward(reward_id)


@blp.route("/rewards/<int:reward_id>/withdraw", methods=["POST"])
@login_required
@blp.response(200, RewardOut)
@documents_errors(blp, 401, 403, 404)
def withdraw_reward(reward_id: int) -> Any:
    """Stop offering a reward (its merchant)."""
    return services.withdraw_reward(current_user, reward_id)


@blp.route("/rewards/<int:reward_id>/redeem", methods=["POST"])
@login_required
@blp.response(201, RedemptionOut)
@documents_errors(blp, 401, 403, 404, 409, 503)
def redeem(reward_id: int) -> Any:
    """Spend points on a reward; the response carries the code to show the merchant."""
    return services.redeem(current_user, reward_id)


@blp.route("/redemptions", methods=["GET"])
@login_required
@blp.arguments(RedemptionListArgs, location="query")
@blp.response(200, page_of(RedemptionOut, "RedemptionPage"))
@documents_errors(blp, 401, 403)
def list_redemptions(args: dict[str, Any]) -> Any:
    """The caller's redemptions, or with role=merchant those of their organisation's rewards."""
    items, total = services.list_redemptions(
        current_user, args.get("role"), args["page"], args["per_page"]
    )
    return _page(items, total, args)


@blp.route("/redemptions/<int:redemption_id>/hand-over", methods=["POST"])
@login_required
@blp.arguments(HandOverIn)
@blp.response(200, RedemptionOut)
@documents_errors(blp, 401, 403, 404, 409)
def hand_over(data: dict[str, Any], redemption_id: int) -> Any:
    """The merchant hands the reward over, checking the resident's code."""
    return services.hand_over(current_user, redemption_id, data["code"])


@blp.route("/redemptions/<int:redemption_id>/cancel", methods=["POST"])
@login_required
@blp.response(200, RedemptionOut)
@documents_errors(blp, 401, 404, 409)
def cancel_redemption(redemption_id: int) -> Any:
    """Cancel before hand-over; the points are refunded by a new entry."""
    return services.cancel_redemption(current_user, redemption_id)
