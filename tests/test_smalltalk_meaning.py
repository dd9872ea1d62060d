"""Small talk that no pattern holds is read by meaning (the rule in bot/fusion.yaml)."""

from __future__ import annotations

import dataclasses

import pytest

from bot.config import DEFAULT_KB_PATH
from bot.dialogue import Dialogue
from bot.fusion import SmalltalkRule, default_policy
from bot.knowledge import load
from bot.semantic import load_encoder

needs_encoder = pytest.mark.skipif(load_encoder() is None, reason="the encoder is not installed")

# questions about the bot in wordings that none of the knowledge base's patterns holds
ABOUT_THE_BOT = ("est-ce que tu es un vrai humain ?", "What can you help me with?")


@pytest.fixture(scope="module")
def kb():
    return load(DEFAULT_KB_PATH)


def _patterns(kb) -> set[str]:
    return {p.casefold().strip(" ?؟!") for i in kb.smalltalk for p in i.patterns}


def test_the_shipped_policy_reads_small_talk_by_meaning() -> None:
    policy = default_policy()
    assert policy is not None
    assert policy.smalltalk.words > 0 and policy.smalltalk.similarity <= 1


@needs_encoder
@pytest.mark.parametrize("message", ABOUT_THE_BOT)
def test_a_question_about_the_bot_that_no_pattern_holds_is_small_talk(kb, message) -> None:
    assert message.casefold().strip(" ?؟!") not in _patterns(kb)
    reply = Dialogue(kb).reply(message)
    assert reply.status == "smalltalk"
    assert reply.decision["step"] == "smalltalk_meaning"
    intent = reply.decision["intent"]
    replies = {i.id: i.replies for i in kb.smalltalk}[intent]
    assert reply.text in replies
    # the figures it decided on are shown, with the fitted limits
    assert reply.decision["similarity"] >= reply.decision["thresholds"]["similarity"]


@needs_encoder
@pytest.mark.parametrize(
    "message", ("ما هو التعاون الوطني؟", "chno howa ta3awon lwatani", "Qui peut en bénéficier ?")
)
def test_short_real_questions_are_still_answered(kb, message) -> None:
    reply = Dialogue(kb).reply(message)
    assert reply.status == "answered"


@needs_encoder
def test_with_the_rule_off_the_same_message_goes_to_the_fusion(kb) -> None:
    policy = default_policy()
    assert policy is not None
    off = dataclasses.replace(policy, smalltalk=SmalltalkRule())
    reply = Dialogue(kb, policy=off).reply(ABOUT_THE_BOT[0])
    assert reply.decision["step"] != "smalltalk_meaning"


def test_the_rule_holds_only_for_short_messages_near_the_patterns() -> None:
    rule = SmalltalkRule(similarity=0.9, lead=0.02, words=6)
    assert rule.holds(4, 0.95, 0.90)
    assert not rule.holds(7, 0.99, 0.5)  # too long to be small talk
    assert not rule.holds(0, 0.99, 0.5)  # no words: emoji are the patterns' business
    assert not rule.holds(4, 0.89, 0.5)  # not near enough
    assert not rule.holds(4, 0.95, 0.94)  # an entry is as near
    assert not SmalltalkRule().holds(3, 1.0, 0.0)  # the default rule is off
