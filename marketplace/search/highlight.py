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


# Folding one character at a time keeps the positions; the same few thousand characters come
# up in every snippet, so each is folded once.
_folded_character = functools.lru_cache(maxsize=16384)(folded)


def _fold_with_positions(text: str) -> tuple[str, Sequence[int]]:
    """The folded text and, for each of its characters, the index of the original character."""
    folded_chars = [_folded_character(character) for character in text]
    folded_text = "".join(folded_chars)
    if len(folded_text) == len(text) and "" not in folded_chars:
        # Every character folded to exactly one: positions are unchanged (the usual case).
        return folded_text, range(len(text))
    positions: list[int] = []
    for index, replacement in enumerate(folded_chars):
        positions.extend([index] * len(replacement))
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
