"""Prohibited-word matching that survives the usual evasions.

Text and words are folded (NFKC, so full-width letters become ASCII; lower case; traditional
characters to simplified). Chinese words are then looked for in the text with every character that
is not a letter or digit removed, so "處 方 藥" and "处-方-药" both contain 处方药. Latin words
are matched as whole words (so "gun" does not match "begun"), where runs of single letters count
as one word ("g u n") and a plural s is allowed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from marketplace.text import folded

_LATIN_WORD = re.compile(r"[a-z0-9]+")


def _is_latin(word: str) -> bool:
    return all(ord(character) < 128 for character in word)


def _letters_only(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c)[0] in "LN")


def _latin_tokens(text: str) -> list[str]:
    """Latin words of the text, with runs of single letters joined ("g u n" -> "gun")."""
    tokens: list[str] = []
    run: list[str] = []
    for token in _LATIN_WORD.findall(text):
        if len(token) == 1:
            run.append(token)
            continue
        if run:
            tokens.append("".join(run))
            run = []
        tokens.append(token)
    if run:
        tokens.append("".join(run))
    return tokens


def _matches_latin(word_tokens: list[str], tokens: list[str]) -> bool:
    size = len(word_tokens)
    for start in range(len(tokens) - size + 1):
        window = tokens[start : start + size]
        if window[:-1] == word_tokens[:-1] and window[-1] in (
            word_tokens[-1],
            word_tokens[-1] + "s",
            word_tokens[-1] + "es",
        ):
            return True
    joined = "".join(word_tokens)
    return size > 1 and joined in tokens


def find_prohibited_word(texts: Iterable[str], words: Iterable[str]) -> str | None:
    """The first prohibited word found in any of the texts, or None."""
    text = folded(" ".join(texts))
    compact = _letters_only(text)
    tokens = _latin_tokens(text)
    for word in words:
        folded_word = folded(word).strip()
        if not folded_word:
            continue
        if _is_latin(folded_word):
            if _matches_latin(_LATIN_WORD.findall(folded_word), tokens):
                return word
        elif _letters_only(folded_word) in compact:
            return word
    return None
