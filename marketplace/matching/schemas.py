"""Responses of /listings/{id}/matches."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from marketplace.listings.schemas import ListingOut
from marketplace.matching.scoring import reasons_as_dicts
from marketplace.schemas import OutSchema


class MatchArgs(ma.Schema):
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))


class MatchOut(OutSchema):
    listing = fields.Nested(ListingOut, required=True)
    score = fields.Float(required=True, metadata={"description": "0 to 1, higher is better"})
    reasons = fields.Function(
        lambda match: reasons_as_dicts(match.reasons),
        metadata={
            "type": "array",
            "items": {"type": "object"},
            "description": 'Why it matches, e.g. {"code": "same_space", "place": "清溪村健康广场"}, '
            '{"code": "words", "terms": ["婴儿车"]}, {"code": "available_before_needed_by"}',
        },
    )


class MatchListOut(OutSchema):
    items = fields.List(fields.Nested(MatchOut), required=True)
