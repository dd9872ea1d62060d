"""End to end: the real bot (`python -m bot telegram`) against a fake Bot API on 127.0.0.1.

The test plays the user through the fake server (getUpdates long polling, or
POSTs to the bot's webhook) and reads what the bot sent. Everything is bound
in time: each wait has a timeout and each bot process is stopped with SIGTERM
(and killed if it lingers).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
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
    Call,
    FakeBotAPI,
    post_update,
    write_test_kb,
)

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "555000111:E2E-Recognisable-Token_do-not-log-me"
SECRET = "e2e-webhook-secret_42"
START_TIMEOUT = 30.0  # seconds for the bot to come up (imports, knowledge base, getMe)
REPLY_TIMEOUT = 10.0
STOP_TIMEOUT = 15.0
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int, timeout: float) -> None:
    """The bot registers its webhook first and listens just after: wait for the port."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@dataclass
class BotProcess:
    """The bot running in a subprocess, its stderr kept in a file."""

    proc: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_TIMEOUT)
        return self.proc.returncode

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_started(self, api: FakeBotAPI, method: str) -> None:
        """Wait for the bot's start-up request `method`; show its log if it never comes."""
        try:
            api.wait_for(lambda c: c.method == method, timeout=START_TIMEOUT)
        except AssertionError as exc:
            self.stop()
            log = self.log()[-3000:]
            raise AssertionError(f"the bot did not start; its log:\n{log}") from exc


def bot_env(api_url: str, tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api_url,
        FAQ_PATH=str(write_test_kb(tmp)),
        FAQ_DB=str(tmp / "data" / "questions.sqlite3"),
        RATE_LIMIT_MESSAGES="1000",  # the spam limit has its own handler tests
        NO_PROXY="127.0.0.1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def start_bot(env: dict[str, str], tmp: Path, *args: str) -> BotProcess:
    log_path = tmp / f"bot-{time.monotonic_ns()}.log"
    with open(log_path, "wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "telegram", *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    return BotProcess(proc, log_path)


def run_bot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the bot to completion (start-up failures); bounded in time."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "telegram", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
    )


class User:
    """Plays citizens against the fake API; `deliver` is getUpdates or the webhook."""

    def __init__(self, api: FakeBotAPI, deliver: Any) -> None:
        self.api, self.deliver = api, deliver

    def ask(self, chat_id: int, text: str, **kwargs: Any) -> Call:
        mark = self.api.mark()
        self.deliver(self.api.text(chat_id, text, **kwargs))
        return self.api.reply(chat_id, after=mark, timeout=REPLY_TIMEOUT)

    def press(self, call: Call, data: str) -> int:
        """Press a button under the bot's message; returns the call-log mark before it."""
        mark = self.api.mark()
        self.deliver(self.api.press(self.api.message(call), data))
        return mark


def payloads(call: Call) -> list[str]:
    return [data for _, data in call.buttons()]


# --- long polling --------------------------------------------------------------------


@pytest.fixture(scope="module")
def polling(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[User, BotProcess]]:
    tmp = tmp_path_factory.mktemp("polling")
    with FakeBotAPI(TOKEN) as api:
        bot = start_bot(bot_env(api.base_url, tmp), tmp)
        try:
            bot.wait_started(api, "deleteWebhook")  # polling starts by deleting any webhook
            yield User(api, api.push), bot
        finally:
            bot.stop()


def test_polling_start_up_sets_the_command_menu(polling: tuple[User, BotProcess]) -> None:
    user, _ = polling
    [call] = [c for c in user.api.calls if c.method == "setMyCommands"]
    names = [c["command"] for c in call.params["commands"]]
    assert names == ["start", "benefit", "topics", "help"]
    assert all("\u0600" <= c["description"][0] <= "\u06ff" for c in call.params["commands"])
    assert [c.method for c in user.api.calls[:1]] == ["getMe"]


def test_polling_start_and_browse_topics(polling: tuple[User, BotProcess]) -> None:
    user, _ = polling
    welcome = user.ask(101, "/start")
    assert "17-03-2011" in welcome.text and payloads(welcome) == ["c:about", "c:training"]
    mark = user.press(welcome, "c:training")
    user.api.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
    menu = user.api.reply(101, after=mark)  # a new message: the welcome stays as sent
    assert payloads(menu) == ["e:training_women", "e:training_youth", "t:back"]
    assert user.api.message(welcome)["text"] == welcome.text
    mark = user.press(menu, "t:back")  # within its own menu, browsing edits in place
    user.api.wait_for(lambda c: c.method == "editMessageText" and c.ok, after=mark)
    assert user.api.message(menu)["text"] == "اختر موضوعا:"
    mark = user.press(welcome, "e:training_women")
    answer = user.api.reply(101, after=mark)
    assert "الخياطة والطرز" in answer.text


def test_polling_question_answer_and_feedback(polling: tuple[User, BotProcess]) -> None:
    user, _ = polling
    answer = user.ask(102, ASK_ABOUT)
    assert "مؤسسة عمومية" in answer.text and "المصدر" in answer.text
    thumbs_up, thumbs_down, title, *follow_ups, topics = payloads(answer)
    assert thumbs_up.startswith("f:1:") and thumbs_down.startswith("f:0:")
    assert (title, follow_ups, topics) == ("x:", ["e:missions", "e:kindergarten"], "t:")
    mark = user.press(answer, thumbs_up)
    thanks = user.api.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
    assert thanks.params["text"] == "شكرا على رأيك!"
    user.api.wait_for(lambda c: c.method == "editMessageReplyMarkup" and c.ok, after=mark)
    rows = user.api.message(answer)["reply_markup"]["inline_keyboard"]
    assert [b["text"] for b in rows[0]] == ["شكرا على رأيك!"]  # the thanks replaced 👍/👎
    mark = user.press(answer, "e:kindergarten")
    assert "رياضا للأطفال" in user.api.reply(102, after=mark).text


def test_polling_did_you_mean(polling: tuple[User, BotProcess]) -> None:
    user, _ = polling
    choices = user.ask(103, ASK_AMBIGUOUS)
    assert sorted(payloads(choices)[:-1]) == ["e:training_women", "e:training_youth"]
    assert payloads(choices)[-1] == "n:"
    mark = user.press(choices, "e:training_youth")
    assert "تستقبل الشباب" in user.api.reply(103, after=mark).text


def test_polling_no_match_small_talk_and_a_photo(polling: tuple[User, BotProcess]) -> None:
    user, _ = polling
    honest = user.ask(104, ASK_UNKNOWN)
    assert "لا أملك هذه المعلومة" in honest.text and "/topics" in honest.text
    assert user.ask(104, "السلام عليكم").text.startswith("وعليكم السلام")
    mark = user.api.mark()
    user.api.push(user.api.photo(104))
    assert user.api.reply(104, after=mark).text == "عذرا، لا أقرأ إلا الرسائل النصية."


def test_polling_long_answer_in_pieces(polling: tuple[User, BotProcess]) -> None:
    user, _ = polling
    mark = user.api.mark()
    user.api.push(user.api.text(105, ASK_LONG))
    user.api.wait_for(lambda c: len(user.api.sent(105, after=mark)) == 2)
    first, second = user.api.sent(105, after=mark)
    assert len(first.text) <= 4096 and len(second.text) <= 4096
    assert first.text.endswith(".") and not first.buttons() and second.buttons()


def test_polling_group_answers_mentions_only(polling: tuple[User, BotProcess]) -> None:
    user, _ = polling
    group = -100777
    mark = user.api.mark()
    user.api.push(user.api.text(group, ASK_MISSIONS, user_id=9, chat_type="supergroup"))
    reply = user.ask(
        group, f"@{BOT_USERNAME} {ASK_KINDERGARTEN}", user_id=9, chat_type="supergroup"
    )
    assert "رياضا للأطفال" in reply.text
    assert len(user.api.sent(group, after=mark)) == 1  # the plain message was not answered


def test_polling_survives_429_with_retry_after(polling: tuple[User, BotProcess]) -> None:
    user, _ = polling
    user.api.fail("429", chat_id=106, retry_after=1)
    mark = user.api.mark()
    user.api.push(user.api.text(106, ASK_MISSIONS))
    refused = user.api.wait_for(lambda c: c.chat_id == 106 and c.status == 429, after=mark)
    reply = user.api.reply(106, after=mark)  # sent again once retry_after has passed
    assert reply.at - refused.at >= 1.0
    assert "المساعدة للأسر المعوزة" in reply.text


@pytest.mark.parametrize("fault", ["500", "blocked"])
def test_polling_survives_a_failed_send(polling: tuple[User, BotProcess], fault: str) -> None:
    user, _ = polling
    chat = 107 if fault == "500" else 108
    user.api.fail(fault, chat_id=chat)
    mark = user.api.mark()
    user.api.push(user.api.text(chat, ASK_MISSIONS))
    user.api.wait_for(lambda c: c.chat_id == chat and c.fault == fault, after=mark)
    assert "رياضا للأطفال" in user.ask(chat, ASK_KINDERGARTEN).text


def test_polling_survives_a_timeout(polling: tuple[User, BotProcess]) -> None:
    user, _ = polling
    user.api.fail("timeout", chat_id=109)  # answers after the bot's 5 s read timeout
    mark = user.api.mark()
    user.api.push(user.api.text(109, ASK_MISSIONS))
    user.api.wait_for(lambda c: c.chat_id == 109 and c.fault == "timeout", after=mark)
    # Other chats are not held up meanwhile...
    assert "رياضا للأطفال" in user.ask(110, ASK_KINDERGARTEN).text
    # ...and the same user is answered next time (after the timed-out send gives up).
    mark = user.api.mark()
    user.api.push(user.api.text(109, ASK_KINDERGARTEN))
    reply = user.api.reply(109, after=mark, timeout=REPLY_TIMEOUT + 6)
    assert "رياضا للأطفال" in reply.text


def test_polling_survives_a_500_on_get_updates(polling: tuple[User, BotProcess]) -> None:
    user, _ = polling
    user.api.fail("500", method="getUpdates")
    mark = user.api.mark()
    # This message ends the pending long poll; the next getUpdates then gets the 500.
    assert "المساعدة للأسر المعوزة" in user.ask(111, ASK_MISSIONS).text
    user.api.wait_for(lambda c: c.method == "getUpdates" and c.fault == "500", after=mark)
    assert "رياضا للأطفال" in user.ask(111, ASK_KINDERGARTEN).text


def test_polling_chats_in_parallel_are_not_mixed_up(polling: tuple[User, BotProcess]) -> None:
    user, _ = polling
    expected = {
        ASK_MISSIONS: "المساعدة للأسر المعوزة",
        ASK_KINDERGARTEN: "رياضا للأطفال",
        ASK_ABOUT: "مؤسسة عمومية",
    }
    chats = {200 + i: list(expected)[i % 3] for i in range(12)}
    mark = user.api.mark()
    for chat, question in chats.items():
        user.api.push(user.api.text(chat, question))
    for chat, question in chats.items():
        reply = user.api.reply(chat, after=mark)
        assert expected[question] in reply.text, chat
        assert len(user.api.sent(chat, after=mark)) == 1


def test_polling_zz_stops_cleanly_and_never_logs_the_token(
    polling: tuple[User, BotProcess],
) -> None:
    _, bot = polling
    assert bot.stop() == 0
    log = bot.log()
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert "Forbidden: bot was blocked by the user" in log  # failures were logged...
    assert "update " in log
    assert "Traceback" not in log  # ...as one line each


# --- webhook ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def webhook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[User, BotProcess, str]]:
    tmp = tmp_path_factory.mktemp("webhook")
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram-hook"
    with FakeBotAPI(TOKEN) as api:
        env = bot_env(
            api.base_url,
            tmp,
            TELEGRAM_WEBHOOK_URL=url,
            TELEGRAM_WEBHOOK_SECRET=SECRET,
            PORT=str(port),
            TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
        )
        bot = start_bot(env, tmp, "--webhook")
        try:
            bot.wait_started(api, "setWebhook")
            wait_listening(port, timeout=START_TIMEOUT)

            def deliver(update: dict[str, Any]) -> None:
                assert post_update(url, update, secret=SECRET) == 200

            yield User(api, deliver), bot, url
        finally:
            bot.stop()


def test_webhook_is_registered_with_its_secret(webhook: tuple[User, BotProcess, str]) -> None:
    user, _, url = webhook
    [call] = [c for c in user.api.calls if c.method == "setWebhook"]
    assert call.params["url"] == url and call.params["secret_token"] == SECRET


def test_webhook_rejects_requests_without_the_secret(
    webhook: tuple[User, BotProcess, str],
) -> None:
    user, _, url = webhook
    mark = user.api.mark()
    assert post_update(url, user.api.text(301, ASK_MISSIONS), secret=None) == 403
    assert post_update(url, user.api.text(301, ASK_MISSIONS), secret="wrong") == 403
    # A genuine update afterwards is answered, and only it.
    reply = user.ask(301, ASK_KINDERGARTEN)
    assert "رياضا للأطفال" in reply.text
    assert len(user.api.sent(301, after=mark)) == 1


def test_webhook_conversation(webhook: tuple[User, BotProcess, str]) -> None:
    user, _, _ = webhook
    choices = user.ask(302, ASK_AMBIGUOUS)
    mark = user.press(choices, "e:training_women")
    answer = user.api.reply(302, after=mark)
    assert "الخياطة والطرز" in answer.text
    mark = user.press(answer, payloads(answer)[1])  # 👎
    user.api.wait_for(lambda c: c.method == "answerCallbackQuery", after=mark)
    sorry = user.api.reply(302, after=mark)  # 👎 offers what is near, and the topics
    assert payloads(sorry) == ["e:training_youth", "t:"]
    mark = user.api.mark()
    user.deliver(user.api.photo(302))
    assert "النصية" in user.api.reply(302, after=mark).text


def test_webhook_survives_a_blocked_user(webhook: tuple[User, BotProcess, str]) -> None:
    user, _, _ = webhook
    user.api.fail("blocked", chat_id=303)
    mark = user.api.mark()
    user.deliver(user.api.text(303, ASK_MISSIONS))
    user.api.wait_for(lambda c: c.chat_id == 303 and c.fault == "blocked", after=mark)
    assert "رياضا للأطفال" in user.ask(303, ASK_KINDERGARTEN).text


def test_webhook_zz_stops_cleanly_and_never_logs_the_token(
    webhook: tuple[User, BotProcess, str],
) -> None:
    _, bot, _ = webhook
    assert bot.stop() == 0
    log = bot.log()
    assert TOKEN not in log and SECRET not in log
    assert "Forbidden: bot was blocked by the user" in log


# --- start-up failures: one clear line ------------------------------------------------


@pytest.mark.parametrize("token", ["", "99999", "123456:too-short", f"x{TOKEN}"])
def test_missing_or_malformed_token_exits_2_with_one_line(tmp_path: Path, token: str) -> None:
    env = bot_env("http://127.0.0.1:9/bot", tmp_path, TELEGRAM_BOT_TOKEN=token)
    result = run_bot(env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "TELEGRAM_BOT_TOKEN" in result.stderr
    assert not token or token not in result.stderr


def test_token_rejected_by_telegram_exits_2_without_traceback(tmp_path: Path) -> None:
    with FakeBotAPI("999:someone-else-token-abcdefghijkl") as api:  # answers 401 to ours
        result = run_bot(bot_env(api.base_url, tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and TOKEN not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: Telegram rejected")


def test_webhook_without_secret_exits_2(tmp_path: Path) -> None:
    env = bot_env(
        "http://127.0.0.1:9/bot",
        tmp_path,
        TELEGRAM_WEBHOOK_URL="https://bot.example/hook",
        TELEGRAM_WEBHOOK_SECRET="",
    )
    result = run_bot(env, "--webhook")
    assert result.returncode == 2 and "TELEGRAM_WEBHOOK_SECRET" in result.stderr
    assert result.stderr.count("\n") == 1
