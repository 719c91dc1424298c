"""Whatever a resident types into the search box is an answer, never an error: query syntax is
taken as text, punctuation alone finds nothing, an empty box browses as before. The same holds
when the index is missing and the database answers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import CommunityFactory, SubdistrictFactory
from tests.listing_factories import ItemOfferFactory, SkillOfferFactory
from tests.search.conftest import API, ids_of, index_now

# Characters and words that mean something to a query parser or to SQL LIKE.
SYNTAX_QUERIES = [
    "AND", "OR", "NOT", "(", ")", "*", "?", "~", ":", '"', "^", "[", "]", "{", "}", "\\", "/",
    "+", "-", "!", "'", "%", "_", "*:*", "a:b:c", "field:", "[a TO z]", "{1 TO 5}", "(((", ")))",
    "电钻 AND", "NOT 电钻", "电钻 OR 雨伞", "(电钻", "电钻)", "title:电钻", "电钻*", "电*",
    '"电钻"', "电钻~2", "电钻^10", "%电钻%", "电钻_", "电钻 AND (雨伞 OR", "'; DROP TABLE listings; --",
    "<script>alert(1)</script>", "drill*", "dr?ll", "drill~", "drill^3", "AND OR NOT",
]  # fmt: skip
# Of those, the ones that still name the drill in words (电 is one of its characters).
FINDS_THE_DRILL = {
    "电钻 AND", "NOT 电钻", "电钻 OR 雨伞", "(电钻", "电钻)", "title:电钻", "电钻*", "电*", '"电钻"',
    "电钻~2", "电钻^10", "%电钻%", "电钻_", "电钻 AND (雨伞 OR", "drill*", "drill~", "drill^3",
}  # fmt: skip
# The database's substring match also finds "dr" of "drill"; the index matches whole words.
FINDS_THE_DRILL_BY_SUBSTRING = {"dr?ll"}
PUNCTUATION_ONLY = [
    "!!!", "？？？", "。，、；", "……", "—— ——", "()", '""', "***", "~~~", "@#$%^&", "...",
    "、", "🙂", "【】", "《》", "+-*/", "%_%",
]  # fmt: skip
BLANK = ["", " ", "   ", "\u3000", "\t", " \u3000 "]


@pytest.fixture(params=["index", "database"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def listings(app: Any, frozen_clock: Any, mode: str) -> dict[str, Any]:
    community = CommunityFactory(name="清溪村", parent=SubdistrictFactory(name="雕庄街道"))
    listings = {
        "drill": ItemOfferFactory(
            title="电钻出借 power drill", tags=["电钻"], category="tools", place=community
        ),
        "umbrella": ItemOfferFactory(title="共享雨伞", tags=["雨伞"], place=community),
        "haircut": SkillOfferFactory(title="义务理发", tags=["理发", "助老"], place=community),
    }
    if mode == "index":
        index_now(app)
    return listings


def test_query_syntax_in_the_words_never_causes_an_error(client, listings, mode):
    finds_the_drill = FINDS_THE_DRILL | (
        FINDS_THE_DRILL_BY_SUBSTRING if mode == "database" else set()
    )
    problems = []
    for query in SYNTAX_QUERIES:
        response = client.get(API, query_string={"q": query})
        if response.status_code != 200:
            problems.append((query, response.status_code, response.get_json()))
        elif (listings["drill"].id in ids_of(response.json)) is not (query in finds_the_drill):
            problems.append((query, "found", ids_of(response.json)))
        elif query in FINDS_THE_DRILL and response.json["degraded"] is not (mode == "database"):
            problems.append((query, "degraded", response.json["degraded"]))

    assert problems == []


def test_a_query_of_only_punctuation_finds_nothing(client, listings):
    bodies = {query: client.get(API, query_string={"q": query}).json for query in PUNCTUATION_ONLY}

    assert {query: (body["items"], body["total"]) for query, body in bodies.items()} == {
        query: ([], 0) for query in PUNCTUATION_ONLY
    }


@pytest.mark.parametrize("query", BLANK, ids=repr)
def test_a_blank_query_browses_as_without_one(client, listings, query):
    with_blank = client.get(API, query_string={"q": query})
    without = client.get(API)

    assert with_blank.status_code == 200
    assert with_blank.json == without.json
    assert with_blank.json["total"] == 3
    assert with_blank.json["facets"] is None
    assert all(item["snippet"] is None for item in with_blank.json["items"])


def test_a_query_longer_than_a_hundred_characters_is_refused(client):
    response = client.get(API, query_string={"q": "电" * 101})

    assert response.status_code == 422
    assert list(response.json["error"]["details"]["fields"]) == ["q"]


def test_a_hundred_characters_of_mixed_text_are_searched(client, listings, mode):
    query = ("电钻 drill 雨伞 " * 20)[:100]

    response = client.get(API, query_string={"q": query})

    assert response.status_code == 200
    assert {listings["drill"].id, listings["umbrella"].id} <= set(ids_of(response.json))


def test_a_word_found_only_in_the_tags_is_found(client, listings, mode):
    body = client.get(API, query_string={"q": "助老"}).json

    assert body["degraded"] is (mode == "database")
    assert ids_of(body) == [listings["haircut"].id]


@pytest.mark.parametrize("query", ["b", "5", "3d", "u94bb"])
def test_latin_letters_and_digits_never_match_how_chinese_tags_are_stored(
    client, listings, mode, query
):
    """Tags are JSON text with Chinese as \\uXXXX escapes (电钻 is \\u7535\\u94bb)."""
    body = client.get(API, query_string={"q": query}).json

    assert (body["items"], body["total"]) == ([], 0)
