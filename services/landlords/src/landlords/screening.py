"""Screening of free-text notes for wording that may discriminate (DOMAIN 4.9)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise_text(text: str) -> str:
    """Casefolded words without accents or punctuation, padded with spaces for whole-word search."""
    bare = text.casefold()
    if not bare.isascii():
        decomposed = unicodedata.normalize("NFKD", bare)
        bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " " + _NON_WORD.sub(" ", bare).strip() + " "


@lru_cache(maxsize=8)
def _normalised_keywords(keywords: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((kw, normalise_text(kw)) for kw in keywords)


def screen_notes(*, notes: str, keywords: tuple[str, ...]) -> tuple[str, ...]:
    """The review keywords found in free text, as whole words, ignoring case and accents."""
    if not notes.strip():
        return ()
    text = normalise_text(notes)
    return tuple(kw for kw, norm in _normalised_keywords(keywords) if norm in text)
