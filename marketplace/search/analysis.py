"""The one analyser used at index time and at query time.

Text is folded (NFKC, lower case, traditional characters to simplified) and split into runs of
Chinese characters and runs of Latin letters and digits. Three term streams come out of it:

- words: Chinese runs segmented in search mode (rjieba, so 婴儿车 gives 婴儿 and 婴儿车), Latin
  words without common stop words and Porter-stemmed (lessons -> lesson);
- characters: single Chinese characters and character bigrams, so that a one-character or
  partial query (钻, 儿车) still finds 电钻, 婴儿车;
- pinyin: toneless syllables of every Chinese word and their concatenation, so that ``qingxi``
  and ``ying er che`` find 清溪 and 婴儿车.

The index stores these terms as space-separated text; queries are built from the same
functions, so both sides always agree.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from whoosh.lang.porter import stem

from marketplace.text import folded

_RUNS = re.compile(r"(?P<cjk>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)|(?P<latin>[^\W_]+)")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Function words that say nothing about what is offered or needed.
CHINESE_STOP_WORDS = frozenset(
    "的 了 和 与 及 或 我 你 他 她 它 我们 你们 是 在 有 想 要 求 请 吗 呢 吧 啊 也 都 "
    "就 很 个 一个 一些 这 那 这个 那个 给 把 被 让 可以 需要 谁 什么".split()
)
ENGLISH_STOP_WORDS = frozenset(
    "a an and are as at be but by for from has have i in is it its of on or our that the this "
    "to was we were will with you your my me need want looking".split()
)
MIN_FUZZY_LENGTH = 5


@functools.cache
def _segmenter():  # type: ignore[no-untyped-def]
    """rjieba's dictionary, loaded once per process on first use."""
    import rjieba

    return rjieba


def warm_up() -> None:
    """Load the segmenter's dictionary now rather than on the first request."""
    _segmenter().cut_for_search("预热")


def text_runs(text: str) -> Iterator[tuple[str, str]]:
    for match in _RUNS.finditer(folded(text)):
        if match.group("cjk"):
            yield "cjk", match.group("cjk")
        else:
            yield "latin", match.group("latin")


def chinese_words(run: str) -> list[str]:
    return list(_chinese_words(run))


@functools.lru_cache(maxsize=65536)
def _chinese_words(run: str) -> tuple[str, ...]:
    """A run's words, kept: listings repeat the same runs (places, 九成新, 出借) very often."""
    return tuple(word for word in _segmenter().cut_for_search(run) if _CJK.search(word))


def word_terms(text: str) -> list[str]:
    """Segmented Chinese words and stemmed Latin words, stop words removed."""
    terms: list[str] = []
    for kind, run in text_runs(text):
        if kind == "cjk":
            terms.extend(word for word in chinese_words(run) if word not in CHINESE_STOP_WORDS)
        elif run not in ENGLISH_STOP_WORDS:
            terms.append(stem(run))
    return terms


def whole_words(terms: list[str]) -> list[str]:
    """The words without the pieces that search-mode segmentation adds (婴儿 of 婴儿车): a
    listing that shares only 婴儿 with a request for a 婴儿车 is about another baby thing."""
    chinese = {term for term in terms if not term.isascii()}
    return [
        term
        for term in terms
        if term.isascii() or not any(term != other and term in other for other in chinese)
    ]


def latin_words(text: str) -> list[str]:
    """Unstemmed Latin words of the text (for fuzzy matching and pinyin queries)."""
    return [
        run for kind, run in text_runs(text) if kind == "latin" and run not in ENGLISH_STOP_WORDS
    ]


def char_terms(text: str) -> list[str]:
    """Every Chinese character and every pair of neighbouring characters."""
    terms: list[str] = []
    for kind, run in text_runs(text):
        if kind == "cjk":
            terms.extend(run)
            terms.extend(run[i : i + 2] for i in range(len(run) - 1))
    return terms


def char_query_groups(text: str) -> list[list[str]]:
    """For each Chinese run of a query: its bigrams (all must match), or the character alone."""
    groups = []
    for kind, run in text_runs(text):
        if kind == "cjk":
            groups.append([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
    return groups


@functools.cache
def _pinyin(word: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin

    return tuple(
        syllable for syllable in lazy_pinyin(word, style=Style.NORMAL) if syllable.isalpha()
    )


def pinyin_terms(text: str) -> list[str]:
    """Syllables of every Chinese word, and each word's syllables run together."""
    terms: list[str] = []
    for kind, run in text_runs(text):
        if kind != "cjk":
            continue
        for word in chinese_words(run):
            syllables = _pinyin(word)
            terms.extend(syllables)
            if len(syllables) > 1:
                terms.append("".join(syllables))
    return terms


@dataclass(frozen=True)
class Terms:
    """The three term streams of one text, as ``word_terms``, ``char_terms`` and
    ``pinyin_terms`` give them, from a single pass over its runs."""

    words: list[str]
    chars: list[str]
    pinyin: list[str]


def terms(text: str) -> Terms:
    words: list[str] = []
    chars: list[str] = []
    pinyin: list[str] = []
    for kind, run in text_runs(text):
        if kind != "cjk":
            if run not in ENGLISH_STOP_WORDS:
                words.append(stem(run))
            continue
        segmented = _chinese_words(run)
        words.extend(word for word in segmented if word not in CHINESE_STOP_WORDS)
        chars.extend(run)
        chars.extend(run[i : i + 2] for i in range(len(run) - 1))
        for word in segmented:
            syllables = _pinyin(word)
            pinyin.extend(syllables)
            if len(syllables) > 1:
                pinyin.append("".join(syllables))
    return Terms(words=words, chars=chars, pinyin=pinyin)


def has_searchable_text(text: str) -> bool:
    """False for a query of only punctuation, spaces or symbols."""
    return any(True for _ in text_runs(text))
