"""Right-to-left display: commands and Latin runs inside Arabic lines stay readable.

Without marks, "/topics" inside an Arabic sentence shows as "topics/" (the
slash takes the Arabic direction) and a line that starts with Latin letters
("• wach ta3awon…") becomes a left-to-right paragraph. Wrapping each Latin
run in a left-to-right isolate, and opening such a line with a right-to-left
mark, fixes both in Telegram and in terminals that apply the Unicode bidi
algorithm. Pure functions, no I/O.
"""

from __future__ import annotations

import re

LRI = "\u2066"  # left-to-right isolate
PDI = "\u2069"  # pop directional isolate
RLM = "\u200f"  # right-to-left mark
_MARKS = str.maketrans("", "", LRI + PDI + RLM + "\u2067\u2068\u200e")

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN = "A-Za-z\u00c0-\u024f"
# A run of Latin words (or a /command, @name), with the spaces, digits and
# punctuation between them; it starts and ends on a letter, digit or quote.
_LATIN_RUN = re.compile(
    rf"[/@]?[{_LATIN}][{_LATIN}0-9_'’]*"
    rf"(?:[ \-,.'’?!:;/]+[/@]?[{_LATIN}0-9][{_LATIN}0-9_'’]*)*[?!]?"
)
_BULLET = re.compile(r"^\s*[•●▪◦*\-–—]\s")  # a list item
_FIRST_STRONG = re.compile(rf"[{_LATIN}]|{_ARABIC.pattern}")


def has_arabic(text: str) -> bool:
    return bool(_ARABIC.search(text))


def strip_marks(text: str) -> str:
    """The text without the marks `rtl` adds (for tests and comparisons)."""
    return text.translate(_MARKS)


def rtl_line(line: str) -> str:
    """One line of an Arabic message, its Latin runs isolated, right-to-left from the start."""
    if LRI in line or RLM in line:  # marked already
        return line
    marked = _LATIN_RUN.sub(lambda m: f"{LRI}{m.group(0)}{PDI}", line)
    first = _FIRST_STRONG.search(line)
    if first is not None and not _ARABIC.match(first.group(0)):
        marked = RLM + marked  # the paragraph would start left-to-right
    return marked


def rtl(text: str) -> str:
    """An Arabic message ready to display: each line that mixes in Latin is marked.

    A Latin line that is an item of the message's list ("• wach kayn…") is marked
    too, so it stays in the right-to-left list; a Latin sentence of its own (a
    French line) stays left-to-right, as French reads. A message without Arabic
    is left as it is, and so are lines with no Latin letters.
    """
    if not has_arabic(text):
        return text
    return "\n".join(
        rtl_line(line) if has_arabic(line) or _BULLET.match(line) else line
        for line in text.split("\n")
    )
