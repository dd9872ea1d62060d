"""Time from a user's message to the bot's reply, through a fake Telegram Bot API.

Starts the fake Bot API on 127.0.0.1 (tests/fake_bot_api.py), runs the real
bot (`python -m bot telegram`, long polling) against it via TELEGRAM_API_URL,
then sends questions one at a time, each from a new user, and measures from the
moment the update is offered to getUpdates to the moment the bot's sendMessage
reaches the fake server. Prints the median and p90 in milliseconds.

Questions are paced (--rate, 20 a second by default) below Telegram's 30
messages a second per bot: faster, the bot's own flood control (AIORateLimiter)
rightly spaces its replies ~33 ms apart, and that is what would be measured.

Example: .venv/bin/python benchmarks/telegram_latency.py --messages 100
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fake_bot_api import FakeBotAPI, write_test_kb  # noqa: E402

TOKEN = "123456789:BENCHMARK-token-not-a-real-one_abc"
WARM_UP = 5  # first questions load caches; not counted


def questions_from(kb: Path) -> list[str]:
    """Every question and alternative of the knowledge base: what users would type."""
    from bot.knowledge import load

    texts = [text for entry in load(kb).entries for text in entry.texts]
    texts += ["السلام عليكم", "كم ثمن تذكرة الحافلة إلى فاس؟"]  # small talk, no match
    return texts


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100, help="questions to time")
    parser.add_argument(
        "--kb",
        type=Path,
        help="knowledge base (default: the real one, or the tests' own if it is absent)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per reply")
    parser.add_argument(
        "--rate",
        type=float,
        default=20.0,
        help="questions a second at most (Telegram allows a bot 30 replies)",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp, FakeBotAPI(TOKEN) as api:
        kb = args.kb or ROOT / "knowledge" / "faq_ar.yaml"
        if not kb.is_file():
            kb = write_test_kb(tmp)
        questions = questions_from(kb)
        env = dict(
            os.environ,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=api.base_url,
            FAQ_PATH=str(kb),
            FAQ_DB=str(Path(tmp) / "questions.sqlite3"),
        )
        stderr = open(Path(tmp) / "bot.log", "w+", encoding="utf-8")  # noqa: SIM115
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "telegram"], cwd=ROOT, env=env, stderr=stderr
        )
        try:
            started = time.monotonic()
            api.wait_for(lambda c: c.method == "setMyCommands", timeout=30)
            time.sleep(0.2)  # let the first long poll arrive
            print(f"bot ready in {time.monotonic() - started:.2f} s; knowledge base {kb}")
            latencies: list[float] = []
            next_at = time.monotonic()
            for index in range(WARM_UP + args.messages):
                time.sleep(max(0.0, next_at - time.monotonic()))
                next_at = time.monotonic() + 1 / args.rate
                chat_id = 10_000 + index  # a new user each time: no rate limit in the way
                question = questions[index % len(questions)]
                mark = api.mark()
                sent_at = time.monotonic()
                api.push(api.text(chat_id, question))
                reply = api.reply(chat_id, after=mark, timeout=args.timeout)
                if index >= WARM_UP:
                    latencies.append((reply.at - sent_at) * 1000)
        finally:
            bot.send_signal(signal.SIGTERM)
            try:
                bot.wait(timeout=15)
            except subprocess.TimeoutExpired:
                bot.kill()
            stderr.seek(0)
            log = stderr.read()
            stderr.close()
        if TOKEN in log:
            print("error: the bot token appeared in the bot's log", file=sys.stderr)
            return 1

    print(f"messages: {len(latencies)} (after {WARM_UP} warm-up), at most {args.rate:g} a second")
    print(f"median: {statistics.median(latencies):.1f} ms")
    print(f"p90:    {percentile(latencies, 0.90):.1f} ms")
    print(
        f"min / mean / max: {min(latencies):.1f} / {statistics.fmean(latencies):.1f} / "
        f"{max(latencies):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
