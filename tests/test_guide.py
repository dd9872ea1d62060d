"""The eligibility guide ("can I benefit?"): every path through it, in the core, in
Telegram (offline, FakeBotAPI in-process) and in the console."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REAL_KB
from fake_bot_api import Call, FakeBotAPI, fake_request
from telegram import Update

from bot.bidi import strip_marks
from bot.config import Settings
from bot.console import ConsoleChat
from bot.dialogue import Dialogue, Reply
from bot.guide import Guide
from bot.knowledge import load, parse
from bot.store import QuestionLog
from bot.telegram import build_application

TOKEN = "987654321:SECRET-token-must-never-be-logged_xyz"
CHAT = 8001
KB = load(REAL_KB)


def walk(guide: Guide) -> list[tuple[list[str], Reply]]:
    """Every leaf of the guide with the presses that reach it, by following its buttons."""
    leaves: list[tuple[list[str], Reply]] = []

    def follow(path: list[str], reply: Reply) -> None:
        steps = [
            b.payload for b in reply.buttons if b.payload.startswith("g:") and b.payload != "g:"
        ]
        if not steps:
            leaves.append((path, reply))
        for payload in steps:
            follow([*path, payload], guide.press(payload))

    follow([], guide.start())
    return leaves


def test_every_situation_is_reached_and_every_leaf_names_services_the_source_gives() -> None:
    guide = Guide(KB)
    leaves = walk(guide)
    reached = {path[-1].removeprefix("g:") for path, _ in leaves}
    assert reached == {s.id for s in KB.situations if not s.choices}
    for path, leaf in leaves:
        assert len(path) <= 2, path  # a situation, and at most one more question
        situation = KB.situation(path[-1].removeprefix("g:"))
        services = [
            b.payload.removeprefix("e:") for b in leaf.buttons if b.payload.startswith("e:")
        ]
        assert services == list(situation.entries), path  # best first, as the file says
        for entry_id in services:
            entry = KB.entry(entry_id)
            assert entry is not None and entry.answer  # a service the source gives
            assert f"• {entry.button_label}" in leaf.text  # named in the leaf itself
            assert Dialogue(KB).press(f"e:{entry_id}").status == "answered"  # one tap away
        assert KB.meta["source"] in leaf.text and "17-03-2011" in leaf.text  # source and date
        assert situation.label in leaf.text
        assert [b.payload for b in leaf.buttons][-2:] == ["g:", "t:"]  # another one, topics


def test_the_first_step_asks_who_it_is_for_with_short_buttons() -> None:
    start = Guide(KB).start()
    assert start.text == KB.texts["guide_intro"]
    assert [b.payload for b in start.buttons] == [f"g:{s.id}" for s in KB.guide_situations()]
    assert all(len(b.label) <= 32 for b in start.buttons)


def test_the_childs_age_is_the_one_more_question() -> None:
    ask = Guide(KB).press("g:child")
    assert ask.text == KB.situation("child").ask
    assert [b.payload for b in ask.buttons] == [
        *(f"g:{c}" for c in KB.situation("child").choices),
        "g:",
    ]
    leaf = Guide(KB).press("g:child_under_six")
    assert leaf.text.startswith("«طفل — دون السادسة من العمر»")


def test_a_stale_or_forged_guide_button_starts_over() -> None:
    guide = Guide(KB)
    for payload in ("g:nowhere", "g:", "g:child:9", "g:" + "x" * 60):
        assert guide.press(payload).text == KB.texts["guide_intro"]


def test_a_kb_without_situations_says_so_and_offers_the_topics() -> None:
    kb = parse("entries:\n  - id: a\n    question: سؤال؟\n    answer: جواب.\n")
    reply = Guide(kb).start()
    assert reply.text and [b.payload for b in reply.buttons] == ["t:"]


# --- Telegram ----------------------------------------------------------------------


@pytest.fixture
async def app() -> AsyncIterator[tuple[Any, FakeBotAPI]]:
    api = FakeBotAPI(TOKEN)
    log = QuestionLog(":memory:")
    settings = Settings(
        kb_path=REAL_KB, db_path=Path(":memory:"), telegram_token=TOKEN, rate_limit_messages=1000
    )
    application = build_application(
        settings, Dialogue.from_path(REAL_KB, settings=settings), log, request=fake_request(api)
    )
    await application.initialize()
    try:
        yield application, api
    finally:
        await application.shutdown()
        log.close()


async def _say(app: Any, api: FakeBotAPI, text: str) -> Call:
    mark = api.mark()
    await app.process_update(Update.de_json(api.text(CHAT, text), app.bot))
    [reply] = api.sent(CHAT, after=mark)
    return reply


async def _press(app: Any, api: FakeBotAPI, call: Call, data: str) -> list[Call]:
    mark = api.mark()
    await app.process_update(Update.de_json(api.press(api.message(call), data), app.bot))
    return api.calls[mark:]


def _payloads(message: dict[str, Any]) -> list[str]:
    return [b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row]


async def test_benefit_in_three_taps_in_telegram(app: tuple[Any, FakeBotAPI]) -> None:
    application, api = app
    menu = await _say(application, api, "/benefit")
    assert menu.text == KB.texts["guide_intro"]
    calls = await _press(application, api, menu, "g:child")  # tap 1: who
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert api.message(menu)["text"] == KB.situation("child").ask
    calls = await _press(application, api, menu, "g:child_under_six")  # tap 2: the age
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    leaf = api.message(menu)
    assert _payloads(leaf) == ["e:preschool", "e:children", "g:", "t:"]
    calls = await _press(application, api, menu, "e:preschool")  # tap 3: the service
    [answer] = [c for c in calls if c.method == "sendMessage"]
    assert "دعم ما قبل التمدرس" in answer.text
    assert api.message(menu)["text"] == leaf["text"]  # the guide's leaf stays
    calls = await _press(application, api, menu, "g:")  # another situation, in place
    assert api.message(menu)["text"] == KB.texts["guide_intro"]


async def test_the_welcome_offers_the_guide_and_stays(app: tuple[Any, FakeBotAPI]) -> None:
    application, api = app
    welcome = await _say(application, api, "/start")
    assert _payloads(api.message(welcome))[0] == "g:"
    assert welcome.buttons()[0][0] == KB.texts["benefit_button"]
    calls = await _press(application, api, welcome, "g:")
    [menu] = [c for c in calls if c.method == "sendMessage"]
    assert menu.text == KB.texts["guide_intro"]
    assert api.message(welcome)["text"] == welcome.text


async def test_a_deep_link_opens_a_situation(app: tuple[Any, FakeBotAPI]) -> None:
    application, api = app
    leaf = await _say(application, api, "/start disability")  # an entry wins over a situation
    assert leaf.buttons()[0][0] == "👍"
    leaf = await _say(application, api, "/start illiterate_adult")
    assert [p for _, p in leaf.buttons()] == ["e:literacy", "g:", "t:"]


# --- console -------------------------------------------------------------------------


def test_the_console_walks_the_guide_by_numbers() -> None:
    chat = ConsoleChat(Dialogue(KB))
    welcome = chat.handle("/start")
    assert welcome.buttons[0].payload == "g:"
    chat.buttons = welcome.buttons
    start = chat.handle("1")
    assert start.text == KB.texts["guide_intro"]
    chat.buttons = start.buttons
    woman = chat.handle("1")
    assert strip_marks(woman.text).startswith("«فتاة أو امرأة»")
    assert chat.handle("/benefit").text == KB.texts["guide_intro"]
