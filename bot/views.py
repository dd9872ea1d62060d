"""Replies the adapters (Telegram, console) build around the dialogue: the welcome with
the guide's button, a category with its way back, the next steps under an answer or
a no-answer, and deep links (`/start TOPIC`)."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from bot.dialogue import Button, Reply
from bot.guide import Guide, guide_button

if TYPE_CHECKING:
    from bot.dialogue import Dialogue

BACK_PAYLOAD = "t:back"  # the dialogue reads any "t:…" as "topics"; "back" marks navigation
TOPICS_PAYLOAD = "t:"
GUIDE_PAYLOAD = "g:"
BENEFIT = "benefit"  # t.me/<bot>?start=benefit opens the guide
# Telegram's start parameter: 1-64 characters A-Z, a-z, 0-9, _ and -.
DEEP_LINK = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def welcome(dialogue: Dialogue) -> Reply:
    """The welcome, with "can I benefit?" before the topics when the guide has situations."""
    reply = dialogue.welcome()
    kb = dialogue.kb
    if not Guide(kb).situations:
        return reply
    return dataclasses.replace(reply, buttons=(guide_button(kb), *reply.buttons))


def with_back(reply: Reply, dialogue: Dialogue) -> Reply:
    """A category's questions, with the way back to all the topics."""
    back = Button(BACK_PAYLOAD, dialogue.text("back_button"))
    return dataclasses.replace(reply, buttons=(*reply.buttons, back))


def next_steps(reply: Reply, dialogue: Dialogue) -> Reply:
    """Every answer leads back to the topics; no answer also offers the guide.

    Buttons the reply already has are not repeated.
    """
    if reply.status not in ("answered", "no_match"):
        return reply
    have = {b.payload for b in reply.buttons}
    extra = []
    if reply.status == "no_match" and dialogue.kb.situations and GUIDE_PAYLOAD not in have:
        extra.append(guide_button(dialogue.kb))  # which services fit my situation?
    if TOPICS_PAYLOAD not in have:
        extra.append(Button(TOPICS_PAYLOAD, dialogue.text("topics_button")))
    return dataclasses.replace(reply, buttons=(*reply.buttons, *extra)) if extra else reply


def category(dialogue: Dialogue, category_id: str) -> Reply:
    return with_back(dialogue.press(f"c:{category_id}"), dialogue)


def deep_link(dialogue: Dialogue, target: str) -> Reply | None:
    """What `/start TARGET` opens: the guide, a situation, a category or an entry; else None."""
    if not DEEP_LINK.fullmatch(target):
        return None
    kb = dialogue.kb
    guide = Guide(kb)
    if target == BENEFIT:
        return guide.start()
    if target in kb.categories:
        return category(dialogue, target)
    if kb.entry(target) is not None:
        return dialogue.press(f"e:{target}")
    if target in guide.situations:
        return guide.press(f"g:{target}")
    return None
