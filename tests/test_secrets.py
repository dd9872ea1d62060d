"""No secret in any log: a full run, polling then webhook, with every fault the fake can play.

Every line the bot wrote is scanned for the token (whole or its secret half),
the webhook secret, the password written into TELEGRAM_API_URL, and the raw
chat ids of the citizens who wrote.
"""

from __future__ import annotations

import re
import signal
from pathlib import Path

from fake_bot_api import (
    ASK_AMBIGUOUS,
    ASK_KINDERGARTEN,
    ASK_MISSIONS,
    ASK_UNKNOWN,
    FakeBotAPI,
    post_update,
)
from test_telegram_e2e import (
    REPLY_TIMEOUT,
    SECRET,
    START_TIMEOUT,
    TOKEN,
    bot_env,
    free_port,
    start_bot,
    wait_listening,
)

PASSWORD = "Url-Pa55word-xyz"
# Distinctive ids, so a match in the log can only be the id itself.
CHATS = [7350123987, 7350124988, 7350125989, 7350126990, 7350127991, 7350128992]


def credentialed(base_url: str) -> str:
    return base_url.replace("http://", f"http://staff:{PASSWORD}@")


def leaks(log: str) -> list[str]:
    found = [s for s in (TOKEN, TOKEN.split(":")[1], SECRET, PASSWORD) if s in log]
    found += [str(c) for c in CHATS if re.search(rf"(?<!\d){c}(?!\d)", log)]
    return found


def test_polling_with_faults_logs_no_secret(tmp_path: Path) -> None:
    with FakeBotAPI(TOKEN) as api:
        env = bot_env(credentialed(api.base_url), tmp_path, SHUTDOWN_TIMEOUT="2")
        bot = start_bot(env, tmp_path)
        try:
            bot.wait_started(api, "deleteWebhook")
            a, b, c, d, e, f = CHATS
            api.fail("429", chat_id=a, retry_after=1)
            api.fail("500", chat_id=b)
            api.fail("blocked", chat_id=c)
            api.fail("timeout", chat_id=d, delay=6.0)
            api.fail("500", method="getUpdates")
            mark = api.mark()
            questions = [ASK_MISSIONS, ASK_KINDERGARTEN, ASK_UNKNOWN, ASK_MISSIONS, ASK_AMBIGUOUS]
            for chat, question in zip(CHATS[:5], questions, strict=True):
                api.push(api.text(chat, question))
            api.reply(a, after=mark, timeout=REPLY_TIMEOUT)
            api.reply(e, after=mark, timeout=REPLY_TIMEOUT)
            api.wait_for(lambda x: x.chat_id == c and x.fault == "blocked", after=mark)
            api.wait_for(lambda x: x.chat_id == d and x.fault == "timeout", after=mark)
            api.push(api.text(f, "/start"))  # SIGTERM while this may be in flight
            bot.proc.send_signal(signal.SIGTERM)
            assert bot.stop() == 0
        finally:
            bot.stop()
    log = bot.log()
    assert "blocked" in log and "getUpdates failed" in log  # the faults were logged...
    assert "127.0.0.1" in log
    assert leaks(log) == []  # ...and nothing secret with them


def test_webhook_with_bad_requests_logs_no_secret(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    with FakeBotAPI(TOKEN) as api:
        env = bot_env(
            credentialed(api.base_url),
            tmp_path,
            TELEGRAM_WEBHOOK_URL=url,
            TELEGRAM_WEBHOOK_SECRET=SECRET,
            PORT=str(port),
            TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
        )
        bot = start_bot(env, tmp_path, "--webhook")
        try:
            bot.wait_started(api, "setWebhook")
            wait_listening(port, timeout=START_TIMEOUT)
            a, b, *_ = CHATS
            assert post_update(url, api.text(a, ASK_MISSIONS), secret="wrong") == 403
            api.fail("blocked", chat_id=b)
            mark = api.mark()
            assert post_update(url, api.text(b, ASK_MISSIONS), secret=SECRET) == 200
            api.wait_for(lambda x: x.chat_id == b and x.fault == "blocked", after=mark)
            assert post_update(url, api.text(a, ASK_KINDERGARTEN), secret=SECRET) == 200
            api.reply(a, after=mark, timeout=REPLY_TIMEOUT)
            assert bot.stop() == 0
        finally:
            bot.stop()
    log = bot.log()
    assert "blocked" in log
    assert leaks(log) == []


def test_a_start_up_failure_names_the_host_but_not_the_password(tmp_path: Path) -> None:
    port = free_port()  # nobody listens there
    env = bot_env(f"http://staff:{PASSWORD}@127.0.0.1:{port}/bot", tmp_path)
    bot = start_bot(env, tmp_path)
    try:
        code = bot.proc.wait(timeout=START_TIMEOUT)
    finally:
        bot.stop()
    log = bot.log()
    assert code == 1 and f"127.0.0.1:{port}" in log
    assert leaks(log) == []
