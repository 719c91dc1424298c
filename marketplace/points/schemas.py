"""Request and response bodies of /points, /rewards and /redemptions."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user
from marshmallow import fields, validate

from marketplace.points.models import AWARD_STATUSES
from marketplace.schemas import Line, OutSchema, PageArgs, Text, id_field


class EntryOut(OutSchema):
    id = fields.Integer(required=True)
    delta = fields.Integer(required=True)
    reason = fields.String(required=True)
    reference_type = fields.String(allow_none=True)
    reference_id = fields.Integer(allow_none=True)
    created_by_id = fields.Integer(allow_none=True)
    note = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)


class MyPointsOut(OutSchema):
    balance = fields.Integer(required=True)
    earned = fields.Integer(
        required=True, metadata={"description": "Everything earned, before spending"}
    )
    items = fields.List(fields.Nested(EntryOut), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class GrantIn(ma.Schema):
    user_id = id_field(required=True)
    points = fields.Integer(required=True, validate=validate.Range(min=1, max=500))
    reason = Line(required=True, validate=validate.Length(min=1, max=500))


class RevokeIn(ma.Schema):
    reason = Line(required=True, validate=validate.Length(min=1, max=500))


class AwardOut(OutSchema):
    id = fields.Integer(required=True)
    reservation_id = fields.Integer(required=True)
    provider_id = fields.Integer(required=True)
    claimant_id = fields.Integer(required=True)
    points = fields.Integer(required=True)
    status = fields.String(required=True)
    due_at = fields.AwareDateTime(required=True)
    dispute_reason = fields.String(required=True)
    resolution_reason = fields.String(required=True)
    resolved_at = fields.AwareDateTime(allow_none=True)


class AwardListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(AWARD_STATUSES))


class DisputeIn(ma.Schema):
    reason = Line(required=True, validate=validate.Length(min=1, max=500))


class ResolveDisputeIn(ma.Schema):
    award = fields.Boolean(required=True, metadata={"description": "true: pay the provider"})
    reason = Line(required=True, validate=validate.Length(min=1, max=500))


class RewardIn(ma.Schema):
    title = Line(required=True, validate=validate.Length(min=2, max=60))
    description = Text(load_default="", validate=validate.Length(max=1000))
    points_cost = fields.Integer(required=True, validate=validate.Range(min=1, max=10_000))
    stock = fields.Integer(required=True, validate=validate.Range(min=0, max=10_000))
    valid_until = fields.AwareDateTime(required=True)
    pickup_place_id = id_field(required=True)


class RewardOut(OutSchema):
    id = fields.Integer(required=True)
    organisation_id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    points_cost = fields.Integer(required=True)
    stock = fields.Integer(required=True)
    valid_until = fields.AwareDateTime(required=True)
    pickup_place_id = fields.Integer(required=True)
    pickup_place_name = fields.Function(
        lambda reward: reward.pickup_place.name, metadata={"type": "string"}
    )
    status = fields.String(required=True)


class RewardListArgs(PageArgs):
    available = fields.Boolean(
        load_default=True, metadata={"description": "Only rewards that can be redeemed now"}
    )
    organisation_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


class RedemptionOut(OutSchema):
    id = fields.Integer(required=True)
    reward_id = fields.Integer(required=True)
    reward_title = fields.Function(
        lambda redemption: redemption.reward.title, metadata={"type": "string"}
    )
    user_id = fields.Integer(required=True)
    points_cost = fields.Integer(required=True)
    pickup_code = fields.Method(
        "code_for_resident",
        allow_none=True,
        metadata={
            "type": "string",
            "description": "Shown to the resident only; the merchant asks for it",
        },
    )
    status = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    handed_over_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)

    def code_for_resident(self, redemption: Any) -> str | None:
        return (
            redemption.pickup_code
            if current_user.is_authenticated and current_user.id == redemption.user_id
            else None
        )


class RedemptionListArgs(PageArgs):
    role = fields.String(
        validate=validate.OneOf(("merchant",)),
        metadata={"description": "merchant: redemptions of my organisation's rewards"},
    )


class HandOverIn(ma.Schema):
    code = fields.String(
        required=True, validate=validate.Regexp(r"^\d{6}$", error="The code has six digits.")
    )
