"""Request and response bodies of /places."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from marketplace.places.models import PLACE_KINDS
from marketplace.schemas import Line, OutSchema, id_field

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def validate_opening_hours(hours: dict[str, Any]) -> None:
    """``{"mon": [["08:00", "12:00"], ["14:00", "17:30"]]}``: local times, ordered, disjoint."""
    for day, intervals in hours.items():
        if day not in WEEKDAYS:
            raise ma.ValidationError(f"Unknown day {day!r}; use {', '.join(WEEKDAYS)}.")
        if not isinstance(intervals, list) or len(intervals) > 6:
            raise ma.ValidationError(f"{day}: give a list of at most 6 [start, end] pairs.")
        previous_end = ""
        for interval in intervals:
            if (
                not isinstance(interval, list)
                or len(interval) != 2
                or not all(isinstance(t, str) and _CLOCK_TIME.match(t) for t in interval)
            ):
                raise ma.ValidationError(f'{day}: each interval is ["HH:MM", "HH:MM"].')
            start, end = interval
            if start >= end or start < previous_end:
                raise ma.ValidationError(
                    f"{day}: intervals must be ordered, non-empty and not overlap."
                )
            previous_end = end


def opening_hours_field() -> fields.Dict:
    return fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.List(fields.String())),
        allow_none=True,
        validate=validate_opening_hours,
        metadata={"example": {"mon": [["08:00", "17:00"]]}},
    )


class PlaceIn(ma.Schema):
    parent_id = id_field(load_default=None, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(PLACE_KINDS))
    name = Line(required=True, validate=validate.Length(min=1, max=60))
    description = Line(load_default="", validate=validate.Length(max=500))
    opening_hours = opening_hours_field()
    latitude = fields.Float(allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(min=-180, max=180))


class PlacePatch(ma.Schema):
    parent_id = id_field()
    name = Line(validate=validate.Length(min=1, max=60))
    description = Line(validate=validate.Length(max=500))
    opening_hours = opening_hours_field()
    latitude = fields.Float(allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(min=-180, max=180))


class PlaceOut(OutSchema):
    id = fields.Integer(required=True)
    parent_id = fields.Integer(allow_none=True)
    kind = fields.String(required=True)
    name = fields.String(required=True)
    path = fields.String(required=True, metadata={"description": "Ids from the root, e.g. /1/4/9/"})
    depth = fields.Integer(required=True)
    description = fields.String(required=True)
    opening_hours = fields.Dict(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)


class PlaceNodeOut(PlaceOut):
    children = fields.List(fields.Nested(lambda: PlaceNodeOut()), required=True)


class PlaceListArgs(ma.Schema):
    tree = fields.Boolean(load_default=False, metadata={"description": "Nested form from the root"})
    kind = fields.String(validate=validate.OneOf(PLACE_KINDS))
