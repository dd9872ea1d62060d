"""Decisions and replies: answered / clarify / no_match / smalltalk, with no transport in it.

Every adapter (console, Telegram, `ask`, `eval`) turns its input into text or a
button payload, calls a Dialogue, and renders the Reply it gets back.
"""

from __future__ import annotations

import itertools
import logging
import random
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.arabic import normalize
from bot.config import Settings, Thresholds
from bot.dialect import Canonicalizer, canonicalizer_for
from bot.knowledge import Entry, KnowledgeBase, KnowledgeBaseError, load, vocabulary
from bot.matcher import Candidate, Matcher

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 600  # longer than any real question; beyond it we ask for a shorter one
MAX_CHOICES = 3  # "did you mean" offers at most this many questions
# An FAQ has few entries: 12 texts (at most 3 an entry) hold every contender, and
# score 10% faster than the matcher's default 20 (same accuracy on both files).
FAQ_SHORTLIST = 12
_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")  # a year, as the source writes them
_LAST_YEAR = 2099
_COUNT = "عدد"  # the canonical word of كم / شحال / combien
_SINCE_WORDS = frozenset(["بعد", "منذ", "مند", "depuis", "apres", "men", "mn", "ba3d", "mnd"])
# A sentence and what ends it; one that ends in a question mark or starts with a
# (canonical) question word asks, the others tell.
_SENTENCE_RE = re.compile(r"([^.!؟?؛;\n]+)([.!؟?؛;\n]*)")
_QUESTION_MARKS = frozenset("?؟")
_QUESTION_WORDS = frozenset(
    ["ما", "ماذا", "هل", "كيف", "سبب", "لماذا", "عدد", "كم", "متى", "اين", "من", "اي", "اش"]
)
_NORMALIZED_CACHE = 4096  # distinct messages whose normalized form is kept
SMALLTALK_FUZZ = 88.0  # "salaam", "shokran": small talk survives a typo, but only whole-message

# Button payloads: ASCII, short, well under Telegram's 64-byte callback_data limit.
ENTRY, CATEGORY, TOPICS, NONE = "e", "c", "t", "n"


@dataclass(frozen=True)
class Button:
    payload: str  # "e:<entry_id>", "c:<category_id>", "t:", "n:"
    label: str


@dataclass(frozen=True)
class Suggestion:
    entry_id: str
    question: str
    answer: str
    score: float


@dataclass(frozen=True)
class Reply:
    status: str  # answered | clarify | no_match | smalltalk | info
    text: str
    buttons: tuple[Button, ...] = ()
    entry_id: str | None = None
    score: float = 0.0
    suggestions: tuple[Suggestion, ...] = ()


class Brain:
    """One loaded knowledge base with everything derived from it: built once per file version."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.canonicalizer: Canonicalizer = canonicalizer_for(
            kb.synonyms, vocabulary=vocabulary(kb.entries)
        )
        # each message is normalized once, whoever looks at it (small talk, courtesies,
        # the canonicalizer); the canonicalizer's output is normalized already, so the
        # matchers get str as their normalizer
        self._normalized: dict[str, str] = {}
        # asked twice per message: once for small talk, once for the question
        self._strip_courtesies = lru_cache(maxsize=_NORMALIZED_CACHE)(self._strip_courtesies_new)
        self.matcher = Matcher(
            {entry.id: entry.texts for entry in kb.entries},
            preprocess=self.canonicalize,
            normalizer=str,
            depth=FAQ_SHORTLIST,
        )
        # The answers' own sentences: evidence to choose between close questions
        self.answer_matcher = Matcher(
            {entry.id: _sentences(entry.answer) for entry in kb.entries},
            preprocess=self.canonicalize,
            normalizer=str,
        )
        # kinds of information (price, address…) and topics (housing, loans…) no entry is
        # asked about; answers are left out: they may say "the source gives no address"
        asked = [self.canonicalize(text).split() for entry in kb.entries for text in entry.texts]
        said = {word for words in asked for word in words}
        self.lacking = self.canonicalizer.lexicon.information_types - said
        # "how many children…": a count of people, unless an entry asks for that count
        counted = {b for words in asked for a, b in itertools.pairwise(words) if a == _COUNT}
        self.uncounted = self.canonicalizer.lexicon.people - counted
        # the source is dated: a year after every year it mentions is news it cannot hold
        # ("ماذا وقع سنة 2015؟"); earlier years stay, the answer may correct them
        self.last_year = max(
            (
                int(year)
                for text in (
                    *kb.meta.values(),
                    *(t for e in kb.entries for t in (*e.texts, e.answer)),
                )
                for year in _YEAR_RE.findall(text)
            ),
            default=_LAST_YEAR,
        )
        self.rendered = {entry.id: _render_answer(kb, entry) for entry in kb.entries}
        self.smalltalk_patterns: dict[str, str] = {}  # normalized pattern -> intent id
        for intent in kb.smalltalk:
            for pattern in intent.patterns:
                self.smalltalk_patterns.setdefault(normalize(pattern), intent.id)
        self.smalltalk_replies = {intent.id: intent.replies for intent in kb.smalltalk}
        # in words; stripping tries the longest first, so "السلام عليكم" goes whole
        self._longest_pattern = max((len(p.split()) for p in self.smalltalk_patterns), default=0)
        # the words small talk is made of: after a courtesy, a rest made of them only
        # ("شكرا بزاف، الله يجازيك", "نتا روبو ولا بنادم") is small talk too
        self.smalltalk_words = frozenset(
            word
            for pattern in self.smalltalk_patterns
            for form in (pattern, self.canonicalize(pattern))
            for word in form.split()
        )

    def normalized(self, text: str) -> str:
        """normalize(text), computed once per distinct text."""
        found = self._normalized.get(text)
        if found is None:
            if len(self._normalized) >= _NORMALIZED_CACHE:
                self._normalized.clear()
            found = self._normalized[text] = normalize(text)
        return found

    def canonicalize(self, text: str) -> str:
        """The text in canonical standard-Arabic words (dialect, Arabizi, French mapped)."""
        return self.canonicalizer.from_normalized(self.normalized(text))

    def smalltalk_intent(self, text: str) -> str | None:
        """The intent when the whole message is small talk ("slm, chkon nta?"), else None."""
        key = self.normalized(text)
        if not key:
            return None
        if key in self.smalltalk_patterns:
            return self.smalltalk_patterns[key]
        rest, first = self._strip_courtesies(key)
        if first is not None and self.smalltalk_words.issuperset(self.canonicalize(rest).split()):
            return first  # only courtesies and filler words ("شكرا بزاف خويا")
        if len(key) < 4 or key.count(" ") > self._longest_pattern:
            return None  # small talk is short: a long message is not a typo of a greeting
        best = process.extractOne(
            key, self.smalltalk_patterns.keys(), scorer=fuzz.ratio, score_cutoff=SMALLTALK_FUZZ
        )
        return self.smalltalk_patterns[best[0]] if best is not None else None

    def asks_what_is_lacking(self, text: str) -> bool:
        """True for "how much does it cost", "the phone number"… when the KB never says.

        A message may set the scene before it asks: in "أنا رئيس جمعية فتاهلة.
        علاش …؟" the town is context, not what is asked for.
        """
        return any(
            not self.lacking.isdisjoint(words)
            or self._after_the_source(words)
            or any(a == _COUNT and b in self.uncounted for a, b in itertools.pairwise(words))
            for words in self._asked_sentences(text)
        )

    def _after_the_source(self, words: list[str]) -> bool:
        """A year later than the source's last ("سنة 2015"), or from its last year on
        ("من بعد 2011", "depuis 2011"): news the source cannot hold."""
        for i, word in enumerate(words):
            if _YEAR_RE.fullmatch(word):
                year = int(word)
                since = i > 0 and words[i - 1] in _SINCE_WORDS
                if self.last_year < year <= _LAST_YEAR or (since and year >= self.last_year):
                    return True
        return False

    def _asked_sentences(self, text: str) -> list[list[str]]:
        """The canonical words of each sentence from the first that asks on (what comes
        before it sets the scene; a request after it, "عطيني العنوان", is still asked)."""
        if len(_SENTENCE_RE.findall(text)) < 2:  # one sentence: the question as matched
            return [self.canonicalize(self.without_courtesies(text)).split()]
        sentences = []
        for match in _SENTENCE_RE.finditer(text):
            words = self.canonicalize(match.group(1)).split()
            if words:
                asks = bool(match.group(2) and _QUESTION_MARKS & set(match.group(2)))
                sentences.append((asks or words[0] in _QUESTION_WORDS, words))
        first = next((i for i, (asks, _) in enumerate(sentences) if asks), 0)
        return [words for _, words in sentences[first:]]

    def without_courtesies(self, text: str) -> str:
        """Greetings around a question are not the question: "السلام عليكم، متى …؟" → "متى …"."""
        rest = self._strip_courtesies(self.normalized(text))[0]
        self._normalized[rest] = rest  # words of a normalized text: normalized already
        return rest

    def _strip_courtesies_new(self, key: str) -> tuple[str, str | None]:
        """Strip small-talk patterns from both ends; also say which intent came first."""
        patterns = self.smalltalk_patterns
        words = key.split()
        first: str | None = None
        changed = True
        while changed and words:
            changed = False
            for n in range(min(self._longest_pattern, len(words)), 0, -1):
                head, tail = " ".join(words[:n]), " ".join(words[-n:])
                if head in patterns:
                    words, first, changed = words[n:], first or patterns[head], True
                elif tail in patterns or (tail[:1] == "\u0648" and tail[1:] in patterns):
                    # "… شكرا" or "… وشكرا"
                    intent = patterns.get(tail) or patterns[tail[1:]]
                    words, first, changed = words[:-n], first or intent, True
                else:
                    continue
                break
        return " ".join(words), first


def _render_answer(kb: KnowledgeBase, entry: Entry) -> tuple[str, tuple[Button, ...]]:
    """An entry's answer as shown: its text, where it comes from, its follow-up buttons."""
    source = kb.meta.get("source", "")
    if entry.source:
        source = f"{source} ({entry.source})" if source else entry.source
    text = entry.answer.strip()
    if source:
        text = f"{text}\n\n{kb.texts.get('source_label', '')}: {source}"
    buttons = tuple(
        Button(f"{ENTRY}:{target.id}", target.question)
        for target in (kb.entry(i) for i in entry.follow_up)
        if target is not None
    )
    return text, buttons


_SENTENCE_BREAK = re.compile(r"[.!؟?؛;:\n]+")


def _sentences(answer: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in _SENTENCE_BREAK.split(answer) if len(p.split()) >= 3)


class KnowledgeSource:
    """The current Brain for a file; reloads when the file changes, keeps the last good one."""

    def __init__(self, path: Path, *, reload_interval: float = 2.0) -> None:
        self.path = Path(path)
        self.reload_interval = reload_interval
        self._stamp = self._file_stamp()
        self.brain = Brain(load(self.path))  # a bad file at start is the caller's to report
        self._checked_at = time.monotonic()
        self.last_error: str | None = None

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def current(self) -> Brain:
        now = time.monotonic()
        if now - self._checked_at < self.reload_interval:
            return self.brain
        self._checked_at = now
        stamp = self._file_stamp()
        if stamp is None or stamp == self._stamp:
            return self.brain
        self._stamp = stamp
        try:
            self.brain = Brain(load(self.path))
        except KnowledgeBaseError as exc:
            self.last_error = str(exc)
            log.warning("knowledge base not reloaded, keeping the last good one:\n%s", exc)
        else:
            self.last_error = None
            log.info("knowledge base reloaded: %s", self.brain.kb.summary())
        return self.brain


def decide(candidates: list[Candidate], t: Thresholds) -> tuple[str, list[Candidate]]:
    """answered (one candidate), clarify (the close ones) or no_match (related ones, maybe none).

    Only candidates that cover enough of the question's telling words may be
    answered or offered as choices: a shared common word is never enough.
    """
    usable = [c for c in candidates if c.coverage >= t.coverage]
    if usable:
        top = usable[0]
        runner_up = usable[1].score if len(usable) > 1 else 0.0
        if top.score >= t.answer and top.score - runner_up >= t.margin:
            return "answered", [top]
        close = [
            c
            for c in usable[:MAX_CHOICES]
            if c.score >= t.clarify and top.score - c.score < t.margin
        ]
        if close:
            return "clarify", close
    return "no_match", [c for c in candidates[:MAX_CHOICES] if c.score >= t.related]


def _by_answer_evidence(
    brain: Brain, question: str, close: list[Candidate], lead: float
) -> list[Candidate]:
    """Of close candidates, the one whose answer speaks of the question far more, if any.

    Two questions can read alike ("كم شراكة" / "لماذا الشراكة") while only one
    answer holds the words asked about; the answers' sentences decide then.
    """
    keys = {c.key for c in close}
    evidence = [c for c in brain.answer_matcher.rank(question, limit=30) if c.key in keys]
    if not evidence:
        return close
    second = evidence[1].score if len(evidence) > 1 else 0.0
    if evidence[0].score - second >= lead:
        return [c for c in close if c.key == evidence[0].key]
    return close


def _facets_of_one_subject(kb: KnowledgeBase, close: list[Candidate], floor: float) -> bool:
    """Two close entries that each offer the other as a follow-up, and both hold the question.

    Staff linked them as two sides of one subject (how many partnerships / why
    partnerships), so answering the first loses nothing: the other is among its
    follow-up buttons, one tap away, as a "did you mean" would have been.
    """
    if len(close) != 2 or close[1].score < floor:
        return False
    first, second = kb.entry(close[0].key), kb.entry(close[1].key)
    return (
        first is not None
        and second is not None
        and second.id in first.follow_up
        and first.id in second.follow_up
    )


class Dialogue:
    """The conversation: free text and button payloads in, Replies out. Never raises on input."""

    def __init__(
        self,
        source: KnowledgeSource | KnowledgeBase,
        *,
        thresholds: Thresholds | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if isinstance(source, KnowledgeBase):
            self._fixed: Brain | None = Brain(source)
            self._source: KnowledgeSource | None = None
        else:
            self._fixed, self._source = None, source
        self.thresholds = thresholds or Thresholds()
        self._rng = rng or random.Random()

    @classmethod
    def from_path(cls, path: Path | str, *, settings: Settings | None = None) -> Dialogue:
        """Load the file (KnowledgeBaseError if it is bad) and follow its later edits."""
        settings = settings or Settings()
        source = KnowledgeSource(Path(path), reload_interval=settings.reload_interval)
        return cls(source, thresholds=settings.thresholds)

    @property
    def brain(self) -> Brain:
        if self._fixed is not None:
            return self._fixed
        assert self._source is not None
        return self._source.current()

    @property
    def kb(self) -> KnowledgeBase:
        return self.brain.kb

    def text(self, key: str) -> str:
        return self.kb.texts.get(key, "")

    # --- free text ------------------------------------------------------

    def reply(self, text: str) -> Reply:
        """The reply to a user's message."""
        brain = self.brain
        text = text if isinstance(text, str) else ""
        if len(text) > MAX_QUESTION_CHARS:
            return Reply("no_match", self.text("too_long"))
        intent = brain.smalltalk_intent(text)
        if intent is not None:
            replies = brain.smalltalk_replies[intent]
            return Reply("smalltalk", self._rng.choice(replies), score=100.0)
        question = brain.without_courtesies(text)
        candidates = brain.matcher.rank(question, limit=MAX_CHOICES + 2)
        if brain.asks_what_is_lacking(text):
            related = [c for c in candidates[:MAX_CHOICES] if c.score >= self.thresholds.related]
            return self._no_match(brain, related)
        return self._decide(brain, candidates, question)

    def _decide(self, brain: Brain, candidates: list[Candidate], question: str = "") -> Reply:
        status, chosen = decide(candidates, self.thresholds)
        if status == "clarify" and len(chosen) > 1 and question:
            chosen = _by_answer_evidence(brain, question, chosen, self.thresholds.evidence)
            if len(chosen) == 1 or _facets_of_one_subject(brain.kb, chosen, self.thresholds.facets):
                status = "answered"
        if status == "answered":
            entry = brain.kb.entry(chosen[0].key)
            if entry is not None:
                return self._answer(entry, score=chosen[0].score)
        if status == "clarify":
            return self._clarify(brain, chosen)
        return self._no_match(brain, chosen)

    # --- replies --------------------------------------------------------

    def _answer(self, entry: Entry, *, score: float) -> Reply:
        text, buttons = self.brain.rendered[entry.id]
        return Reply("answered", text, buttons, entry.id, round(score, 2))

    def _suggestions(self, brain: Brain, candidates: list[Candidate]) -> tuple[Suggestion, ...]:
        found = []
        for c in candidates:
            entry = brain.kb.entry(c.key)
            if entry is not None:
                found.append(Suggestion(entry.id, entry.question, entry.answer, c.score))
        return tuple(found)

    def _clarify(self, brain: Brain, candidates: list[Candidate]) -> Reply:
        suggestions = self._suggestions(brain, candidates)
        buttons = tuple(Button(f"{ENTRY}:{s.entry_id}", s.question) for s in suggestions)
        buttons += (Button(f"{NONE}:", self.text("none_of_these")),)
        return Reply(
            "clarify", self.text("clarify"), buttons, None, candidates[0].score, suggestions
        )

    def _no_match(self, brain: Brain, related: list[Candidate]) -> Reply:
        suggestions = self._suggestions(brain, related)
        text = self.text("fallback")
        if suggestions:
            text = f"{text}\n\n{self.text('related')}"
        buttons = tuple(Button(f"{ENTRY}:{s.entry_id}", s.question) for s in suggestions)
        score = related[0].score if related else 0.0
        return Reply("no_match", text, buttons, None, score, suggestions)

    # --- buttons and commands ------------------------------------------

    def press(self, payload: str) -> Reply:
        """The reply to a pressed button (its payload); a stale or forged one gets a polite note."""
        kind, _, target = (payload if isinstance(payload, str) else "").partition(":")
        kb = self.kb
        if kind == ENTRY and (entry := kb.entry(target)) is not None:
            return self._answer(entry, score=100.0)
        if kind == CATEGORY and target in kb.categories:
            buttons = tuple(Button(f"{ENTRY}:{e.id}", e.question) for e in kb.in_category(target))
            return Reply("info", kb.categories[target], buttons)
        if kind == TOPICS:
            return self.topics()
        if kind == NONE:
            return Reply("no_match", self.text("none_of_these_reply"))
        return Reply("info", self.text("unknown_button"), self._topic_buttons())

    def _topic_buttons(self) -> tuple[Button, ...]:
        return tuple(
            Button(f"{CATEGORY}:{cat}", title) for cat, title in self.kb.categories.items()
        )

    def welcome(self) -> Reply:
        return Reply("info", self.text("welcome"), self._topic_buttons())

    def help(self) -> Reply:
        return Reply("info", self.text("help"))

    def topics(self) -> Reply:
        return Reply("info", self.text("topics"), self._topic_buttons())
