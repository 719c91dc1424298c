"""Marshmallow fields and schemas shared by every domain: normalised text, phone numbers, pages."""

from __future__ import annotations

import functools
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from marketplace.text import (
    MAINLAND_MOBILE,
    normalise_email,
    normalise_line,
    normalise_phone,
    normalise_text,
)


class Line(fields.String):
    """One line of user text: NFKC, control characters removed, spaces collapsed, trimmed."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return normalise_line(super()._deserialize(value, attr, data, **kwargs))


class Text(fields.String):
    """Multi-line user text, normalised like ``Line`` but keeping line breaks."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return normalise_text(super()._deserialize(value, attr, data, **kwargs))


class EmailAddress(fields.Email):
    """An e-mail address, compared case-insensitively, so stored lower-cased."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validate", validate.Length(max=254))
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, str):
            value = normalise_email(value)
        return super()._deserialize(value, attr, data, **kwargs)


class MobileNumber(fields.String):
    """A mainland China mobile number (1[3-9] and nine digits); +86, spaces and dashes tolerated."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "validate",
            validate.Regexp(
                MAINLAND_MOBILE, error="Enter a mainland mobile number, e.g. 13912345678."
            ),
        )
        kwargs.setdefault("metadata", {"example": "13912345678"})
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return normalise_phone(super()._deserialize(value, attr, data, **kwargs))


# Ids are 32-bit integers on PostgreSQL; anything outside that range cannot name a row.
MAX_ID = 2**31 - 1


def id_field(**kwargs: Any) -> fields.Integer:
    """A reference to a row by id: a positive 32-bit integer."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


@functools.cache
def _indexable(kind: type) -> bool:
    return hasattr(kind, "__getitem__")


class OutSchema(ma.Schema):
    """Base of response schemas: reads each field as a plain attribute of the object, without
    marshmallow's general lookup, which tries ``obj[name]`` first and splits dotted names (kept
    for mappings and other indexable objects). A page of search hits reads thousands of fields
    per request."""

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if _indexable(type(obj)) or "." in attr:
            return super().get_attribute(obj, attr, default)
        return getattr(obj, attr, default)


class PageArgs(ma.Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


def page_of(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """An output schema ``{items, total, page, per_page}`` for a page of ``item_schema``."""
    return OutSchema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "total": fields.Integer(required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
        },
        name=name,
    )
