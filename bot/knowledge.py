"""The knowledge-base schema: loading, defaults and validation with file:line:column."""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.arabic import STOP_WORDS, normalize, stem
from bot.yamlmarks import MarkedDict, MarkedList, Position, YamlSyntaxError, load_marked

DEFAULTS_PATH = Path(__file__).with_name("defaults.yaml")
ENTRY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
DEFAULT_CATEGORY = "general"
MAX_ANSWER_CHARS = (
    4000  # longer answers are split by adapters, but a KB answer this long is a mistake
)
PHONE_ANSWER_CHARS = 1000  # about two phone screens: past this, readers give up scrolling

# The keys each part of the file may hold; anything else is a typo until proven otherwise
# (a misspelled `alternative:` once silently dropped every alternative).
TOP_KEYS = frozenset(
    {"meta", "entries", "texts", "categories", "smalltalk", "synonyms"}
    | {"label", "situations", "profiles", "lacking"}  # read by other parts of the bot
)
# keys that belong inside another section: written at the top, they are named where they go
_MISPLACED_TOP_KEYS = {"topics": "lacking", "people": "lacking"}
ENTRY_KEYS = frozenset(
    {"id", "category", "question", "alternatives", "answer", "follow_up", "source"}
    | {"truncated", "label"}
)
SMALLTALK_KEYS = frozenset({"id", "patterns", "replies", "reply"})
SITUATION_KEYS = frozenset({"id", "label", "words", "entries", "ask", "choices", "ages"})
LACKING_KEYS = frozenset({"topics", "people"})


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a knowledge-base file, where it stands.

    A warning does not stop the bot (two questions that read alike, a long answer, a phone
    number in an answer): it is listed, and `validate --strict` makes it an error.
    """

    path: str
    line: int
    column: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        label = "warning: " if self.warning else ""
        return f"{self.path}:{self.line}:{self.column}: {label}{self.message}"


class KnowledgeBaseError(Exception):
    """The file cannot be used; str() is one line per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Entry:
    id: str
    question: str
    answer: str
    category: str = DEFAULT_CATEGORY
    alternatives: tuple[str, ...] = ()
    follow_up: tuple[str, ...] = ()
    source: str = ""
    truncated: bool = False
    label: str = ""  # the short button text; the question when empty

    @property
    def button_label(self) -> str:
        """What a button leading to this entry reads."""
        return self.label or self.question

    @property
    def texts(self) -> tuple[str, ...]:
        """Every way of asking for this entry: the question first."""
        return (self.question, *self.alternatives)


@dataclass(frozen=True)
class SmallTalk:
    id: str
    patterns: tuple[str, ...]
    replies: tuple[str, ...]


@dataclass(frozen=True)
class Situation:
    """Who may benefit: one step of the eligibility guide, and how a story names it.

    A situation leads either to entries (the services the source names for it,
    best first) or, after a further question (``ask``), to narrower situations
    (``choices``). ``words`` and ``ages`` let the engine recognise it in a
    personal story ("my daughter is 4"): the guide and the engine share them.
    """

    id: str
    label: str
    words: tuple[str, ...] = ()
    entries: tuple[str, ...] = ()
    ask: str = ""
    choices: tuple[str, ...] = ()
    ages: tuple[int, int] | None = None  # an age in a story, inclusive range

    @property
    def is_choice(self) -> bool:
        return bool(self.choices)


@dataclass(frozen=True)
class Lacking:
    """What the source does not give, listed by staff: the `lacking:` section.

    Both lists map one word to the ways people write it (Darija, Arabizi, French),
    like `synonyms:`; the bot reads those ways as the word.

    ``topics``: subjects near the institution's that no entry covers (housing, loans,
    medicines, the province's towns…). A question about one, when no entry's question
    mentions it, gets the honest "the source does not give this" reply.
    ``people``: people a question may ask to count (children, staff…). "How many X" is
    refused by a general rule unless an answer gives that count; this list makes sure
    the people are recognised however they are written.
    """

    topics: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    people: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def topic_words(self) -> frozenset[str]:
        """The topics' words, normalized as the engine reads a question."""
        return frozenset(normalize(word) for word in self.topics)

    def variants(self) -> dict[str, list[str]]:
        """word -> the ways it is written, both lists together (for the dialect layer)."""
        merged: dict[str, list[str]] = {}
        for section in (self.topics, self.people):
            for word, variants in section.items():
                merged.setdefault(word, []).extend(variants)
        return merged


@dataclass(frozen=True)
class KnowledgeBase:
    entries: tuple[Entry, ...]
    meta: Mapping[str, str] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)
    categories: Mapping[str, str] = field(default_factory=dict)  # id -> title, in file order
    smalltalk: tuple[SmallTalk, ...] = ()
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # canonical -> variants
    situations: tuple[Situation, ...] = ()
    lacking: Lacking = field(default_factory=Lacking)  # none listed: nothing refused by topic
    path: str = ""
    warnings: tuple[Problem, ...] = ()  # what `validate` lists without refusing the file

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def situation(self, situation_id: str) -> Situation | None:
        return next((s for s in self.situations if s.id == situation_id), None)

    def guide_situations(self) -> tuple[Situation, ...]:
        """The first step of the guide: situations that are no other's choice."""
        nested = {c for s in self.situations for c in s.choices}
        return tuple(s for s in self.situations if s.id not in nested)

    def in_category(self, category_id: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.category == category_id)

    def facets_of_one_subject(self, first_id: str, second_id: str) -> bool:
        """Two entries that each offer the other as a follow-up.

        Staff linked them as two sides of one subject (how many partnerships / why
        partnerships), so answering the first of two close ones loses nothing: the
        other is among its follow-up buttons, one tap away, as a "did you mean" was.
        """
        first, second = self.entry(first_id), self.entry(second_id)
        return (
            first is not None
            and second is not None
            and second.id in first.follow_up
            and first.id in second.follow_up
        )

    @property
    def _by_id(self) -> dict[str, Entry]:
        index = self.__dict__.get("_index")
        if index is None:
            index = {e.id: e for e in self.entries}
            object.__setattr__(self, "_index", index)
        return index

    def summary(self) -> str:
        alternatives = sum(len(e.alternatives) for e in self.entries)
        warned = f", {len(self.warnings)} warnings" if self.warnings else ""
        return (
            f"{self.path or 'knowledge base'}: valid — {len(self.entries)} entries, "
            f"{alternatives} alternatives, {len(self.categories)} categories, "
            f"{len(self.smalltalk)} small-talk intents{warned}"
        )


@cache
def _defaults() -> dict[str, Any]:
    with DEFAULTS_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


class _Checker:
    """Collects problems while turning the marked YAML tree into a KnowledgeBase."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(self, position: Position | None, message: str) -> None:
        pos = position or Position(1, 1)
        self.problems.append(Problem(self.path, pos.line, pos.column, message))

    def warn(self, position: Position | None, message: str) -> None:
        pos = position or Position(1, 1)
        self.warnings.append(Problem(self.path, pos.line, pos.column, message, warning=True))

    def keys(
        self,
        mapping: Any,
        known: frozenset[str],
        where: str,
        misplaced: Mapping[str, str] | None = None,
    ) -> None:
        """An error per unknown key, with the nearest known one (or the section it belongs in)."""
        if not isinstance(mapping, MarkedDict):
            return
        for key in mapping:
            if str(key) in known:
                continue
            positions = mapping.key_positions
            home = (misplaced or {}).get(str(key))
            hint = f"; it belongs inside `{home}:`" if home else _nearest(key, known)
            self.add(positions.get(key), f"`{key}`: unknown key {where}{hint}")

    def string(self, value: Any, position: Position | None, what: str, *, required: bool) -> str:
        if value is None:
            if required:
                self.add(position, f"{what} is missing")
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            hint = ""
            if isinstance(value, dict):
                # `- كيفاش: نسجل` is a mapping to YAML: the colon and space made it key: value
                hint = (
                    "; a colon followed by a space makes YAML read `key: value`: put the whole "
                    'text in double quotes ("…")'
                )
            self.add(position, f"{what} must be text, got {_kind(value)}{hint}")
            return ""
        text = str(value).strip()
        if required and not text:
            self.add(position, f"{what} is empty")
        return text

    def strings(self, value: Any, position: Position | None, what: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.add(position, f"{what} must be a list of texts, got {_kind(value)}")
            return ()
        positions = getattr(value, "item_positions", [position] * len(value))
        items = (
            self.string(item, pos, f"an item of {what}", required=True)
            for item, pos in zip(value, positions, strict=True)
        )
        return tuple(item for item in items if item)


def _nearest(key: Any, known: frozenset[str]) -> str:
    import difflib

    close = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.6)
    if close:
        return f"; did you mean `{close[0]}`?"
    return "; known keys: " + ", ".join(sorted(known))


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "nothing"
    return type(value).__name__


def _value_position(mapping: Any, key: str) -> Position | None:
    if isinstance(mapping, MarkedDict):
        return mapping.value_positions.get(key, mapping.key_positions.get(key, mapping.position))
    return None


def _own_position(value: Any) -> Position | None:
    return getattr(value, "position", None)


def _text_mapping(check: _Checker, data: MarkedDict, key: str) -> dict[str, str]:
    raw = data.get(key)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        check.add(_value_position(data, key), f"'{key}' must be a mapping, got {_kind(raw)}")
        return {}
    result: dict[str, str] = {}
    for name, value in raw.items():
        text = check.string(value, _value_position(raw, name), f"{key}.{name}", required=True)
        if text:
            result[str(name)] = text
    return result


def _entries(check: _Checker, data: MarkedDict) -> list[tuple[Entry, MarkedDict]]:
    raw = data.get("entries")
    if raw is None:
        check.add(data.position, "'entries' is missing: a knowledge base needs at least one entry")
        return []
    if not isinstance(raw, list) or not raw:
        check.add(_value_position(data, "entries"), "'entries' must be a non-empty list")
        return []
    built: list[tuple[Entry, MarkedDict]] = []
    for item, pos in zip(raw, raw.item_positions, strict=True):
        if not isinstance(item, dict):
            check.add(pos, f"an entry must be a mapping, got {_kind(item)}")
            continue
        entry_id = check.string(item.get("id"), _value_position(item, "id"), "id", required=True)
        what = f"entry '{entry_id}'" if entry_id else "entry"
        check.keys(item, ENTRY_KEYS, f"in {what}")
        if entry_id and not ENTRY_ID.match(entry_id):
            check.add(
                _value_position(item, "id"),
                f"id '{entry_id}' must be lowercase ASCII letters, digits, _ or -, "
                "at most 48 characters (buttons carry it)",
            )
        question = check.string(
            item.get("question"),
            _value_position(item, "question"),
            f"{what}: question",
            required=True,
        )
        answer = check.string(
            item.get("answer"), _value_position(item, "answer"), f"{what}: answer", required=True
        )
        _check_answer(check, answer, _value_position(item, "answer"), what)
        category = check.string(
            item.get("category"),
            _value_position(item, "category"),
            f"{what}: category",
            required=False,
        )
        label = check.string(
            item.get("label"), _value_position(item, "label"), f"{what}: label", required=False
        )
        if len(label) > MAX_LABEL_CHARS:
            check.add(
                _value_position(item, "label"),
                f"{what}: label is {len(label)} characters; a button shows at most "
                f"{MAX_LABEL_CHARS} on a phone",
            )
        truncated = item.get("truncated", False)
        if not isinstance(truncated, bool):
            check.add(_value_position(item, "truncated"), f"{what}: truncated must be true/false")
            truncated = False
        entry = Entry(
            id=entry_id,
            question=question,
            answer=answer,
            category=category or DEFAULT_CATEGORY,
            alternatives=check.strings(
                item.get("alternatives"),
                _value_position(item, "alternatives"),
                f"{what}: alternatives",
            ),
            follow_up=check.strings(
                item.get("follow_up"), _value_position(item, "follow_up"), f"{what}: follow_up"
            ),
            source=check.string(
                item.get("source"),
                _value_position(item, "source"),
                f"{what}: source",
                required=False,
            ),
            truncated=truncated,
            label=label,
        )
        built.append((entry, item))
    return built


# What a contact looks like: staff are told, since the source gives none and contacts go stale.
_PHONE = re.compile(r"(?<!\d)(?:\+|00)?\d(?:[ .\-]?\d){7,}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_WEB = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:ma|com|org|net|gov|fr|info)\b(?:/\S*)?",
    re.IGNORECASE,
)
_CONTACTS = (("a phone number", _PHONE), ("an e-mail address", _EMAIL), ("a web address", _WEB))


def _check_answer(check: _Checker, answer: str, position: Position | None, what: str) -> None:
    """Warnings on an answer: too long for a phone, or holding a contact to check."""
    if len(answer) > MAX_ANSWER_CHARS:
        check.warn(
            position,
            f"{what}: answer is {len(answer)} characters; Telegram cuts it into several "
            f"messages past {MAX_ANSWER_CHARS}: split it into entries linked by follow_up",
        )
    elif len(answer) > PHONE_ANSWER_CHARS:
        check.warn(
            position,
            f"{what}: answer is {len(answer)} characters, more than a phone shows well "
            f"(about {PHONE_ANSWER_CHARS}); consider splitting it into entries linked by "
            "follow_up",
        )
    rest = answer
    for kind, pattern in _CONTACTS:
        found = pattern.search(rest)
        rest = pattern.sub(" ", rest)  # an e-mail's domain is not a web address of its own
        if found:
            check.warn(
                position,
                f"{what}: the answer holds what looks like {kind} ('{found.group(0)}'); "
                "check it comes from the source and is still right",
            )


def _check_links(
    check: _Checker, built: list[tuple[Entry, MarkedDict]], meaning: Callable[[str], str]
) -> None:
    first_seen: dict[str, Position] = {}
    for entry, item in built:
        if not entry.id:
            continue
        pos = _value_position(item, "id")
        if entry.id in first_seen:
            earlier = first_seen[entry.id]
            check.add(pos, f"duplicate id '{entry.id}' (first used at line {earlier.line})")
        else:
            first_seen[entry.id] = pos or Position(1, 1)
    for entry, item in built:
        for target in entry.follow_up:
            if target not in first_seen:
                check.add(
                    _value_position(item, "follow_up"),
                    f"entry '{entry.id}': follow_up names unknown id '{target}'",
                )
    # Two entries must not hold the same question: to a citizen it is one question
    # with two answers. "The same" is checked twice: after normalization (spelling,
    # hamzas, diacritics), then as the matcher reads it (dialect words mapped,
    # function words dropped, stems), where "شنو هي الخدمات" and "chno khedmto"
    # meet.
    owner: dict[str, tuple[str, int]] = {}
    read_as: dict[str, tuple[str, int, str]] = {}
    for entry, item in built:
        positions = [_value_position(item, "question")]
        alternatives = item.get("alternatives")
        positions += getattr(alternatives, "item_positions", [])
        for text, pos in zip(entry.texts, positions, strict=False):
            key = normalize(text)
            if not key:
                continue
            line = pos.line if pos else 1
            seen = owner.get(key)
            if seen and seen[0] != entry.id:
                check.warn(
                    pos,
                    f"entry '{entry.id}': the question '{text}' is the same (after "
                    f"normalization) as one of entry '{seen[0]}' (line {seen[1]})",
                )
                continue
            owner.setdefault(key, (entry.id, line))
            sense = meaning(text)
            other = read_as.get(sense)
            if sense and other and other[0] != entry.id:
                check.warn(
                    pos,
                    f"entry '{entry.id}': the question '{text}' reads the same to the bot "
                    f"as '{other[2]}' of entry '{other[0]}' (line {other[1]}); reword or "
                    "move one of them",
                )
            elif sense:
                read_as.setdefault(sense, (entry.id, line, text))


def _categories(
    check: _Checker, data: MarkedDict, built: list[tuple[Entry, MarkedDict]]
) -> dict[str, str]:
    raw = data.get("categories")
    titles: dict[str, str] = {}
    if raw is not None and not isinstance(raw, dict):
        check.add(_value_position(data, "categories"), "'categories' must be a mapping id: title")
    elif raw:
        for cat_id, title in raw.items():
            text = check.string(
                title, _value_position(raw, cat_id), f"category '{cat_id}' title", required=True
            )
            if text:
                titles[str(cat_id)] = text
    given = frozenset(titles)
    for entry, item in built:
        if entry.category in titles:
            continue
        if entry.category == DEFAULT_CATEGORY and "category" not in item:
            titles[DEFAULT_CATEGORY] = _defaults()["default_category_title"]
            continue
        hint = _nearest(entry.category, given) if given else ""
        check.add(
            _value_position(item, "category"),
            f"entry '{entry.id}': category '{entry.category}' has no title under "
            f"'categories'{hint if 'did you mean' in hint else ''}",
        )
    used = {entry.category for entry, _ in built}
    for cat in given - used:
        hint = _nearest(cat, frozenset(used))
        check.warn(
            _value_position(raw, cat),
            f"category '{cat}' has a title but no entry uses it"
            f"{hint if 'did you mean' in hint else ''}",
        )
    return {cat: title for cat, title in titles.items() if cat in used}


def _smalltalk(check: _Checker, data: MarkedDict) -> tuple[SmallTalk, ...]:
    raw = data.get("smalltalk")
    if raw is None:
        raw = _defaults()["smalltalk"]
    if not isinstance(raw, list):
        check.add(_value_position(data, "smalltalk"), "'smalltalk' must be a list")
        return ()
    intents: list[SmallTalk] = []
    positions = getattr(raw, "item_positions", [None] * len(raw))
    for item, pos in zip(raw, positions, strict=True):
        if not isinstance(item, dict):
            check.add(pos, f"a small-talk intent must be a mapping, got {_kind(item)}")
            continue
        intent_id = check.string(
            item.get("id"), _value_position(item, "id") or pos, "small-talk id", required=True
        )
        check.keys(item, SMALLTALK_KEYS, f"in smalltalk '{intent_id}'")
        patterns = check.strings(
            item.get("patterns"), _value_position(item, "patterns"), f"smalltalk '{intent_id}'"
        )
        replies = check.strings(
            item.get("replies", item.get("reply")),
            _value_position(item, "replies") or _value_position(item, "reply"),
            f"smalltalk '{intent_id}': replies",
        )
        if not patterns:
            check.add(
                _value_position(item, "id") or pos, f"smalltalk '{intent_id}' has no patterns"
            )
        if not replies:
            check.add(_value_position(item, "id") or pos, f"smalltalk '{intent_id}' has no replies")
        intents.append(SmallTalk(intent_id, patterns, replies))
    return tuple(intents)


def _synonyms(check: _Checker, data: MarkedDict) -> dict[str, tuple[str, ...]]:
    raw = data.get("synonyms")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        check.add(
            _value_position(data, "synonyms"), "'synonyms' must be a mapping word: [variants]"
        )
        return {}
    return {
        str(canonical): check.strings(
            variants, _value_position(raw, canonical), f"synonyms.{canonical}"
        )
        for canonical, variants in raw.items()
    }


def _lacking(check: _Checker, data: MarkedDict, synonyms: Mapping[str, tuple[str, ...]]) -> Lacking:
    """The `lacking:` section: topics the source lacks and people it never counts."""
    raw = data.get("lacking")
    if raw is None:
        return Lacking()  # none listed: no question is refused for its topic
    if not isinstance(raw, dict):
        check.add(
            _value_position(data, "lacking"),
            f"'lacking' must be a mapping with `topics:` and `people:`, got {_kind(raw)}",
        )
        return Lacking()
    check.keys(raw, LACKING_KEYS, "in 'lacking'")
    # a way of writing is read as one word: normalized variant -> (where, word, position)
    owner: dict[str, tuple[str, str, Position | None]] = {}
    topics = _lacking_words(check, raw, "topics", owner)
    people = _lacking_words(check, raw, "people", owner)
    _warn_lacking_overrides(check, owner, synonyms)
    return Lacking(topics=topics, people=people)


def _lacking_words(
    check: _Checker,
    raw: MarkedDict,
    name: str,
    owner: dict[str, tuple[str, str, Position | None]],
) -> dict[str, tuple[str, ...]]:
    where = f"lacking.{name}"
    section = raw.get(name)
    if section is None:
        return {}
    if not isinstance(section, dict):
        check.add(
            _value_position(raw, name),
            f"'{where}' must be a mapping word: [the ways people write it], got {_kind(section)}",
        )
        return {}
    found: dict[str, tuple[str, ...]] = {}
    for word, variants in section.items():
        text = str(word)
        key_position = section.key_positions.get(word)
        target = normalize(text)
        if len(target.split()) != 1:
            check.add(
                key_position,
                f"{where}: `{text}` must be one word (the word its variants are read as); "
                "put a phrase among the variants",
            )
            continue
        listed = check.strings(variants, _value_position(section, word), f"{where}.{text}")
        items = variants if isinstance(variants, list) else [variants] if variants else []
        positions = getattr(
            variants, "item_positions", [_value_position(section, word)] * len(items)
        )
        for item, position in [(text, key_position), *zip(items, positions, strict=True)]:
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                continue  # check.strings has said what is wrong with it
            variant = normalize(str(item))
            if not variant:
                if str(item).strip():
                    check.add(position, f"{where}.{text}: '{item}' is empty once normalized")
                continue
            earlier = owner.setdefault(variant, (where, text, position))
            if normalize(earlier[1]) != target:
                line = earlier[2].line if earlier[2] else 1
                check.add(
                    position,
                    f"{where}: '{item}' is listed under `{text}` here and under "
                    f"`{earlier[1]}` in {earlier[0]} (line {line}): a way of writing "
                    "is read as one word",
                )
        found[text] = listed
    return found


def _warn_lacking_overrides(
    check: _Checker,
    owner: Mapping[str, tuple[str, str, Position | None]],
    synonyms: Mapping[str, tuple[str, ...]],
) -> None:
    """A way of writing the lexicon or `synonyms:` reads as another word: said, not refused.

    The knowledge base's `lacking:` reading wins over the lexicon's, `synonyms:` over both.
    """
    from bot.dialect import default_lexicon  # the dialect layer loads its lexicon lazily

    lexicon = default_lexicon()
    phrases = dict(lexicon.phrases)
    synonym_of = {normalize(v): normalize(c) for c, vs in synonyms.items() for v in vs}
    for variant, (where, word, position) in owner.items():
        target = normalize(word)
        parts = tuple(variant.split())
        read = lexicon.words.get(variant) if len(parts) == 1 else phrases.get(parts)
        if read is not None and read != target:
            check.warn(
                position,
                f"{where}.{word}: '{variant}' is also a way of writing "
                f"'{read or '_drop'}' in the lexicon (bot/lexicon.yaml); here it is read "
                f"as `{word}`",
            )
        other = synonym_of.get(variant)
        if other is not None and other != target:
            check.warn(
                position,
                f"{where}.{word}: '{variant}' is also listed under synonyms as '{other}', "
                f"which wins: the bot does not read it as `{word}`",
            )


MAX_LABEL_CHARS = 32  # a button label a phone shows on one line


def _situations(check: _Checker, data: MarkedDict, entry_ids: set[str]) -> tuple[Situation, ...]:
    raw = data.get("situations")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        check.add(_value_position(data, "situations"), "'situations' must be a list")
        return ()
    found: list[tuple[Situation, MarkedDict]] = []
    positions = getattr(raw, "item_positions", [None] * len(raw))
    for item, pos in zip(raw, positions, strict=True):
        if not isinstance(item, dict):
            check.add(pos, f"a situation must be a mapping, got {_kind(item)}")
            continue
        sid = check.string(
            item.get("id"), _value_position(item, "id") or pos, "situation id", required=True
        )
        what = f"situation '{sid}'"
        check.keys(item, SITUATION_KEYS, f"in {what}")
        if sid and not ENTRY_ID.match(sid):
            check.add(
                _value_position(item, "id"),
                f"{what}: id must be lowercase ASCII letters, digits, _ or -",
            )
        label = check.string(
            item.get("label"),
            _value_position(item, "label") or pos,
            f"{what}: label",
            required=True,
        )
        if len(label) > MAX_LABEL_CHARS:
            check.add(
                _value_position(item, "label"),
                f"{what}: label is {len(label)} characters; at most {MAX_LABEL_CHARS} "
                "fit on a phone's button",
            )
        ages = item.get("ages")
        age_range: tuple[int, int] | None = None
        if ages is not None:
            if (
                isinstance(ages, list)
                and len(ages) == 2
                and all(isinstance(a, int) and not isinstance(a, bool) for a in ages)
                and 0 <= ages[0] <= ages[1]
            ):
                age_range = (ages[0], ages[1])
            else:
                check.add(
                    _value_position(item, "ages"),
                    f"{what}: ages must be [youngest, oldest], two whole numbers",
                )
        situation = Situation(
            id=sid,
            label=label,
            words=check.strings(
                item.get("words"), _value_position(item, "words"), f"{what}: words"
            ),
            entries=check.strings(
                item.get("entries"), _value_position(item, "entries"), f"{what}: entries"
            ),
            ask=check.string(
                item.get("ask"), _value_position(item, "ask"), f"{what}: ask", required=False
            ),
            choices=check.strings(
                item.get("choices"), _value_position(item, "choices"), f"{what}: choices"
            ),
            ages=age_range,
        )
        found.append((situation, item))
    ids = [s.id for s, _ in found]
    for situation, item in found:
        what = f"situation '{situation.id}'"
        where = _value_position(item, "id")
        if ids.count(situation.id) > 1:
            check.add(where, f"{what}: duplicate situation id")
        if bool(situation.entries) == bool(situation.choices):
            check.add(
                where,
                f"{what}: give either 'entries' (services) or 'choices' "
                "(narrower situations, with 'ask')",
            )
        for target in situation.entries:
            if target not in entry_ids:
                check.add(
                    _value_position(item, "entries"),
                    f"{what}: entries names unknown entry id '{target}'",
                )
        if situation.choices and not situation.ask:
            check.add(where, f"{what}: 'choices' need an 'ask' question")
        for target in situation.choices:
            chosen = next((s for s, _ in found if s.id == target), None)
            if chosen is None:
                check.add(
                    _value_position(item, "choices"),
                    f"{what}: choices names unknown situation '{target}'",
                )
            elif chosen.choices:
                check.add(
                    _value_position(item, "choices"),
                    f"{what}: choice '{target}' has choices of its own (one level only)",
                )
    return tuple(s for s, _ in found)


# The parser's words are kept (they name the exact fault); a plain sentence and a hint go first.
_YAML_HINTS = (
    (
        "'\\t'",
        "a tab character: YAML indents with spaces only. Replace the tab with spaces",
    ),
    (
        "mapping values are not allowed",
        "a colon followed by a space inside a text. Put the whole text in double quotes "
        '("…"), or remove the space after the colon',
    ),
    (
        "expected <block end>",
        "the indentation is off. The lines of one entry, and the items of one list, must start "
        "in the same column; compare this line with the one above",
    ),
    (
        "did not find expected key",
        "the indentation is off, or a text has an unclosed quote. Lines of one entry must start "
        "in the same column",
    ),
    (
        "did not find expected '-' indicator",
        "the items of a list must each start with '- ' in the same column",
    ),
    (
        "could not find expected ':'",
        "a line is neither `key: value` nor a list item. Perhaps a long text went on to the "
        "next line without being indented under its key, or a colon is missing",
    ),
    (
        "while scanning a quoted scalar",
        "a quote (\" or ') was opened and never closed",
    ),
    (
        "found unexpected end of stream",
        "the file ends in the middle of something: an unclosed quote or bracket",
    ),
    (
        "while parsing a flow",
        "a bracket [ or { was opened and not closed on the same item; check the brackets, or "
        "put a text holding a comma or colon in double quotes",
    ),
    (
        "duplicate key",
        "the same key appears twice in one mapping; the second would silently replace the first",
    ),
    (
        "found character",
        "a character YAML does not allow at this place (such as @ or ` at the start of a text). "
        "Put the text in double quotes",
    ),
)


def explain_yaml_error(message: str, text: str = "", position: Position | None = None) -> str:
    """A parser message with a plain sentence and a hint in front of it."""
    line = ""
    if position and text:
        lines = text.splitlines()
        if 0 < position.line <= len(lines):
            line = lines[position.line - 1]
    if "\t" in line[: len(line) - len(line.lstrip())]:
        return f"the file's layout is broken here: {_YAML_HINTS[0][1]} ({message})"
    unclosed = _unclosed_quote(text, position)
    if unclosed and "'\\t'" not in message and "duplicate key" not in message:
        return (
            f"the file's layout is broken here: a double quote (\") opened on line {unclosed} "
            f"is never closed, so YAML read the lines after it as one text ({message})"
        )
    for needle, hint in _YAML_HINTS:
        if needle in message:
            return f"the file's layout is broken here: {hint} ({message})"
    return message


def _unclosed_quote(text: str, position: Position | None) -> int | None:
    """The line, up to the error, where a double-quoted text starts and does not end."""
    if not text or position is None:
        return None
    for number, line in enumerate(text.splitlines()[: position.line], 1):
        code = line.split(" #", 1)[0].replace('\\"', "")
        if code.count('"') % 2 and number < position.line:
            return number
    return None


def vocabulary(entries: Iterable[Entry]) -> set[str]:
    """Every normalized word of the entries' questions, alternatives and answers."""
    return {w for e in entries for t in (*e.texts, e.answer) for w in normalize(t).split()}


def _reader(
    synonyms: Mapping[str, tuple[str, ...]], entries: list[Entry], lacking: Lacking | None = None
) -> Callable[[str], str]:
    """A text as the matcher reads it: canonical words, no function words, stems, no order."""
    from bot.dialect import canonicalizer_for  # the dialect layer loads its lexicon lazily

    canonicalize = canonicalizer_for(
        synonyms, vocabulary=vocabulary(entries), lacking=(lacking or Lacking()).variants()
    )

    def meaning(text: str) -> str:
        words = canonicalize(text).split()  # normalized already
        return " ".join(sorted({stem(w) for w in words if w not in STOP_WORDS}))

    return meaning


def _check_text_keys(check: _Checker, raw: Any) -> None:
    """`texts` is free-form, but a key one letter off a text the bot uses is surely a typo."""
    import difflib

    if not isinstance(raw, MarkedDict):
        return
    known = sorted(_defaults()["texts"])
    for key in raw:
        if str(key) in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.75)
        if close:
            check.warn(
                raw.key_positions.get(key),
                f"texts: `{key}` is not a text the bot uses; did you mean `{close[0]}`? "
                f"(until then the bot says its default {close[0]})",
            )


def question_reader(kb: KnowledgeBase) -> Callable[[str], str]:
    """A text as the matcher reads it (canonical stems, sorted): to compare two questions."""
    return _reader(kb.synonyms, list(kb.entries), kb.lacking)


def parse(text: str, path: str = "<text>") -> KnowledgeBase:
    """Build a KnowledgeBase from YAML text; raise KnowledgeBaseError listing every problem."""
    check = _Checker(path)
    try:
        data = load_marked(text)
    except YamlSyntaxError as exc:
        check.add(exc.position, explain_yaml_error(exc.message, text, exc.position))
        raise KnowledgeBaseError(check.problems) from None
    if not isinstance(data, MarkedDict):
        check.add(
            _own_position(data), f"the file must be a mapping with 'entries', got {_kind(data)}"
        )
        raise KnowledgeBaseError(check.problems)
    check.keys(data, TOP_KEYS, "at the top of the file", _MISPLACED_TOP_KEYS)
    built = _entries(check, data)
    synonyms = _synonyms(check, data)
    lacking = _lacking(check, data, synonyms)
    _check_links(check, built, _reader(synonyms, [entry for entry, _ in built], lacking))
    meta = _text_mapping(check, data, "meta")
    texts = {**_defaults()["texts"], **_text_mapping(check, data, "texts")}
    _check_text_keys(check, data.get("texts"))
    kb = KnowledgeBase(
        entries=tuple(entry for entry, _ in built),
        meta=meta,
        texts=texts,
        categories=_categories(check, data, built),
        smalltalk=_smalltalk(check, data),
        synonyms=synonyms,
        situations=_situations(check, data, {entry.id for entry, _ in built}),
        lacking=lacking,
        path=path,
        warnings=tuple(check.warnings),
    )
    if check.problems:
        raise KnowledgeBaseError(check.problems + check.warnings)
    return kb


DEFAULT_MAX_BYTES = 5 * 1024 * 1024  # the real file is ~100 KB; FAQ_MAX_BYTES changes it


def load(path: Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> KnowledgeBase:
    """Read and validate a knowledge-base file; one over `max_bytes` is refused unread."""
    return parse(decode(read_capped(path, max_bytes), str(path)), str(path))


def read_capped(path: Path | str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The file's bytes; KnowledgeBaseError when unreadable or over `max_bytes` (not read then)."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            # checked before reading, and the read is capped too (the file may grow meanwhile)
            raw = b"" if size > max_bytes else handle.read(max_bytes + 1)
    except OSError as exc:
        raise KnowledgeBaseError(
            [Problem(str(path), 1, 1, f"cannot read: {exc.strerror}")]
        ) from None
    if size > max_bytes or len(raw) > max_bytes:
        raise KnowledgeBaseError(
            [
                Problem(
                    str(path),
                    1,
                    1,
                    f"the file is {_megabytes(max(size, len(raw)))}, over the limit of "
                    f"{_megabytes(max_bytes)} (FAQ_MAX_BYTES): is it the right file?",
                )
            ]
        )
    return raw


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def decode(raw: bytes, path: str) -> str:
    """UTF-8 text (a BOM is dropped); KnowledgeBaseError at the first bad byte's line:column."""
    body = raw.removeprefix(codecs.BOM_UTF8)  # editors show no column for a BOM
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = body.rfind(b"\n", 0, exc.start) + 1
        # columns count characters, as an editor shows them, not bytes
        column = len(body[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        line = body.count(b"\n", 0, exc.start) + 1
        byte = body[exc.start]
        raise KnowledgeBaseError(
            [
                Problem(
                    path,
                    line,
                    column,
                    f"not UTF-8 text (byte 0x{byte:02X}): save the file as UTF-8",
                )
            ]
        ) from None


def validate(path: Path | str) -> list[Problem]:
    """Every problem in the file, warnings included (`Problem.warning`); [] when it is clean."""
    try:
        kb = load(path)
    except KnowledgeBaseError as exc:
        return exc.problems
    return list(kb.warnings)


__all__ = [
    "Entry",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Lacking",
    "MarkedList",
    "Problem",
    "Situation",
    "SmallTalk",
    "decode",
    "load",
    "parse",
    "read_capped",
    "validate",
]
