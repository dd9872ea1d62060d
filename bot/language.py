"""Which language a message is in, as far as the reply needs to know: French or not.

The knowledge base answers in Arabic only. A French question still gets the
Arabic answer, with one French line saying so; Arabizi (Darija in Latin
letters, "wach kayn l9raya") is not French and gets no such line.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import yaml

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_ARABIZI_DIGITS = re.compile(r"(?:[a-z][2356789]|[2356789][a-z])")  # ta3awon, 7ta, l9raya
_ACCENTED = frozenset("éèêëàâîïôûùüçœ")
MIN_LATIN_SHARE = 0.7  # of the message's letters

WORDS_PATH = Path(__file__).with_name("language.yaml")


@cache
def _words() -> tuple[frozenset[str], frozenset[str]]:
    """(French words, Darija words), from language.yaml."""
    with WORDS_PATH.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return frozenset(data["french"]), frozenset(data["darija"])


def _letters(text: str) -> tuple[int, int]:
    """(Latin letters, all letters)."""
    latin = letters = 0
    for char in text:
        if char.isalpha():
            letters += 1
            if unicodedata.name(char, "").startswith("LATIN"):
                latin += 1
    return latin, letters


def is_french(text: str) -> bool:
    """True for a message mostly in Latin letters that reads as French, not Arabizi."""
    if not isinstance(text, str):
        return False
    latin, letters = _letters(text)
    if not letters or latin / letters < MIN_LATIN_SHARE:
        return False
    lowered = text.lower()
    words = _WORD.findall(lowered)
    if any(_ARABIZI_DIGITS.search(word) for word in words):
        return False
    french_words, darija_words = _words()
    french = sum(word in french_words for word in words)
    french += sum(1 for word in words if _ACCENTED & set(word))
    darija = sum(word in darija_words for word in words)
    return french > 0 and french > darija
