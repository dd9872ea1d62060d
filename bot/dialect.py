"""Darija, Arabizi and French → canonical standard-Arabic words, driven by data.

The lexicon (bot/lexicon.yaml, extended by the knowledge base's `synonyms`) maps
words and phrases in any register to the standard-Arabic words the knowledge
base uses. Latin-script words not in the lexicon are transliterated from
Arabizi. The result is plain Arabic text for the matcher, which normalizes and
stems it; the same function is applied to the knowledge base's own questions
so that both sides meet in one vocabulary.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from bot.arabic import normalize

log = logging.getLogger(__name__)

LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")

_LATIN_WORD = re.compile(r"^[a-z0-9]+$")
_HAS_LATIN_LETTER = re.compile(r"[a-z]")

# Arabizi: multi-letter spellings first, then single letters. Short vowels a/e/o
# inside a word are usually not written in Arabic, so they are dropped there.
_ARABIZI_DIGRAPHS = (
    ("ch", "\u0634"),
    ("sh", "\u0634"),
    ("kh", "\u062e"),
    ("gh", "\u063a"),
    ("th", "\u062b"),
    ("dh", "\u0630"),
    ("ou", "\u0648"),
    ("oo", "\u0648"),
    ("ee", "\u064a"),
    ("aa", "\u0627"),
    ("3'", "\u063a"),
)
_ARABIZI_LETTERS = {
    "2": "\u0627",
    "3": "\u0639",
    "4": "\u0630",
    "5": "\u062e",
    "6": "\u0637",
    "7": "\u062d",
    "8": "\u0647",
    "9": "\u0642",
    "b": "\u0628",
    "c": "\u0643",
    "d": "\u062f",
    "f": "\u0641",
    "g": "\u0643",
    "h": "\u0647",
    "j": "\u062c",
    "k": "\u0643",
    "l": "\u0644",
    "m": "\u0645",
    "n": "\u0646",
    "p": "\u0628",
    "q": "\u0642",
    "r": "\u0631",
    "s": "\u0633",
    "t": "\u062a",
    "v": "\u0641",
    "w": "\u0648",
    "x": "\u0643\u0633",
    "y": "\u064a",
    "z": "\u0632",
    "i": "\u064a",
    "u": "\u0648",
}
_SHORT_VOWELS = frozenset("aeo")

_ARTICLE = "\u0627\u0644"
_MA = "\u0645\u0627"  # ما
# Prefixed particles, longest first: وال بال فال كال لل ال و ف ب ل
_CLITICS = tuple(
    sorted(
        (
            "\u0648\u0627\u0644",
            "\u0628\u0627\u0644",
            "\u0641\u0627\u0644",
            "\u0643\u0627\u0644",
            "\u0644\u0644",
            _ARTICLE,
            "\u0648",
            "\u0641",
            "\u0628",
            "\u0644",
        ),
        key=len,
        reverse=True,
    )
)

# Darija present-tense prefix كي (كيراقب = يراقب) and negation ما...ش (ماكيقراش).
_DARIJA_PRESENT = "\u0643\u064a"
_DARIJA_NOT_VERBS = frozenset(
    normalize(w) for w in ("كيف", "كيفاش", "كيفية", "كيفيه", "كيفما", "كيان", "كيس", "كيلو")
)


def transliterate_arabizi(word: str) -> str:
    """Latin-script Darija (ta3awon, lwatani, chno) → an Arabic skeleton (تعون, لوطني, شن)."""
    word = word.lower()
    out: list[str] = []
    i = 0
    while i < len(word):
        pair = word[i : i + 2]
        mapped = next((ar for latin, ar in _ARABIZI_DIGRAPHS if pair == latin), None)
        if mapped:
            out.append(mapped)
            i += 2
            continue
        ch = word[i]
        if ch in _SHORT_VOWELS:
            # a word-initial vowel is written with alef; a final a/e often with alef too
            if i == 0 or (ch == "a" and i == len(word) - 1):
                out.append("\u0627")
        elif ch in _ARABIZI_LETTERS and not (
            out and out[-1] == _ARABIZI_LETTERS[ch] and ch not in "3792"
        ):
            out.append(_ARABIZI_LETTERS[ch])  # doubled consonants are written once
        i += 1
    # normalized like all canonical output ("22a" gives three alefs; a run is collapsed)
    return normalize("".join(out))


@dataclass(frozen=True)
class Lexicon:
    words: Mapping[str, str]  # one normalized word -> its canonical replacement ("" drops it)
    phrases: tuple[tuple[tuple[str, ...], str], ...]  # multi-word variants, longest first
    information_types: frozenset[str] = frozenset()  # canonical words naming a kind of info

    @classmethod
    def from_mapping(cls, canonical_to_variants: Mapping[str, object]) -> Lexicon:
        words: dict[str, str] = {}
        phrases: dict[tuple[str, ...], str] = {}
        for canonical, variants in canonical_to_variants.items():
            # targets normalized like everything else: the output needs no second pass
            target = "" if canonical in ("", "_drop") else normalize(str(canonical))
            items = variants if isinstance(variants, list | tuple) else [variants]
            for variant in items:
                key = tuple(normalize(str(variant)).split())
                if not key:
                    continue
                if len(key) == 1:
                    words[key[0]] = target
                else:
                    phrases[key] = target
        ordered = tuple(sorted(phrases.items(), key=lambda kv: -len(kv[0])))
        return cls(words=words, phrases=ordered)

    def merged(self, extra: Mapping[str, object]) -> Lexicon:
        other = Lexicon.from_mapping(extra)
        phrases = dict(self.phrases)
        phrases.update(other.phrases)
        return Lexicon(
            words={**self.words, **other.words},
            phrases=tuple(sorted(phrases.items(), key=lambda kv: -len(kv[0]))),
            information_types=self.information_types,
        )


class _MergingLoader(yaml.SafeLoader):
    """A key written twice in a section adds its variants instead of replacing them."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        merged: dict = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            value = self.construct_object(value_node, deep=True)
            if isinstance(merged.get(key), list) and isinstance(value, list):
                merged[key] = merged[key] + value
            else:
                merged[key] = value
        return merged


_MergingLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _MergingLoader.construct_mapping
)


def default_lexicon() -> Lexicon:
    """The lexicon file as it is now: re-read when it changes (with the knowledge base)."""
    try:
        stat = LEXICON_PATH.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = (0, 0)
    try:
        lexicon = _lexicon_at(stamp)
    except (OSError, yaml.YAMLError) as exc:  # a broken edit keeps the last good lexicon
        if _last_good:
            log.warning("lexicon not reloaded, keeping the last good one: %s", exc)
            return _last_good[-1]
        raise
    _last_good[:] = [lexicon]
    return lexicon


_last_good: list[Lexicon] = []


@lru_cache(maxsize=2)
def _lexicon_at(stamp: tuple[int, int]) -> Lexicon:
    with LEXICON_PATH.open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_MergingLoader) or {}  # noqa: S506 (a SafeLoader)
    merged: dict[str, list[str]] = {}
    for section in data.values():  # sections (darija, arabizi, french, ...) are for humans
        for canonical, variants in (section or {}).items():
            merged.setdefault(str(canonical), []).extend(
                variants if isinstance(variants, list) else [variants]
            )
    lexicon = Lexicon.from_mapping(merged)
    # topics the source lacks and people it never counts are the knowledge base's `lacking:`
    kinds = frozenset(normalize(str(k)) for k in (data.get("information_types") or {}))
    return dataclasses.replace(lexicon, information_types=kinds)


def _darija_verb(word: str, previous: str | None) -> str:
    """كيراقب → يراقب; ماكيقراش / ما كيقراش → يقرا (the negation is a function word)."""
    negated = False
    if (
        word.startswith("\u0645\u0627" + _DARIJA_PRESENT)
        and word.endswith("\u0634")
        and len(word) >= 6
    ):
        word, negated = word[2:-1], True
    if word.startswith(_DARIJA_PRESENT) and len(word) >= 5 and word not in _DARIJA_NOT_VERBS:
        if not negated and previous == "\u0645\u0627" and word.endswith("\u0634"):
            word = word[:-1]
        return word[1:]
    return word


# Darija object/plural suffixes looked behind: يعاونو → يعاون, تتابعوه → تتابع
_SUFFIXES = (
    "\u0648\u0646\u0627",
    "\u0648\u0647",
    "\u0647\u0627",
    "\u0647\u0645",
    "\u0643\u0645",
    "\u0646\u064a",
    "\u0648",
)
# One typo in a lexicon word: at this rapidfuzz ratio, for words this long
_TYPO_CUTOFF = 88.0
_TYPO_MIN_LEN = 6


def _without_affixes(word: str) -> list[str]:
    """The word with one clitic prefix or one Darija suffix removed, longest first."""
    forms = [word[len(p) :] for p in _CLITICS if word.startswith(p) and len(word) - len(p) >= 3]
    forms += [word[: -len(s)] for s in _SUFFIXES if word.endswith(s) and len(word) - len(s) >= 3]
    return forms


def consonant_skeleton(word: str) -> str:
    """The letters Arabizi spells reliably: no article, no long vowels, hamza or final ه.

    "lmarakiz" → لمركيز → مركز, and المراكز → مركز: the two meet although the
    Latin spelling of the vowels is anyone's guess.
    """
    if word.startswith(_ARTICLE):
        word = word[2:]
    elif word.startswith("\u0644") and len(word) > 4:  # Darija article l-
        word = word[1:]
    return _DOUBLED.sub(r"\1", _SKELETON_DROP.sub("", word))


_SKELETON_DROP = re.compile("[\u0627\u0648\u064a\u0649\u0621]|\u0647$")
_DOUBLED = re.compile(r"(.)\1+")  # Arabizi writes a doubled letter once, or twice
_ARABIC_WORD = re.compile("^[\u0621-\u064a]+$")


class Canonicalizer:
    """Callable text → canonical Arabic text, for queries and knowledge-base questions alike.

    With a vocabulary (the knowledge base's own Arabic words), a transliterated
    Arabizi word that shares its consonant skeleton with one of them becomes it.
    """

    def __init__(
        self,
        lexicon: Lexicon | None = None,
        *,
        vocabulary: Iterable[str] = (),
        refused: Iterable[str] = (),
    ) -> None:
        self.lexicon = lexicon or default_lexicon()
        # phrases by their first word, longest first: a query costs a dict look-up a word
        self._phrases_by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for key, replacement in self.lexicon.phrases:
            self._phrases_by_first.setdefault(key[0], []).append((key, replacement))
        # the dialogue asks twice per message (matcher, information check); questions repeat
        self._cached = lru_cache(maxsize=4096)(self._canonicalize)
        # words repeat from one question to the next far more than questions do
        self._lookup = lru_cache(maxsize=16384)(self._lookup_word)
        self._word = lru_cache(maxsize=16384)(self._replace_word)
        vocabulary = set(vocabulary)
        # words that need no typo correction: the knowledge base's own and the lexicon's
        self._known = frozenset(vocabulary) | frozenset(self.lexicon.words)
        # A typo is guessed only toward words the bot answers with: a word that makes
        # it refuse (a kind of information, a topic the source lacks) must be written
        # as listed, or "هذه الحالة" (this case) would ask for current figures (الحالية).
        refused = frozenset(self.lexicon.information_types) | frozenset(refused)
        self._arabic_keys = [
            w
            for w, target in self.lexicon.words.items()
            if _ARABIC_WORD.match(w) and target not in refused
        ]
        self._typo_keys: dict[int, list[str]] = {}  # by the length of the word looked up
        self._skeletons: dict[str, str] = {}
        for word in sorted(vocabulary):  # sorted: the same file gives the same choice
            if _ARABIC_WORD.match(word):
                key = consonant_skeleton(word)
                if len(key) >= 3:
                    self._skeletons.setdefault(key, word)

    def __call__(self, text: str) -> str:
        return self._cached(normalize(text))

    def from_normalized(self, text: str) -> str:
        """The same for text already normalized (the dialogue normalizes each message once).

        Normalization also splits French elisions: l'entraide → l entraide.
        """
        return self._cached(text)

    def _canonicalize(self, text: str) -> str:
        words = text.split()
        out: list[str] = []
        i = 0
        while i < len(words):
            phrase = self._phrase_at(words, i)
            if phrase is not None:
                length, replacement = phrase
                if replacement:
                    out.append(replacement)
                i += length
                continue
            word = words[i]
            after_ma = i > 0 and words[i - 1] == _MA  # "ما كيقراش": the negation's ش goes
            replacement = self._word(word, after_ma)
            if replacement:
                out.append(replacement)
            i += 1
        return " ".join(out)

    def _replace_word(self, word: str, after_ma: bool) -> str:
        """One word's canonical replacement ("" drops it); no phrase starts here."""
        known = self._lookup(word)
        if known is not None:
            return known
        if _HAS_LATIN_LETTER.search(word) and _LATIN_WORD.match(word):
            for form in _latin_stems(word):  # gratuits, gratuite → gratuit
                if form in self.lexicon.words:
                    return self.lexicon.words[form]
            arabic = transliterate_arabizi(word)
            # bnti → بنتي, a Darija word the lexicon knows; else a KB word by skeleton
            known = self.lexicon.words.get(arabic)
            if known is None:
                kb_word = self._skeletons.get(consonant_skeleton(arabic), arabic)
                known = self._lookup(kb_word) if kb_word != arabic else None
                known = kb_word if known is None else known
            return known
        verb = _darija_verb(word, _MA if after_ma else None)
        return self.lexicon.words.get(verb, verb)

    def _lookup_word(self, word: str) -> str | None:
        """The lexicon's word for `word`, looking behind clitics (للبنات, فالمدرسة), Darija
        suffixes (يعاونو) and, for a word nobody knows, one typo (للمعاقيين)."""
        words = self.lexicon.words
        if word in words:
            return words[word]
        for rest in _without_affixes(word):
            # للبنات is ل + البنات, but بحالي is ب + حالي ("like me"), not ب + الحالي:
            # the article is put back only where a clitic took it away
            took_article = word.endswith(rest) and len(word) - len(rest) > 1
            for candidate in (rest, _ARTICLE + rest) if took_article else (rest,):
                if candidate in words:
                    return words[candidate]
        if len(word) < _TYPO_MIN_LEN or not _ARABIC_WORD.match(word) or word in self._known:
            return None
        for rest in (word, *_without_affixes(word)):
            if len(rest) < _TYPO_MIN_LEN:
                continue
            match = process.extractOne(
                rest, self._keys_near(len(rest)), scorer=fuzz.ratio, score_cutoff=_TYPO_CUTOFF
            )
            if match is not None:
                return words[match[0]]
        return None

    def _keys_near(self, length: int) -> list[str]:
        """The lexicon's Arabic words long enough and short enough to reach the typo
        cutoff with a word of `length` letters (ratio ≤ 200·min/(sum of lengths)),
        in the lexicon's order, so that ties resolve as over the whole list."""
        found = self._typo_keys.get(length)
        if found is None:
            found = self._typo_keys[length] = [
                key
                for key in self._arabic_keys
                if 200.0 * min(length, len(key)) / (length + len(key)) >= _TYPO_CUTOFF
            ]
        return found

    def _phrase_at(self, words: list[str], i: int) -> tuple[int, str] | None:
        first = words[i]
        # "وعايش بوحدو" is "عايش بوحدو" after the conjunction
        for head in (first, first[1:] if first.startswith("\u0648") else None):
            for key, replacement in self._phrases_by_first.get(head or "", ()):
                if (head, *words[i + 1 : i + len(key)]) == key:
                    return len(key), replacement
        return None


def _latin_stems(word: str) -> tuple[str, ...]:
    """A Latin word without its French plural or feminine ending (the lexicon lists one
    form: "gratuit" also reads "gratuits", "gratuite", "gratuites")."""
    if len(word) < 5 or not word.isalpha():
        return ()
    forms = []
    for ending in ("es", "s", "e"):
        if word.endswith(ending):
            forms.append(word[: -len(ending)])
    return tuple(forms)


def canonicalizer_for(
    synonyms: Mapping[str, object] | None = None,
    *,
    vocabulary: Iterable[str] = (),
    lacking: Mapping[str, object] | None = None,
    refused: Iterable[str] = (),
) -> Canonicalizer:
    """The default lexicon, extended by a knowledge base's `lacking` words, then `synonyms`;
    ``refused``: the canonical words of topics the source lacks (no typo is read as one)."""
    lexicon = default_lexicon()
    if lacking:
        lexicon = lexicon.merged(lacking)
    if synonyms:
        lexicon = lexicon.merged(synonyms)
    return Canonicalizer(lexicon, vocabulary=vocabulary, refused=refused)
