"""Who is asking: the situations a personal story names, read with the guide's own data.

"عندي بنت عمرها 4 سنين…" names a child of four: the knowledge base's
`situations` say which entries serve her (preschool first). The words come
from the same list that drives the eligibility guide, so the engine and the
guide never disagree; staff extend it in the YAML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.arabic import normalize
from bot.knowledge import Situation

# "عمرها 4 سنين", "4 ans", "3mro 5 snin", "سنه 12", "age de 7 ans": a number beside an age word.
_AGE_WORDS = (
    r"(?:عمر\w*|سن\w*|سنوات|سنين|سنه|عام|اعوام|ans?|snin|sna|3am|3mr\w*|age|years?|شهر|شهور)"
)
_AGE_RE = re.compile(
    rf"(?:{_AGE_WORDS}\s*(?:ديال\s*|de\s*|d\s*)?(\d{{1,2}})(?!\d))|(?:(?<!\d)(\d{{1,2}})\s*{_AGE_WORDS})"
)
_MONTHS_RE = re.compile(r"(?<!\d)(\d{1,2})\s*(?:شهر|شهور|اشهر|mois|months?)")


@dataclass(frozen=True)
class StoryReading:
    """The situations found in a message, each with the words that showed it."""

    situations: tuple[tuple[Situation, str], ...]
    ages: tuple[int, ...]

    def entry_votes(self) -> dict[str, float]:
        """Entry id → 1.0 for a situation's first entry, less for the next ones."""
        votes: dict[str, float] = {}
        for situation, _why in self.situations:
            for rank, entry in enumerate(situation.entries):
                vote = 1.0 / (1 + rank)
                votes[entry] = max(votes.get(entry, 0.0), vote)
        return votes

    def as_dict(self) -> dict[str, object]:
        return {
            "situations": [{"id": s.id, "because": why} for s, why in self.situations],
            "ages": list(self.ages),
        }


class StoryReader:
    """Finds situations in canonical text; built once per knowledge base."""

    def __init__(self, situations: Iterable[Situation], canonicalize: Callable[[str], str]):
        self._situations = tuple(situations)
        self._phrases: list[tuple[tuple[str, ...], Situation]] = []
        for situation in self._situations:
            for word in situation.words:
                written = normalize(word)
                forms = {written}
                # its canonical reading too, unless that lost a word: "بلا خدمة" is not
                # every "خدمة" (work), "غير متمدرس" not every "متمدرس", "ma fille" not
                # every child
                canonical = canonicalize(word)
                if len(canonical.split()) == len(written.split()):
                    forms.add(canonical)
                for form in forms:
                    words = tuple(form.split())
                    if words:
                        self._phrases.append((words, situation))
        self._phrases.sort(key=lambda item: -len(item[0]))  # longest first
        self._parents = {c: s for s in self._situations for c in s.choices}

    def read(self, normalized: str, canonical: str) -> StoryReading:
        """The situations the message names, narrowed by an age when it gives one."""
        found: dict[str, tuple[Situation, str]] = {}
        for text in (normalized, canonical):
            words = text.split()
            present = frozenset(words)  # a phrase whose first word is absent cannot match
            for phrase, situation in self._phrases:
                if phrase[0] in present and situation.id not in found and _contains(words, phrase):
                    found[situation.id] = (situation, " ".join(phrase))
        ages = _ages(normalized)
        if ages:
            for situation in self._situations:
                if situation.ages and any(
                    situation.ages[0] <= age <= situation.ages[1] for age in ages
                ):
                    parent = self._parents.get(situation.id)
                    # an age narrows a child already named; alone it says little
                    if parent is None or parent.id in found or situation.id in found:
                        found.setdefault(situation.id, (situation, f"{ages[0]}"))
        # a narrower situation replaces its parent (a child of four: preschool first)
        for situation_id in list(found):
            parent = self._parents.get(situation_id)
            if parent is not None:
                found.pop(parent.id, None)
        kept = tuple(item for item in found.values() if item[0].entries)
        return StoryReading(kept, tuple(ages))


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    if n == 1:
        return phrase[0] in words
    return any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1))


def _ages(normalized: str) -> list[int]:
    """Ages in years a message gives ("عمرها 4 سنين", "5 ans"); months count as year 0."""
    ages = [int(a or b) for a, b in _AGE_RE.findall(normalized)]
    ages += [0 for _ in _MONTHS_RE.findall(normalized)]
    return [a for a in ages if a <= 99]
