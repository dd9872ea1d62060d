"""What a message asks for, apart from the story around it: refusals ("the source does
not give that") follow what is asked, not the words that set the scene."""

from __future__ import annotations

import pytest

from bot.dialogue import Dialogue
from bot.fusion import Linear, Policy, Scored, decide
from bot.knowledge import load
from tests.conftest import REAL_KB


@pytest.fixture(scope="module")
def dialogue() -> Dialogue:
    return Dialogue(load(REAL_KB), semantic=False)


@pytest.mark.parametrize(
    "story",
    [
        # "now" and "this year" tell the asker's life, in a clause before the question
        "بنت عمي عندها 30 عام، خرجات من المدرسة صغيرة ودابا بغات تتعلم الحرفة،"
        " واش كاين شي تكوين للنساء؟",
        "خدمت هاد العام فجمعية ديال الحي، والنساء عندنا محتاجين بزاف."
        " بغيت نعرف كيفاش كيتعامل التعاون الوطني مع الجمعيات.",
        # the question word inside the sentence ("je voudrais savoir quel…"), the town before
        "J'habite à Fès depuis dix ans et je fais un mémoire."
        " Je voudrais savoir quelle loi a créé l'Entraide Nationale.",
        # a request, no question word: who asks (a student) is not what is asked
        "أنا طالبة فالجامعة وكنوجد بحث على المؤسسات العمومية."
        " عطيني عافاك التاريخ اللي تأسس فيه التعاون الوطني.",
        # "I need …" is the request; "I am a student" is who asks
        "أنا طالب فالماستر وكنوجد بحث على المؤسسات الاجتماعية."
        " خاصني النص القانوني اللي تأسس بيه التعاون الوطني.",
        # one breath, no commas: the phone and the medicine are her life, not the question
        "انا مرا عندي 60 عام عايشة بوحدي وكنشوف الميساجات فالتيليفون وما كنعرفش نقرا"
        " الورقة ديال الدوا واش التعاون الوطني عندو القراية للكبار",
    ],
)
def test_the_scene_of_a_story_is_not_what_it_asks_for(dialogue: Dialogue, story: str) -> None:
    assert dialogue.reply(story).decision["step"] != "lacking", story


@pytest.mark.parametrize(
    ("question", "asked_for"),
    [
        ("شكون هو المسؤول ديال التعاون الوطني فتازة دابا؟", "حاليا"),
        ("ولدي عندو 20 عام، بغيت نعرف التلفون ديال المركز", "هاتف"),
        ("Les formations de l'Entraide sont-elles gratuites ?", "سعر"),  # a French plural
        ("أنا طالب فالجامعة. بغيت منحة ديال الطلبة عافاك.", "طلاب"),  # the request holds it
    ],
)
def test_what_is_asked_for_is_still_refused(
    dialogue: Dialogue, question: str, asked_for: str
) -> None:
    decision = dialogue.reply(question).decision
    assert decision["step"] == "lacking" and asked_for in decision["asked_for"], decision


def test_a_refusal_never_rests_on_a_guessed_typo(dialogue: Dialogue) -> None:
    # الحالة (the case) is one letter from الحالية (current): no "current figures" asked
    reply = dialogue.reply("هل تدخل هذه الحالة ضمن اهتمامات التعاون الوطني؟")
    assert reply.decision["step"] != "lacking"


@pytest.mark.parametrize(
    "question",
    [
        "شحال هادي تأسس التعاون الوطني؟",  # "how long ago": a date, which the source gives
        "ch7al hadi t2assas ta3awon lwatani?",
        "عدد الشراكات مع المجتمع المدني شحال وصل؟",  # what is counted comes first
        "الشراكات مع المجتمع المدني شحال عددها؟",  # "its number" points back
        # "باش" (so that) starts the purpose, it is not what is counted
        "بغيت نعرف هاد المعطيات منين جاية وشحال عندها، باش نعرف واش نعتمد عليها.",
    ],
)
def test_how_long_ago_and_a_count_named_first_are_answered(
    dialogue: Dialogue, question: str
) -> None:
    assert dialogue.reply(question).decision["step"] != "lacking", question


@pytest.mark.parametrize(
    "question",
    [
        "شحال من طوموبيل عند التعاون الوطني؟",
        "الموظفين ديال التعاون الوطني شحال عددهم؟",  # points back to what it never counts
    ],
)
def test_a_count_the_source_never_gives_is_still_refused(dialogue: Dialogue, question: str) -> None:
    decision = dialogue.reply(question).decision
    assert decision["step"] == "lacking", decision


def test_until_now_asks_for_the_latest_figure_not_for_news(dialogue: Dialogue) -> None:
    reply = dialogue.reply("شحال من اتفاقية شراكة وقع التعاون الوطني مع الجمعيات حتى لدابا؟")
    assert reply.decision["step"] != "lacking"


def _scored(*probabilities: float) -> list[Scored]:
    return [Scored(f"e{i}", p, {}) for i, p in enumerate(probabilities)]


def test_a_lone_likely_candidate_is_offered_alone_when_the_policy_says_so() -> None:
    policy = Policy(Linear({}), Linear({}), answer=0.8, margin=0.5, clarify=0.1, suggest=0.5)
    assert decide(_scored(0.6, 0.05), policy)[0] == "clarify"
    assert [s.key for s in decide(_scored(0.6, 0.05), policy)[1]] == ["e0"]
    assert decide(_scored(0.4, 0.05), policy)[0] == "no_match"
    never = Policy(Linear({}), Linear({}), answer=0.8, margin=0.5, clarify=0.1)
    assert decide(_scored(0.79, 0.05), never)[0] == "no_match"
