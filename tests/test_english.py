"""English, the rarest register (students, families abroad): read through the lexicon
like French, not spelled out as Arabizi, so that a plain question finds its entry and
what the source lacks is still refused. Lexical only: the words must carry it alone."""

from __future__ import annotations

import pytest

from bot.dialogue import Dialogue
from bot.knowledge import load
from tests.conftest import REAL_KB


@pytest.fixture(scope="module")
def dialogue() -> Dialogue:
    return Dialogue(load(REAL_KB), semantic=False)


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("What are the missions of the Entraide Nationale?", "missions"),
        ("What are the goals of the Entraide Nationale?", "missions"),  # goals are missions
        ("Which ministry supervises the Entraide Nationale?", "tutelage"),
        ("Do you have kindergartens in Taza?", "preschool"),
        ("Is there literacy for adults?", "literacy"),
        # who she is (a mother) is the story's; what she cannot do is what is asked
        (
            "My mother is 60 and never learned to read."
            " Does the Entraide Nationale have classes for her?",
            "literacy",
        ),
        ("My brother is disabled, he uses a wheelchair. What can you do for him?", "disability"),
    ],
)
def test_an_english_question_finds_its_entry(dialogue: Dialogue, question: str, entry: str) -> None:
    reply = dialogue.reply(question)
    assert (reply.status, reply.entry_id) == ("answered", entry), reply.decision


@pytest.mark.parametrize(
    ("question", "asked_for"),
    [
        ("What is the phone number of the Taza office?", "هاتف"),
        ("How much does the sewing training cost?", "سعر"),
        ("What are the opening hours?", "توقيت"),
        ("How do I register my daughter?", "تسجيل"),
    ],
)
def test_what_the_source_lacks_is_refused_in_english(
    dialogue: Dialogue, question: str, asked_for: str
) -> None:
    decision = dialogue.reply(question).decision
    assert decision["step"] == "lacking" and asked_for in decision["asked_for"], decision


def test_asking_the_bot_for_help_is_not_a_request_for_aid(dialogue: Dialogue) -> None:
    assert dialogue.reply("Can you help me?").status != "answered"


def test_english_words_are_not_spelled_out_as_arabizi(dialogue: Dialogue) -> None:
    # "the" read as Arabizi is ث, "of" اف: noise words that no entry holds
    words = dialogue.brain.canonicalize("What is the role of the Entraide Nationale?").split()
    assert "ث" not in words and "اف" not in words, words
