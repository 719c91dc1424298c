"""Request and response bodies of /auth, /users and /organisations."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from marketplace.accounts.models import ORGANISATION_KINDS, ROLES, USER_STATUSES
from marketplace.schemas import EmailAddress, Line, MobileNumber, OutSchema, PageArgs, id_field


def password_field() -> fields.String:
    return fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=128))


class RegisterIn(ma.Schema):
    email = EmailAddress(load_default=None, allow_none=True)
    phone = MobileNumber(load_default=None, allow_none=True)
    password = password_field()
    display_name = Line(required=True, validate=validate.Length(min=1, max=40))
    organisation_name = Line(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=2, max=100),
        metadata={"description": "Registers a merchant and creates this organisation."},
    )
    organisation_kind = fields.String(
        load_default="merchant", validate=validate.OneOf(ORGANISATION_KINDS)
    )
    home_place_id = id_field(load_default=None, allow_none=True)

    @ma.validates_schema
    def needs_email_or_phone(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not data.get("email") and not data.get("phone"):
            raise ma.ValidationError("Give an e-mail address or a mobile number.", "email")


class LoginIn(ma.Schema):
    login = Line(
        required=True,
        validate=validate.Length(min=1, max=254),
        metadata={"description": "E-mail address or mainland mobile number"},
    )
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=128)
    )


class PasswordChangeIn(ma.Schema):
    current_password = fields.String(
        required=True, load_only=True, validate=validate.Length(max=128)
    )
    new_password = password_field()


class ProfileIn(ma.Schema):
    display_name = Line(validate=validate.Length(min=1, max=40))
    home_place_id = id_field(allow_none=True)
    match_alerts = fields.Boolean(
        metadata={"description": "Tell me about new listings that match mine"}
    )


class OrganisationOut(OutSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    verified = fields.Boolean(required=True)


class ReliabilityOut(OutSchema):
    completed_exchanges = fields.Integer(required=True)
    no_shows = fields.Integer(required=True)
    late_returns = fields.Integer(required=True)


class UserOut(OutSchema):
    """A user as they see themselves, and as staff see them."""

    id = fields.Integer(required=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)
    status = fields.String(required=True)
    organisation = fields.Nested(OrganisationOut, allow_none=True)
    home_place_id = id_field(allow_none=True)
    match_alerts = fields.Boolean(required=True)
    points_balance = fields.Integer(required=True)
    points_earned = fields.Integer(required=True)
    reliability = fields.Function(
        lambda user: ReliabilityOut().dump(user), metadata={"type": "object"}
    )
    created_at = fields.AwareDateTime(required=True)


class PublicUserOut(OutSchema):
    """What anyone may see of a user: no contact details, and never the points ledger."""

    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)
    organisation = fields.Nested(OrganisationOut, allow_none=True)
    completed_exchanges = fields.Integer(required=True)
    points_earned = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)


class SessionOut(OutSchema):
    user = fields.Nested(UserOut, required=True)
    csrf_token = fields.String(
        allow_none=True,
        metadata={
            "description": "Send as X-CSRF-Token on state-changing requests that use the cookie"
        },
    )


class TokenIn(ma.Schema):
    name = Line(required=True, validate=validate.Length(min=1, max=60))


class TokenOut(OutSchema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    prefix = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)


class TokenCreatedOut(TokenOut):
    token = fields.String(required=True, metadata={"description": "Shown once; store it now"})


class UserListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(USER_STATUSES))
    role = fields.String(validate=validate.OneOf(ROLES))


class ReasonIn(ma.Schema):
    reason = Line(required=True, validate=validate.Length(min=1, max=500))


class RoleIn(ma.Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    organisation_id = id_field(load_default=None, allow_none=True)


class VerifyIn(ma.Schema):
    verified = fields.Boolean(required=True)
