"""Bodies of reports, the review queue, moderation actions and the audit log."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from marketplace.listings.schemas import ListingOut
from marketplace.moderation.models import REPORT_OUTCOMES, REPORT_REASONS
from marketplace.moderation.services import LISTING_ACTIONS
from marketplace.schemas import MAX_ID, Line, OutSchema, PageArgs, Text, id_field


class ReportIn(ma.Schema):
    listing_id = id_field(metadata={"description": "The listing reported (or give user_id)"})
    user_id = id_field(metadata={"description": "The user reported (or give listing_id)"})
    reason = fields.String(required=True, validate=validate.OneOf(REPORT_REASONS))
    details = Text(load_default="", validate=validate.Length(max=1000))

    @ma.validates_schema
    def exactly_one_target(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if ("listing_id" in data) == ("user_id" in data):
            raise ma.ValidationError(
                "Report either a listing (listing_id) or a user (user_id).", "listing_id"
            )


class ReportOut(OutSchema):
    id = fields.Integer(required=True)
    reporter_id = fields.Integer(required=True)
    target_type = fields.String(required=True)
    target_id = fields.Integer(required=True)
    reason = fields.String(required=True)
    details = fields.String(required=True)
    status = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    resolved_at = fields.AwareDateTime(allow_none=True)
    resolved_by_id = fields.Integer(allow_none=True)
    outcome = fields.String(allow_none=True)
    resolution_note = fields.String(required=True)


class ReportListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(("open", "resolved")))


class ResolveIn(ma.Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(REPORT_OUTCOMES))
    note = Line(required=True, validate=validate.Length(min=1, max=500))


class ModerateIn(ma.Schema):
    action = fields.String(required=True, validate=validate.OneOf(tuple(LISTING_ACTIONS)))
    reason = Line(required=True, validate=validate.Length(min=1, max=500))


class QueueArgs(ma.Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class QueueOut(OutSchema):
    listings = fields.List(fields.Nested(ListingOut), required=True)
    reports = fields.List(fields.Nested(ReportOut), required=True)
    pending_listings = fields.Integer(required=True)
    open_reports = fields.Integer(required=True)


class AuditArgs(PageArgs):
    target_type = fields.String(
        validate=validate.OneOf(("listing", "user", "report", "organisation", "award"))
    )
    # Not id_field(): query strings are text, which a strict integer field refuses.
    target_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    actor_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class AuditEntryOut(OutSchema):
    id = fields.Integer(required=True)
    actor_id = fields.Integer(
        allow_none=True, metadata={"description": "null: done by the platform itself"}
    )
    action = fields.String(required=True)
    target_type = fields.String(required=True)
    target_id = fields.Integer(required=True)
    reason = fields.String(required=True)
    details = fields.Dict(required=True)
    created_at = fields.AwareDateTime(required=True)
