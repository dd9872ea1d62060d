"""The semantic index's figures per entry, with a stand-in encoder (no model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from bot.semantic import SemanticIndex, encoder_threads


class CountingEncoder:
    """Deterministic unit vectors from a text's characters; counts the texts it encodes."""

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def _rows(self, texts) -> np.ndarray:
        rows = []
        for text in texts:
            rng = np.random.default_rng(sum(map(ord, text)))
            row = rng.standard_normal(384).astype(np.float32)
            rows.append(row / np.linalg.norm(row))
        return np.stack(rows)

    def queries(self, texts) -> np.ndarray:
        self.encoded.extend(texts)
        return self._rows(texts)

    def passages(self, texts) -> np.ndarray:
        return self._rows(texts)


QUESTIONS = {"a": ["first question", "another way to ask"], "b": ["second question"]}
ANSWERS = {"a": ["the first answer says this"], "b": []}


def _index() -> tuple[SemanticIndex, CountingEncoder]:
    encoder = CountingEncoder()
    return SemanticIndex(QUESTIONS, ANSWERS, encoder, cache=False), encoder


def test_each_entry_gets_its_best_similarity_per_kind() -> None:
    index, encoder = _index()
    query = encoder.queries(["a message"])[0]
    scores = index.scores("a message")
    expected_a = max(float(encoder._rows([t])[0] @ query) for t in QUESTIONS["a"])
    assert scores.questions["a"] == pytest.approx(max(expected_a, 0.0), abs=1e-6)
    assert set(scores.questions) == set(scores.answers) == {"a", "b"}
    assert scores.answers["b"] == 0.0  # no answer sentence: nothing to be similar to
    assert all(v >= 0.0 for v in (*scores.questions.values(), *scores.answers.values()))


def test_a_reading_given_twice_is_encoded_once_and_scores_the_same() -> None:
    index, encoder = _index()
    once = index.scores(["a message", "its question"])
    other, other_encoder = _index()
    twice = other.scores(["a message", "its question", "a message"])
    assert twice == once
    assert other_encoder.encoded.count("a message") == 1


def test_encoder_threads_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("FAQ_ENCODER_THREADS", "2")
    assert encoder_threads() == 2
    for bad in ("", "many", "0", "-3"):
        monkeypatch.setenv("FAQ_ENCODER_THREADS", bad)
        assert encoder_threads() == 1
