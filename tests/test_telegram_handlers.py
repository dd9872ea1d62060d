"""Telegram handlers, offline: the real Application and handlers, Telegram played in-process.

Updates go through `application.process_update` (or the update queue, for
concurrency); the bot's requests are answered by FakeBotAPI through an
in-process BaseRequest, so no socket is opened.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fake_bot_api import (
    ASK_ABOUT,
    ASK_AMBIGUOUS,
    ASK_KINDERGARTEN,
    ASK_LONG,
    ASK_MISSIONS,
    ASK_UNKNOWN,
    BOT_USERNAME,
    GREETING,
    Call,
    FakeBotAPI,
    fake_request,
    write_test_kb,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.dialogue import Dialogue
from bot.handlers import COMMANDS
from bot.handlers.ratelimit import RateLimiter
from bot.handlers.render import (
    MAX_PAYLOAD,
    feedback_payload,
    parse_feedback,
    split_text,
    utf16_len,
)
from bot.handlers.services import KEY
from bot.store import QuestionLog
from bot.telegram import (
    PerChatUpdateProcessor,
    RedactFilter,
    build_application,
    run,
    set_commands,
    token_problem,
    webhook_problem,
)

TOKEN = "987654321:SECRET-token-must-never-be-logged_xyz"
CHAT = 5001


class Bot:
    """The application under test, and Telegram's side of it."""

    def __init__(self, app: Application, api: FakeBotAPI, log: QuestionLog) -> None:
        self.app, self.api, self.log = app, api, log

    async def send(self, update: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(update, self.app.bot))

    async def say(self, text: str, chat_id: int = CHAT, **kwargs: Any) -> list[Call]:
        """The user types `text`; returns the messages the bot sent back."""
        mark = self.api.mark()
        await self.send(self.api.text(chat_id, text, **kwargs))
        return self.api.sent(chat_id, after=mark)

    async def press(self, call: Call, data: str, chat_id: int = CHAT) -> list[Call]:
        """The user presses the button `data` under the message `call` sent; the bot's calls."""
        mark = self.api.mark()
        await self.send(self.api.press(self.api.message(call), data))
        return self.api.calls[mark:]


def payloads(call: Call) -> list[str]:
    return [data for _, data in call.buttons()]


def make_settings(kb: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        kb_path=kb,
        db_path=Path(":memory:"),
        telegram_token=TOKEN,
        rate_limit_messages=1000,
        rate_limit_window=30.0,
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return write_test_kb(tmp_path)


@pytest.fixture
async def bot(kb: Path) -> AsyncIterator[Bot]:
    api = FakeBotAPI(TOKEN)
    log = QuestionLog(":memory:")
    settings_ = make_settings(kb)
    app = build_application(
        settings_, Dialogue.from_path(kb, settings=settings_), log, request=fake_request(api)
    )
    await app.initialize()
    try:
        yield Bot(app, api, log)
    finally:
        await app.shutdown()
        log.close()


# --- commands ---------------------------------------------------------------------


async def test_start_welcomes_with_source_date_and_topic_buttons(bot: Bot) -> None:
    [reply] = await bot.say("/start")
    assert "التعاون الوطني" in reply.text
    assert "17-03-2011" in reply.text and "تازا سيتي" in reply.text  # source and its date
    assert payloads(reply) == ["c:about", "c:training"]


async def test_help_explains_how_to_ask_with_examples(bot: Bot) -> None:
    [reply] = await bot.say("/help")
    assert "ما هي مؤسسة التعاون الوطني؟" in reply.text  # standard Arabic
    assert "شنو هو التعاون الوطني؟" in reply.text  # Darija


async def test_unknown_command_in_private_gets_help(bot: Bot) -> None:
    [reply] = await bot.say("/whatever")
    assert "/topics" in reply.text


async def test_command_menu_is_set_in_arabic(bot: Bot) -> None:
    await set_commands(bot.app)
    [call] = [c for c in bot.api.calls if c.method == "setMyCommands"]
    commands = {c["command"]: c["description"] for c in call.params["commands"]}
    assert set(commands) == {"start", "benefit", "help", "topics"} == set(COMMANDS)
    assert all(any("\u0600" <= ch <= "\u06ff" for ch in d) for d in commands.values())


async def test_topics_then_category_then_question_then_answer(bot: Bot) -> None:
    [menu] = await bot.say("/topics")
    assert payloads(menu) == ["c:about", "c:training"]

    calls = await bot.press(menu, "c:about")
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    edited = bot.api.message(menu)  # the menu was replaced in place by the category's questions
    questions = [
        b["callback_data"] for row in edited["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert questions == ["e:about", "e:missions", "e:kindergarten", "e:history", "t:back"]

    calls = await bot.press(menu, "e:missions")
    [answer] = [c for c in calls if c.method == "sendMessage"]
    assert "المساعدة للأسر المعوزة" in answer.text
    assert "المصدر" in answer.text
    assert payloads(answer) == ["f:1::missions", "f:0::missions", "t:"]


async def test_back_button_returns_to_the_topics_in_place(bot: Bot) -> None:
    [menu] = await bot.say("/topics")
    await bot.press(menu, "c:training")
    calls = await bot.press(menu, "t:back")
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert bot.api.message(menu)["text"] == menu.text
    assert bot.api.message(menu)["reply_markup"] == menu.params["reply_markup"]


async def test_topics_button_under_no_match_sends_a_new_menu(bot: Bot) -> None:
    [honest] = await bot.say(ASK_UNKNOWN)
    calls = await bot.press(honest, "t:")
    [menu] = [c for c in calls if c.method == "sendMessage"]
    assert payloads(menu) == ["c:about", "c:training"]
    assert bot.api.message(honest)["text"] == honest.text  # the honest answer stays


async def test_same_menu_pressed_twice_is_quietly_ignored(bot: Bot) -> None:
    [menu] = await bot.say("/topics")
    await bot.press(menu, "c:about")
    calls = await bot.press(menu, "c:about")  # Telegram answers "message is not modified"
    assert [c.method for c in calls if c.ok] == ["answerCallbackQuery"]


async def test_stale_button_gets_a_polite_note_and_the_answer_stays(bot: Bot) -> None:
    [answer] = await bot.say(ASK_ABOUT)
    calls = await bot.press(answer, "e:no-such-entry")
    [note] = [c for c in calls if c.method == "sendMessage"]
    assert "لم يعد صالحا" in note.text and payloads(note) == ["c:about", "c:training"]
    assert bot.api.message(answer)["text"] == answer.text


# --- questions ----------------------------------------------------------------------


async def test_question_gets_answer_follow_ups_and_feedback_buttons(bot: Bot) -> None:
    [reply] = await bot.say(ASK_ABOUT)
    assert "مؤسسة عمومية" in reply.text
    assert "المصدر: حوار مع مندوب التعاون الوطني" in reply.text
    assert reply.text.endswith("هل كان هذا الجواب مفيدا؟")  # right above 👍 / 👎
    rows = [[b["text"] for b in row] for row in reply.params["reply_markup"]["inline_keyboard"]]
    assert rows == [
        ["👍", "👎"],  # their own row, first: right under the answer
        ["أسئلة ذات صلة:"],  # the follow-up title
        ["ما هي مهام التعاون الوطني؟"],
        ["هل يوفر التعاون الوطني رياض الأطفال؟"],
        ["📚 المواضيع"],  # every answer leads back to the topics
    ]
    assert payloads(reply)[2:] == ["x:", "e:missions", "e:kindergarten", "t:"]
    assert "parse_mode" not in reply.params  # plain text


async def test_follow_up_button_answers_it(bot: Bot) -> None:
    [reply] = await bot.say(ASK_ABOUT)
    calls = await bot.press(reply, "e:kindergarten")
    [answer] = [c for c in calls if c.method == "sendMessage"]
    assert "رياضا للأطفال" in answer.text


async def test_feedback_thanks_replace_the_row_and_are_recorded(bot: Bot) -> None:
    [reply] = await bot.say(ASK_MISSIONS)
    thumbs_up = payloads(reply)[0]
    helpful, question_id, entry_id = parse_feedback(thumbs_up)
    assert (helpful, entry_id) == (True, "missions") and question_id
    calls = await bot.press(reply, thumbs_up)
    [answered] = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answered.params["text"] == "شكرا على رأيك!"
    assert not [c for c in calls if c.method == "sendMessage"]  # 👍 needs nothing more
    markup = bot.api.message(reply)["reply_markup"]
    assert [[b["text"] for b in row] for row in markup["inline_keyboard"]] == [
        ["شكرا على رأيك!"],  # where 👍 / 👎 were: one vote per answer
        ["📚 المواضيع"],
    ]
    [total] = bot.log.feedback_totals()
    assert (total.entry_id, total.helpful, total.not_helpful) == ("missions", 1, 0)
    calls = await bot.press(reply, "x:")  # the thanks pressed: the spinner stops, that's all
    assert [c.method for c in calls] == ["answerCallbackQuery"]


async def test_a_vote_counts_once_and_forged_votes_are_ignored(bot: Bot) -> None:
    [reply] = await bot.say(ASK_MISSIONS)
    thumbs_up, thumbs_down = payloads(reply)[:2]
    for data in (thumbs_up,) * 4 + (thumbs_down,):  # replayed taps: the last one counts
        await bot.send(bot.api.press(bot.api.message(reply), data))
    # another chat names this chat's question, or a question that does not exist
    [theirs] = await bot.say(ASK_ABOUT, chat_id=7007)
    for forged in (thumbs_up, "f:0:999999:about", "f:0:1:missions"):
        calls = await bot.press(theirs, forged)
        assert any(c.method == "answerCallbackQuery" for c in calls)  # politely thanked
    totals = {t.entry_id: (t.helpful, t.not_helpful) for t in bot.log.feedback_totals()}
    assert totals == {"missions": (0, 1)}


async def test_thumbs_down_offers_related_questions_and_topics(bot: Bot) -> None:
    [reply] = await bot.say(ASK_ABOUT)
    calls = await bot.press(reply, payloads(reply)[1])
    markup = bot.api.message(reply)["reply_markup"]
    assert [b["callback_data"] for row in markup["inline_keyboard"] for b in row] == [
        "x:",
        "x:",
        "e:missions",
        "e:kindergarten",
        "t:",
    ]
    assert bot.log.feedback_totals()[0].not_helpful == 1
    [sorry] = [c for c in calls if c.method == "sendMessage"]
    assert "لم يفدك" in sorry.text
    # the same category's other questions first, the follow-ups already offered after
    assert payloads(sorry) == ["e:missions", "e:kindergarten", "e:history", "t:"]


async def test_did_you_mean_offers_choices_and_answers_the_pick(bot: Bot) -> None:
    [reply] = await bot.say(ASK_AMBIGUOUS)
    assert sorted(payloads(reply)[:-1]) == ["e:training_women", "e:training_youth"]
    assert payloads(reply)[-1] == "n:"
    assert reply.buttons()[-1][0] == "لا شيء من هذه"
    calls = await bot.press(reply, "e:training_youth")
    [answer] = [c for c in calls if c.method == "sendMessage"]
    assert "تستقبل الشباب" in answer.text


async def test_none_of_these_is_honest(bot: Bot) -> None:
    [reply] = await bot.say(ASK_AMBIGUOUS)
    calls = await bot.press(reply, "n:")
    [answer] = [c for c in calls if c.method == "sendMessage"]
    assert "/topics" in answer.text


async def test_no_match_is_honest_points_to_topics_and_is_kept(bot: Bot) -> None:
    [reply] = await bot.say(ASK_UNKNOWN)
    assert "لا أملك هذه المعلومة" in reply.text and "/topics" in reply.text
    assert payloads(reply)[-1] == "t:"  # a topics button too
    assert [q.text for q in bot.log.unanswered()] == [ASK_UNKNOWN]


async def test_small_talk(bot: Bot) -> None:
    [reply] = await bot.say(GREETING)
    assert reply.text == "وعليكم السلام! تفضل بسؤالك."
    assert not reply.buttons()


@pytest.mark.parametrize("kind", ["photo", "voice", "sticker", "document", "location"])
async def test_non_text_gets_i_only_read_text(bot: Bot, kind: str) -> None:
    update = bot.api.photo(CHAT) if kind == "photo" else bot.api.media(CHAT, kind)
    mark = bot.api.mark()
    await bot.send(update)
    [reply] = bot.api.sent(CHAT, after=mark)
    assert reply.text == "عذرا، لا أقرأ إلا الرسائل النصية."


async def test_long_answer_is_split_at_sentence_ends(bot: Bot) -> None:
    replies = await bot.say(ASK_LONG)
    assert len(replies) == 2
    assert all(utf16_len(r.text) <= 4096 for r in replies)
    assert replies[0].text.endswith(".")  # cut after a sentence, not inside one
    assert not replies[0].buttons()
    assert re.fullmatch(r"f:1:\d+:history", payloads(replies[1])[0])
    assert re.fullmatch(r"f:0:\d+:history", payloads(replies[1])[1])


async def test_markup_typed_by_a_user_cannot_break_formatting(bot: Bot) -> None:
    for text in ["<b>غليظ</b> *x* _y_ [a](http://e.g) `code`", "<i>", "*_[", "\\"]:
        for reply in await bot.say(text):
            assert "parse_mode" not in reply.params


async def test_question_too_long_is_refused_politely(bot: Bot) -> None:
    [reply] = await bot.say("سؤال " * 900)
    assert "طويلة" in reply.text


# --- groups --------------------------------------------------------------------------

GROUP = -100123


async def test_group_ignores_chatter(bot: Bot) -> None:
    assert await bot.say(ASK_ABOUT, GROUP, user_id=77, chat_type="supergroup") == []
    mark = bot.api.mark()
    await bot.send(bot.api.photo(GROUP, user_id=77, chat_type="supergroup"))
    assert bot.api.sent(GROUP, after=mark) == []


async def test_group_answers_a_mention(bot: Bot) -> None:
    [reply] = await bot.say(
        f"@{BOT_USERNAME} {ASK_MISSIONS}", GROUP, user_id=77, chat_type="supergroup"
    )
    assert "المساعدة للأسر المعوزة" in reply.text
    assert reply.params["reply_parameters"]["message_id"]  # quotes the asker in a group


async def test_group_answers_a_reply_to_the_bot(bot: Bot) -> None:
    [first] = await bot.say(
        f"@{BOT_USERNAME} {ASK_MISSIONS}", GROUP, user_id=77, chat_type="supergroup"
    )
    bot_message = bot.api.message(first)
    [reply] = await bot.say(
        ASK_KINDERGARTEN, GROUP, user_id=77, chat_type="supergroup", reply_to=bot_message
    )
    assert "رياضا للأطفال" in reply.text


async def test_group_answers_its_commands_only(bot: Bot) -> None:
    assert await bot.say("/help", GROUP, user_id=77, chat_type="group")
    assert await bot.say(f"/help@{BOT_USERNAME}", GROUP, user_id=77, chat_type="group")
    assert await bot.say("/help@some_other_bot", GROUP, user_id=77, chat_type="group") == []
    assert await bot.say("/whatever", GROUP, user_id=77, chat_type="group") == []


# --- rate limit -------------------------------------------------------------------------


async def test_spammer_gets_one_notice_then_silence_until_the_window_passes(bot: Bot) -> None:
    now = [0.0]
    bot.app.bot_data[KEY].limiter = RateLimiter(3, 30.0, clock=lambda: now[0])
    answers = [await bot.say(ASK_MISSIONS) for _ in range(6)]
    assert [len(a) for a in answers] == [1, 1, 1, 1, 0, 0]
    assert "انتظر" in answers[3][0].text
    assert await bot.say(ASK_MISSIONS, chat_id=CHAT + 1)  # other users are not affected
    now[0] = 31.0
    [again] = await bot.say(ASK_MISSIONS)
    assert "المساعدة للأسر المعوزة" in again.text


async def test_button_presses_do_not_count_against_the_spam_limit(bot: Bot) -> None:
    now = [0.0]
    bot.app.bot_data[KEY].limiter = RateLimiter(3, 30.0, clock=lambda: now[0])
    [menu] = await bot.say("/topics")
    for _ in range(10):  # tapping through the topics quickly, as a citizen does
        calls = await bot.press(menu, "c:about")
        assert [c.method for c in calls][:1] == ["answerCallbackQuery"]
        assert "انتظر" not in str(calls[0].params.get("text", ""))
        calls = await bot.press(menu, "t:back")
        assert "editMessageText" in [c.method for c in calls]
    assert len(await bot.say(ASK_MISSIONS)) == 1  # typed messages still have their room


async def test_a_runaway_presser_is_throttled_and_every_press_is_answered(bot: Bot) -> None:
    now = [0.0]
    bot.app.bot_data[KEY].press_limiter = RateLimiter(1, 30.0, clock=lambda: now[0])
    [menu] = await bot.say("/topics")
    await bot.press(menu, "c:about")
    calls = await bot.press(menu, "c:training")
    [notice] = [c for c in calls if c.method == "answerCallbackQuery"]
    assert "انتظر" in notice.params["text"]
    calls = await bot.press(menu, "c:training")  # dropped, but no spinner left turning
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert "text" not in calls[0].params


def test_rate_limiter_window_slides() -> None:
    now = [0.0]
    limiter = RateLimiter(2, 10.0, clock=lambda: now[0])
    assert [limiter.check(1) for _ in range(4)] == ["ok", "ok", "warn", "drop"]
    now[0] = 10.0
    assert limiter.check(1) == "ok"
    assert RateLimiter(0, 10.0).check(1) == "ok"  # 0 disables it


# --- failures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "logged"),
    [
        ("blocked", "Forbidden: bot was blocked by the user"),
        ("500", "Internal Server Error"),
        ("timeout", "Timed out"),
    ],
)
async def test_failed_send_is_logged_and_the_bot_carries_on(
    bot: Bot, caplog: pytest.LogCaptureFixture, fault: str, logged: str
) -> None:
    bot.api.fail(fault, chat_id=CHAT)
    update = bot.api.text(CHAT, ASK_MISSIONS)
    with caplog.at_level(logging.INFO):
        await bot.send(update)
    [record] = [r for r in caplog.records if logged in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert f"update {update['update_id']}" in record.getMessage()
    [reply] = await bot.say(ASK_KINDERGARTEN)
    assert "رياضا للأطفال" in reply.text
    assert TOKEN not in caplog.text


async def test_bug_in_a_handler_is_logged_with_update_id_and_user_gets_apology(
    bot: Bot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(bot.app.bot_data[KEY].dialogue, "reply", broken)
    update = bot.api.text(CHAT, ASK_MISSIONS)
    mark = bot.api.mark()
    await bot.send(update)
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert f"update {update['update_id']}" in record.getMessage() and record.exc_info
    [apology] = bot.api.sent(CHAT, after=mark)
    assert apology.text == "عذرا، وقع خطأ من جهتنا."
    monkeypatch.undo()
    assert await bot.say(ASK_MISSIONS)


async def test_a_failing_question_log_does_not_cost_the_answer(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.log.close()  # nothing can be written any more
    [reply] = await bot.say(ASK_MISSIONS)
    assert "المساعدة للأسر المعوزة" in reply.text
    assert payloads(reply)[:2] == ["f:1::missions", "f:0::missions"]
    assert "Traceback" not in caplog.text


async def test_a_log_that_cannot_be_opened_still_lets_the_bot_answer(
    kb: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api = FakeBotAPI(TOKEN)
    with caplog.at_level(logging.WARNING):
        log = QuestionLog(tmp_path)  # a folder: no database can be opened there
    settings_ = make_settings(kb)
    app = build_application(
        settings_, Dialogue.from_path(kb, settings=settings_), log, request=fake_request(api)
    )
    await app.initialize()
    try:
        [reply] = await Bot(app, api, log).say(ASK_MISSIONS)
        assert "المساعدة للأسر المعوزة" in reply.text
    finally:
        await app.shutdown()
        log.close(timeout=0.2)
    assert "question log unavailable" in caplog.text and "Traceback" not in caplog.text


# --- concurrency --------------------------------------------------------------------------


async def test_concurrent_updates_do_not_mix_up_chats(kb: Path) -> None:
    api = FakeBotAPI(TOKEN)
    rng = random.Random(7)
    settings_ = make_settings(kb)
    log = QuestionLog(":memory:")
    app = build_application(
        settings_,
        Dialogue.from_path(kb, settings=settings_),
        log,
        request=fake_request(api, latency=lambda: rng.uniform(0, 0.02)),
    )
    questions = {ASK_MISSIONS: "المساعدة للأسر المعوزة", ASK_KINDERGARTEN: "رياضا للأطفال"}
    chats = {6000 + i: list(questions)[i % 2] for i in range(10)}
    async with app:
        await app.start()
        for _ in range(2):
            for chat, question in chats.items():
                # Each chat asks its question, then "/help": its replies must come in order.
                await app.update_queue.put(Update.de_json(api.text(chat, question), app.bot))
                await app.update_queue.put(Update.de_json(api.text(chat, "/help"), app.bot))
        for chat, question in chats.items():
            await asyncio.to_thread(
                api.wait_for, lambda c, chat=chat: len(api.sent(chat)) == 4, timeout=10
            )
            texts = [c.text for c in api.sent(chat)]
            assert all(questions[question] in t for t in texts[0::2]), chat
            assert all("/topics" in t for t in texts[1::2]), chat
        await app.stop()
    log.close()


async def test_per_chat_processor_serializes_a_chat_and_parallelizes_chats() -> None:
    processor = PerChatUpdateProcessor(16)
    events: list[str] = []

    async def work(name: str, delay: float) -> None:
        events.append(f"start {name}")
        await asyncio.sleep(delay)
        events.append(f"end {name}")

    def update(chat_id: int) -> Update:
        return Update.de_json(FakeBotAPI(TOKEN).text(chat_id, "x"), None)

    await asyncio.gather(
        processor.process_update(update(1), work("a1", 0.05)),
        processor.process_update(update(1), work("a2", 0.0)),
        processor.process_update(update(2), work("b1", 0.0)),
    )
    assert events.index("end a1") < events.index("start a2")  # one chat: in order
    assert events.index("end b1") < events.index("end a1")  # another chat: not held up
    assert not processor._locks  # idle chats are forgotten


# --- rendering ---------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهوي ؟.!،\n😀abc", min_size=1, max_size=300),
            st.just("جملة طويلة بلا نهاية " * 40),
        ),
        max_size=40,
    ),
    st.integers(min_value=20, max_value=4096),
)
def test_split_text_fits_and_loses_nothing(parts: list[str], limit: int) -> None:
    text = "".join(parts)
    chunks = split_text(text, limit)
    assert all(chunk and chunk == chunk.strip() for chunk in chunks)
    assert all(utf16_len(chunk) <= limit for chunk in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())


def test_split_text_prefers_sentence_ends() -> None:
    sentence = "هذه جملة كاملة تنتهي بنقطة. "
    chunks = split_text(sentence * 200, 4096)
    assert len(chunks) == 2 and all(c.endswith(".") for c in chunks)
    assert split_text("قصير") == ["قصير"] and split_text("  ") == []


def test_feedback_payload_always_fits_64_bytes() -> None:
    longest_id = "a" * 48
    for qid in (None, 1, 10**15):
        for helpful in (True, False):
            payload = feedback_payload(helpful, longest_id, qid)
            assert len(payload.encode()) <= MAX_PAYLOAD
            assert parse_feedback(payload)[:2] == (helpful, qid)
    assert parse_feedback("e:about") is None and parse_feedback("f:2::x") is None


async def test_every_button_carries_an_id_within_64_bytes(bot: Bot) -> None:
    for text in ["/start", "/topics", ASK_ABOUT, ASK_AMBIGUOUS, ASK_UNKNOWN, ASK_LONG]:
        await bot.say(text)
    datas = [d for c in bot.api.calls for _, d in c.buttons()]
    assert datas and all(len(d.encode()) <= 64 and d.isascii() for d in datas)


# --- start-up and secrets ----------------------------------------------------------------


@pytest.mark.parametrize("token", ["", "not-a-token", "123456:short", "abc:" + "x" * 35])
def test_missing_or_malformed_token_is_one_clear_line_and_exit_2(
    token: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert token_problem(token)
    assert run(make_settings(tmp_path / "none.yaml", telegram_token=token)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "TELEGRAM_BOT_TOKEN" in err
    assert not token or token not in err


def test_well_formed_token_passes() -> None:
    assert token_problem(TOKEN) is None
    assert token_problem("110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw") is None


def test_webhook_needs_url_and_secret(tmp_path: Path) -> None:
    base = make_settings(tmp_path, webhook_url="https://bot.example/hook", webhook_secret="s3")
    assert webhook_problem(base) is None
    assert "TELEGRAM_WEBHOOK_URL" in webhook_problem(make_settings(tmp_path, webhook_secret="s"))
    no_secret = make_settings(tmp_path, webhook_url="https://bot.example/hook")
    assert "TELEGRAM_WEBHOOK_SECRET" in webhook_problem(no_secret)
    bad_secret = make_settings(tmp_path, webhook_url="https://b.example/h", webhook_secret="a b")
    assert "TELEGRAM_WEBHOOK_SECRET" in webhook_problem(bad_secret)


def test_redact_filter_hides_the_token_in_messages_and_tracebacks() -> None:
    redact = RedactFilter([TOKEN])
    try:
        raise ValueError(f"https://api.telegram.org/bot{TOKEN}/getMe failed")
    except ValueError as exc:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "url %s", (TOKEN,), (type(exc), exc, exc.__traceback__)
        )
    redact.filter(record)
    formatted = logging.Formatter().format(record)
    assert TOKEN not in formatted and "<TOKEN>" in formatted
