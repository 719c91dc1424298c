"""The flask-smorest Api, documenting the service's error shape, and the offline docs assets."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import orjson
from flask import Blueprint, Flask, Request, send_from_directory
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from swagger_ui_bundle import swagger_ui_path
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException

from marketplace.errors import handle_http_exception


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(
        required=True, metadata={"description": "Stable slug, e.g. sold_out, stale_version"}
    )
    message = ma.fields.String(
        required=True, metadata={"description": "Human-readable explanation"}
    )
    details = ma.fields.Dict(
        required=True,
        metadata={
            "description": "Extra facts: `fields` ({field: [messages]}) for 422, "
            "`retry_after` for 429, `error_id` for 500"
        },
    )


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema, required=True)


class MarketplaceApi(Api):
    """flask-smorest's Api, answering every HTTP error in the service's one error shape."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException) -> Any:
        return handle_http_exception(error)


class ArgumentsParser(FlaskParser):
    """webargs' parser, decoding JSON bodies with orjson. Unlike the standard library, orjson
    refuses text that is not valid Unicode: a lone surrogate escape such as ``"\\ud800"`` would
    otherwise reach the services as a string that no database driver or library can encode. It
    refuses ``NaN`` and ``Infinity`` too, which are not JSON, and nesting deeper than 1,024
    levels, where the standard library ran out of stack (RecursionError). Each is a 400."""

    def load_querystring(self, req: Request, schema: ma.Schema) -> Any:
        """The query string as a plain dict (the first value of each name) when ``schema`` takes
        no repeated names, as webargs' proxy would read it: a missing name is then a dict miss,
        where werkzeug's MultiDict raises and catches an exception for each absent field."""
        if self._takes_repeated_names(schema):
            return super().load_querystring(req, schema)
        return req.args.to_dict()

    def _takes_repeated_names(self, schema: ma.Schema) -> bool:
        repeated = schema.__dict__.get("_webargs_repeated_names")
        if repeated is None:
            repeated = bool(self._makeproxy({}, schema).multiple_keys)
            schema.__dict__["_webargs_repeated_names"] = repeated
        return repeated

    def _raw_load_json(self, req: Request) -> Any:
        if not is_json_request(req):
            return core.missing
        body = req.get_data(cache=True)
        if not body:  # as webargs: an empty body is no body, not a malformed one
            return core.missing
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return self._handle_invalid_json_error(exc, req)


class ApiBlueprint(SmorestBlueprint):
    """flask-smorest's Blueprint, parsing each endpoint's arguments with one schema instance.

    Given a schema class, webargs builds a new instance (deep-copying every field) on each
    request; parsing leaves no state on the schema, so one instance serves every request.
    """

    ARGUMENTS_PARSER = ArgumentsParser()

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)


def register_docs_assets(app: Flask) -> None:
    """Serve Swagger UI's files from the installed swagger-ui-bundle package (no CDN)."""
    assets = Blueprint("docs_assets", __name__)

    @assets.route("/api/v1/docs/assets/<path:filename>")
    def docs_asset(filename: str) -> Any:
        return send_from_directory(str(swagger_ui_path), filename, max_age=86400)

    app.register_blueprint(assets)


def documents_errors(blueprint: Any, *statuses: int) -> Any:
    """Decorator listing the error statuses an endpoint may answer with, in the error shape."""
    from http import HTTPStatus

    def decorate(view: Any) -> Any:
        for status in statuses:
            view = blueprint.alt_response(status, response=HTTPStatus(status).name)(view)
        return view

    return decorate
