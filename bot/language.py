"""Which language a message is in, as far as the reply needs to know: French or not.

The knowledge base answers in Arabic only. A French question still gets the
Arabic answer, with one French line saying so; Arabizi (Darija in Latin
letters, "wach kayn l9raya") is not French and gets no such line.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_ARABIZI_DIGITS = re.compile(r"(?:[a-z][2356789]|[2356789][a-z])")  # ta3awon, 7ta, l9raya
_ACCENTED = frozenset("éèêëàâîïôûùüçœ")
MIN_LATIN_SHARE = 0.7  # of the message's letters

# Words that only French uses in these messages (Darija in Latin letters has its own).
FRENCH_WORDS = frozenset(
    [
        "le",
        "la",
        "les",
        "un",
        "une",
        "des",
        "du",
        "de",
        "et",
        "est",
        "sont",
        "pour",
        "avec",
        "dans",
        "sur",
        "par",
        "au",
        "aux",
        "qui",
        "que",
        "quoi",
        "quel",
        "quelle",
        "quels",
        "quelles",
        "comment",
        "pourquoi",
        "quand",
        "combien",
        "où",
        "ou",
        "je",
        "j",
        "il",
        "elle",
        "nous",
        "vous",
        "ils",
        "elles",
        "mon",
        "ma",
        "mes",
        "votre",
        "vos",
        "notre",
        "nos",
        "ce",
        "cette",
        "ces",
        "c'est",
        "qu'est",
        "l'entraide",
        "d'une",
        "d'un",
        "qu'il",
        "peut",
        "peuvent",
        "puis",
        "faire",
        "fait",
        "aide",
        "aides",
        "enfant",
        "enfants",
        "femme",
        "femmes",
        "fille",
        "filles",
        "personnes",
        "handicapées",
        "âgées",
        "formation",
        "professionnelle",
        "programme",
        "programmes",
        "centre",
        "centres",
        "nationale",
        "entraide",
        "bénéficier",
        "services",
        "association",
        "associations",
    ]
)
DARIJA_WORDS = frozenset(
    [
        "wach",
        "wash",
        "chno",
        "chnou",
        "achno",
        "kayn",
        "kayna",
        "kaynin",
        "dyal",
        "dial",
        "bghit",
        "bghina",
        "ana",
        "nta",
        "nti",
        "homa",
        "howa",
        "hiya",
        "fin",
        "kifach",
        "kifash",
        "ch7al",
        "chhal",
        "3la",
        "3lach",
        "mn",
        "men",
        "f",
        "fl",
        "l",
        "lli",
        "li",
        "bzaf",
        "chi",
        "shi",
        "ma",
        "makaynch",
        "walo",
        "daba",
        "ghir",
        "m3a",
        "3nd",
        "3ndkom",
        "ndir",
        "ndiro",
        "nqder",
        "n9der",
    ]
)


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
    french = sum(word in FRENCH_WORDS for word in words)
    french += sum(1 for word in words if _ACCENTED & set(word))
    darija = sum(word in DARIJA_WORDS for word in words)
    return french > 0 and french > darija
