"""Decisions and replies: answered / clarify / no_match / smalltalk, with no transport in it.

Every adapter (console, Telegram, `ask`, `eval`) turns its input into text or a
button payload, calls a Dialogue, and renders the Reply it gets back.
"""

from __future__ import annotations

import itertools
import logging
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.arabic import STOP_WORDS, normalize, stem
from bot.chargrams import CharGrams
from bot.config import Settings, Thresholds
from bot.dialect import Canonicalizer, canonicalizer_for, default_lexicon
from bot.fusion import Policy, Signals, default_policy
from bot.fusion import decide as fused_decision
from bot.fusion import score as fused_scores
from bot.knowledge import Entry, KnowledgeBase, vocabulary
from bot.matcher import MAX_QUERY_CHARS, Candidate, Matcher, Tokens, tokenize
from bot.memory import Memory, Recall, load_memory
from bot.semantic import MODEL_ID, SemanticIndex, SemanticScores, load_encoder
from bot.source import KnowledgeSource
from bot.stories import StoryReader, StoryReading

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 4096  # Telegram's own limit for one message: a whole story fits
MAX_CHOICES = 3  # "did you mean" offers at most this many questions
# An FAQ has few entries: 12 texts (at most 3 an entry) hold every contender, and
# score 10% faster than the matcher's default 20 (same accuracy on both files).
FAQ_SHORTLIST = 12
_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")  # a year, as the source writes them
_LAST_YEAR = 2099
_COUNT = "عدد"  # the canonical word of كم / شحال / combien
_SINCE_WORDS = frozenset(
    normalize(w) for w in ("بعد", "منذ", "مند", "depuis", "apres", "men", "mn", "ba3d", "mnd")
)
# A sentence and what ends it; one that ends in a question mark or starts with a
# (canonical) question word asks, the others tell.
_SENTENCE_RE = re.compile(r"([^.!؟?؛;\n]+)([.!؟?؛;\n]*)")
_QUESTION_MARKS = frozenset("?؟")
# normalized like the words they are compared with (متى is متي there)
_QUESTION_WORDS = frozenset(
    normalize(w)
    for w in (
        "ما",
        "ماذا",
        "هل",
        "كيف",
        "سبب",
        "لماذا",
        "عدد",
        "كم",
        "متى",
        "اين",
        "من",
        "اي",
        "اش",
    )
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
    status: str  # answered | clarify | no_match | smalltalk | too_long | info
    text: str
    buttons: tuple[Button, ...] = ()
    entry_id: str | None = None
    score: float = 0.0
    suggestions: tuple[Suggestion, ...] = ()
    # which step decided and the figures it used: {"step": "fusion", ...}
    decision: Mapping[str, object] = field(default_factory=dict, compare=False)


class Brain:
    """One loaded knowledge base with everything derived from it: built once per file version."""

    def __init__(self, kb: KnowledgeBase, *, semantic: bool = True) -> None:
        self.kb = kb
        self._vocabulary = vocabulary(kb.entries)
        self.canonicalizer: Canonicalizer = canonicalizer_for(
            kb.synonyms,
            vocabulary=self._vocabulary,
            lacking=kb.lacking.variants(),
            refused=kb.lacking.topic_words,
        )
        # each message is normalized once, whoever looks at it (small talk, courtesies,
        # the canonicalizer); the canonicalizer's output is normalized already, so the
        # matchers get str as their normalizer
        self._normalized: dict[str, str] = {}
        # asked twice per message: once for small talk, once for the question
        self._strip_courtesies = lru_cache(maxsize=_NORMALIZED_CACHE)(self._strip_courtesies_new)
        # a message's sentences are wanted by the lacking check and the matching step
        self._sentences = lru_cache(maxsize=_NORMALIZED_CACHE)(self._sentences_new)
        # a message as the matchers read it: its canonical words, once per message
        self.tokens = lru_cache(maxsize=_NORMALIZED_CACHE)(self._tokens_new)
        # "بغيت", "عافاك"… as the canonicalizer writes them: a scene holding one asks
        self._request_words = frozenset(
            w for request in _REQUEST_WORDS for w in self.canonicalize(request).split()
        )
        self.matcher = Matcher(
            {entry.id: [self._text_tokens(t) for t in entry.texts] for entry in kb.entries},
            depth=FAQ_SHORTLIST,
        )
        # The answers' own sentences: evidence to choose between close questions
        self.answer_matcher = Matcher(
            {
                entry.id: [self._text_tokens(t) for t in _sentences(entry.answer)]
                for entry in kb.entries
            }
        )
        # kinds of information (price, address…) and topics (housing, loans…) no entry is
        # asked about; answers are left out: they may say "the source gives no address"
        asked = [self.canonicalize(text).split() for entry in kb.entries for text in entry.texts]
        said = {word for words in asked for word in words}
        kinds = self.canonicalizer.lexicon.information_types | kb.lacking.topic_words
        self.lacking = kinds - said
        # "how many children…": a count of people, unless an entry asks for that count
        # "how many X": a count the source gives only where an answer puts a number
        # beside X ("62 اتفاقية", "25 جماعة قروية") or an entry asks for it
        self.counted = {
            stem(b) for words in asked for a, b in itertools.pairwise(words) if a == _COUNT
        } | {
            stem(word)
            for entry in kb.entries
            for word in _numbered_words(self.canonicalize(entry.answer).split())
        }
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
        self.stories = StoryReader(kb.situations, self.canonicalize)
        # the encoder's view: questions and answer sentences; None runs lexical only
        encoder = load_encoder() if semantic else None
        self.semantic: SemanticIndex | None = None
        self.smalltalk_meaning: SemanticIndex | None = None  # the patterns, one row per intent
        self.memory: Memory | None = None
        if encoder is not None:
            memory = load_memory(MODEL_ID)
            fitted = {entry.id: (entry.question, entry.answer) for entry in kb.entries}
            kept = memory.keep(fitted) if memory else None
            # a file the memory was not fitted on (most of its entries are not there):
            # none of it applies, its out-of-scope examples included
            self.memory = (
                kept if kept and memory and 2 * len(kept.entries) > len(memory.entries) else None
            )
            if self.memory is not None:
                self.memory.read_words(self.tokens, self._language_key())
            self.semantic = SemanticIndex(
                {entry.id: entry.texts for entry in kb.entries},
                {entry.id: _sentences(entry.answer) for entry in kb.entries},
                encoder,
            )
            self.smalltalk_meaning = SemanticIndex(
                {i.id: [p for p in i.patterns if normalize(p)] for i in kb.smalltalk}, {}, encoder
            )
        self.smalltalk_patterns: dict[str, str] = {}  # normalized pattern -> intent id
        for intent in kb.smalltalk:
            for pattern in intent.patterns:
                self.smalltalk_patterns.setdefault(normalize(pattern), intent.id)
        self.smalltalk_replies = {intent.id: intent.replies for intent in kb.smalltalk}
        self.symbol_patterns = {
            "".join(pattern.split()): intent.id
            for intent in kb.smalltalk
            for pattern in intent.patterns
            if not normalize(pattern)
        }
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

    def _language_key(self) -> object:
        """What canonicalize() depends on: the lexicon, the file's synonyms, lacking words
        and vocabulary (two loads of one file read every text alike)."""
        kb = self.kb
        return (
            id(default_lexicon()),
            repr(sorted(kb.synonyms.items())),
            repr(kb.lacking),
            tuple(sorted(self._vocabulary)),
        )

    def normalized(self, text: str) -> str:
        """normalize(text), computed once per distinct text."""
        found = self._normalized.get(text)
        if found is None:
            if len(self._normalized) >= _NORMALIZED_CACHE:
                self._normalized.clear()
            found = self._normalized[text] = normalize(text)
        return found

    def _text_tokens(self, text: str) -> Tokens:
        return tokenize(text, self.canonicalize(text))

    def _tokens_new(self, text: str) -> Tokens:
        """A message as the matchers read it, cut where they would cut a text."""
        return self._text_tokens(text[:MAX_QUERY_CHARS])

    @cached_property
    def chargrams(self) -> CharGrams:
        """The entries' texts by their character n-grams: a signal the stemmer cannot
        miss, built on first use (only a policy that weighs it asks)."""
        return CharGrams(
            {entry.id: [self.canonicalize(t) for t in entry.texts] for entry in self.kb.entries}
        )

    def canonicalize(self, text: str) -> str:
        """The text in canonical standard-Arabic words (dialect, Arabizi, French mapped)."""
        return self.canonicalizer.from_normalized(self.normalized(text))

    def smalltalk_intent(self, text: str) -> str | None:
        """The intent when the whole message is small talk ("slm, chkon nta?"), else None."""
        key = self.normalized(text)
        if not key:  # no letters: emoji or signs may still be small talk ("🙏", "👍❤️")
            return self._symbols_intent(text)
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

    def smalltalk_by_meaning(self, text: str) -> tuple[str, float, float] | None:
        """The small-talk intent nearest the message by meaning, its similarity, and the
        best similarity to an entry's questions; None without the encoder."""
        if self.semantic is None or self.smalltalk_meaning is None:
            return None
        # courtesies around a question are not what it says ("merci, et pour les
        # handicapés ?"): the rest is what is compared, when there is a rest
        rest, courtesy = self._strip_courtesies(self.normalized(text))
        readings = [rest] if courtesy is not None and rest else encoder_readings(self, text)
        vectors = self.semantic.query(readings)  # encoded once, for the entries too
        talk = self.smalltalk_meaning.scores_of(vectors).questions
        if not talk:
            return None
        intent = max(talk, key=lambda key: talk[key])
        entries = self.semantic.scores_of(vectors).questions
        return intent, talk[intent], max(entries.values(), default=0.0)

    def _symbols_intent(self, text: str) -> str | None:
        """The intent of the first known emoji of a message of emoji only, repeated or mixed."""
        symbols = "".join(text.split())
        if symbols in self.symbol_patterns:
            return self.symbol_patterns[symbols]
        bare = symbols.replace(_EMOJI_VARIANT, "").replace(_ZERO_WIDTH_JOINER, "")
        for char in bare:
            intent = self.symbol_patterns.get(char) or self.symbol_patterns.get(
                char + _EMOJI_VARIANT
            )
            if intent is not None:
                return intent
        return None

    def courtesy_around_nothing(self, text: str) -> str | None:
        """The intent of a courtesy beside a few words the knowledge base never uses
        ("ok chokran bzaf khoya, lah y7fdek"): small talk, once no entry is meant."""
        key = self.normalized(text)
        rest, first = self._strip_courtesies(key)
        if first is None:
            return None
        words = [w for w in self.canonicalize(rest).split() if w not in STOP_WORDS]
        if len(words) > _COURTESY_REST or (_QUESTION_MARKS & set(text) and len(words) > 1):
            return None
        return first if not words or self.matcher.novelty(self.tokens(rest)) >= 1.0 else None

    def asks_either_or(self, text: str) -> bool:
        """The asking part offers a choice ("… للنساء أو للشباب؟", "… ou …")."""
        return bool(_EITHER_OR & set(self.normalized(self.asked_part(text)).split()))

    def asks_what_is_lacking(self, text: str) -> bool:
        """True for "how much does it cost", "the phone number"… when the KB never says."""
        return self.what_is_lacking(text) is not None

    def what_is_lacking(self, text: str) -> dict[str, object] | None:
        """What the message asks for that the source never gives, or None.

        A message may set the scene before it asks: in "أنا رئيس جمعية فتاهلة.
        علاش …؟" the town is context, not what is asked for.
        """
        for words in self._asked_sentences(text):
            kinds = sorted(self.lacking.intersection(words))
            if kinds:
                return {"asked_for": kinds}
            if self._after_the_source(words):
                return {"asked_for": ["news after the source"], "source_year": self.last_year}
            uncounted = self._uncounted(words)
            if uncounted:
                return {"asked_for": [f"{_COUNT} {uncounted}"]}
        return None

    def _uncounted(self, words: list[str]) -> str | None:
        """The thing a "how many" asks to count, when no answer gives that count."""
        for i, word in enumerate(words):
            if word != _COUNT:
                continue
            counted = [w for w in words[i + 1 : i + 6] if w not in STOP_WORDS][:3]
            if not counted or any(w in _TIME_UNITS or w.isdigit() for w in counted[:1]):
                continue
            if any(self._is_counted(w) for w in counted):
                continue
            # "عدد الشراكات … شحال وصل": when what follows names nothing the knowledge
            # base holds (a verb), or only "its number" ("شحال عددها"), the thing counted
            # was named before the "how many"
            before = [w for w in words[max(0, i - 4) : i] if w not in STOP_WORDS]
            points_back = (
                stem(counted[0]) == _COUNT or self.matcher.novelty(" ".join(counted)) >= 1.0
            )
            if points_back and any(self._is_counted(w) for w in before):
                continue
            return counted[0]
        return None

    def _is_counted(self, word: str) -> bool:
        key = stem(word)
        if key in self.counted:
            return True
        found = process.extractOne(key, self.counted, scorer=fuzz.ratio, score_cutoff=_COUNTED_FUZZ)
        return found is not None

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
        before it sets the scene; a request after it, "عطيني العنوان", is still asked).

        Within that sentence, clauses before the one that asks set the scene too when
        they say enough to be a story ("صاحبتي عندها 28 عام، … ودابا بغات ترجع تقرا،
        وكتسول واش …"): "now" there is her life, not what is asked for.
        """
        spans = self._sentences(text)
        if len(spans) < 2:  # one sentence: the question as matched
            asked = [self.canonicalize(self.without_courtesies(text)).split()]
            start = 0
        else:
            start = self._asking_sentence(text, spans)
            asked = [list(words) for _start, words, _asks in spans[start:]]
        clauses = self._clauses(_span_text(text, spans, start) if spans else text)
        scene = next(
            (i for i, (words, part) in enumerate(clauses) if self._asks_within(words, part)), 0
        )
        if sum(len(words) for words, _part in clauses[:scene]) >= _SCENE_WORDS:
            asked[0] = [w for words, _part in clauses[scene:] for w in words]
        asked[0] = self._after_the_story(asked[0])
        return asked

    def _after_the_story(self, words: list[str]) -> list[str]:
        """A story told in one unpunctuated breath ("… كنقرا الورقة ديال الطبيب بوحدي واش
        التعاون الوطني عندو …"): from its first question word on, when what precedes it
        tells enough to be a story and asks for nothing itself."""
        for i, word in enumerate(words):
            if word in self._request_words:
                return words
            asks = word in _ASKING_WORDS or (word in _QUESTION_WORDS and word != _WHAT)
            if asks and i >= _STORY_WORDS:
                return words[i:]
        return words

    def _asking_sentence(self, text: str, spans: Sequence[_Span]) -> int:
        """The first sentence that asks by its mark or its opening word; failing that, the
        first with a question word or a request within it; failing that, the first."""
        first = _first_asking(spans)
        if spans[first][2]:
            return first
        within = (
            i
            for i, (_start, words, _asks) in enumerate(spans)
            if self._asks_within(words, _span_text(text, spans, i))
        )
        return next(within, 0)

    def _asks_within(self, words: Sequence[str], written: str) -> bool:
        """A question word anywhere in it, or a request ("أحتاج إلى معرفة…", "شرحي ليا
        عافاك", "je voudrais savoir"): the part of a story that asks."""
        return _clause_asks(words) or not _REQUEST_WORDS.isdisjoint(
            self.normalized(written).split()
        )

    def _clauses(self, sentence: str) -> list[tuple[list[str], str]]:
        """A sentence's clauses (split at commas): canonical words and the text."""
        found = ((self.canonicalize(part).split(), part) for part in _CLAUSE_BREAK.split(sentence))
        return [(words, part) for words, part in found if words]

    def _sentences_new(self, text: str) -> tuple[tuple[int, tuple[str, ...], bool], ...]:
        """Each sentence: where it starts, its canonical words, whether it asks.

        When the message holds a question mark, the sentences that end with one
        ask; otherwise those that start with a question word do ("شنو…", "واش…"):
        a Darija negation (ما كنعرفش) opening a sentence of a story is no question.
        """
        matches = list(_SENTENCE_RE.finditer(text))
        marked = any(_QUESTION_MARKS & set(m.group(2)) for m in matches)
        spans = []
        for match in matches:
            words = self.canonicalize(match.group(1)).split()
            if not words:
                continue
            if marked:
                asks = bool(_QUESTION_MARKS & set(match.group(2)))
            else:
                asks = words[0] in _QUESTION_WORDS
            spans.append((match.start(), tuple(words), asks))
        return tuple(spans)

    def asked_part(self, text: str) -> str:
        """The message from its first asking sentence on; all of it when none asks."""
        spans = self._sentences(text)
        if len(spans) < 2:
            return text
        return text[spans[_first_asking(spans)][0] :]

    def sentence_count(self, text: str) -> int:
        return len(self._sentences(text))

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


_CLAUSE_BREAK = re.compile(r"[،,]")
_SCENE_WORDS = 5  # clauses before the asking one this long tell a story
_STORY_WORDS = 10  # ...and words before a question word, in a sentence with no commas
# canonical words that ask wherever they stand in a clause; ما asks too unless it
# negates (ما كملاتش: the Darija negation closes its verb with ش), من may be "from"
_ASKING_WORDS = frozenset(normalize(w) for w in ("هل", "كيف", "سبب", "اين", "متى", "عدد"))
_WHAT = normalize("ما")
# words that ask for something without a question word (need, want, please, explain)
_REQUEST_WORDS = frozenset(
    normalize(w)
    for w in (
        *("أحتاج", "نحتاج", "أريد", "نريد", "بغيت", "بغينا", "نبغي", "حاب", "حابة"),
        *("عافاك", "عفاك", "فضلك", "اشرح", "شرح", "شرحي", "شرحو", "عطيني", "أعطيني"),
        *("bghit", "bghina", "3afak", "3fak", "3tini", "voudrais", "aimerais", "savoir"),
        *("svp", "stp", "plait", "expliquer", "expliquez", "want", "need", "please"),
        *("explain", "tell"),
        # "I need …" asks for something: "خاصني النصوص القانونية…", "j'ai besoin de…"
        *("خاصني", "خصني", "خاصنا", "khasni", "khassni", "besoin"),
    )
)


_Span = tuple[int, tuple[str, ...], bool]  # a sentence: where it starts, its words, if it asks


def _span_text(text: str, spans: Sequence[_Span], i: int) -> str:
    end = spans[i + 1][0] if i + 1 < len(spans) else len(text)
    return text[spans[i][0] : end]


def _clause_asks(words: Sequence[str]) -> bool:
    """Whether a clause (or a sentence) asks, wherever its question word stands."""
    if (words[0] in _QUESTION_WORDS and words[0] != _WHAT) or _ASKING_WORDS.intersection(words):
        return True
    return any(
        w == _WHAT and (i + 1 == len(words) or not words[i + 1].endswith("ش"))
        for i, w in enumerate(words)
    )


_EMOJI_VARIANT = "\ufe0f"  # "❤️" is "❤" and this: people's keyboards send either
_ZERO_WIDTH_JOINER = "\u200d"
_EITHER_OR = frozenset(normalize(w) for w in ("أو", "او", "ولا", "wla", "wala", "ou", "or"))
_COURTESY_REST = 4  # words beside a courtesy that may still be small talk (filler, a blessing)
_COUNTED_FUZZ = 75.0  # da2ira → دايرا still meets دوائر
_NUMBER_RE = re.compile(r"^\d+$")
# "كم سنة / منذ كم عام": a duration, answered by the dates the source gives
_TIME_UNITS = frozenset(
    normalize(w) for w in ("سنه", "سنة", "سنوات", "سنين", "عام", "اعوام", "مره")
)


def _numbered_words(words: list[str]) -> set[str]:
    """The words a number stands beside: "79 خدمة اجتماعية" → {خدمه, اجتماعيه}."""
    return {
        word
        for i, w in enumerate(words)
        if _NUMBER_RE.match(w)
        for word in words[i + 1 : i + 3]
        if not _NUMBER_RE.match(word)
    }


def _first_asking(spans: tuple[tuple[int, tuple[str, ...], bool], ...]) -> int:
    return next((i for i, (_start, _words, asks) in enumerate(spans) if asks), 0)


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
    ranked = brain.answer_matcher.rank(brain.tokens(question), limit=30)
    evidence = [c for c in ranked if c.key in keys]
    if not evidence:
        return close
    second = evidence[1].score if len(evidence) > 1 else 0.0
    if evidence[0].score - second >= lead:
        return [c for c in close if c.key == evidence[0].key]
    return close


_LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
_ARABIC_RE = re.compile(r"[\u0621-\u064a]")


@dataclass(frozen=True)
class Reading:
    """One message as the matching step sees it: what is asked, by whom, every signal."""

    # the asked part, courtesies off (the whole message when the asked part names
    # nothing of its own): what the lexical matchers read
    question: str
    long: bool  # several sentences: context or a story around the question
    candidates: list[Candidate]  # the lexical ranking over the entries' questions
    story: StoryReading
    signals: Signals | None  # None when the lexical decision stands alone
    lexical_step: str = ""  # why it stands alone: "lexical_sure" or "lexical"

    def story_decision(self) -> dict[str, object]:
        return {"story": self.story.as_dict()} if self.story.situations else {}


def _lexically_sure(
    candidates: list[Candidate], long: bool, story: StoryReading, policy: Policy
) -> bool:
    """A short question that one entry's text holds almost word for word: no need to ask
    the encoder (the fitted limits, in bot/fusion.yaml, admitted no wrong answer)."""
    limits = policy.fitted.get("lexical_sure")
    if not isinstance(limits, dict) or not candidates or long or story.situations:
        return False
    top = candidates[0]
    second = candidates[1].score if len(candidates) > 1 else 0.0
    return (
        top.score >= float(limits.get("score", 101))
        and top.score - second >= float(limits.get("margin", 101))
        and top.coverage >= float(limits.get("coverage", 1.1))
    )


# The encoder's time grows with the text (about 0.2 ms a character on the VNNI
# engine): it reads at most this much of a message, in the readings that matter.
# Measured by leaving probes out: 160 → 320 → 640 → 1500 characters read 92.3 →
# 92.6 → 93.0 → 92.9% on average, with the same wrong answers.
SEMANTIC_BUDGET = 640


def _readings(brain: Brain, text: str, asked: str, long: bool) -> list[str]:
    """What the encoder reads of a message: its question first (a story's asking
    sentence apart from the story), then the story's opening, then the canonical
    Arabic words of an Arabizi message, within SEMANTIC_BUDGET characters."""
    wanted = [asked, text] if long and asked != text else [text]
    if len(_LATIN_RE.findall(text)) > len(_ARABIC_RE.findall(text)):
        wanted.append(brain.canonicalize(text))  # Arabizi reads best in Arabic words
    readings: list[str] = []
    left = SEMANTIC_BUDGET
    for reading in wanted:
        reading = reading.strip()[:left]
        if len(reading) >= 8 and left > 0:
            readings.append(reading)
            left -= len(reading)
    return readings or [text[:SEMANTIC_BUDGET]]


def encoder_readings(brain: Brain, text: str) -> list[str]:
    """What the encoder reads of a message (as _read gives it): for the memory's examples."""
    return _readings(brain, text, brain.asked_part(text), brain.sentence_count(text) > 1)


def _read(
    brain: Brain,
    text: str,
    policy: Policy | None,
    *,
    semantic: bool | None = None,
    every_signal: bool = False,
) -> Reading:
    asked = brain.asked_part(text)
    question = brain.without_courtesies(asked)
    long = brain.sentence_count(text) > 1
    tokens = brain.tokens(question)
    if long and asked != text and brain.matcher.names_nothing(tokens):
        # the asking sentence names nothing of its own ("does the Entraide offer that?"):
        # what is asked is the story's, so the words are read from the whole message
        question = brain.without_courtesies(text)
        tokens = brain.tokens(question)
    candidates = brain.matcher.rank(tokens, limit=MAX_CHOICES + 3)
    story = brain.stories.read(brain.normalized(text), brain.canonicalize(text))
    if brain.semantic is None or (policy is None and not semantic):
        return Reading(question, long, candidates, story, None, "lexical")
    if semantic is None and policy is not None:
        semantic = not _lexically_sure(candidates, long, story, policy)
    if not semantic:
        return Reading(question, long, candidates, story, None, "lexical_sure")
    answers = brain.answer_matcher.rank(tokens, limit=6)
    # a story read whole: its question may only point back to it ("بحال هاد الحالات؟")
    whole = brain.tokens(brain.without_courtesies(text)) if long and asked != text else None
    story_lexical = (
        {c.key: c.score for c in brain.matcher.rank(whole, limit=MAX_CHOICES + 3)} if whole else {}
    )
    readings = _readings(brain, text, asked, long)
    meaning: SemanticScores = brain.semantic.scores(readings)
    recall = (
        brain.memory.recall(brain.semantic.query(readings), question)
        if brain.memory
        else Recall({}, 0.0)
    )
    keys = list(meaning.questions)
    # the policy that will decide (for a file the memory knows, or not) may not weigh the
    # optional signals: they are worked out for it only if it does, and always for a fit
    deciding = policy.for_memory(brain.memory is not None) if policy else None
    every_signal = every_signal or deciding is None
    focus = (
        brain.matcher.focus(tokens, keys)
        if every_signal or _weighs(deciding, "focus", "entry_focus")
        else {}
    )
    chargram = (
        brain.chargrams.similarities(brain.canonicalize(question), keys)
        if every_signal or _weighs(deciding, "chargram", "chargram_lead")
        else {}
    )
    signals = Signals(
        lexical={c.key: c.score for c in candidates},
        coverage={c.key: c.coverage for c in candidates},
        text_coverage={c.key: c.text_coverage for c in candidates},
        answer={c.key: c.score for c in answers},
        semantic=meaning.questions,
        semantic_answer=meaning.answers,
        situation=story.entry_votes(),
        story_lexical=story_lexical,
        memory=recall.entries,
        memory_none=recall.none,
        memory_words=recall.words,
        memory_words_none=recall.words_none,
        focus={key: f[0] for key, f in focus.items()},
        entry_focus={key: f[1] for key, f in focus.items()},
        chargram=chargram,
        long=long,
        words=len(brain.normalized(text).split()),
        novelty=brain.matcher.novelty(tokens),
        answer_novelty=brain.answer_matcher.novelty(tokens),
    )
    return Reading(question, long, candidates, story, signals)


def _weighs(policy: Policy | None, *features: str) -> bool:
    return policy is not None and any(policy.weighs(f) for f in features)


class Dialogue:
    """The conversation: free text and button payloads in, Replies out. Never raises on input."""

    def __init__(
        self,
        source: KnowledgeSource | KnowledgeBase,
        *,
        thresholds: Thresholds | None = None,
        rng: random.Random | None = None,
        policy: Policy | None = None,
        semantic: bool = True,
    ) -> None:
        if isinstance(source, KnowledgeBase):
            self._fixed: Brain | None = Brain(source, semantic=semantic)
            self._source: KnowledgeSource | None = None
        else:
            self._fixed, self._source = None, source
        self.thresholds = thresholds or Thresholds()
        self._rng = rng or random.Random()
        # the fitted fusion of the signals (bot/fusion.yaml); without it, lexical decisions
        self._policy = policy if policy is not None else default_policy()

    @classmethod
    def from_path(cls, path: Path | str, *, settings: Settings | None = None) -> Dialogue:
        """Load the file (KnowledgeBaseError if it is bad); `source.check()` takes up edits."""
        settings = settings or Settings()
        source = KnowledgeSource(
            Path(path), reload_interval=settings.reload_interval, max_bytes=settings.kb_max_bytes
        )
        return cls(source, thresholds=settings.thresholds)

    @property
    def source(self) -> KnowledgeSource | None:
        """Where the knowledge base comes from, when it is a file that may change."""
        return self._source

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
        """The reply to a user's message: the first step that decides, in order."""
        brain = self.brain
        text = text if isinstance(text, str) else ""
        for step in (self._too_long, self._smalltalk, self._lacking, self._match):
            reply = step(brain, text)
            if reply is not None:
                return reply
        raise AssertionError("the matching step always replies")

    def _too_long(self, brain: Brain, text: str) -> Reply | None:
        if len(text) <= MAX_QUESTION_CHARS:
            return None
        decision = {"step": "too_long", "chars": len(text), "limit": MAX_QUESTION_CHARS}
        return Reply("too_long", self.text("too_long"), decision=decision)

    def _smalltalk(self, brain: Brain, text: str) -> Reply | None:
        intent = brain.smalltalk_intent(text)
        return None if intent is None else self._small_talk_reply(brain, {"intent": intent})

    def _smalltalk_by_meaning(self, brain: Brain, text: str) -> Reply | None:
        """A short message nearer the small-talk patterns than any entry (the fitted rule)."""
        rule = self._policy.smalltalk if self._policy is not None else None
        words = len(brain.normalized(text).split())
        if rule is None or not 0 < words <= rule.words:
            return None
        found = brain.smalltalk_by_meaning(text)
        if found is None or not rule.holds(words, found[1], found[2]):
            return None
        intent, similarity, entry_similarity = found
        decision: dict[str, object] = {
            "step": "smalltalk_meaning",
            "intent": intent,
            "similarity": round(similarity, 3),
            "entry_similarity": round(entry_similarity, 3),
            "thresholds": {"similarity": rule.similarity, "lead": rule.lead, "words": rule.words},
        }
        return self._small_talk_reply(brain, decision)

    def _small_talk_reply(self, brain: Brain, decision: dict[str, object]) -> Reply:
        replies = brain.smalltalk_replies[str(decision["intent"])]
        decision = {"step": "smalltalk", **decision}
        return Reply("smalltalk", self._rng.choice(replies), score=100.0, decision=decision)

    def _lacking(self, brain: Brain, text: str) -> Reply | None:
        lacking = brain.what_is_lacking(text)
        if lacking is None:
            return None
        question = brain.without_courtesies(brain.asked_part(text))
        candidates = brain.matcher.rank(brain.tokens(question), limit=MAX_CHOICES)
        related = [c for c in candidates if c.score >= self.thresholds.related]
        return self._no_match(brain, related, {"step": "lacking", **lacking}, lacking=True)

    def read(
        self, text: str, *, semantic: bool | None = None, every_signal: bool = False
    ) -> Reading:
        """Every signal on one message (the semantic one when it is needed, or asked for;
        the optional ones the policy does not weigh, when asked for: a fit wants them)."""
        return _read(self.brain, text, self._policy, semantic=semantic, every_signal=every_signal)

    def _match(self, brain: Brain, text: str) -> Reply:
        reading = _read(brain, text, self._policy)
        if reading.signals is None or self._policy is None:
            return self._decide(brain, reading, reading.lexical_step or "lexical", text)
        # the encoder has read the message: small talk by meaning costs one product more
        # (a question an entry's text holds word for word never gets here: lexical_sure)
        talk = self._smalltalk_by_meaning(brain, text)
        if talk is not None:
            return talk
        policy = self._policy.for_memory(brain.memory is not None)
        scored = fused_scores(reading.signals, policy)
        status, chosen = fused_decision(scored, policy, long=reading.long)
        # "training for women or for the young?": both sides were asked, let them pick
        # (the second named needs only to be related to be offered)
        either = [s for s in scored[:MAX_CHOICES] if s.probability >= policy.related]
        if status != "no_match" and len(either) > 1 and brain.asks_either_or(text):
            status, chosen = "clarify", either
        if (
            status == "clarify"
            and len(chosen) == 2
            and brain.kb.facets_of_one_subject(chosen[0].key, chosen[1].key)
            and all(s.probability >= policy.answer for s in chosen)
        ):
            status, chosen = "answered", chosen[:1]
        decision = {
            "step": "fusion",
            "status": status,
            "memory": brain.memory is not None,
            "thresholds": {
                "answer": policy.answer_long if reading.long else policy.answer,
                "margin": policy.margin,
                "clarify": policy.clarify,
                **({"suggest": policy.suggest} if policy.suggest <= 1 else {}),
            },
            "candidates": [
                {
                    "entry_id": s.key,
                    "probability": round(s.probability, 3),
                    "features": {k: round(v, 3) for k, v in s.features.items()},
                }
                for s in scored[:MAX_CHOICES]
            ],
            **reading.story_decision(),
        }
        as_candidates = [
            Candidate(s.key, round(100 * s.probability, 2), "", s.features["coverage"])
            for s in chosen
        ]
        if status == "answered":
            entry = brain.kb.entry(chosen[0].key)
            if entry is not None:
                return self._answer(entry, score=as_candidates[0].score, decision=decision)
        if status == "clarify":
            return self._clarify(brain, as_candidates, decision)
        return self._courtesy(brain, text) or self._no_match(brain, as_candidates, decision)

    def _courtesy(self, brain: Brain, text: str) -> Reply | None:
        """Small talk after all: a courtesy with nothing the knowledge base speaks of."""
        intent = brain.courtesy_around_nothing(text)
        if intent is None:
            return None
        return self._small_talk_reply(brain, {"intent": intent, "rest_unknown": True})

    def _decide(self, brain: Brain, reading: Reading, step: str, text: str) -> Reply:
        """The lexical decision: thresholds on the matcher's scores (see config.Thresholds)."""
        candidates, question = reading.candidates, reading.question
        status, chosen = decide(candidates, self.thresholds)
        if status == "clarify" and len(chosen) > 1 and question:
            chosen = _by_answer_evidence(brain, question, chosen, self.thresholds.evidence)
            if len(chosen) == 1 or (
                len(chosen) == 2
                and chosen[1].score >= self.thresholds.facets
                and brain.kb.facets_of_one_subject(chosen[0].key, chosen[1].key)
            ):
                status = "answered"
        top = candidates[0] if candidates else None
        decision: dict[str, object] = {
            "step": step,
            "status": status,
            "score": top.score if top else 0.0,
            "margin": round(top.score - candidates[1].score, 2)
            if len(candidates) > 1 and top
            else (top.score if top else 0.0),
            "coverage": top.coverage if top else 0.0,
            "matched_text": top.text if top else "",
        }
        if brain.semantic is None:
            decision["semantic"] = "unavailable"
        if status == "answered":
            entry = brain.kb.entry(chosen[0].key)
            if entry is not None:
                return self._answer(entry, score=chosen[0].score, decision=decision)
        if status == "clarify":
            return self._clarify(brain, chosen, decision)
        return self._courtesy(brain, text) or self._no_match(brain, chosen, decision)

    # --- replies --------------------------------------------------------

    def _answer(
        self, entry: Entry, *, score: float, decision: Mapping[str, object] | None = None
    ) -> Reply:
        text, buttons = self.brain.rendered[entry.id]
        return Reply("answered", text, buttons, entry.id, round(score, 2), decision=decision or {})

    def _suggestions(self, brain: Brain, candidates: list[Candidate]) -> tuple[Suggestion, ...]:
        found = []
        for c in candidates:
            entry = brain.kb.entry(c.key)
            if entry is not None:
                found.append(Suggestion(entry.id, entry.question, entry.answer, c.score))
        return tuple(found)

    def _clarify(
        self, brain: Brain, candidates: list[Candidate], decision: Mapping[str, object]
    ) -> Reply:
        suggestions = self._suggestions(brain, candidates)
        buttons = tuple(Button(f"{ENTRY}:{s.entry_id}", s.question) for s in suggestions)
        buttons += (Button(f"{NONE}:", self.text("none_of_these")),)
        # one candidate alone: "did you mean this question?"
        text = (len(suggestions) == 1 and self.text("clarify_one")) or self.text("clarify")
        return Reply(
            "clarify",
            text,
            buttons,
            None,
            candidates[0].score,
            suggestions,
            decision,
        )

    def _no_match(
        self,
        brain: Brain,
        related: list[Candidate],
        decision: Mapping[str, object],
        *,
        lacking: bool = False,
    ) -> Reply:
        suggestions = self._suggestions(brain, related)
        # "the source does not say" and "I did not understand" are different answers
        text = (lacking and self.text("fallback_lacking")) or self.text("fallback")
        if suggestions:
            text = f"{text}\n\n{self.text('related')}"
        buttons = tuple(Button(f"{ENTRY}:{s.entry_id}", s.question) for s in suggestions)
        score = related[0].score if related else 0.0
        return Reply("no_match", text, buttons, None, score, suggestions, decision)

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
