"""A memory of labelled questions: how citizens asked for each entry, and what they
asked that the knowledge base does not hold.

The knowledge base's own questions and alternatives say how staff expect people
to ask. The project's labelled cases (``tests/data/labelled.yaml``: every
register, personal stories, near-domain questions the source never answers) say
how people did ask. Their encoder vectors ship in ``bot/memory.npz``, written by
``benchmarks/fit_fusion.py --write`` beside the fitted fusion, so that the bot
starts without encoding them. A message is compared with every remembered one:
the most similar example of each entry, and the most similar question that no
entry answers, are two more signals for the fusion.

A memory written for another encoder, or missing, is left out (the engine runs
without it). An entry is remembered only while the knowledge base has it as it
was fitted: the same id with the same question or the same answer (another
file's "children" is not this one's); staff who rewrite both refit.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.matcher import Matcher, Tokens, tokenize

log = logging.getLogger(__name__)

MEMORY_PATH = Path(__file__).with_name("memory.npz")
_WORDS_INDEXES: dict[tuple[int, object], Matcher] = {}  # see Memory.read_words
_WORDS_DEPTH = 60  # remembered questions ranked by words; enough to reach every entry's best


@dataclass(frozen=True)
class Recall:
    """What the memory says of one message."""

    entries: dict[str, float]  # entry id -> similarity of its most similar example
    none: float  # similarity of the most similar question no entry answers
    # the same by the words (the lexical matcher's score, 0..1): typos, Arabizi and
    # Darija the encoder reads poorly meet the remembered questions written alike
    words: dict[str, float] = field(default_factory=dict)
    words_none: float = 0.0


class Memory:
    """Remembered questions, each with the entries that answer it (none: out of scope)."""

    def __init__(
        self,
        questions: Sequence[str],
        answers: Sequence[tuple[str, ...]],
        vectors: np.ndarray,
        owners: np.ndarray,
        entries: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        self.questions = list(questions)
        self.entries = dict(entries or {})  # id -> (question, answer) as fitted
        self.answers = [tuple(a) for a in answers]
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.owners = np.asarray(owners, dtype=np.int64)  # reading row -> question
        # the first row of each question's readings, for reduceat
        self._starts = np.flatnonzero(np.r_[True, self.owners[1:] != self.owners[:-1]])
        self.out_of_scope = np.array([not a for a in self.answers], dtype=bool)
        keys = sorted({k for a in self.answers for k in a})
        self._by_entry = {
            k: np.array([i for i, a in enumerate(self.answers) if k in a]) for k in keys
        }
        self._words: Matcher | None = None
        self._tokenize: Callable[[str], Tokens] = tokenize

    def read_words(self, tokenize: Callable[[str], Tokens], language: object = None) -> None:
        """Index the remembered questions' words, read as the bot reads a message
        (``tokenize``, which also reads the questions asked of ``recall``).

        Reading 1,700 questions costs a third of a second; a knowledge base loaded
        again with the same language (``language``: a key of what ``tokenize``
        depends on) reuses the index.
        """
        key = (hash(tuple(self.questions)), language) if language is not None else None
        if key is not None and key in _WORDS_INDEXES:
            self._words, self._tokenize = _WORDS_INDEXES[key], tokenize
            return
        self._tokenize = tokenize
        self._words = Matcher({str(i): [tokenize(q)] for i, q in enumerate(self.questions)})
        if key is not None:
            if len(_WORDS_INDEXES) >= 4:
                _WORDS_INDEXES.pop(next(iter(_WORDS_INDEXES)))
            _WORDS_INDEXES[key] = self._words

    def __len__(self) -> int:
        return len(self.questions)

    def similarities(self, query: np.ndarray) -> np.ndarray:
        """Per remembered question: the best cosine between any reading of each."""
        if not len(self.vectors):
            return np.zeros(0, np.float32)
        rows = (self.vectors @ np.atleast_2d(query).T).max(axis=1)
        return np.maximum.reduceat(rows, self._starts)

    def recall(
        self, query: np.ndarray, question: str = "", allowed: np.ndarray | None = None
    ) -> Recall:
        """The message's nearest examples, by meaning (``query``: its encoder vectors) and
        by words (``question``: its asked part); ``allowed`` masks questions out (when
        fitting, a labelled case must not meet itself nor the cases written beside it)."""
        words, words_none = self._recall_words(question, allowed)
        sims = self.similarities(query)
        if allowed is not None:
            sims = np.where(allowed, sims, -1.0)
        entries = {}
        for key, rows in self._by_entry.items():
            best = float(sims[rows].max())
            if best > 0:
                entries[key] = best
        none_sims = sims[self.out_of_scope]
        none = float(none_sims.max()) if none_sims.size else 0.0
        return Recall(entries, max(none, 0.0), words, words_none)

    def _recall_words(
        self, question: str, allowed: np.ndarray | None
    ) -> tuple[dict[str, float], float]:
        if self._words is None or not question:
            return {}, 0.0
        entries: dict[str, float] = {}
        none = 0.0
        for candidate in self._words.rank(self._tokenize(question), limit=_WORDS_DEPTH):
            i = int(candidate.key)
            if allowed is not None and not allowed[i]:
                continue
            score = candidate.score / 100.0
            if not self.answers[i]:
                none = max(none, score)
            for key in self.answers[i]:
                entries[key] = max(entries.get(key, 0.0), score)
        return entries, none

    def keep(self, entries: Mapping[str, tuple[str, str]]) -> Memory:
        """The memory for a knowledge base with these entries (id -> question, answer):
        an entry not as it was fitted is dropped, and a question left with none of its
        entries is forgotten (it is not out of scope)."""
        known = {
            key
            for key, (question, answer) in entries.items()
            if key in self.entries
            and (self.entries[key][0] == question or self.entries[key][1] == answer)
        }
        kept_rows, questions, answers, owners = [], [], [], []
        ends = np.r_[self._starts[1:], len(self.owners)]  # each question's readings: one run
        for i, (question, answer) in enumerate(zip(self.questions, self.answers, strict=True)):
            still = tuple(k for k in answer if k in known)
            if answer and not still:
                continue
            rows = range(int(self._starts[i]), int(ends[i]))
            kept_rows.extend(rows)
            owners.extend([len(questions)] * len(rows))
            questions.append(question)
            answers.append(still)
        dropped = sorted(set(self.entries) - known)
        if dropped:
            log.info("memory: entries changed since the fit, left out: %s", ", ".join(dropped))
        return Memory(
            questions,
            answers,
            self.vectors[kept_rows],
            np.array(owners, np.int64),
            {k: self.entries[k] for k in known},
        )

    def save(self, path: Path, model_id: str) -> None:
        np.savez_compressed(
            path,
            model=np.array(model_id),
            questions=np.array(self.questions),
            answers=np.array([" ".join(a) for a in self.answers]),
            vectors=self.vectors.astype(np.float16),
            owners=self.owners.astype(np.int32),
            entry_ids=np.array(list(self.entries)),
            entry_questions=np.array([q for q, _a in self.entries.values()]),
            entry_answers=np.array([a for _q, a in self.entries.values()]),
        )


def load_memory(model_id: str, path: Path = MEMORY_PATH) -> Memory | None:
    """The shipped memory, or None (logged) when it is missing or for another encoder."""
    try:
        stamp = path.stat()
    except OSError as exc:
        log.warning("memory %s not loaded (%s): left out", path, exc)
        return None
    return _load_memory(model_id, path, stamp.st_mtime_ns, stamp.st_size)


@functools.lru_cache(maxsize=4)
def _load_memory(model_id: str, path: Path, _mtime: int, _size: int) -> Memory | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            written_for = str(data["model"])
            if written_for != model_id:
                log.warning("memory %s is for %s, not %s: left out", path, written_for, model_id)
                return None
            answers = [tuple(a.split()) for a in data["answers"].tolist()]
            fitted = zip(
                data["entry_questions"].tolist(), data["entry_answers"].tolist(), strict=True
            )
            entries = dict(zip(data["entry_ids"].tolist(), fitted, strict=True))
            return Memory(
                data["questions"].tolist(), answers, data["vectors"], data["owners"], entries
            )
    except (OSError, KeyError, ValueError) as exc:
        log.warning("memory %s not loaded (%s): left out", path, exc)
        return None
