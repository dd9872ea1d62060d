"""End to end on the real knowledge base: `python -m bot telegram` against the fake Bot API
on 127.0.0.1, played as a citizen on a phone (the guide, quick taps, feedback, French,
deep links, captions, edits, the bot's description)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from conftest import REAL_KB
from fake_bot_api import FakeBotAPI
from test_telegram_e2e import REPLY_TIMEOUT, TOKEN, BotProcess, User, bot_env, start_bot

from bot.knowledge import load

CHAT = 900
KB = load(REAL_KB)


@pytest.fixture(scope="module")
def citizen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[User]:
    tmp = tmp_path_factory.mktemp("citizen")
    with FakeBotAPI(TOKEN) as api:
        # The default spam limit (8 messages in 30 s): taps must not trip it.
        env = bot_env(api.base_url, tmp, FAQ_PATH=str(REAL_KB), RATE_LIMIT_MESSAGES="8")
        bot: BotProcess = start_bot(env, tmp)
        try:
            bot.wait_started(api, "deleteWebhook")
            yield User(api, api.push)
        finally:
            bot.stop()


def _markup(user: User, call: object) -> list[str]:
    message = user.api.message(call)  # type: ignore[arg-type]
    return [b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row]


def test_start_up_sets_the_description_and_short_description(citizen: User) -> None:
    citizen.api.wait_for(lambda c: c.method == "setMyShortDescription", timeout=REPLY_TIMEOUT)
    assert citizen.api.descriptions == {
        "description": KB.texts["bot_description"],
        "short_description": KB.texts["bot_short_description"],
    }


def test_can_i_benefit_in_three_taps(citizen: User) -> None:
    welcome = citizen.ask(CHAT, "/start")
    assert _markup(citizen, welcome)[0] == "g:"
    mark = citizen.press(welcome, "g:")
    guide = citizen.api.reply(CHAT, after=mark)  # a new message: the welcome stays
    assert guide.text == KB.texts["guide_intro"]
    mark = citizen.press(guide, "g:child")
    citizen.api.wait_for(lambda c: c.method == "editMessageText" and c.ok, after=mark)
    mark = citizen.press(guide, "g:child_out_of_school")
    citizen.api.wait_for(lambda c: c.method == "editMessageText" and c.ok, after=mark)
    assert _markup(citizen, guide) == ["e:children", "g:", "t:"]
    mark = citizen.press(guide, "e:children")
    answer = citizen.api.reply(CHAT, after=mark)
    assert "الأطفال غير المتمدرسين" in answer.text
    assert citizen.api.message(welcome)["text"] == welcome.text


def test_quick_taps_never_trip_the_spam_limit_and_are_all_answered(citizen: User) -> None:
    chat = CHAT + 1
    menu = citizen.ask(chat, "/topics")
    start = citizen.api.mark()
    for _ in range(8):  # 16 taps in a few seconds, twice the message limit
        for data in ("c:beneficiaries", "t:back"):
            citizen.press(menu, data)

    def answered() -> list[dict]:
        calls = citizen.api.calls[start:]
        return [c.params for c in calls if c.method == "answerCallbackQuery"]

    deadline = time.monotonic() + REPLY_TIMEOUT
    while len(answered()) < 16 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(answered()) == 16  # every tap answered: no spinner left turning
    assert not any(params.get("text") for params in answered())  # no "too many messages"
    assert "توجه خدمات" in citizen.ask(chat, "شنو هي الخدمات لي كيقدم التعاون الوطني؟").text


def test_thumbs_down_then_related_questions(citizen: User) -> None:
    chat = CHAT + 2
    answer = citizen.ask(chat, "واش كاين الترويض لولدي المعاق؟")
    thumbs_down = _markup(citizen, answer)[1]
    assert thumbs_down.startswith("f:0:")
    mark = citizen.press(answer, thumbs_down)
    sorry = citizen.api.reply(chat, after=mark)
    assert "لم يفدك" in sorry.text
    assert [p for _, p in sorry.buttons()][-2:] == ["g:", "t:"]
    rows = citizen.api.message(answer)["reply_markup"]["inline_keyboard"]
    assert [b["text"] for b in rows[0]] == [KB.texts["feedback_thanks"]]


def test_french_deep_link_caption_and_edit(citizen: User) -> None:
    chat = CHAT + 3
    french = citizen.ask(chat, "formation professionnelle des femmes")
    assert french.text.startswith(KB.texts["arabic_only_note"])
    link = citizen.ask(chat, "/start taza")
    assert link.text == KB.categories["taza"]
    mark = citizen.api.mark()
    citizen.api.push(citizen.api.photo(chat, caption="محو الأمية للكبار"))
    assert "محاربة الأمية" in citizen.api.reply(chat, after=mark).text
    first = citizen.api.text(chat, "شنو")
    mark = citizen.api.mark()
    citizen.api.push(first)
    citizen.api.reply(chat, after=mark)
    mark = citizen.api.mark()
    citizen.api.push(citizen.api.edited(first, "شنو هي المراكز ديال التعاون الوطني؟"))
    assert "دور المواطن" in citizen.api.reply(chat, after=mark).text
