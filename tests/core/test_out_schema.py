"""``OutSchema`` dumps exactly what marshmallow's own ``Schema`` dumps, only faster."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import marshmallow as ma
import pytest
from marshmallow import fields

from marketplace.schemas import OutSchema


class Shouting(fields.String):
    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else str(value).upper()


@dataclass
class Inner:
    name: Any = "内层"


@dataclass
class Thing:
    text: Any = "清溪"
    number: Any = 7
    flag: Any = True
    raw: Any = field(default_factory=lambda: {"a": 1})
    shout: Any = "hi"
    as_text: Any = 12
    when: Any = field(default_factory=lambda: datetime(2026, 11, 29, 8, 30, tzinfo=UTC))
    day: Any = date(2026, 11, 29)
    at: Any = field(default_factory=lambda: datetime(2026, 11, 29, 8, 30, 15, 250, tzinfo=UTC))
    at_timestamp: Any = field(default_factory=lambda: datetime(2026, 11, 29, 8, 30, tzinfo=UTC))
    at_rfc: Any = field(default_factory=lambda: datetime(2026, 11, 29, 8, 30, tzinfo=UTC))
    at_written: Any = field(default_factory=lambda: datetime(2026, 11, 29, 8, 30, tzinfo=UTC))
    day_written: Any = date(2026, 11, 29)
    renamed_source: Any = "from another attribute"
    inner: Any = field(default_factory=Inner)
    inners: Any = field(default_factory=lambda: [Inner("一"), Inner("二")])
    tags: Any = field(default_factory=lambda: ["a", "b"])
    hooked: Any = field(default_factory=Inner)
    inners_at_once: Any = field(default_factory=lambda: [Inner("三"), Inner("四")])
    hooked_list: Any = field(default_factory=lambda: [Inner("五")])


def schema_pair() -> tuple[ma.Schema, ma.Schema]:
    """The same fields on marshmallow's Schema and on OutSchema."""

    def declared(base: type[ma.Schema]) -> ma.Schema:
        inner = base.from_dict({"name": fields.String()}, name=f"Inner{base.__name__}")

        class Hooked(base):  # type: ignore[misc,valid-type]
            name = fields.String()

            @ma.post_dump
            def mark(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
                return {**data, "hooked": True}

        return base.from_dict(
            {
                "text": fields.String(),
                "number": fields.Integer(),
                "flag": fields.Boolean(),
                "raw": fields.Raw(),
                "shout": Shouting(),
                "as_text": fields.Integer(as_string=True),
                "when": fields.AwareDateTime(),
                "day": fields.Date(),
                "at": fields.DateTime(),
                "at_timestamp": fields.DateTime(format="timestamp"),
                "at_rfc": fields.DateTime(format="rfc"),
                "at_written": fields.DateTime(format="%Y年%m月%d日 %H:%M"),
                "day_written": fields.Date(format="%d/%m/%Y"),
                "renamed": fields.String(attribute="renamed_source", data_key="called"),
                "dotted": fields.String(attribute="inner.name"),
                "absent": fields.String(dump_default="default"),
                "absent_no_default": fields.Integer(),
                "inner": fields.Nested(inner),
                "inners": fields.List(fields.Nested(inner)),
                "inners_at_once": fields.Nested(inner, many=True),
                "hooked": fields.Nested(Hooked),
                "hooked_list": fields.List(fields.Nested(Hooked)),
                "tags": fields.List(fields.String()),
                "computed": fields.Function(lambda thing: f"{ma.utils.get_value(thing, 'text')}!"),
                "method": fields.Method("describe"),
            },
            name=f"Thing{base.__name__}",
        )

    class Plain(ma.Schema):
        def describe(self, thing: Any) -> str:
            return f"number {ma.utils.get_value(thing, 'number')}"

    class Fast(OutSchema):
        def describe(self, thing: Any) -> str:
            return f"number {ma.utils.get_value(thing, 'number')}"

    return declared(Plain)(), declared(Fast)()


@pytest.mark.parametrize(
    "thing",
    [
        Thing(),
        Thing(text=None, number=None, flag=None, raw=None, when=None, inner=None, inners=None),
        Thing(day=None, at=None, at_timestamp=None, at_rfc=None, at_written=None, day_written=None),
        Thing(inners=[Inner(), None], hooked=None, tags=None, inners_at_once=None),
        # values the fields must convert: not copied as they are
        Thing(text=5, number=True, as_text=3, shout="quiet"),
        Thing(number=Decimal("4"), text=b"bytes"),
        Thing(number=2.0, flag="yes", tags=[1, None]),
    ],
    ids=[
        "plain",
        "nones",
        "no-times",
        "none-items",
        "converted",
        "decimal-and-bytes",
        "float-and-list",
    ],
)
def test_out_schema_dumps_what_marshmallow_dumps(thing):
    plain, fast = schema_pair()

    expected = plain.dump(thing)

    dumped = fast.dump(thing)
    assert dumped == expected
    # 1 == True and 2 == 2.0: the types must match too, and the order of the keys
    assert [(key, type(value)) for key, value in dumped.items()] == [
        (key, type(value)) for key, value in expected.items()
    ]


def test_out_schema_dumps_mappings_and_many_as_marshmallow_does():
    plain, fast = schema_pair()
    mapping = {
        "text": "字典",
        "number": 3,
        "flag": None,
        "inner": {"name": "键"},
        "inners": [{"name": "一"}, Inner("二")],
        "renamed_source": "x",
        "inner.name": "a key with a dot is not what a dotted attribute reads",
        "tags": ("a", 1),
    }

    assert fast.dump(mapping) == plain.dump(mapping)
    assert fast.dump(mapping)["dotted"] == "键"
    # a key missing from a dict falls back to an attribute of that name, as in marshmallow
    keyless = {"text": "x"}
    assert fast.dump(keyless) == plain.dump(keyless)
    assert fast.dump([Thing(), Thing(number=9)], many=True) == plain.dump(
        [Thing(), Thing(number=9)], many=True
    )


def test_missing_attribute_takes_the_default_or_is_left_out():
    _plain, fast = schema_pair()

    dumped = fast.dump(Thing())

    assert dumped["absent"] == "default"
    assert "absent_no_default" not in dumped
    assert dumped["called"] == "from another attribute"
    assert dumped["dotted"] == "内层"
    assert dumped["shout"] == "HI"
    assert dumped["as_text"] == "12"
    assert dumped["hooked"] == {"name": "内层", "hooked": True}
    assert dumped["inners_at_once"] == [{"name": "三"}, {"name": "四"}]
    assert dumped["hooked_list"] == [{"name": "五", "hooked": True}]


def test_attributes_that_are_not_python_names_and_missing_values_dump_as_marshmallow_does():
    def declared(base: type[ma.Schema]) -> type[ma.Schema]:
        return base.from_dict(
            {
                "kind": fields.String(attribute="class"),
                "odd": fields.Integer(attribute="odd-name"),
                "flag": fields.Boolean(dump_default=False),
                "when": fields.AwareDateTime(dump_default=datetime(2026, 1, 1, tzinfo=UTC)),
                "text": fields.String(dump_default="default"),
            },
            name=f"Odd{base.__name__}",
        )

    class Odd:
        def __init__(self, **values: Any) -> None:
            for name, value in values.items():
                setattr(self, name, value)

    plain, fast = declared(ma.Schema)(), declared(OutSchema)()
    things = [
        Odd(**{"class": "skill", "odd-name": 3, "flag": True, "when": None, "text": "有"}),
        Odd(**{"class": "skill", "odd-name": 3, "flag": ma.missing, "when": None, "text": "x"}),
        Odd(**{"class": 5, "odd-name": "4", "flag": 1, "when": ma.missing, "text": ma.missing}),
        Odd(**{"odd-name": 3}),
    ]

    for thing in things:
        assert fast.dump(thing) == plain.dump(thing)
    assert fast.dump(things[1])["flag"] is False
    assert fast.dump(things[2])["text"] == "default"
    assert fast.dump(things[2])["kind"] == "5"
