"""Accounts made by operators from the command line (coordinators, admins, demo users)."""

from __future__ import annotations

import marshmallow as ma

from marketplace.accounts import services
from marketplace.accounts.models import User
from marketplace.accounts.schemas import RegisterIn
from marketplace.errors import Invalid
from marketplace.extensions import db


def create_account(
    *,
    role: str,
    email: str | None,
    phone: str | None,
    display_name: str,
    password: str,
    organisation_name: str | None = None,
    home_place_id: int | None = None,
) -> User:
    """Validate like self-registration, then give the account its role."""
    try:
        data = RegisterIn().load(
            {
                "email": email,
                "phone": phone,
                "display_name": display_name,
                "password": password,
                "organisation_name": organisation_name,
                "home_place_id": home_place_id,
            }
        )
    except ma.ValidationError as exc:
        raise Invalid(exc.messages_dict) from exc  # type: ignore[arg-type]
    if role == "merchant" and not data["organisation_name"]:
        raise Invalid({"organisation_name": "A merchant belongs to an organisation."})
    if role != "merchant" and data["organisation_name"]:
        raise Invalid({"organisation_name": "Only merchants belong to an organisation."})
    user = services.register(services.Registration(**data))
    if role != "merchant":
        user.role = role
        db.session.commit()
    return user
