"""Flask's JSON provider with orjson doing the encoding: API responses are mostly serialised
listings, and the standard library's encoder took a noticeable share of each request."""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

# Dates, datetimes and dataclasses go through Flask's ``default`` as before (dates as HTTP
# dates), so output is what the standard provider gave; the response schemas turn every
# datetime they show into an ISO 8601 string first anyway.
_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


class OrjsonProvider(DefaultJSONProvider):
    """Compact UTF-8 JSON (never \\uXXXX escapes); indented in debug mode, keys sorted when
    ``sort_keys`` is set, as with Flask's default provider."""

    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        options = _OPTIONS
        if kwargs.get("indent"):
            options |= orjson.OPT_INDENT_2
        if kwargs.get("sort_keys", self.sort_keys):
            options |= orjson.OPT_SORT_KEYS
        return orjson.dumps(
            obj, default=kwargs.get("default", self.default), option=options
        ).decode()
