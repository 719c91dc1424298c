"""Inbox responses."""

from __future__ import annotations

from marshmallow import fields

from marketplace.notifications.messages import render
from marketplace.schemas import OutSchema, PageArgs


class NotificationOut(OutSchema):
    id = fields.Integer(required=True)
    kind = fields.String(
        required=True, metadata={"description": "Stable slug, e.g. listing_approved"}
    )
    payload = fields.Dict(required=True)
    message = fields.Function(lambda n: render(n.kind, n.payload), metadata={"type": "string"})
    created_at = fields.AwareDateTime(required=True)
    read_at = fields.AwareDateTime(allow_none=True)


class InboxArgs(PageArgs):
    unread = fields.Boolean(load_default=False, metadata={"description": "Only unread ones"})


class InboxOut(OutSchema):
    items = fields.List(fields.Nested(NotificationOut), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    unread_count = fields.Integer(required=True)


class MarkedOut(OutSchema):
    marked = fields.Integer(required=True)
