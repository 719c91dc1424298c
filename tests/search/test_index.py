"""The Whoosh index on its own: what makes a rebuild and a search fast must not change what
they find. A rebuild in several segments answers exactly as one segment does, the one-pass
analysis gives the same terms as the three separate ones, and filters worked out once per
searcher follow every write. A reader that opens the index while another process commits to it
reads the newer version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import TEXT
from whoosh.index import TOC

from marketplace.search import whoosh_index
from marketplace.search.analysis import Terms, char_terms, pinyin_terms, terms, word_terms
from marketplace.search.index import SearchQuery
from marketplace.search.whoosh_index import AnalysedText, WhooshIndex
from tests.search import corpus

SAMPLE_TEXTS = [
    *(entry.title for entry in corpus.LISTINGS),
    *(entry.description for entry in corpus.LISTINGS),
    *(" ".join(entry.tags) for entry in corpus.LISTINGS),
    "嬰兒車 iPhone充電器 ＬＥＤ台灯 3D打印 Café CRÈME ①② 的了和 and the",
    "",
]


def test_one_pass_analysis_gives_the_three_term_streams():
    differing = [
        text
        for text in SAMPLE_TEXTS
        if terms(text) != Terms(word_terms(text), char_terms(text), pinyin_terms(text))
    ]

    assert differing == []


@pytest.mark.parametrize("boost", [3.0, 0.35])
def test_analysed_text_is_indexed_as_whoosh_would_index_it(boost):
    value = "婴儿 婴儿车 推车 婴儿 a 婴儿车 ying er ying"
    fast = AnalysedText(analyzer=SpaceSeparatedTokenizer(), field_boost=boost, phrase=False)
    plain = TEXT(analyzer=SpaceSeparatedTokenizer(), field_boost=boost, phrase=False)

    assert list(fast.index(value)) == list(plain.index(value))


def _document(number: int, title: str, **fields: Any) -> dict[str, Any]:
    analysed = terms(title)
    return {
        "id": str(number),
        "title": " ".join(analysed.words),
        "chars": " ".join(analysed.chars),
        "pinyin": " ".join(analysed.pinyin),
        "side": "offer",
        "kind": "item",
        "category": "tools",
        "public": "1",
        "available": "1",
        "place_ids": "1 2",
        "owner_id": str(number),
        "created_at": 1_700_000_000 + number,
        "expires_at": 1_800_000_000 - number,
        **fields,
    }


DOCUMENTS = [
    _document(1, "博世电钻出借"),
    _document(2, "冲击钻 钻头", category="household", kind="skill"),
    _document(3, "Acoustic guitar lessons"),
    _document(4, "电钻 电池", available="0"),
    _document(5, "Guitar strings", public="0"),
    _document(6, "婴儿车 电钻 guitar", category="baby_kids"),
    _document(7, "electric drill", side="request"),
]
QUERIES = [
    SearchQuery(text="电钻"),
    SearchQuery(text="钻"),
    SearchQuery(text="guittar"),
    SearchQuery(text="guitar", sort="newest"),
    SearchQuery(text="电钻 guitar", sort="ending_soon"),
    SearchQuery(text="dianzuan"),
    SearchQuery(text="电钻", available=True, category="tools"),
    SearchQuery(text="电钻", side="request"),
    SearchQuery(text="电钻", per_page=1, page=2),
    SearchQuery(text="电钻", public_only=False, with_facets=False),
]


def _answers(index: WhooshIndex) -> list[tuple[Any, ...]]:
    answers = []
    for query in QUERIES:
        results = index.search(query)
        hits = [(hit.listing_id, round(hit.score, 9)) for hit in results.hits]
        answers.append((hits, results.total, results.facets))
    return answers


def test_a_rebuild_by_several_processes_answers_as_one_writer_does(tmp_path, monkeypatch):
    whole = WhooshIndex(tmp_path / "whole")
    whole.rebuild(DOCUMENTS)
    monkeypatch.setattr(whoosh_index, "REBUILD_PARALLEL_FROM", 2)
    monkeypatch.setattr(whoosh_index, "REBUILD_PROCESSES", 2)
    monkeypatch.setattr(whoosh_index, "REBUILD_BATCH", 2)
    split = WhooshIndex(tmp_path / "split")

    count = split.rebuild(DOCUMENTS)

    assert count == len(DOCUMENTS) == split.count()
    assert len(whole._searcher().reader().leaf_readers()) == 1
    assert len(split._searcher().reader().leaf_readers()) == 2
    assert _answers(split) == _answers(whole)
    whole.close()
    split.close()


def test_filters_kept_by_a_searcher_follow_the_writes(tmp_path: Path):
    index = WhooshIndex(tmp_path)
    index.rebuild(DOCUMENTS)
    available = SearchQuery(text="婴儿车", available=True)
    before = [hit.listing_id for hit in index.search(available).hits]

    index.write(lambda _mark: ([_document(6, "婴儿车 电钻 guitar", available="0")], [], {}))

    assert before == [6]
    assert index.search(available).hits == []
    assert index.search(available).total == 0
    assert [hit.listing_id for hit in index.search(SearchQuery(text="婴儿车")).hits] == [6]
    index.close()


def test_a_filter_nothing_passes_finds_nothing(tmp_path: Path):
    index = WhooshIndex(tmp_path)
    index.rebuild(DOCUMENTS)

    results = index.search(SearchQuery(text="电钻", category="beauty"))

    assert (results.hits, results.total) == ([], 0)
    assert results.facets == {"category": {}, "kind": {}}
    index.close()


def _found(index: WhooshIndex, text: str, **options: Any) -> list[int]:
    query = SearchQuery(text=text, with_facets=False, with_total=False, **options)
    return sorted(hit.listing_id for hit in index.search(query).hits)


def test_without_a_total_the_total_is_the_hits_returned(tmp_path: Path):
    index = WhooshIndex(tmp_path)
    index.rebuild(DOCUMENTS)

    counted = index.search(SearchQuery(text="电钻", per_page=1))
    uncounted = index.search(SearchQuery(text="电钻", per_page=1, with_total=False))

    assert counted.total == 4  # three with 电钻, and the "electric drill" it translates to
    assert (uncounted.hits, uncounted.total) == (counted.hits, 1)
    index.close()


KEYWORD_DOCUMENTS = [
    _document(1, "婴儿车 出借"),
    _document(2, "婴儿床"),
    _document(3, "象棋陪练"),
    _document(4, "台灯", place="清溪 广场"),
    _document(5, "广场舞 台灯"),
    _document(6, "广场舞教学"),
    _document(7, "羽毛球拍 台灯"),
]


def test_a_keyword_search_looks_for_whole_words_in_what_listings_say(tmp_path: Path):
    index = WhooshIndex(tmp_path)
    index.rebuild(KEYWORD_DOCUMENTS)

    # 婴儿 is a piece of 婴儿车, which is indexed: 婴儿床 is another thing.
    assert _found(index, "婴儿车", keywords=4) == [1]
    assert _found(index, "婴儿车") == [1, 2]
    # No listing has 下象棋, so its piece 象棋 is looked for.
    assert _found(index, "找人下象棋", keywords=4) == [3]
    # Place names, partial words and pinyin are not keywords.
    assert _found(index, "清溪", keywords=4) == []
    assert _found(index, "钻", keywords=4) == []
    assert _found(index, "xiangqi", keywords=4) == []
    index.close()


def test_a_keyword_search_keeps_the_rarest_words(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(whoosh_index, "COMMON_WORD_MIN_DOCUMENTS", 0)
    monkeypatch.setattr(whoosh_index, "COMMON_WORD_SHARE", 0.4)
    index = WhooshIndex(tmp_path)
    index.rebuild(KEYWORD_DOCUMENTS)

    # 台灯 is in three of seven listings: too common while a rarer word is there.
    assert _found(index, "羽毛球拍 台灯", keywords=4) == [7]
    assert _found(index, "台灯", keywords=4) == [4, 5, 7]
    # At most this many words, the rarest first (象棋 is in one listing, 广场 and 舞 in two).
    assert _found(index, "广场舞 象棋", keywords=1) == [3]
    assert _found(index, "广场舞 象棋", keywords=3) == [3, 5, 6]
    index.close()


def test_postings_read_a_block_at_a_time_are_those_whoosh_steps_through(tmp_path: Path):
    """Several blocks of postings, repeated words (weights above one), and a segment with
    deleted documents."""
    index = WhooshIndex(tmp_path)
    index.rebuild(
        _document(number, "婴儿车 婴儿车" if number % 3 else "婴儿车 台灯")
        for number in range(1, 400)
    )
    index.write(lambda _mark: ([_document(5, "台灯")], [7, 300], {}))
    searcher = index._searcher()

    readers = [reader for reader, _offset in searcher.reader().leaf_readers()]
    read_all = []
    for reader in readers:
        for word in ("婴儿车", "台灯"):
            if ("title", word) not in reader:
                continue
            blocks = list(whoosh_index.posting_blocks(reader.postings("title", word)))
            read = [
                pair
                for documents, weights in blocks
                for pair in zip(documents, weights, strict=True)
            ]
            stepped = whoosh_index._stepped(reader.postings("title", word))
            assert read == list(zip(*stepped, strict=True))
            read_all.extend(read)
    assert any(reader.has_deletions() for reader in readers)
    assert len(read_all) > 300 and {weight for _document, weight in read_all} == {3.0, 6.0}
    index.close()


def test_a_reader_opening_the_index_while_another_process_commits_reads_the_new_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Whoosh finds the newest table of contents by listing the files, then reads it. Here
    another writer commits in between, which deletes the table the reader was about to read."""
    reader, writer = WhooshIndex(tmp_path), WhooshIndex(tmp_path)
    reader.rebuild(DOCUMENTS[:3])
    newest_version = TOC._latest_generation
    lookups = []

    def another_process_commits_after_the_first_lookup(storage: Any, indexname: str) -> int:
        version = newest_version(storage, indexname)
        lookups.append(version)
        if len(lookups) == 1:
            writer.write(lambda _mark: ([_document(8, "电钻 充电器")], [], {}))
        return version

    monkeypatch.setattr(TOC, "_latest_generation", another_process_commits_after_the_first_lookup)

    found = _found(reader, "电钻")

    assert found == [1, 8]
    assert lookups[0] < lookups[-1]
    reader.close()
    writer.close()
