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


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a knowledge-base file, where it stands."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


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
class KnowledgeBase:
    entries: tuple[Entry, ...]
    meta: Mapping[str, str] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)
    categories: Mapping[str, str] = field(default_factory=dict)  # id -> title, in file order
    smalltalk: tuple[SmallTalk, ...] = ()
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # canonical -> variants
    path: str = ""

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def in_category(self, category_id: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.category == category_id)

    @property
    def _by_id(self) -> dict[str, Entry]:
        index = self.__dict__.get("_index")
        if index is None:
            index = {e.id: e for e in self.entries}
            object.__setattr__(self, "_index", index)
        return index

    def summary(self) -> str:
        alternatives = sum(len(e.alternatives) for e in self.entries)
        return (
            f"{self.path or 'knowledge base'}: valid — {len(self.entries)} entries, "
            f"{alternatives} alternatives, {len(self.categories)} categories, "
            f"{len(self.smalltalk)} small-talk intents"
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

    def add(self, position: Position | None, message: str) -> None:
        pos = position or Position(1, 1)
        self.problems.append(Problem(self.path, pos.line, pos.column, message))

    def string(self, value: Any, position: Position | None, what: str, *, required: bool) -> str:
        if value is None:
            if required:
                self.add(position, f"{what} is missing")
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.add(position, f"{what} must be text, got {_kind(value)}")
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
        if len(answer) > MAX_ANSWER_CHARS:
            check.add(
                _value_position(item, "answer"),
                f"{what}: answer is {len(answer)} characters; split it (at most "
                f"{MAX_ANSWER_CHARS}) into entries linked by follow_up",
            )
        category = check.string(
            item.get("category"),
            _value_position(item, "category"),
            f"{what}: category",
            required=False,
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
        )
        built.append((entry, item))
    return built


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
                check.add(
                    pos,
                    f"entry '{entry.id}': the question '{text}' is the same (after "
                    f"normalization) as one of entry '{seen[0]}' (line {seen[1]})",
                )
                continue
            owner.setdefault(key, (entry.id, line))
            sense = meaning(text)
            other = read_as.get(sense)
            if sense and other and other[0] != entry.id:
                check.add(
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
    for entry, item in built:
        if entry.category in titles:
            continue
        if entry.category == DEFAULT_CATEGORY and "category" not in item:
            titles[DEFAULT_CATEGORY] = _defaults()["default_category_title"]
            continue
        check.add(
            _value_position(item, "category"),
            f"entry '{entry.id}': category '{entry.category}' has no title under 'categories'",
        )
    used = {entry.category for entry, _ in built}
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


def vocabulary(entries: Iterable[Entry]) -> set[str]:
    """Every normalized word of the entries' questions, alternatives and answers."""
    return {w for e in entries for t in (*e.texts, e.answer) for w in normalize(t).split()}


def _reader(synonyms: Mapping[str, tuple[str, ...]], entries: list[Entry]) -> Callable[[str], str]:
    """A text as the matcher reads it: canonical words, no function words, stems, no order."""
    from bot.dialect import canonicalizer_for  # the dialect layer loads its lexicon lazily

    canonicalize = canonicalizer_for(synonyms, vocabulary=vocabulary(entries))

    def meaning(text: str) -> str:
        words = canonicalize(text).split()  # normalized already
        return " ".join(sorted({stem(w) for w in words if w not in STOP_WORDS}))

    return meaning


def parse(text: str, path: str = "<text>") -> KnowledgeBase:
    """Build a KnowledgeBase from YAML text; raise KnowledgeBaseError listing every problem."""
    check = _Checker(path)
    try:
        data = load_marked(text)
    except YamlSyntaxError as exc:
        check.add(exc.position, exc.message)
        raise KnowledgeBaseError(check.problems) from None
    if not isinstance(data, MarkedDict):
        check.add(
            _own_position(data), f"the file must be a mapping with 'entries', got {_kind(data)}"
        )
        raise KnowledgeBaseError(check.problems)
    built = _entries(check, data)
    synonyms = _synonyms(check, data)
    _check_links(check, built, _reader(synonyms, [entry for entry, _ in built]))
    meta = _text_mapping(check, data, "meta")
    texts = {**_defaults()["texts"], **_text_mapping(check, data, "texts")}
    kb = KnowledgeBase(
        entries=tuple(entry for entry, _ in built),
        meta=meta,
        texts=texts,
        categories=_categories(check, data, built),
        smalltalk=_smalltalk(check, data),
        synonyms=synonyms,
        path=path,
    )
    if check.problems:
        raise KnowledgeBaseError(check.problems)
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
    """Every problem in the file; [] when it is valid."""
    try:
        load(path)
    except KnowledgeBaseError as exc:
        return exc.problems
    return []


__all__ = [
    "Entry",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "MarkedList",
    "Problem",
    "SmallTalk",
    "decode",
    "load",
    "parse",
    "read_capped",
    "validate",
]
