"""Each hit carries a short excerpt with the query's words in ``<mark>``; everything else in it
is HTML-escaped, whatever the listing's author typed."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.search.highlight import snippet
from tests.factories import CommunityFactory
from tests.listing_factories import ItemOfferFactory, SkillOfferFactory
from tests.search.conftest import index_now, search


@pytest.fixture
def community() -> Any:
    return CommunityFactory(name="清溪村")


def _snippet_of(client: Any, app: Any, query: str, **listing: Any) -> str:
    made = ItemOfferFactory(**listing)
    index_now(app)
    body = search(client, query)
    assert body["degraded"] is False
    return next(item["snippet"] for item in body["items"] if item["id"] == made.id)


def test_the_matched_words_are_marked(app, frozen_clock, client, community):
    snippet = _snippet_of(
        client, app, "电钻", title="博世电钻出借", description="家用冲击电钻，附钻头。",
        place=community,
    )  # fmt: skip

    assert snippet == "家用冲击<mark>电钻</mark>，附钻头。"


def test_a_title_that_looks_like_html_is_escaped(app, frozen_clock, client, community):
    snippet = _snippet_of(
        client, app, "台灯", title="<script>alert(1)</script>旧台灯", description="",
        place=community,
    )  # fmt: skip

    assert snippet == "&lt;script&gt;alert(1)&lt;/script&gt;旧<mark>台灯</mark>"


def test_markup_and_ampersands_in_the_description_are_escaped(app, frozen_clock, client, community):
    snippet = _snippet_of(
        client, app, "雨伞", title="共享雨伞", place=community,
        description='<b onclick="x()">免费</b> & 雨伞 <img src=x>',
    )  # fmt: skip

    assert snippet == (
        "&lt;b onclick=&quot;x()&quot;&gt;免费&lt;/b&gt; &amp; <mark>雨伞</mark> &lt;img src=x&gt;"
    )
    assert "<b" not in snippet and "<img" not in snippet


def test_traditional_characters_mark_the_simplified_text(app, frozen_clock, client, community):
    snippet = _snippet_of(
        client, app, "電鑽", title="电钻出借", description="冲击电钻", place=community
    )

    assert snippet == "冲击<mark>电钻</mark>"


def test_an_english_word_marks_its_longer_forms(app, frozen_clock, client, community):
    made = SkillOfferFactory(
        title="Bike repair lessons", description="Two lessons on Saturday.", place=community
    )
    index_now(app)

    body = search(client, "lesson")

    assert body["items"][0]["id"] == made.id
    assert body["items"][0]["snippet"] == "Two <mark>lessons</mark> on Saturday."


def test_a_match_far_into_a_long_description_is_shown_with_its_surroundings(
    app, frozen_clock, client, community
):
    description = "这是一段很长的介绍。" * 20 + "最后提到了缝纫机。"

    snippet = _snippet_of(
        client, app, "缝纫机", title="旧物", description=description, place=community
    )

    assert snippet.startswith("…")
    assert "<mark>缝纫机</mark>" in snippet
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) <= 82


def test_a_hit_by_pinyin_shows_the_start_of_the_description_unmarked(
    app, frozen_clock, client, community
):
    snippet = _snippet_of(
        client, app, "dianzuan", title="电钻出借", description="冲击电钻 <借三天>",
        place=community,
    )  # fmt: skip

    assert snippet == "冲击电钻 &lt;借三天&gt;"


def test_browsing_without_words_has_no_snippets(app, frozen_clock, client, community):
    ItemOfferFactory(title="电钻出借", place=community)

    body = client.get("/api/v1/listings").json

    assert [item["snippet"] for item in body["items"]] == [None]


def test_characters_that_fold_to_several_keep_the_marks_on_the_right_words():
    # NFKC turns ① into "1" but ㎏ into "kg" and ﬁ into "fi": the marks must still land on the
    # original characters after them.
    assert snippet("旧物", "① 电钻 ㎏电钻 ﬁlm", "电钻") == (
        "① <mark>电钻</mark> ㎏<mark>电钻</mark> ﬁlm"
    )
    assert snippet("旧物", "㎏ ﬁlms", "film") == "㎏ <mark>ﬁlms</mark>"
