"""Marshmallow fields and schemas shared by every domain: normalised text, phone numbers, pages."""

from __future__ import annotations

import functools
import keyword
from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate
from marshmallow.decorators import POST_DUMP, PRE_DUMP

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


class _AnyType:
    def __contains__(self, kind: object) -> bool:
        return True


# The types of value that a field's own ``_serialize`` hands back unchanged, by field type: the
# dump copies such values without calling into the field.
_COPIED: dict[type[fields.Field], Container[type]] = {
    fields.String: frozenset({str, type(None)}),
    fields.Integer: frozenset({int, type(None)}),
    fields.Boolean: _AnyType(),
    fields.Raw: _AnyType(),
}


def _copied_types(field: fields.Field) -> Container[type]:
    """The types of value ``field`` passes through untouched; none for a subclass with its own
    formatting, or for numbers dumped as strings."""
    for kind, copied in _COPIED.items():
        if isinstance(field, kind) and type(field)._serialize is kind._serialize:
            if isinstance(field, fields.Number) and (
                field.as_string or type(field)._format_num is not kind._format_num
            ):
                return frozenset()
            return copied
    return frozenset()


@dataclass(frozen=True, slots=True)
class _FieldDump:
    name: str
    key: str
    attribute: str
    dotted: bool
    field: fields.Field
    reads_attribute: bool
    copied: Container[type]
    convert: Callable[[Any, str, Any], Any]


_ABSENT = object()


def _read_key(mapping: dict[str, Any], key: str, default: Any) -> Any:
    """What marshmallow reads of a dict: the key, or else an attribute of that name."""
    value = mapping.get(key, _ABSENT)
    return getattr(mapping, key, default) if value is _ABSENT else value


class OutSchema(ma.Schema):
    """Base of response schemas, with a faster dump than marshmallow's general one, with the
    same output. A page of search hits dumps hundreds of fields per request.

    An object is dumped by a function written for the schema (``_object_dump``) that reads
    every attribute directly and copies plain strings, integers and booleans without a call
    into their field. A dict is read key by key (``_serialize_fields``; a missing key falls
    back to an attribute of that name), as is an object that lacks an attribute (defaults then
    apply). Other mappings and indexable objects take marshmallow's own path."""

    def _serialize(self, obj: Any, *, many: bool = False) -> Any:
        if many and obj is not None:
            return [self._serialize(item) for item in obj]
        kind = type(obj)
        if kind is dict:
            return self._serialize_fields(obj, _read_key)
        if _indexable(kind):
            return super()._serialize(obj)
        dump = self.__dict__.get("_object_dump")
        if dump is None:
            dump = self.__dict__["_object_dump"] = _object_dump(self, self._dump_plan())
        result = dump(obj)
        return self._serialize_fields(obj, getattr) if result is None else result

    def _serialize_fields(self, obj: Any, read: Callable[[Any, str, Any], Any]) -> Any:
        """The dump one field at a time: each read once, as an attribute or a dict key, where
        marshmallow tries ``obj[name]`` first, catches the error and splits dotted names."""
        result = self.dict_class()
        for part in self._dump_plan():
            if _computes(part):
                value = self._computed(part, obj)
            else:
                value = read(obj, part.attribute, ma.missing)
                if value is ma.missing:
                    value = part.field.serialize(part.name, obj, accessor=self.get_attribute)
                elif type(value) not in part.copied:
                    value = part.convert(value, part.name, obj)
            if value is not ma.missing:
                result[part.key] = value
        return result

    def _computed(self, part: _FieldDump, obj: Any) -> Any:
        """A field that computes its value (Function, Method) or reads a dotted attribute."""
        if not part.reads_attribute:
            return part.field._serialize(None, part.name, obj)
        return part.field.serialize(part.name, obj, accessor=self.get_attribute)

    def _dump_plan(self) -> list[_FieldDump]:
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self.__dict__["_plan"] = [
                _FieldDump(
                    name=name,
                    key=field.data_key if field.data_key is not None else name,
                    attribute=field.attribute or name,
                    dotted="." in (field.attribute or name),
                    field=field,
                    reads_attribute=field._CHECK_ATTRIBUTE,
                    copied=_copied_types(field),
                    convert=_converter(field),
                )
                for name, field in self.dump_fields.items()
            ]
        return plan

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if _indexable(type(obj)) or "." in attr:
            return super().get_attribute(obj, attr, default)
        return getattr(obj, attr, default)


def _computes(part: _FieldDump) -> bool:
    return not part.reads_attribute or part.dotted


def _object_dump(schema: OutSchema, plan: list[_FieldDump]) -> Callable[[Any], Any]:
    """A function that dumps an object as ``schema`` does, or returns None when the object
    lacks an attribute (or holds ``missing``), for the field-by-field path to apply defaults.

    Written out field by field and compiled, as ``dataclasses`` writes ``__init__``: reading
    ``obj.title`` and testing ``type(value)`` inline costs a fraction of a generic loop's
    lookups of what each field needs, and most of a response is such fields."""
    namespace: dict[str, Any] = {"MISSING": ma.missing}
    reads: list[str] = []
    steps: list[str] = []
    for position, part in enumerate(plan):
        value = f"value_{position}"
        if _computes(part):
            namespace[f"compute_{position}"] = _computation(schema, part)
            steps.append(f"{value} = compute_{position}(obj)")
            continue
        if part.attribute.isidentifier() and not keyword.iskeyword(part.attribute):
            reads.append(f"{value} = obj.{part.attribute}")
        else:
            reads.append(f"{value} = getattr(obj, {part.attribute!r})")
        namespace[f"convert_{position}"] = part.convert
        conversion = f"{value} = convert_{position}({value}, {part.name!r}, obj)"
        if isinstance(part.copied, _AnyType):
            steps.append(f"if {value} is MISSING: return None")
        elif part.copied:
            namespace[f"copied_{position}"] = part.copied
            steps += [
                f"if type({value}) not in copied_{position}:",
                f"    if {value} is MISSING: return None",
                f"    {conversion}",
            ]
        else:
            steps += [f"if {value} is MISSING: return None", conversion]
    entries = ", ".join(f"{part.key!r}: value_{position}" for position, part in enumerate(plan))
    steps.append(f"result = {{{entries}}}")
    for position, part in enumerate(plan):
        if _computes(part):
            steps.append(f"if value_{position} is MISSING: del result[{part.key!r}]")
    lines = ["def dump(obj):"]
    if reads:
        lines += ["    try:", *(f"        {read}" for read in reads)]
        lines += ["    except AttributeError:", "        return None"]
    lines += [f"    {step}" for step in steps]
    lines.append("    return result")
    exec("\n".join(lines), namespace)  # the source holds field names and keys, as reprs
    return namespace["dump"]


def _computation(schema: OutSchema, part: _FieldDump) -> Callable[[Any], Any]:
    """What computes a field's value from the object: a Function field's function or a Method
    field's method itself, which is all their ``_serialize`` calls."""
    field = part.field
    if type(field) is fields.Function and field.serialize_func:
        return field.serialize_func
    if type(field) is fields.Method and field._serialize_method is not None:
        return field._serialize_method
    return functools.partial(schema._computed, part)


def _converter(field: fields.Field) -> Callable[[Any, str, Any], Any]:
    """What turns a value read for ``field`` into output: the field's own ``_serialize``, except
    that nested response schemas without dump hooks, and lists of them or of copied values,
    go straight to the fast dump (marshmallow's path calls ``Schema.dump`` per object)."""
    if type(field) is fields.Nested:
        schema = field.schema
        if isinstance(schema, OutSchema) and not (
            schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP]
        ):
            return _nested_dump(schema._serialize, bool(schema.many or field.many))
    elif type(field) is fields.List:
        return _list_dump(_converter(field.inner), _copied_types(field.inner))
    elif type(field)._serialize is _TEMPORAL_SERIALIZE:
        format_value = field.SERIALIZATION_FUNCS.get(field.format or field.DEFAULT_FORMAT)
        if format_value is not None:
            return _temporal_dump(format_value)
    return field._serialize


# Dates, times and datetimes (with or without time zone) share this ``_serialize``, which
# looks the format up on every call; a page of listings dumps a few dozen timestamps.
_TEMPORAL_SERIALIZE = fields.DateTime._serialize


def _temporal_dump(format_value: Callable[[Any], Any]) -> Callable[[Any, str, Any], Any]:
    def dump(value: Any, attr: str, obj: Any) -> Any:
        return None if value is None else format_value(value)

    return dump


def _nested_dump(serialize: Callable[..., Any], many: bool) -> Callable[[Any, str, Any], Any]:
    def dump(value: Any, attr: str, obj: Any) -> Any:
        return None if value is None else serialize(value, many=many)

    return dump


def _list_dump(
    convert: Callable[[Any, str, Any], Any], copied: Container[type]
) -> Callable[[Any, str, Any], Any]:
    def dump(value: Any, attr: str, obj: Any) -> Any:
        if value is None:
            return None
        return [item if type(item) in copied else convert(item, attr, obj) for item in value]

    return dump


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
