"""Request and response bodies of /listings. Per-field checks live here; rules that depend on
the side and kind of a listing (which fields belong to it) live in ``rules.py``."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user
from marshmallow import fields, validate

from marketplace.listings.models import (
    CATEGORIES,
    KINDS,
    MODERATION_STATES,
    MODES,
    SIDES,
    STATUSES,
    URGENCIES,
)
from marketplace.listings.services import availability
from marketplace.schemas import MAX_ID, Line, OutSchema, PageArgs, Text, id_field

MAX_QUANTITY = 10_000


def _aware(**kwargs: Any) -> fields.AwareDateTime:
    kwargs.setdefault(
        "metadata", {"description": "ISO 8601 with a time zone, e.g. 2026-12-01T09:00:00+08:00"}
    )
    return fields.AwareDateTime(**kwargs)


class TagsField(fields.List):
    """1 to 10 tags of up to 20 characters, normalised; duplicates (ignoring case) dropped."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            Line(validate=validate.Length(min=1, max=20)),
            validate=validate.Length(min=1, max=10),
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        tags = super()._deserialize(value, attr, data, **kwargs)
        unique: dict[str, str] = {}
        for tag in tags:
            unique.setdefault(tag.casefold(), tag)
        return list(unique.values())


def _photo_urls(**kwargs: Any) -> fields.List:
    return fields.List(
        fields.Url(schemes={"https"}, validate=validate.Length(max=500)),
        validate=validate.Length(max=9),
        **kwargs,
    )


class SlotIn(ma.Schema):
    id = id_field(metadata={"description": "Keep (and change) this existing slot when editing"})
    starts_at = _aware(required=True)
    ends_at = _aware(required=True)
    capacity = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=100))


class PickupWindowIn(ma.Schema):
    id = id_field(metadata={"description": "Keep (and change) this existing window when editing"})
    starts_at = _aware(required=True)
    ends_at = _aware(required=True)
    place_id = id_field(required=True)


class ListingFieldsMixin(ma.Schema):
    """Fields that can be given at creation and changed later."""

    title = Line(validate=validate.Length(min=2, max=60))
    description = Text(validate=validate.Length(max=2000))
    category = fields.String(validate=validate.OneOf(tuple(CATEGORIES)))
    tags = TagsField()
    place_id = id_field()
    photo_urls = _photo_urls()
    expires_at = _aware()
    quantity = fields.Integer(
        allow_none=True, strict=True, validate=validate.Range(min=1, max=MAX_QUANTITY)
    )
    per_person_limit = fields.Integer(
        allow_none=True, strict=True, validate=validate.Range(min=1, max=MAX_QUANTITY)
    )
    max_lend_days = fields.Integer(
        allow_none=True, strict=True, validate=validate.Range(min=1, max=365)
    )
    auto_confirm = fields.Boolean()
    slots = fields.List(fields.Nested(SlotIn), validate=validate.Length(max=50))
    pickup_windows = fields.List(fields.Nested(PickupWindowIn), validate=validate.Length(max=20))
    needed_by = _aware(allow_none=True)
    urgency = fields.String(validate=validate.OneOf(URGENCIES))
    quantity_wanted = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_QUANTITY))


class ListingIn(ListingFieldsMixin):
    side = fields.String(required=True, validate=validate.OneOf(SIDES))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    mode = fields.String(validate=validate.OneOf(MODES))

    title = Line(required=True, validate=validate.Length(min=2, max=60))
    category = fields.String(required=True, validate=validate.OneOf(tuple(CATEGORIES)))
    tags = TagsField(required=True)
    place_id = id_field(required=True)


class ListingPatch(ListingFieldsMixin):
    version = fields.Integer(
        required=True,
        validate=validate.Range(min=1),
        metadata={
            "description": "The version the edit is based on; a stale one is 409 stale_version"
        },
    )


class RenewIn(ma.Schema):
    days = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1, max=90)
    )


class PlaceRefOut(OutSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    path = fields.String(required=True)


class OwnerOut(OutSchema):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)


class OrganisationRefOut(OutSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    verified = fields.Boolean(required=True)


class SlotOut(OutSchema):
    id = fields.Integer(required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    capacity = fields.Integer(required=True)


class PickupWindowOut(OutSchema):
    id = fields.Integer(required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    place = fields.Nested(PlaceRefOut, required=True)


class PeriodOut(OutSchema):
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)


class SlotFreeOut(OutSchema):
    id = fields.Integer(required=True)
    free = fields.Integer(required=True)


class AvailabilityOut(OutSchema):
    units_left = fields.Integer(
        allow_none=True, metadata={"description": "Donations and items given away"}
    )
    slots = fields.List(fields.Nested(SlotFreeOut), required=True)
    booked_periods = fields.List(
        fields.Nested(PeriodOut),
        required=True,
        metadata={"description": "Loans: days already promised"},
    )


AVAILABILITY_OUT = AvailabilityOut()


class ListingOut(OutSchema):
    id = fields.Integer(required=True)
    side = fields.String(required=True)
    kind = fields.String(required=True)
    mode = fields.String(allow_none=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    category = fields.String(required=True)
    category_label = fields.Function(
        lambda listing: CATEGORIES.get(listing.category, ""), metadata={"type": "string"}
    )
    tags = fields.List(fields.String(), required=True)
    photo_urls = fields.List(fields.String(), required=True)
    place = fields.Nested(PlaceRefOut, required=True)
    owner = fields.Nested(OwnerOut, required=True)
    organisation = fields.Nested(OrganisationRefOut, allow_none=True)
    status = fields.String(required=True)
    moderation = fields.String(required=True)
    is_public = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    expires_at = fields.AwareDateTime(required=True)
    version = fields.Integer(required=True)
    quantity = fields.Integer(allow_none=True)
    per_person_limit = fields.Integer(allow_none=True)
    max_lend_days = fields.Integer(allow_none=True)
    auto_confirm = fields.Boolean(required=True)
    slots = fields.List(fields.Nested(SlotOut), required=True)
    pickup_windows = fields.List(fields.Nested(PickupWindowOut), required=True)
    needed_by = fields.AwareDateTime(allow_none=True)
    urgency = fields.String(allow_none=True)
    quantity_wanted = fields.Integer(allow_none=True)
    availability = fields.Function(
        lambda listing: AVAILABILITY_OUT.dump(availability(listing)),
        metadata={"type": "object", "description": "What is left to claim"},
    )
    snippet = fields.String(
        allow_none=True,
        metadata={
            "description": "Search hits: an excerpt, matches in <mark>, the rest HTML-escaped"
        },
    )
    moderation_reason = fields.Method(
        "reason_for_caller",
        allow_none=True,
        metadata={
            "type": "string",
            "description": "Why it is in its moderation state (owner and staff only; null when"
            " no reason was given)",
        },
    )

    def reason_for_caller(self, listing: Any) -> str | None:
        reason = listing.moderation_reason
        if not reason:  # most listings: no need to find out who is asking
            return None
        caller = current_user._get_current_object()  # once, not per attribute read
        if listing.is_managed_by(caller) or caller.is_staff:
            return reason
        return None


class BrowseArgs(PageArgs):
    q = Line(
        validate=validate.Length(max=100),
        metadata={"description": "Words to search for; empty browses without searching"},
    )
    side = fields.String(validate=validate.OneOf(SIDES))
    kind = fields.String(validate=validate.OneOf(KINDS))
    category = fields.String(validate=validate.OneOf(tuple(CATEGORIES)))
    # Not id_field(): query strings are text, which a strict integer field refuses.
    place_id = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "This place and everything inside it"},
    )
    available = fields.Boolean(
        metadata={"description": "true: only listings with something left to claim"}
    )
    sort = fields.String(
        validate=validate.OneOf(("relevance", "newest", "ending_soon")),
        metadata={"description": "Default: relevance with q, newest without"},
    )
    owner = fields.String(
        validate=validate.OneOf(("me",)),
        metadata={
            "description": "me: the caller's own (and their organisation's) listings in any state"
        },
    )
    status = fields.String(
        validate=validate.OneOf(STATUSES), metadata={"description": "owner=me or staff only"}
    )
    moderation = fields.String(
        validate=validate.OneOf(MODERATION_STATES),
        metadata={"description": "owner=me or staff only"},
    )


class ListingPageOut(OutSchema):
    items = fields.List(fields.Nested(ListingOut), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    facets = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Integer()),
        allow_none=True,
        metadata={"description": "With q: {category: {slug: count}, kind: {kind: count}}"},
    )
    degraded = fields.Boolean(
        required=True,
        metadata={
            "description": "true: answered by the database because the index was unavailable"
        },
    )
