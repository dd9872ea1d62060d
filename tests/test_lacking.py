"""What the source lacks is the knowledge base's `lacking:` section, edited by staff."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.dialect import LEXICON_PATH
from bot.dialogue import Brain, Dialogue
from bot.knowledge import load, parse, validate
from bot.lexicon_check import lexicon_problems
from bot.source import ACCEPTED, REFUSED, KnowledgeSource
from tests.conftest import PROJECT_ROOT, REAL_KB, SMALL_KB

HONEST = "مصدر هذا الدليل لا يذكر هذه المعلومة."
LIBRARY = SMALL_KB.replace(
    "  fallback: لا أملك هذه المعلومة.\n",
    f"  fallback: لا أملك هذه المعلومة.\n  fallback_lacking: {HONEST}\n",
)
THEATRE = "lacking:\n  topics:\n    مسرح: [المسرح, مسرحيه, المسرحيات, theatre, masra7]\n"
# the same question in standard Arabic, Darija and French: about children's activities
ASKED = (
    "هل توجد أنشطة المسرح للأطفال في المكتبة؟",
    "واش كاين شي مسرح للدراري فالمكتبة؟",
    "théâtre pour les enfants à la bibliothèque ?",
)


def test_a_topic_staff_add_gets_the_honest_i_do_not_have_that() -> None:
    before = Dialogue(parse(LIBRARY))
    after = Dialogue(parse(LIBRARY + THEATRE))
    for question in ASKED:
        # without the topic, the words the question shares with an entry win
        assert before.reply(question).entry_id == "children", question
        reply = after.reply(question)
        assert reply.status == "no_match" and reply.entry_id is None, question
        assert reply.text.startswith(HONEST), question
        assert reply.decision["step"] == "lacking" and reply.decision["asked_for"] == ["مسرح"]


def test_a_topic_an_entry_asks_about_is_answered() -> None:
    # "ورشات القراءة للصغار" is an alternative of the children's entry
    workshops = "lacking:\n  topics:\n    ورشه: [ورشات, الورشات, atelier, ateliers]\n"
    reply = Dialogue(parse(LIBRARY + workshops), semantic=False).reply("ورشات القراءة للصغار")
    assert reply.status == "answered" and reply.entry_id == "children"


def test_without_the_section_no_question_is_refused_for_its_topic() -> None:
    # the Taza knowledge base's topics (loans: سلف) no longer reach another knowledge base
    reply = Dialogue(parse(LIBRARY), semantic=False).reply("سلف الكتب")
    assert reply.decision["step"] != "lacking"


def test_the_real_knowledge_base_holds_the_topics_and_the_lexicon_holds_none() -> None:
    kb = load(REAL_KB)
    assert {"سكن", "قروض", "مدن", "المبادره"} <= set(kb.lacking.topics)
    assert "تاهله" in kb.lacking.topics["مدن"] and "الموظفين" in kb.lacking.people
    sections = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    assert "information_types" in sections
    assert not {"topics", "people"} & set(sections)
    dialogue = Dialogue(kb, semantic=False)
    for question in ("واش كاين السكن للطلبة؟", "wach kayn 9rod", "je suis de tahla, aide?"):
        assert dialogue.reply(question).decision["step"] == "lacking", question
    # the people's ways of writing come from the section: tfl is read as الاطفال
    counted = dialogue.reply("ch7al mn tfl?").decision
    assert counted["step"] == "lacking" and counted["asked_for"] == ["عدد الاطفال"]


def test_topics_left_in_the_lexicon_are_named_as_misplaced(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text("darija:\n  هل: [واش]\ntopics:\n  سكن: [كراء]\n", encoding="utf-8")
    [problem] = lexicon_problems(path)
    assert str(problem).startswith(f"{path}:3:1:") and "`lacking:`" in str(problem)


def _messages(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "faq.yaml"
    path.write_text(text, encoding="utf-8")
    return [str(p) for p in validate(path)]


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("lacking: [سكن]\n", "'lacking' must be a mapping with `topics:` and `people:`"),
        (
            "lacking:\n  topic:\n    سكن: [كراء]\n",
            "`topic`: unknown key in 'lacking'; did you mean `topics`?",
        ),
        ("lacking:\n  topics: [سكن, قروض]\n", "'lacking.topics' must be a mapping word:"),
        ("lacking:\n  people:\n    الاطفال: {a: b}\n", "lacking.people.الاطفال must be a list"),
        ("lacking:\n  topics:\n    السكن الاجتماعي: [كراء]\n", "must be one word"),
        ("topics:\n  سكن: [كراء]\n", "`topics`: unknown key at the top of the file; it belongs"),
    ],
)
def test_a_malformed_section_is_named(tmp_path: Path, section: str, expected: str) -> None:
    found = _messages(tmp_path, LIBRARY + section)
    assert any(expected in m and ": warning:" not in m for m in found), found


def test_a_variant_under_two_topics_is_an_error_at_its_place(tmp_path: Path) -> None:
    text = (
        LIBRARY + "lacking:\n  topics:\n    سكن: [الكراء, logement]\n    قروض: [credit, الكِراء]\n"
    )
    line = text.splitlines().index("    قروض: [credit, الكِراء]") + 1
    [problem] = _messages(tmp_path, text)
    assert problem.startswith(f"{tmp_path / 'faq.yaml'}:{line}:")
    assert "'الكِراء' is listed under `قروض` here and under `سكن`" in problem
    assert f"(line {line - 1})" in problem


def test_validate_exits_2_on_a_broken_section_and_warns_on_a_lexicon_word(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "validate", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=PROJECT_ROOT,
            check=False,
        )

    path = tmp_path / "faq.yaml"
    path.write_text(LIBRARY + "lacking:\n  topics:\n    سكن: [كراء]\n    قروض: [كراء]\n", "utf-8")
    broken = run(str(path))
    assert broken.returncode == 2 and f"{path}:" in broken.stdout + broken.stderr
    # شنو is the lexicon's "what": listed under a topic, it is said, not refused
    path.write_text(LIBRARY + "lacking:\n  topics:\n    مسرح: [شنو]\n", "utf-8")
    warned = run(str(path))
    assert warned.returncode == 0 and "'شنو' is also a way of writing" in warned.stderr
    assert run(str(path), "--strict").returncode == 2


def test_the_running_bot_reloads_the_section(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(LIBRARY, encoding="utf-8")
    source = KnowledgeSource(path, build=lambda kb: Brain(kb, semantic=False))
    dialogue = Dialogue(source)
    assert dialogue.reply(ASKED[1]).entry_id == "children"
    _save(path, LIBRARY + THEATRE)
    event = source.check()
    assert event is not None and event.kind == ACCEPTED
    assert dialogue.reply(ASKED[1]).decision["step"] == "lacking"
    # a broken edit of the section is refused, with its place; the last good one serves
    _save(path, LIBRARY + THEATRE + "    قروض: [المسرح]\n")
    refused = source.check()
    assert refused is not None and refused.kind == REFUSED
    assert any(f"{path}:" in line and "'المسرح'" in line for line in refused.problems)
    assert dialogue.reply(ASKED[1]).decision["step"] == "lacking"


def _save(path: Path, text: str) -> None:
    """Write like an editor, making sure the file's stamp changes."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))
