"""From HTML form fields to the input the API's schemas load, and from errors to what a page shows.

A form posts text; the API's schemas expect JSON types. These helpers only change the shape
(digits become integers, a local date and time becomes an ISO time with the service's zone,
repeated rows become lists) and leave every check to the schemas and services, so a page and the
API refuse the same input with the same messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app
from werkzeug.datastructures import MultiDict

from marketplace.errors import DomainError, Invalid, flatten_validation_messages
from marketplace.places.schemas import WEEKDAYS
from marketplace.web import labels


def parse(schema: ma.Schema, data: Mapping[str, Any]) -> dict[str, Any]:
    """Load ``data`` with an API schema; its validation errors become the API's 422 error."""
    try:
        return schema.load(data)
    except ma.ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise Invalid(flatten_validation_messages({"form": messages})) from exc


@dataclass
class FormProblem:
    """What a page shows when a form was refused: a message on top and messages per field."""

    message: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, error: DomainError) -> FormProblem:
        raw_fields = error.details.get("fields") or {}
        fields = {
            name: [labels.field_message(str(message)) for message in messages]
            for name, messages in raw_fields.items()
        }
        return cls(labels.error_message(error.code, error.message), fields)

    def __bool__(self) -> bool:
        return bool(self.message or self.fields)


def cleaned(form: MultiDict[str, str], names: Iterable[str], integers: Iterable[str] = ()) -> dict:
    """The named fields that were filled in, trimmed; digit strings of integer fields as ints."""
    integer_names = set(integers)
    values: dict[str, Any] = {}
    for name in names:
        raw = form.get(name, "")
        text = raw.strip() if isinstance(raw, str) else raw
        if text == "":
            continue
        values[name] = as_integer(text) if name in integer_names else text
    return values


def as_integer(text: str) -> int | str:
    """An integer when the text is one (ASCII digits); the text itself otherwise, so that the
    schema reports it."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else text


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["LOCAL_TIMEZONE"])


def local_moment(day: str, clock_time: str) -> str:
    """A local date and time from the form as an ISO time with the service's zone; text the
    schema will refuse when either part is not valid."""
    try:
        moment = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock_time))
    except ValueError:
        return f"{day}T{clock_time}"
    return moment.replace(tzinfo=local_zone()).isoformat()


def end_of_local_day(day: str) -> str:
    return local_moment(day, "23:59")


def tags_from_text(text: str) -> list[str]:
    """Tags typed into one box, separated by spaces, commas or the Chinese comma."""
    for separator in ("，", "、", ",", ";", "；"):
        text = text.replace(separator, " ")
    return [tag for tag in text.split() if tag]


def lines_from_text(text: str) -> list[str]:
    """One entry per line of a text box, trimmed; blank lines are ignored."""
    return [line.strip() for line in text.splitlines() if line.strip()]


_TIME_SEPARATORS = ("～", "~", "–", "—", "至", "到")
_SINGLE_DIGIT_HOUR = re.compile(r"^(\d):")


def opening_hours(
    form: MultiDict[str, str], prefix: str = "hours"
) -> dict[str, list[list[str]]] | None:
    """Opening hours typed one weekday a box (``hours-mon``: ``09:00-11:30 14:00-17:00``) as
    ``{"mon": [["09:00", "11:30"], ["14:00", "17:00"]]}``; None when every box is empty."""
    hours = {}
    for day in WEEKDAYS:
        text = form.get(f"{prefix}-{day}", "").replace("：", ":")
        for separator in _TIME_SEPARATORS:
            text = text.replace(separator, "-")
        pieces = tags_from_text(text)  # intervals are separated like tags
        if pieces:
            hours[day] = [
                [_SINGLE_DIGIT_HOUR.sub(r"0\1:", part.strip()) for part in piece.split("-")]
                for piece in pieces
            ]
    return hours or None


def opening_hours_text(hours: Mapping[str, Any] | None, prefix: str = "hours") -> dict[str, str]:
    """Stored opening hours as the boxes of ``opening_hours`` show them."""
    return {
        f"{prefix}-{day}": " ".join("-".join(interval) for interval in (hours or {}).get(day, []))
        for day in WEEKDAYS
    }


def rows(form: MultiDict[str, str], prefix: str, count: int, names: Iterable[str]) -> list[dict]:
    """Repeated rows (``slot-0-date``, ``slot-0-start`` ...) that have anything filled in."""
    found = []
    for number in range(count):
        row = {name: form.get(f"{prefix}-{number}-{name}", "").strip() for name in names}
        if any(row.values()):
            found.append(row)
    return found


def local_text(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    if moment is None:
        return ""
    return moment.astimezone(local_zone()).strftime(pattern)
