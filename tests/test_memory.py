"""The memory of labelled questions: what it recalls, and when it must not apply."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import REAL_KB

from bot.dialogue import Dialogue
from bot.knowledge import load, parse
from bot.matcher import tokenize
from bot.memory import MEMORY_PATH, Memory, load_memory
from bot.semantic import MODEL_ID, load_encoder


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def small_memory() -> Memory:
    # three remembered questions: one for "a" (two readings), one for "b", one out of scope
    vectors = np.stack([unit(1, 0, 0), unit(1, 1, 0), unit(0, 1, 0), unit(0, 0, 1)])
    return Memory(
        ["qa", "qb", "q-none"],
        [("a",), ("b",), ()],
        vectors,
        np.array([0, 0, 1, 2]),
        {"a": ("question a", "answer a"), "b": ("question b", "answer b")},
    )


def test_recall_gives_each_entrys_nearest_question_and_the_nearest_out_of_scope_one() -> None:
    recall = small_memory().recall(unit(1, 0, 0.2))
    assert recall.entries["a"] == pytest.approx(float(unit(1, 0, 0.2) @ unit(1, 0, 0)), abs=1e-6)
    assert recall.entries["a"] > recall.entries.get("b", 0.0)
    assert 0 < recall.none < recall.entries["a"]


def test_recall_leaves_out_the_questions_it_is_told_to() -> None:
    recall = small_memory().recall(unit(1, 1, 0), allowed=np.array([False, True, True]))
    assert "a" not in recall.entries  # its only question is masked, the same text included
    assert recall.entries["b"] == pytest.approx(float(unit(1, 1, 0) @ unit(0, 1, 0)), abs=1e-6)


def test_an_entry_rewritten_since_the_fit_is_forgotten_with_its_questions() -> None:
    kept = small_memory().keep({"a": ("question a", "answer a"), "b": ("new q", "new answer")})
    assert kept.questions == ["qa", "q-none"]
    assert "b" not in kept.recall(unit(0, 1, 0)).entries
    # one of the two texts unchanged is still that entry
    assert set(small_memory().keep({"b": ("question b", "edited")}).entries) == {"b"}


def test_a_memory_saved_and_loaded_is_the_same(tmp_path: Path) -> None:
    path = tmp_path / "memory.npz"
    small_memory().save(path, "model-x")
    loaded = load_memory("model-x", path)
    assert loaded is not None and loaded.questions == ["qa", "qb", "q-none"]
    assert loaded.recall(unit(0, 0, 1)).none == pytest.approx(1.0, abs=1e-3)


def test_a_memory_for_another_encoder_or_none_at_all_is_left_out(tmp_path: Path) -> None:
    path = tmp_path / "memory.npz"
    small_memory().save(path, "model-x")
    assert load_memory("model-y", path) is None
    assert load_memory("model-x", tmp_path / "missing.npz") is None
    path.write_bytes(b"not a memory")
    assert load_memory("model-x", path) is None


def test_the_shipped_memory_knows_every_entry_of_the_knowledge_base() -> None:
    memory = load_memory(MODEL_ID, MEMORY_PATH)
    assert memory is not None and len(memory) > 1000
    kb = load(REAL_KB)
    kept = memory.keep({e.id: (e.question, e.answer) for e in kb.entries})
    assert set(kept.entries) == {e.id for e in kb.entries}


needs_encoder = pytest.mark.skipif(load_encoder() is None, reason="the encoder is not installed")


@needs_encoder
def test_a_reply_says_whether_the_memory_took_part() -> None:
    reply = Dialogue(load(REAL_KB)).reply("بغيت نعرف واش كاين شي حاجة للعيالات اللي ما قراوش")
    assert reply.decision["step"] == "fusion" and reply.decision["memory"] is True
    assert "memory" in reply.decision["candidates"][0]["features"]


@needs_encoder
def test_another_knowledge_base_is_answered_without_this_ones_memory() -> None:
    kb = parse(
        "entries:\n"
        "  - id: children\n"
        "    question: هل تنظم المكتبة ورشات للأطفال؟\n"
        "    answer: تنظم المكتبة ورشات قراءة للأطفال كل سبت.\n"
        "  - id: opening\n"
        "    question: متى تفتح المكتبة؟\n"
        "    answer: تفتح المكتبة من التاسعة صباحا إلى السادسة مساء.\n"
    )
    dialogue = Dialogue(kb)
    assert dialogue.brain.memory is None  # same id "children", another entry
    reply = dialogue.reply("واش كاين شي ورشات ديال القراية للدراري فالمكتبة؟")
    assert reply.decision.get("memory") in (False, None)


def test_recall_by_words_meets_a_question_written_alike_the_encoder_aside() -> None:
    memory = small_memory()
    memory.read_words(lambda text: tokenize(text, text.lower()))
    far = unit(0, 0, 1)  # by meaning: nearest the out-of-scope question
    recall = memory.recall(far, "QA")
    assert recall.words == {"a": 1.0} and recall.words_none == 0.0
    masked = memory.recall(far, "qa", allowed=np.array([False, True, True]))
    assert masked.words == {}
