"""Normalisation of user-entered text, shared by every domain."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

_CONTROL_CHARACTERS = re.compile(
    r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]"
)
_SPACES = re.compile(r"[ \t]+")


def normalise_line(value: str) -> str:
    """NFKC, control and invisible characters removed, inner runs of spaces collapsed, trimmed."""
    value = unicodedata.normalize("NFKC", value)
    value = _CONTROL_CHARACTERS.sub("", value).replace("\n", " ").replace("\r", " ")
    return _SPACES.sub(" ", value).strip()


def normalise_text(value: str) -> str:
    """Like ``normalise_line`` but keeps line breaks (descriptions); CRLF becomes LF."""
    value = unicodedata.normalize("NFKC", value).replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL_CHARACTERS.sub("", value)
    lines = [_SPACES.sub(" ", line).strip() for line in value.split("\n")]
    return "\n".join(lines).strip()


def normalise_email(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().lower()


def normalise_phone(value: str) -> str:
    """Mainland mobile numbers: full-width digits, spaces, dashes and a +86 prefix are tolerated."""
    digits = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", value))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")


@functools.cache
def _traditional_to_simplified() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(value: str) -> str:
    """Traditional Chinese characters converted to simplified (OpenCC t2s); other text unchanged."""
    return _traditional_to_simplified().convert(value)


def folded(value: str) -> str:
    """Text reduced for matching: NFKC, lower-case, simplified Chinese."""
    return to_simplified(unicodedata.normalize("NFKC", value).casefold())
