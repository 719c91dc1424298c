"""Arguments and responses of /stats and /organisations/{id}/impact."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
from marshmallow import fields, validate

from marketplace.schemas import OutSchema

# Days a period may name: wide enough for any real report, and far from the calendar's ends,
# where turning a local day into UTC times would run off the calendar.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
DAY_IN_RANGE = validate.Range(
    min=FIRST_DAY, max=LAST_DAY, error=f"Give a day from {FIRST_DAY} to {LAST_DAY}."
)


class PeriodArgs(ma.Schema):
    from_ = fields.Date(
        data_key="from",
        validate=DAY_IN_RANGE,
        metadata={"description": "First local day (default: 30 days ago)"},
    )
    to = fields.Date(
        validate=DAY_IN_RANGE,
        metadata={"description": "Last local day, included (default: today)"},
    )


class StatsArgs(PeriodArgs):
    place_id = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "This place and everything inside it"},
    )
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


class StatsOut(OutSchema):
    place = fields.Dict(allow_none=True)
    period = fields.Dict(required=True)
    listings_posted = fields.Dict(required=True, metadata={"description": "{side: {kind: count}}"})
    requests_met = fields.Integer(required=True)
    median_hours_to_meet = fields.Float(allow_none=True)
    reservations_completed = fields.Dict(
        required=True, metadata={"description": "{give|lend|skill|donation: count}"}
    )
    no_show_rate = fields.Float(allow_none=True)
    skill_service_hours = fields.Float(required=True)
    points_earned = fields.Integer(required=True)
    points_redeemed = fields.Integer(required=True)
    top_categories = fields.List(fields.Dict(), required=True)
    most_active_grids = fields.List(fields.Dict(), required=True)


class ImpactMonthOut(OutSchema):
    month = fields.String(required=True)
    donations_listed = fields.Integer(required=True)
    units_listed = fields.Integer(required=True)
    units_claimed = fields.Integer(required=True)
    units_handed_over = fields.Integer(required=True)
    residents_served = fields.Integer(required=True)


class ImpactOut(OutSchema):
    organisation = fields.Dict(required=True)
    period = fields.Dict(required=True)
    months = fields.List(fields.Nested(ImpactMonthOut), required=True)
    totals = fields.Dict(required=True)
