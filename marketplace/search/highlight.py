"""Snippets with the query's words marked: ``<mark>`` around matches, everything else escaped."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from html import escape

from marketplace.search.analysis import chinese_words, latin_words, text_runs
from marketplace.text import folded

SNIPPET_WIDTH = 80


@functools.lru_cache(maxsize=256)
def highlight_terms(query: str) -> tuple[str, ...]:
    """What to mark: the query's Chinese runs and words, and its Latin words (matched as prefixes,
    so "lesson" marks "lessons"). Worked out once for all the hits of a query."""
    terms: set[str] = set()
    for kind, run in text_runs(query):
        if kind == "cjk":
            terms.add(run)
            terms.update(word for word in chinese_words(run) if len(word) > 1)
        else:
            terms.add(run)
    terms.update(latin_words(query))
    return tuple(sorted(terms, key=len, reverse=True))


class _CharacterFolds(dict[int, str]):
    """A ``str.translate`` table folding one character at a time, which keeps the positions.
    It fills itself as characters come up (the same few thousand come up in every snippet);
    ``irregular`` holds those that fold to other than exactly one character."""

    LIMIT = 16384

    def __init__(self) -> None:
        super().__init__()
        self.irregular: set[str] = set()

    def __missing__(self, code: int) -> str:
        character = chr(code)
        replacement = folded(character)
        if len(replacement) != 1:
            self.irregular.add(character)
        if len(self) < self.LIMIT:
            self[code] = replacement
        return replacement


_character_folds = _CharacterFolds()


def _fold_with_positions(text: str) -> tuple[str, Sequence[int]]:
    """The folded text and, for each of its characters, the index of the original character."""
    folded_text = text.translate(_character_folds)
    if _character_folds.irregular.isdisjoint(text):
        # Every character folded to exactly one: positions are unchanged (the usual case).
        return folded_text, range(len(text))
    positions: list[int] = []
    for index, character in enumerate(text):
        positions.extend([index] * len(_character_folds[ord(character)]))
    return folded_text, positions


def _match_spans(text: str, terms: tuple[str, ...]) -> list[tuple[int, int]]:
    folded_text, positions = _fold_with_positions(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        if not term or term not in folded_text:  # most terms are not in a given text
            continue
        pattern = re.escape(term)
        if term.isascii():
            pattern = rf"(?<![a-z0-9]){pattern}[a-z0-9]*"
        for match in re.finditer(pattern, folded_text):
            start, end = positions[match.start()], positions[match.end() - 1] + 1
            if not any(start < taken_end and end > taken_start for taken_start, taken_end in spans):
                spans.append((start, end))
    return sorted(spans)


def snippet(title: str, description: str, query: str, width: int = SNIPPET_WIDTH) -> str:
    """A short excerpt of the description (or the title) around the first match, marked up."""
    terms = highlight_terms(query)
    for text in (description, title):
        spans = _match_spans(text, terms)
        if spans:
            return _render(text, spans, width)
    return escape(description[:width] if description else title)


def _render(text: str, spans: list[tuple[int, int]], width: int) -> str:
    first_start = spans[0][0]
    start = max(0, min(first_start - width // 4, len(text) - width))
    end = min(len(text), start + width)
    pieces = ["…" if start > 0 else ""]
    cursor = start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        pieces.append(escape(text[cursor:span_start]))
        pieces.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    pieces.append(escape(text[cursor:end]))
    pieces.append("…" if end < len(text) else "")
    return "".join(pieces)
