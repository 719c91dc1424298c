"""Request and response bodies of claims and reservations."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from marketplace.accounts.auth import acting_user
from marketplace.reservations.models import STATUSES
from marketplace.schemas import Line, OutSchema, PageArgs, id_field


class ClaimIn(ma.Schema):
    # Strict: 2.9 or "3" is a mistake to point out, not a number to round.
    quantity = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=10_000),
        metadata={"description": "Units of a donation or item; places in a skill slot (default 1)"},
    )
    slot_id = id_field(strict=True, metadata={"description": "Skills: the slot to book"})
    pickup_window_id = id_field(
        strict=True, metadata={"description": "Donations: the window to collect in"}
    )
    starts_on = fields.Date(metadata={"description": "Loans: first day (local date)"})
    ends_on = fields.Date(metadata={"description": "Loans: last day, included"})
    request_id = id_field(
        strict=True, metadata={"description": "Your own request that this claim fulfils"}
    )
    note = Line(load_default="", validate=validate.Length(max=500))
    waitlist = fields.Boolean(
        load_default=False,
        metadata={"description": "Join the waitlist when sold out or the slot is full"},
    )


class NoFieldsIn(ma.Schema):
    """The body of a transition that takes nothing: none, or ``{}``; any field is 422 and
    malformed JSON 400, rather than ignored."""


class CancelIn(ma.Schema):
    reason = Line(load_default="", validate=validate.Length(max=500))


class DeclineIn(ma.Schema):
    reason = Line(required=True, validate=validate.Length(min=1, max=500))


class PickupIn(ma.Schema):
    code = fields.String(
        required=True,
        # ASCII digits only: Python's "\d" lets full-width digits through (and compare_digest
        # refuses non-ASCII text with a TypeError), its "$" a trailing newline (hence the length).
        validate=[
            validate.Length(equal=6, error="The pick-up code has six digits."),
            validate.Regexp(r"^[0-9]{6}$", error="The pick-up code has the digits 0-9 only."),
        ],
        metadata={"description": "The claimant's six-digit pick-up code"},
    )


class ReservationListArgs(PageArgs):
    role = fields.String(
        validate=validate.OneOf(("claimant", "owner")),
        metadata={
            "description": "claimant: my claims; owner: claims of my (organisation's) listings"
        },
    )
    status = fields.String(validate=validate.OneOf(STATUSES))


class ListingRefOut(OutSchema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True)
    mode = fields.String(allow_none=True)
    owner_id = fields.Integer(required=True)


class EventOut(OutSchema):
    action = fields.String(required=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(required=True)
    actor_id = fields.Integer(allow_none=True, metadata={"description": "null: the platform"})
    at = fields.AwareDateTime(required=True)
    note = fields.String(required=True)


class ReservationOut(OutSchema):
    id = fields.Integer(required=True)
    listing = fields.Nested(ListingRefOut, required=True)
    claimant_id = fields.Integer(required=True)
    claimant_name = fields.Function(lambda r: r.claimant.display_name, metadata={"type": "string"})
    request_id = fields.Integer(allow_none=True)
    status = fields.String(required=True)
    quantity = fields.Integer(required=True)
    slot_id = fields.Integer(allow_none=True)
    pickup_window_id = fields.Integer(allow_none=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    note = fields.String(required=True)
    pickup_code = fields.Method(
        "code_for_claimant",
        allow_none=True,
        metadata={
            "type": "string",
            "description": "Shown to the claimant only; the owner asks for it",
        },
    )
    hold_expires_at = fields.AwareDateTime(allow_none=True)
    overdue = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)
    confirmed_at = fields.AwareDateTime(allow_none=True)
    picked_up_at = fields.AwareDateTime(allow_none=True)
    returned_at = fields.AwareDateTime(allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    close_reason = fields.String(required=True)
    events = fields.List(fields.Nested(EventOut), required=True)

    def code_for_claimant(self, reservation: Any) -> str | None:
        return reservation.pickup_code if reservation.is_claimant(acting_user()) else None
