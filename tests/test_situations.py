"""The knowledge base's situations: the eligibility guide's data, validated like the rest."""

from __future__ import annotations

import pytest

from bot.config import DEFAULT_KB_PATH
from bot.knowledge import KnowledgeBaseError, load, parse

ENTRIES = """
entries:
  - {id: women, question: خدمات المرأة؟, answer: التكوين المهني.}
  - {id: preschool, question: رياض الأطفال؟, answer: دعم ما قبل التمدرس.}
"""


def _problems(situations: str) -> str:
    with pytest.raises(KnowledgeBaseError) as caught:
        parse(ENTRIES + situations, "kb.yaml")
    return str(caught.value)


def test_situations_load_with_choices_and_ages() -> None:
    kb = parse(
        ENTRIES
        + """
situations:
  - {id: woman, label: امرأة, words: [زوجتي], entries: [women]}
  - {id: child, label: طفل, ask: كم عمره؟, choices: [small]}
  - {id: small, label: دون السادسة, ages: [0, 5], entries: [preschool]}
""",
        "kb.yaml",
    )
    assert [s.id for s in kb.guide_situations()] == ["woman", "child"]
    assert kb.situation("small").ages == (0, 5)
    assert kb.situation("child").choices == ("small",)


def test_a_situation_naming_an_unknown_entry_is_refused_with_its_line() -> None:
    text = _problems("situations:\n  - {id: woman, label: امرأة, entries: [nowhere]}\n")
    assert "kb.yaml:6:" in text and "unknown entry id 'nowhere'" in text


def test_a_long_label_and_a_missing_target_are_refused() -> None:
    text = _problems("situations:\n  - id: woman\n    label: " + "ا" * 40 + "\n")
    assert "at most 32" in text
    assert "either 'entries'" in text


def test_choices_need_a_question_and_stay_one_level_deep() -> None:
    text = _problems(
        """situations:
  - {id: a, label: أ, choices: [b]}
  - {id: b, label: ب, ask: ؟, choices: [c]}
  - {id: c, label: ج, entries: [women]}
"""
    )
    assert "'choices' need an 'ask'" in text
    assert "one level only" in text


def test_every_guide_leaf_of_the_real_knowledge_base_leads_to_entries() -> None:
    kb = load(DEFAULT_KB_PATH)
    assert kb.guide_situations()
    for situation in kb.situations:
        targets = situation.entries or tuple(
            e for c in situation.choices for e in kb.situation(c).entries
        )
        assert targets and all(kb.entry(t) is not None for t in targets), situation.id


def test_a_misspelled_key_of_a_situation_names_the_right_one() -> None:
    text = _problems("situations:\n  - {id: woman, label: امرأة, entry: [women]}\n")
    assert "`entry`" in text and "`entries`" in text


@pytest.mark.parametrize(
    ("story", "expected", "absent"),
    [
        # a child is not a woman, though "ma fille" reads as a child once "ma" is dropped
        ("ولدي عندو 8 سنين وما كيقراش", "child_out_of_school", "woman"),
        # "بلا خدمة" (out of work) names a poor family; "خدمة" alone (work) does not
        ("كنقلب على خدمة ديال الخياطة للبنات", "woman", "poor_family"),
        ("راجلي بلا خدمة وعندنا خمسة ديال الدراري", "poor_family", "disability"),
    ],
)
def test_a_story_names_the_situations_it_tells_and_no_other(
    story: str, expected: str, absent: str
) -> None:
    from bot.dialogue import Dialogue

    brain = Dialogue(load(DEFAULT_KB_PATH), semantic=False).brain
    found = {
        s.id
        for s, _why in brain.stories.read(
            brain.normalized(story), brain.canonicalize(story)
        ).situations
    }
    assert expected in found and absent not in found, found
