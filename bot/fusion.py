"""Fusing the signals into one decision: features per candidate, a fitted model, thresholds.

Each candidate entry of a message gets a few figures (lexical score over its
questions and over its answer, the encoder's similarity to both, how far it
leads the others, whether the asker's situation points to it). A logistic
model, fitted by cross-validation on the project's labelled cases
(``benchmarks/fit_fusion.py``), turns them into the probability that the
entry is the right answer; the decision thresholds on those probabilities
are fitted the same way. Both live in ``bot/fusion.yaml``, data not code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

FUSION_PATH = Path(__file__).with_name("fusion.yaml")

FEATURES = (  # of one candidate entry
    "lexical",  # the lexical score over the entry's questions, 0..1
    "coverage",  # share of the message's telling words the entry holds
    "lexical_lead",  # lexical score minus the best other entry's
    "lexical_first",  # 1 when the lexical ranking puts it first
    "answer",  # the lexical score over the entry's answer sentences, 0..1
    "answer_lead",
    "semantic",  # cosine similarity to the entry's questions
    "semantic_answer",  # ...and to its answer's sentences
    "semantic_lead",  # its best similarity minus the best other entry's
    "semantic_first",
    "semantic_z",  # its best similarity in standard deviations above the entries' mean
    "agree",  # 1 when the lexical and the semantic rankings both put it first
    "situation",  # the asker's situation names the entry (1 first, 1/2 next…)
    "story_lexical",  # a story's lexical score over the whole message (0 for a question alone)
    "story_lexical_lead",
    "memory",  # cosine similarity to the most similar labelled question it answers
    "memory_lead",  # ...minus the best other entry's
    "memory_first",
    "memory_words",  # the lexical score of the most similar labelled question it answers
    "memory_words_lead",
)
# Computed only for a policy that weighs them: fitted in when cross-validation on a
# knowledge base's own labelled cases says they help (`fit_fusion.py --with`)
OPTIONAL_FEATURES = (
    "focus",  # 1 when the message's first telling word (what is asked for) is the entry's
    "entry_focus",  # 1 when what one of the entry's texts asks for is among the message's words
    "chargram",  # character n-gram cosine to the entry's nearest question (bot/chargrams.py)
    "chargram_lead",
    # share of the entry's best text that the message holds: low when that text asks about
    # more than the message does ("القروض الشخصية" for "القروض"); free, from the matcher
    "text_coverage",
)
MESSAGE_FEATURES = (  # of the message: they speak for "none of the entries"
    "long",  # several sentences (a story or context)
    "novelty",  # share of its telling words that no text of the knowledge base holds
    "answer_novelty",  # ...nor any answer
    "best_lexical",
    "best_coverage",
    "best_semantic",
    "semantic_spread",  # how much the entries' similarities differ (a flat field: none stands out)
    "lexical_gap",  # the lexical lead of the best entry over the second (small: a near tie)
    "semantic_gap",  # the same for the encoder
    "words",  # log of the number of words
    "memory_none",  # similarity to the most similar labelled question no entry answers
    "memory_none_lead",  # ...minus the best entry's (positive: it reads like those)
    "memory_words_none",  # the lexical score of the nearest out-of-scope question
)


@dataclass(frozen=True)
class Signals:
    """What each signal said about the candidates of one message, by entry id."""

    lexical: Mapping[str, float] = field(default_factory=dict)  # 0..100
    coverage: Mapping[str, float] = field(default_factory=dict)  # 0..1
    text_coverage: Mapping[str, float] = field(default_factory=dict)  # 0..1
    answer: Mapping[str, float] = field(default_factory=dict)  # 0..100
    semantic: Mapping[str, float] = field(default_factory=dict)  # cosine
    semantic_answer: Mapping[str, float] = field(default_factory=dict)
    situation: Mapping[str, float] = field(default_factory=dict)
    # a message of several sentences read whole: what its story speaks of ("هاد الحالات")
    story_lexical: Mapping[str, float] = field(default_factory=dict)  # 0..100
    memory: Mapping[str, float] = field(default_factory=dict)  # cosine, by entry
    memory_none: float = 0.0  # cosine to the nearest out-of-scope example
    memory_words: Mapping[str, float] = field(default_factory=dict)  # 0..1, by entry
    memory_words_none: float = 0.0
    focus: Mapping[str, float] = field(default_factory=dict)  # 0 or 1, by entry
    entry_focus: Mapping[str, float] = field(default_factory=dict)
    chargram: Mapping[str, float] = field(default_factory=dict)  # cosine, by entry
    long: bool = False
    novelty: float = 0.0
    answer_novelty: float = 0.0
    words: int = 0

    def candidates(self, depth: int = 6) -> list[str]:
        """The entries worth scoring: the best few of each signal."""
        keys: dict[str, None] = {}
        for signal in (self.lexical, self.answer, self.semantic, self.semantic_answer):
            for key in sorted(signal, key=lambda k: -signal[k])[:depth]:
                keys.setdefault(key)
        for key in self.situation:
            keys.setdefault(key)
        for key in sorted(self.story_lexical, key=lambda k: -self.story_lexical[k])[:3]:
            keys.setdefault(key)
        for key in sorted(self.memory, key=lambda k: -self.memory[k])[:3]:
            keys.setdefault(key)
        return list(keys)


# the memory's signals: left out of the policy fitted for a file the memory does not know
MEMORY_FEATURES = frozenset(f for f in (*FEATURES, *MESSAGE_FEATURES) if f.startswith("memory"))


def _lead(values: Mapping[str, float], key: str) -> float:
    mine = values.get(key, 0.0)
    others = max((v for k, v in values.items() if k != key), default=0.0)
    return mine - others


def _first(values: Mapping[str, float], key: str) -> float:
    if not values or key not in values:
        return 0.0
    return 1.0 if values[key] >= max(values.values()) else 0.0


def _semantic_best(signals: Signals) -> dict[str, float]:
    return {
        k: max(signals.semantic.get(k, 0.0), signals.semantic_answer.get(k, 0.0))
        for k in (*signals.semantic, *signals.semantic_answer)
    }


def _per_message(signals: Signals):
    """What every candidate's figures derive from: computed once per message in score()."""
    semantic_best = _semantic_best(signals)
    lexical = {k: v / 100.0 for k, v in signals.lexical.items()}
    answer = {k: v / 100.0 for k, v in signals.answer.items()}
    story = {k: v / 100.0 for k, v in signals.story_lexical.items()}
    return semantic_best, lexical, answer, story, *_spread(semantic_best.values())


def features(signals: Signals, key: str, shared=None) -> dict[str, float]:
    """The figures of one candidate, named as in FEATURES."""
    semantic_best, lexical, answer, story, mean, deviation = shared or _per_message(signals)
    return {
        "lexical": lexical.get(key, 0.0),
        "coverage": signals.coverage.get(key, 0.0),
        "lexical_lead": _lead(lexical, key),
        "lexical_first": _first(lexical, key),
        "answer": answer.get(key, 0.0),
        "answer_lead": _lead(answer, key),
        "semantic": signals.semantic.get(key, 0.0),
        "semantic_answer": signals.semantic_answer.get(key, 0.0),
        "semantic_lead": _lead(semantic_best, key),
        "semantic_first": _first(semantic_best, key),
        "semantic_z": (semantic_best.get(key, mean) - mean) / deviation if deviation else 0.0,
        "agree": _first(lexical, key) * _first(semantic_best, key),
        "situation": signals.situation.get(key, 0.0),
        "story_lexical": story.get(key, 0.0),
        "story_lexical_lead": _lead(story, key),
        "memory": signals.memory.get(key, 0.0),
        "memory_lead": _lead(signals.memory, key),
        "memory_first": _first(signals.memory, key),
        "memory_words": signals.memory_words.get(key, 0.0),
        "memory_words_lead": _lead(signals.memory_words, key),
        "focus": signals.focus.get(key, 0.0),
        "entry_focus": signals.entry_focus.get(key, 0.0),
        "chargram": signals.chargram.get(key, 0.0),
        "chargram_lead": _lead(signals.chargram, key),
        "text_coverage": signals.text_coverage.get(key, 0.0),
    }


def message_features(signals: Signals) -> dict[str, float]:
    """The figures of the whole message, named as in MESSAGE_FEATURES."""
    semantic_best = _semantic_best(signals)
    _mean, deviation = _spread(semantic_best.values())
    return {
        "long": 1.0 if signals.long else 0.0,
        "novelty": signals.novelty,
        "answer_novelty": signals.answer_novelty,
        "best_lexical": max(signals.lexical.values(), default=0.0) / 100.0,
        "best_coverage": max(signals.coverage.values(), default=0.0),
        "best_semantic": max(semantic_best.values(), default=0.0),
        "semantic_spread": deviation,
        "lexical_gap": _gap(signals.lexical.values()) / 100.0,
        "semantic_gap": _gap(semantic_best.values()),
        "words": math.log1p(signals.words),
        "memory_none": signals.memory_none,
        "memory_none_lead": signals.memory_none - max(signals.memory.values(), default=0.0),
        "memory_words_none": signals.memory_words_none,
    }


def _gap(values) -> float:
    best = sorted(values, reverse=True)[:2]
    return best[0] - best[1] if len(best) == 2 else (best[0] if best else 0.0)


def _spread(values) -> tuple[float, float]:
    values = list(values)
    if not values:
        return 0.0, 0.0
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


@dataclass(frozen=True)
class Linear:
    """Weights over standardized features: w · (x - mean) / scale + bias."""

    weights: Mapping[str, float]
    bias: float = 0.0
    mean: Mapping[str, float] = field(default_factory=dict)
    scale: Mapping[str, float] = field(default_factory=dict)

    def __call__(self, values: Mapping[str, float]) -> float:
        z = self.bias
        for name, weight in self.weights.items():
            z += (
                weight
                * (values.get(name, 0.0) - self.mean.get(name, 0.0))
                / (self.scale.get(name, 1.0) or 1.0)
            )
        return z

    def as_dict(self) -> dict[str, object]:
        return {
            "weights": dict(self.weights),
            "bias": self.bias,
            "mean": dict(self.mean),
            "scale": dict(self.scale),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Linear:
        def floats(key: str) -> dict[str, float]:
            return {str(k): float(v) for k, v in dict(data.get(key) or {}).items()}  # type: ignore[call-overload]

        return cls(floats("weights"), float(data.get("bias", 0.0)), floats("mean"), floats("scale"))  # type: ignore[arg-type]


@dataclass(frozen=True)
class SmalltalkRule:
    """Small talk read by meaning: a short message nearer the small-talk patterns than any
    entry's question ("Tu es un humain ou une machine ?" where no pattern holds it).

    Fitted by benchmarks/fit_smalltalk.py on the labelled cases; a similarity above 1
    never holds (the rule is off).
    """

    similarity: float = 2.0  # cosine to the nearest small-talk pattern, at least
    lead: float = 0.0  # ...above the best similarity to an entry's questions
    words: int = 0  # in a message of at most this many words (small talk is short)
    fitted: Mapping[str, object] = field(default_factory=dict)  # how, for people

    def holds(self, words: int, similarity: float, entry_similarity: float) -> bool:
        return (
            0 < words <= self.words
            and similarity >= self.similarity
            and similarity - entry_similarity >= self.lead
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "similarity": self.similarity,
            "lead": self.lead,
            "words": self.words,
            "fitted": dict(self.fitted),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SmalltalkRule:
        return cls(
            similarity=float(data.get("similarity", 2.0)),  # type: ignore[arg-type]
            lead=float(data.get("lead", 0.0)),  # type: ignore[arg-type]
            words=int(data.get("words", 0)),  # type: ignore[call-overload]
            fitted=dict(data.get("fitted") or {}),  # type: ignore[call-overload]
        )


@dataclass(frozen=True)
class Policy:
    """A fitted choice among the candidates and "none of them", and its thresholds.

    Each candidate gets a score from its own figures, "none" one from the
    message's; a softmax over them gives each entry the probability that it is
    the answer (and "none" the probability that no entry is).
    """

    entry: Linear
    none: Linear
    answer: float = 0.5  # the best candidate must reach this probability to be answered
    answer_long: float = 0.5  # ...in a message of several sentences (a story, context)
    margin: float = 0.2  # ...and lead the second by this much, else clarify
    clarify: float = 0.3  # candidates at or above this are offered as "did you mean"
    related: float = 0.1  # offered beside a no_match
    # a lone candidate this likely, none close to it, is offered alone ("did you mean
    # this?") rather than refused; above 1, never
    suggest: float = 2.0
    fitted: Mapping[str, object] = field(default_factory=dict)  # how it was fitted, for people
    # fitted on the same cases without the memory's signals: for a knowledge base the
    # memory does not know (another file, or entries rewritten since the fit)
    without_memory: Policy | None = None
    smalltalk: SmalltalkRule = field(default_factory=SmalltalkRule)  # decided before the fusion

    def weighs(self, feature: str) -> bool:
        """Whether the entries' scores use this feature (an optional one costs time)."""
        return bool(self.entry.weights.get(feature))

    def for_memory(self, available: bool) -> Policy:
        """The policy to use when the memory's signals are (not) there."""
        return self if available or self.without_memory is None else self.without_memory

    def probabilities(self, rows: Mapping[str, Mapping[str, float]], message: Mapping[str, float]):
        """(probability of each candidate, probability of none)."""
        scores = {key: self.entry(values) for key, values in rows.items()}
        none = self.none(message)
        top = max([none, *scores.values()])
        exp = {key: math.exp(v - top) for key, v in scores.items()}
        exp_none = math.exp(none - top)
        total = exp_none + sum(exp.values())
        return {key: v / total for key, v in exp.items()}, exp_none / total

    def as_dict(self) -> dict[str, object]:
        return {
            "entry": self.entry.as_dict(),
            "none": self.none.as_dict(),
            "thresholds": {
                "answer": self.answer,
                "answer_long": self.answer_long,
                "margin": self.margin,
                "clarify": self.clarify,
                "related": self.related,
                "suggest": self.suggest,
            },
            "fitted": dict(self.fitted),
            **({"without_memory": self.without_memory.as_dict()} if self.without_memory else {}),
            **({"smalltalk": self.smalltalk.as_dict()} if self.smalltalk.words else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Policy:
        thresholds = dict(data.get("thresholds") or {})  # type: ignore[call-overload]
        return cls(
            entry=Linear.from_dict(data["entry"]),  # type: ignore[arg-type]
            none=Linear.from_dict(data["none"]),  # type: ignore[arg-type]
            answer=float(thresholds.get("answer", 0.5)),
            answer_long=float(thresholds.get("answer_long", thresholds.get("answer", 0.5))),
            margin=float(thresholds.get("margin", 0.2)),
            clarify=float(thresholds.get("clarify", 0.3)),
            related=float(thresholds.get("related", 0.1)),
            suggest=float(thresholds.get("suggest", 2.0)),
            fitted=dict(data.get("fitted") or {}),  # type: ignore[call-overload]
            without_memory=(
                cls.from_dict(data["without_memory"])  # type: ignore[arg-type]
                if data.get("without_memory")
                else None
            ),
            smalltalk=SmalltalkRule.from_dict(dict(data.get("smalltalk") or {})),  # type: ignore[call-overload]
        )


@cache
def default_policy(path: Path = FUSION_PATH) -> Policy | None:
    """The shipped fitted policy, or None when the file is missing (lexical decisions then)."""
    try:
        with path.open(encoding="utf-8") as handle:
            return Policy.from_dict(yaml.safe_load(handle))
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError):
        return None


@dataclass(frozen=True)
class Scored:
    key: str
    probability: float
    features: Mapping[str, float]


def score(signals: Signals, policy: Policy) -> list[Scored]:
    """Every candidate with its probability, best first."""
    shared = _per_message(signals)
    rows = {key: features(signals, key, shared) for key in signals.candidates()}
    probabilities, _none = policy.probabilities(rows, message_features(signals))
    scored = [Scored(key, probabilities[key], rows[key]) for key in rows]
    scored.sort(key=lambda s: -s.probability)
    return scored


def decide(
    scored: Sequence[Scored], policy: Policy, *, long: bool = False
) -> tuple[str, list[Scored]]:
    """answered (one), clarify (two or three likely ones, or one fairly likely alone) or
    no_match (related ones, maybe none).

    The probabilities share one mass with "none of them": two candidates that
    both reach ``clarify`` are both likely, whatever lies between them.
    """
    if not scored:
        return "no_match", []
    top = scored[0]
    second = scored[1].probability if len(scored) > 1 else 0.0
    answer = policy.answer_long if long else policy.answer
    if top.probability >= answer and top.probability - second >= policy.margin:
        return "answered", [top]
    close = [s for s in scored[:3] if s.probability >= policy.clarify]
    if len(close) > 1:
        return "clarify", close
    if top.probability >= policy.suggest:
        return "clarify", [top]
    return "no_match", [s for s in scored[:3] if s.probability >= policy.related]
