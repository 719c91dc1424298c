"""The Whoosh implementation of SearchIndex.

Layout of the search directory: ``CURRENT`` names the live generation, a subdirectory holding a
Whoosh index. A rebuild writes a new generation beside it and swaps ``CURRENT`` with an atomic
rename, so readers never see a half-built index. Whoosh's own file lock makes sure only one
process writes a generation at a time; writers wait ``lock_timeout`` seconds for it. Each
generation keeps its writers' mark (how far it has read the outbox) in ``MARK`` beside the Whoosh
files, written after every commit: at least once, never before the documents are in (a writer
that took the lock between the two reads the older mark and applies some changes again).

Searchers are kept per thread and reopened only when the index changed.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import os
import shutil
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import sorting
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.codec.base import Automata
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.columns import NumericColumn, RefBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, TEXT, Schema
from whoosh.idsets import BitSet
from whoosh.index import LockError
from whoosh.lang.porter import stem
from whoosh.matching import Matcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, FuzzyTerm, Or, Query, Term
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.system import pack_uint

from marketplace.search.analysis import (
    MIN_FUZZY_LENGTH,
    char_query_groups,
    has_searchable_text,
    latin_words,
    whole_words,
    word_terms,
)
from marketplace.search.glossary import translations
from marketplace.search.index import (
    Changes,
    Document,
    IndexBusy,
    IndexUnavailable,
    Mark,
    SearchHit,
    SearchQuery,
    SearchResults,
)

logger = logging.getLogger("marketplace.search")

CURRENT_FILE = "CURRENT"
# Tries at opening an index whose files a committing writer deleted meanwhile (see _open).
OPEN_ATTEMPTS = 3
MARK_FILE = "MARK"
# Distinct filters (combinations of side, kind, category, place, availability) whose documents
# a searcher keeps; more are rare, and the set starts again when full.
FILTERS_KEPT = 64
# A rebuild of at least this many listings hands them to one writing process per CPU, each of
# which writes one segment: at 100,000 listings on two CPUs that takes 62 s instead of 140 s,
# and a query over two segments takes 6 ms where it took 16 ms over ten segments of 10,000.
# Smaller rebuilds write one segment here (starting processes would cost more than it saves).
REBUILD_PARALLEL_FROM = 20_000
REBUILD_PROCESSES = os.cpu_count() or 1
# Postings a writer keeps in memory before spilling them to disk (about 1.3 GB of memory for
# 50,000 listings; more listings per process spill and are merged back, which is slower).
REBUILD_WRITER_MB = 1536
REBUILD_BATCH = 500
WORD_FIELDS = ("title", "tags", "body", "place")
KEYWORD_FIELDS = ("title", "tags", "body")
# A keyword search leaves out words found in more than this share of the documents (广场 of
# every 在广场交接, the place names descriptions repeat): they say little about what a listing
# is about, and their postings are the longest to read. In a small index every word is cheap
# and a share says little, so only words in more than a thousand documents are ever left out.
COMMON_WORD_SHARE = 0.05
COMMON_WORD_MIN_DOCUMENTS = 1000
FACET_FIELDS = ("category", "kind")
# Weight of a query word's translation (``glossary``) against the word itself: a listing in the
# query's own language ranks first, one in the other language still comes up.
TRANSLATION_BOOST = 0.35


class AnalysedText(TEXT):
    """Text that ``analysis`` has already turned into space-separated terms. Indexed by counting
    the terms: the postings and weights Whoosh's tokenizer and frequency format would make,
    without a token object per term (a sixth of the time of a rebuild)."""

    def index(self, value: str, **_options: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        boost = self.format.field_boost
        for term, frequency in Counter(value.split()).items():
            yield term.encode("utf-8"), frequency, frequency * boost, pack_uint(frequency)


def _terms_field(boost: float) -> TEXT:
    """Text analysed by ``analysis`` beforehand and stored as space-separated terms."""
    return AnalysedText(analyzer=SpaceSeparatedTokenizer(), field_boost=boost, phrase=False)


SCHEMA = Schema(
    id=ID(stored=True, unique=True),
    title=_terms_field(3.0),
    tags=_terms_field(2.0),
    body=_terms_field(1.0),
    place=_terms_field(0.6),
    chars=_terms_field(0.35),
    pinyin=_terms_field(0.8),
    side=ID,
    # Facets read these columns for every matching document. A column of references into
    # the few distinct values opens in constant time (a plain one reads an offset per document
    # of the index each time a search opens it).
    kind=ID(sortable=RefBytesColumn()),
    category=ID(sortable=RefBytesColumn()),
    status=ID,
    moderation=ID,
    public=ID,
    available=ID,
    place_ids=KEYWORD,
    owner_id=ID,
    organisation_id=ID,
    # Only ever sorted by, never searched: a column of 64-bit seconds, without the sixteen
    # range-query terms per value a NUMERIC field would index (a third of all postings).
    created_at=COLUMN(NumericColumn("q")),
    expires_at=COLUMN(NumericColumn("q")),
)


class _Union(Or):
    """Or, always matched as a tree of unions. By default Whoosh pre-reads 2,048 scores per
    clause in every segment of up to 5,000 documents (the ones the outbox adds), which takes
    longer than the rest of the search; the scores are the same sums either way."""

    matcher_type = Or.DEFAULT_MATCHER


@functools.lru_cache(maxsize=1024)
def _levenshtein_dfa(word: str, maxdist: int, prefix: int) -> Any:
    return Automata.levenshtein_dfa(word, maxdist, prefix)


class _Fuzzy(FuzzyTerm):
    """FuzzyTerm with its Levenshtein automaton built once per word. Whoosh builds it anew for
    every segment and field of every search, a millisecond or more each time."""

    def _btexts(self, ixreader: Any) -> Iterable[str]:
        dfa = _levenshtein_dfa(self.text, self.maxdist, self.prefixlength)
        field = ixreader.schema[self.fieldname].spelling_fieldname(self.fieldname)
        readers = [reader for reader, _offset in ixreader.leaf_readers()]
        if readers == [ixreader]:  # one segment: its words in order, as Whoosh gives them
            return Automata.find_matches(dfa, ixreader.cursor(field))
        words: set[str] = set()
        for reader in readers:
            words.update(Automata.find_matches(dfa, reader.cursor(field)))
        return words


def build_text_query(text: str) -> Query | None:
    """Whole words (title weighs most), partial Chinese by character bigrams, pinyin, and fuzzy
    Latin words; any of them may match, and the field boosts rank whole words first."""
    if not has_searchable_text(text):
        return None
    parts: list[Query] = [
        _Union([Term(field, term) for field in WORD_FIELDS])
        for term in dict.fromkeys(word_terms(text))
    ]
    parts.extend(
        And([Term("chars", gram) for gram in group]) if len(group) > 1 else Term("chars", group[0])
        for group in char_query_groups(text)
    )
    latin = latin_words(text)
    parts.extend(
        _Union(
            [
                _Fuzzy(
                    field, stem(word), boost=0.5, maxdist=1 if len(word) < 8 else 2, prefixlength=1
                )
                for field in ("title", "tags", "body")
            ]
        )
        for word in latin
        if len(word) >= MIN_FUZZY_LENGTH and not word.isdigit()
    )
    if latin and not char_query_groups(text):
        parts.append(
            _Union([And([Term("pinyin", word) for word in latin]), Term("pinyin", "".join(latin))])
        )
    parts.extend(_translated(text))
    return _Union(parts) if parts else None


def _translated(text: str) -> list[Query]:
    """The query's words in the other language (``glossary``), ranked below its own words."""
    clauses = []
    for group in translations(whole_words(word_terms(text))):
        words = [_Union([Term(field, term) for field in KEYWORD_FIELDS]) for term in group]
        if len(words) == 1:
            clauses.append(_Union(words[0].subqueries, boost=TRANSLATION_BOOST))
        else:
            clauses.append(And(words, boost=TRANSLATION_BOOST))
    return clauses


def keywords_of(text: str, how_many: int, searcher: Searcher) -> list[str]:
    """The text's ``how_many`` rarest whole words in titles, tags and descriptions, leaving out
    words most documents have unless nothing else is left; none when no word is in the index.
    A piece of a longer word (婴儿 of 婴儿车) is left out only when the longer word is indexed."""
    frequencies = {
        word: max(searcher.doc_frequency(field, word) for field in KEYWORD_FIELDS)
        for word in dict.fromkeys(word_terms(text))
    }
    found = whole_words([word for word, frequency in frequencies.items() if frequency > 0])
    common = max(COMMON_WORD_MIN_DOCUMENTS, COMMON_WORD_SHARE * searcher.doc_count_all())
    telling = [word for word in found if frequencies[word] <= common] or found
    return sorted(telling, key=frequencies.__getitem__)[:how_many]


def translated_keywords(words: list[str], searcher: Searcher) -> list[str]:
    """The keywords in the other language (``glossary``, one-word translations) that the index
    holds: a request for a stroller also finds the offers of a 婴儿车."""
    translated = [group[0] for word in words for group in translations([word]) if len(group) == 1]
    return [
        word
        for word in dict.fromkeys(translated)
        if word not in words
        and any(searcher.doc_frequency(field, word) for field in KEYWORD_FIELDS)
    ]


def keyword_scores(
    searcher: Searcher, words: list[str], translated: Sequence[str] = ()
) -> dict[int, float]:
    """Document number -> the sum, over the words in it, of each word's weight there (times it
    occurs, by the field's boost) by its rarity (idf), a ``translated`` word's by
    TRANSLATION_BOOST too. Read straight off the postings: Whoosh's matchers and BM25 spend
    several times as long per posting, with a field-length lookup each, which titles of a few
    words do not need."""
    weighted = [(word, 1.0) for word in words] + [(word, TRANSLATION_BOOST) for word in translated]
    scores: dict[int, float] = {}
    for reader, offset in searcher.reader().leaf_readers():
        for field in KEYWORD_FIELDS:
            for word, boost in weighted:
                try:
                    postings = reader.postings(field, word)
                except TermNotFound:
                    continue
                rarity = searcher.idf(field, word) * boost
                for documents, weights in posting_blocks(postings):
                    for document, weight in zip(documents, weights, strict=True):
                        document += offset
                        scores[document] = scores.get(document, 0.0) + rarity * weight
    return scores


def posting_blocks(postings: Matcher) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    """(document numbers, weights) of the postings of a fresh matcher, a block at a time. Whoosh
    reads its own postings in blocks of a hundred or so, and handing them over whole is a few
    times faster than stepping through them one call at a time; any other matcher is stepped
    through."""
    leaf, deleted = postings, None
    if isinstance(postings, FilterMatcher) and postings._exclude:
        leaf, deleted = postings.child, postings._ids  # a segment with deleted documents
    if type(leaf) is not W3LeafMatcher:
        yield _stepped(postings)
        return
    while leaf.is_active():
        leaf._read_ids()
        leaf._read_weights()
        documents, weights = leaf._ids, leaf._weights
        if deleted:
            kept = [i for i, document in enumerate(documents) if document not in deleted]
            documents, weights = [documents[i] for i in kept], [weights[i] for i in kept]
        yield documents, weights
        leaf._next_block()


def _stepped(postings: Matcher) -> tuple[list[int], list[float]]:
    documents, weights = [], []
    while postings.is_active():
        documents.append(postings.id())
        weights.append(postings.weight())
        postings.next()
    return documents, weights


def build_filter(query: SearchQuery) -> Query | None:
    conditions: list[Query] = []
    if query.public_only:
        conditions.append(Term("public", "1"))
    for field in ("side", "kind", "category"):
        value = getattr(query, field)
        if value is not None:
            conditions.append(Term(field, value))
    if query.available is not None:
        conditions.append(Term("available", "1" if query.available else "0"))
    if query.place_id is not None:
        conditions.append(Term("place_ids", str(query.place_id)))
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else And(conditions)


class WhooshIndex:
    def __init__(self, root: str | os.PathLike[str], lock_timeout: float = 5.0) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout
        self._local = threading.local()

    # --- opening -----------------------------------------------------------------------------

    def _current_generation(self) -> str:
        try:
            name = (self.root / CURRENT_FILE).read_text().strip()
        except OSError as exc:
            raise IndexUnavailable(f"no search index in {self.root}") from exc
        if not name or "/" in name:
            raise IndexUnavailable(f"{self.root / CURRENT_FILE} is damaged")
        return name

    def _open(self, generation: str) -> whoosh_index.Index:
        """The generation's Whoosh index. Opening it lists the index's files, then reads the
        newest table of contents; a writer that commits in between deletes the version it
        replaced, so a file gone missing means trying again, which finds the newer version.
        (Whoosh retries the same race itself when it opens a reader, but not here.)"""
        for _ in range(OPEN_ATTEMPTS - 1):
            try:
                return self._open_once(generation)
            except IndexUnavailable as exc:
                if not isinstance(exc.__cause__, FileNotFoundError):
                    raise
        return self._open_once(generation)

    def _open_once(self, generation: str) -> whoosh_index.Index:
        try:
            return whoosh_index.open_dir(str(self.root / generation))
        except Exception as exc:  # missing, truncated or corrupt files all end here
            raise IndexUnavailable(f"cannot open search index {generation}: {exc}") from exc

    def exists(self) -> bool:
        try:
            return whoosh_index.exists_in(str(self.root / self._current_generation()))
        except IndexUnavailable:
            return False

    def _searcher(self) -> Searcher:
        """This thread's searcher, reopened only when the index has changed."""
        generation = self._current_generation()
        cached: tuple[str, Searcher] | None = getattr(self._local, "searcher", None)
        try:
            if cached is not None and cached[0] == generation and cached[1].up_to_date():
                searcher = cached[1]
            else:
                if cached is not None:
                    cached[1].close()
                # Never Searcher.refresh(): Whoosh-Reloaded 2.7.5 carries the old reader's
                # segments into the refreshed one, so replaced and deleted documents stay found.
                searcher = self._open(generation).searcher()
        except IndexUnavailable:
            self._local.searcher = None
            raise
        except Exception as exc:
            self._local.searcher = None
            raise IndexUnavailable(f"cannot read search index: {exc}") from exc
        if cached is None or cached[1] is not searcher:
            self._local.filters = {}
            self._local.ranked = None
        self._local.searcher = (generation, searcher)
        return searcher

    def _allowed(self, searcher: Searcher, condition: Query | None) -> BitSet | None:
        """The documents a filter lets through, worked out once per searcher. Every search has
        one (public listings at least), and Whoosh would otherwise list all those documents
        again for each query, which costs more than the query itself."""
        if condition is None:
            return None
        allowed: dict[Query, BitSet] = self._local.filters
        documents = allowed.get(condition)
        if documents is None:
            if len(allowed) >= FILTERS_KEPT:
                allowed.clear()
            documents = BitSet(searcher.docs_for_query(condition), size=searcher.doc_count_all())
            allowed[condition] = documents
        return documents

    def close(self) -> None:
        cached = getattr(self._local, "searcher", None)
        if cached is not None:
            cached[1].close()
            self._local.searcher = None
            self._local.filters = {}
            self._local.ranked = None

    # --- reading -----------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        if not has_searchable_text(query.text):
            return SearchResults(hits=[], total=0, facets={field: {} for field in FACET_FIELDS})
        if query.keywords is not None and (query.sort != "relevance" or query.with_facets):
            raise ValueError("a keyword search is ranked by relevance and has no facets")
        try:
            searcher = self._searcher()
            allowed = self._allowed(searcher, build_filter(query))
        except IndexUnavailable:
            raise
        except Exception as exc:
            self.close()
            raise IndexUnavailable(f"search failed: {exc}") from exc
        if allowed is not None and not allowed:
            # Nothing passes the filter (and Whoosh would take an empty set for no filter).
            facets = {field: {} for field in FACET_FIELDS} if query.with_facets else {}
            return SearchResults(hits=[], total=0, facets=facets)
        try:
            if query.keywords is not None:
                return self._keyword_search(searcher, query, allowed)
            return self._text_search(searcher, query, allowed)
        except IndexUnavailable:
            raise
        except Exception as exc:
            self.close()
            raise IndexUnavailable(f"search failed: {exc}") from exc

    @staticmethod
    def _text_search(
        searcher: Searcher, query: SearchQuery, allowed: BitSet | None
    ) -> SearchResults:
        text_query = build_text_query(query.text)
        if text_query is None:
            facets = {field: {} for field in FACET_FIELDS} if query.with_facets else {}
            return SearchResults(hits=[], total=0, facets=facets)
        options: dict[str, Any] = {"filter": allowed, "limit": query.page * query.per_page}
        if query.exclude_owner_id is not None:
            options["mask"] = Term("owner_id", str(query.exclude_owner_id))
        if query.sort == "newest":
            options.update(sortedby="created_at", reverse=True)
        elif query.sort == "ending_soon":
            options.update(sortedby="expires_at")
        if query.with_facets:
            options.update(
                groupedby={field: sorting.FieldFacet(field) for field in FACET_FIELDS},
                maptype=sorting.Count,
            )
        results = searcher.search(text_query, **options)
        start = (query.page - 1) * query.per_page
        hits = [
            SearchHit(listing_id=int(hit["id"]), score=float(hit.score or 0.0))
            for hit in results[start : start + query.per_page]
        ]
        facets = (
            {
                field: {str(k): int(v) for k, v in results.groups(field).items()}
                for field in FACET_FIELDS
            }
            if query.with_facets
            else {}
        )
        total = len(results) if query.with_total else len(hits)
        return SearchResults(hits=hits, total=total, facets=facets)

    def _ranked_by_keywords(
        self, searcher: Searcher, text: str, how_many: int
    ) -> list[tuple[int, float]]:
        """(document number, score) of every document with any of the text's keywords, best
        first (equal scores in index order, as Whoosh ranks them). Kept for the last text
        searched: matching looks for the same words twice in a row, anywhere and then nearby."""
        key = (text, how_many)
        kept: tuple[tuple[str, int], list[tuple[int, float]]] | None = self._local.ranked
        if kept is None or kept[0] != key:
            words = keywords_of(text, how_many, searcher)
            scores = keyword_scores(searcher, words, translated_keywords(words, searcher))
            kept = (key, sorted(scores.items(), key=lambda item: (-item[1], item[0])))
            self._local.ranked = kept
        return kept[1]

    def _keyword_search(
        self, searcher: Searcher, query: SearchQuery, allowed: BitSet | None
    ) -> SearchResults:
        assert query.keywords is not None
        ranked = self._ranked_by_keywords(searcher, query.text, query.keywords)
        masked: set[int] = set()
        if query.exclude_owner_id is not None:
            masked = set(searcher.docs_for_query(Term("owner_id", str(query.exclude_owner_id))))
        passing = (
            (document, score)
            for document, score in ranked
            if (allowed is None or document in allowed) and document not in masked
        )
        wanted = query.page * query.per_page
        # Without a total, only as many documents are checked against the filter as are shown.
        found = list(passing) if query.with_total else list(itertools.islice(passing, wanted))
        hits = [
            SearchHit(listing_id=int(searcher.stored_fields(document)["id"]), score=score)
            for document, score in found[(query.page - 1) * query.per_page : wanted]
        ]
        return SearchResults(hits=hits, total=len(found) if query.with_total else len(hits))

    def count(self) -> int:
        return self._searcher().doc_count()

    # --- writing -----------------------------------------------------------------------------

    def mark(self) -> Mark:
        return _read_mark(self.root / self._current_generation())

    def write(self, changes: Changes) -> None:
        generation = self._current_generation()
        self._write_to(self._open(generation), self.root / generation, changes, self.lock_timeout)

    @staticmethod
    def _write_to(
        ix: whoosh_index.Index, directory: Path, changes: Changes, timeout: float
    ) -> None:
        """Take the write lock, then ask ``changes`` what to write: whatever it reads is then
        no older than what the index already holds, so a slower writer never overwrites a
        newer document with an older one."""
        try:
            writer = ix.writer(timeout=timeout)
        except LockError as exc:
            raise IndexBusy(f"the search index stayed locked for {timeout}s") from exc
        except Exception as exc:
            raise IndexUnavailable(f"cannot write search index: {exc}") from exc
        try:
            upserts, deletes, mark = changes(_read_mark(directory))
        except BaseException:
            writer.cancel()
            raise
        try:
            for listing_id in deletes:
                writer.delete_by_term("id", str(listing_id))
            for document in upserts:
                writer.update_document(**document)
            writer.commit()
        except Exception as exc:
            writer.cancel()
            raise IndexUnavailable(f"cannot write search index: {exc}") from exc
        _write_mark(directory, mark)

    def hold_write_lock(self, timeout: float) -> Any:
        """The live generation's write lock, for a rebuild's final catch-up; None if unavailable."""
        try:
            ix = self._open(self._current_generation())
            lock = ix.lock("WRITELOCK")
        except IndexUnavailable:
            return None
        if not _acquire(lock, timeout):
            raise IndexBusy(f"the search index stayed locked for {timeout}s")
        return lock

    def rebuild(
        self,
        documents: Iterable[Document],
        on_progress: Callable[[int], None] | None = None,
        catch_up: Changes | None = None,
    ) -> int:
        """Build a new generation from ``documents``, apply ``catch_up`` under the live index's
        write lock, then point CURRENT at the new generation atomically."""
        self.root.mkdir(parents=True, exist_ok=True)
        generation = f"gen-{uuid.uuid4().hex[:12]}"
        directory = self.root / generation
        directory.mkdir()
        writer = None
        try:
            ix = whoosh_index.create_in(str(directory), SCHEMA)
            documents = iter(documents)
            first = list(itertools.islice(documents, REBUILD_PARALLEL_FROM))
            writer = _rebuild_writer(ix, parallel=len(first) == REBUILD_PARALLEL_FROM)
            count = 0
            for document in itertools.chain(first, documents):
                writer.add_document(**document)
                count += 1
                if on_progress is not None:
                    on_progress(count)
            writer.commit(merge=False)
            writer = None
            _check_count(ix, count)
            live_lock = self.hold_write_lock(self.lock_timeout * 6)
            try:
                if catch_up is not None:
                    self._write_to(ix, directory, catch_up, self.lock_timeout)
                self._point_current_at(generation)
            finally:
                if live_lock is not None:
                    live_lock.release()
        except BaseException:
            if writer is not None:
                writer.cancel()
            shutil.rmtree(directory, ignore_errors=True)
            raise
        self._remove_old_generations(keep=generation)
        self.close()
        return count

    def _point_current_at(self, generation: str) -> None:
        temporary = self.root / f"{CURRENT_FILE}.{uuid.uuid4().hex[:8]}"
        temporary.write_text(generation)
        os.replace(temporary, self.root / CURRENT_FILE)

    def _remove_old_generations(self, keep: str) -> None:
        for entry in self.root.iterdir():
            if entry.is_dir() and entry.name.startswith("gen-") and entry.name != keep:
                shutil.rmtree(entry, ignore_errors=True)


def _rebuild_writer(ix: whoosh_index.Index, parallel: bool) -> Any:
    if parallel and REBUILD_PROCESSES > 1:
        return ix.writer(
            procs=REBUILD_PROCESSES,
            multisegment=True,
            limitmb=REBUILD_WRITER_MB,
            batchsize=REBUILD_BATCH,
        )
    return ix.writer(limitmb=REBUILD_WRITER_MB)


def _check_count(ix: whoosh_index.Index, expected: int) -> None:
    """Whoosh's parallel writer drops the segment of a writing process that died without a
    word; a rebuild that lost documents must not replace the live index."""
    found = ix.doc_count_all()
    if found != expected:
        raise IndexUnavailable(f"the rebuilt index holds {found} documents, not {expected}")


def _read_mark(directory: Path) -> Mark:
    """A generation's mark; ``{}`` when it has none or it cannot be read, which only makes the
    next drain apply more than it needs to."""
    try:
        mark = json.loads((directory / MARK_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return mark if isinstance(mark, dict) else {}


def _write_mark(directory: Path, mark: Mark) -> None:
    temporary = directory / f"{MARK_FILE}.{uuid.uuid4().hex[:8]}"
    try:
        temporary.write_text(json.dumps(mark, separators=(",", ":")))
        os.replace(temporary, directory / MARK_FILE)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise IndexUnavailable(f"cannot keep the search index's mark: {exc}") from exc


def _acquire(lock: Any, timeout: float) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while True:
        if lock.acquire(blocking=False):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
