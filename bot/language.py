"""Which language a message is in, as far as the reply needs to know: French, English,
or neither.

The knowledge base answers in Arabic only. A French question still gets the
Arabic answer, with one French line saying so, and an English one an English
line; Arabizi (Darija in Latin letters, "wach kayn l9raya") is neither and gets
no such line.
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
def _words() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(French words, Darija words, English words), from language.yaml."""
    with WORDS_PATH.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return frozenset(data["french"]), frozenset(data["darija"]), frozenset(data["english"])


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
    return language_of(text) == "fr"


def language_of(text: str) -> str | None:
    """The language of a message mostly in Latin letters that reads as French ("fr") or
    English ("en"); None for Arabic script, Arabizi, or too little to tell."""
    if not isinstance(text, str):
        return None
    latin, letters = _letters(text)
    if not letters or latin / letters < MIN_LATIN_SHARE:
        return None
    lowered = text.lower()
    words = _WORD.findall(lowered)
    if any(_ARABIZI_DIGITS.search(word) for word in words):
        return None
    french_words, darija_words, english_words = _words()
    french = sum(word in french_words for word in words)
    french += sum(1 for word in words if _ACCENTED & set(word))
    english = sum(word in english_words for word in words)
    darija = sum(word in darija_words for word in words)
    if french > 0 and french > darija and french >= english:
        return "fr"
    if english > 0 and english > darija and english > french:
        return "en"
    return None


# the knowledge base's text that tells a French or English asker the answers are Arabic
_NOTES = {"fr": "arabic_only_note", "en": "arabic_only_note_en"}
_NOTED = frozenset({"answered", "clarify", "no_match"})  # replies such a line may precede


def note_key(text: str, status: str) -> str | None:
    """The key of the line put before the reply (of this status) to this message, if any."""
    return _NOTES.get(language_of(text) or "") if status in _NOTED else None
