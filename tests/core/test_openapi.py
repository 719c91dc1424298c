"""The OpenAPI document describes every API route and its error shape; the docs work offline."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# Endpoints under /api/v1 that serve the documentation rather than the API itself.
DOCUMENTATION_BLUEPRINTS = {"api-docs", "docs_assets"}


@pytest.fixture
def document(client: Any) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow local ``$ref`` pointers until a concrete object is reached."""
    while "$ref" in node:
        assert node["$ref"].startswith("#/"), node["$ref"]
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def test_document_is_openapi_3_with_title_and_version(document):
    assert re.fullmatch(r"3\.\d+\.\d+", document["openapi"])
    assert document["info"]["title"]
    assert document["info"]["version"] == "v1"
    assert document["paths"]
    assert "Error" in document["components"]["schemas"]


def test_document_lists_every_api_route_of_the_app(app, document):
    routed = {
        (re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        and rule.endpoint.split(".")[0] not in DOCUMENTATION_BLUEPRINTS
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }

    documented = {(path, method) for path, method, _ in operations(document)}

    assert ("/api/v1/places/{place_id}", "patch") in routed
    assert documented == routed


def test_every_operation_documents_an_error_response_in_the_error_shape(document):
    error_schema = document["components"]["schemas"]["Error"]
    for path, method, operation in operations(document):
        errors = {
            status: resolve(document, response)
            for status, response in operation["responses"].items()
            if status == "default" or not status.startswith(("2", "3"))
        }
        assert errors, f"{method.upper()} {path} documents no error response"
        for status, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            assert resolve(document, schema) is error_schema, f"{method.upper()} {path} {status}"


def test_error_schema_requires_code_message_and_details(document):
    error = document["components"]["schemas"]["Error"]
    body = resolve(document, error["properties"]["error"])

    assert error["required"] == ["error"]
    assert set(body["required"]) == {"code", "message", "details"}
    assert set(body["properties"]) == {"code", "message", "details"}


def test_operations_that_take_a_body_document_422(document):
    for path, method, operation in operations(document):
        if "requestBody" in operation:
            assert "422" in operation["responses"], f"{method.upper()} {path}"


class AssetLinks(HTMLParser):
    """The URLs of a page's scripts and stylesheets."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.urls.append(attributes["src"])
        if tag == "link" and "stylesheet" in (attributes.get("rel") or "") and attributes["href"]:
            self.urls.append(attributes["href"])


def test_docs_page_loads_its_scripts_and_styles_from_this_server(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = AssetLinks()
    page.feed(response.get_data(as_text=True))
    assert any(url.endswith(".js") for url in page.urls)
    assert any(url.endswith(".css") for url in page.urls)
    for url in page.urls:
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("", ""), url
        assert "http://" not in url
        assert "https://" not in url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.data
        asset.close()


def test_docs_page_reads_the_local_openapi_document(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)

    assert '"/api/v1/openapi.json"' in page
    assert "https://" not in page
    assert "http://" not in page


def test_arguments_are_parsed_without_building_a_schema_per_request(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from marketplace.listings.schemas import BrowseArgs

    built: list[object] = []
    original = BrowseArgs.__init__

    def counting_init(self: Any, *args: Any, **kwargs: Any) -> None:
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(BrowseArgs, "__init__", counting_init)
    first = client.get("/api/v1/listings", query_string={"side": "offer", "per_page": 5})
    second = client.get("/api/v1/listings", query_string={"side": "wish"})

    assert first.status_code == 200 and first.json["per_page"] == 5
    # One schema instance serves every request, and one request's arguments do not leak into
    # the next one's.
    assert second.status_code == 422 and "side" in second.json["error"]["details"]["fields"]
    assert built == []


def test_query_strings_read_repeated_names_only_where_the_schema_takes_a_list(app: Any) -> None:
    import marshmallow as ma

    from marketplace.openapi import ArgumentsParser

    class Single(ma.Schema):
        side = ma.fields.String()
        page = ma.fields.Integer()

    class Repeated(ma.Schema):
        side = ma.fields.String()
        tags = ma.fields.List(ma.fields.String())

    parser = ArgumentsParser()
    query = "side=offer&side=request&page=2&tags=a&tags=b&other=x"
    with app.test_request_context(f"/api/v1/listings?{query}"):
        from flask import request

        single = parser.parse(Single(), request, location="query")
        repeated = parser.parse(Repeated(), request, location="query")
        # Twice, as on every request after the first: the schema's answer is remembered.
        again = parser.parse(Single(), request, location="query")

    # The first value of a repeated name, names the schema does not know left out (as
    # webargs' proxy reads a query string), and a list where the schema takes one.
    assert single == again == {"side": "offer", "page": 2}
    assert repeated == {"side": "offer", "tags": ["a", "b"]}
