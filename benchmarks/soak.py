"""Soak: many users in bursts, Telegram misbehaving, and a SIGTERM and restart mid-run.

Runs the real bot (`python -m bot telegram`, long polling) against the fake
Bot API (tests/fake_bot_api.py, 127.0.0.1 only) and plays N users sending M
messages in bursts. Faults are injected at random: 429 with retry_after, 500,
"bot was blocked", timeouts (an answer after the bot's 5 s read timeout) and
slow answers (1 s). Halfway, the bot gets SIGTERM while users keep writing,
and is started again on the same state. Each user has at most one message
waiting at a time, so every reply is matched to its message. The default pace
(50 every 2 s) stays under Telegram's 30 replies a second: faster, the bot's
flood control rightly queues the replies, and the queue is what gets measured.

Prints: sent, answered, lost by cause, duplicates, wrong chats, the median
and p99 time to reply, the time SIGTERM took, and the bot's peak memory.
Lost to "blocked", "500" and "timeout" is the fault's doing (Telegram said
no, or never said); "unanswered" is the bot's, and must be 0.

Example: .venv/bin/python benchmarks/soak.py --users 100 --messages 1500
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fake_bot_api import (  # noqa: E402
    ASK_ABOUT,
    ASK_KINDERGARTEN,
    ASK_MISSIONS,
    ASK_UNKNOWN,
    GREETING,
    FakeBotAPI,
    write_test_kb,
)

TOKEN = "123456789:SOAK-token-not-a-real-one_abcdefgh"
# question → a piece of the right reply
QUESTIONS = {
    ASK_ABOUT: "مؤسسة عمومية",
    ASK_MISSIONS: "المساعدة للأسر المعوزة",
    ASK_KINDERGARTEN: "رياضا للأطفال",
    GREETING: "وعليكم السلام",
    ASK_UNKNOWN: "لا أملك هذه المعلومة",
}
SLOW_DELAY = 1.0  # a slow answer: late, but within the bot's read timeout
FAULTS = {"429": 0.03, "500": 0.02, "blocked": 0.01, "timeout": 0.01, "slow": 0.03}
LOST_BY_FAULT = ("500", "blocked", "timeout")  # Telegram did not take the reply


@dataclass
class Message:
    chat: int
    question: str
    pushed_at: float
    fault: str | None


@dataclass
class Result:
    sent: int = 0
    answered: int = 0
    lost: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)  # faults on replies, by kind
    duplicates: int = 0
    wrong_chats: int = 0
    reply_times: list[float] = field(default_factory=list)
    stop_seconds: float = 0.0
    peak_memory_mb: float = 0.0
    secrets_in_log: bool = False

    def report(self) -> str:
        times = sorted(self.reply_times) or [0.0]
        p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
        lost = ", ".join(f"{k} {v}" for k, v in sorted(self.lost.items())) or "none"
        return "\n".join(
            [
                f"sent:        {self.sent}",
                f"answered:    {self.answered}",
                f"lost:        {sum(self.lost.values())} ({lost})",
                f"injected:    {', '.join(f'{k} {v}' for k, v in sorted(self.injected.items()))}",
                f"duplicates:  {self.duplicates}",
                f"wrong chats: {self.wrong_chats}",
                f"reply time:  median {statistics.median(times) * 1000:.0f} ms, "
                f"p99 {p99 * 1000:.0f} ms",
                f"SIGTERM:     exited in {self.stop_seconds:.2f} s",
                f"peak memory: {self.peak_memory_mb:.0f} MB (the larger of the two runs)",
                f"token in log: {'YES' if self.secrets_in_log else 'no'}",
            ]
        )


def _peak_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Soak:
    def __init__(self, api: FakeBotAPI, users: int, seed: int) -> None:
        self.api = api
        self.rng = random.Random(seed)
        self.chats = [880_000 + i for i in range(users)]
        self.asked: dict[int, int] = Counter()  # chat → messages sent so far
        self.waiting: dict[int, Message] = {}
        self.cursor = 0
        self.result = Result()

    def burst(self, size: int) -> int:
        """Up to `size` idle users each send one message; returns how many did."""
        idle = [c for c in self.chats if c not in self.waiting]
        chosen = self.rng.sample(idle, min(size, len(idle)))
        for chat in chosen:
            # two questions a user, in turn: a late duplicate shows as a wrong answer
            pair = sorted(QUESTIONS)[chat % 5], sorted(QUESTIONS)[(chat + 2) % 5]
            question = pair[self.asked[chat] % 2]
            self.asked[chat] += 1
            fault = self._fault(chat)
            self.waiting[chat] = Message(chat, question, time.monotonic(), fault)
            self.api.push(self.api.text(chat, question))
            self.result.sent += 1
        return len(chosen)

    def _fault(self, chat: int) -> str | None:
        roll, total = self.rng.random(), 0.0
        for kind, share in FAULTS.items():
            total += share
            if roll < total:
                if kind == "slow":
                    self.api.fail("timeout", chat_id=chat, delay=SLOW_DELAY)
                elif kind == "429":
                    self.api.fail("429", chat_id=chat, retry_after=1)
                else:
                    self.api.fail(kind, chat_id=chat)
                self.result.injected[kind] += 1
                return kind
        return None

    def collect(self) -> None:
        """Match the bot's new sendMessage calls to the messages waiting for them."""
        calls = self.api.calls[self.cursor :]
        self.cursor += len(calls)
        for call in calls:
            if call.method != "sendMessage":
                continue
            message = self.waiting.get(call.chat_id)
            if message is None:
                if call.ok:
                    self.result.duplicates += 1  # a reply nobody was waiting for
                continue
            if call.fault == "429":
                continue  # the bot waits retry_after and sends again
            if call.fault == "timeout" and message.fault == "slow":
                self._answered(message, call.text, call.at + SLOW_DELAY)
            elif call.ok:
                self._answered(message, call.text, call.at)
            elif call.fault in LOST_BY_FAULT or call.status != 200:
                self.result.lost[call.fault or str(call.status)] += 1
                del self.waiting[call.chat_id]

    def _answered(self, message: Message, text: str, at: float) -> None:
        del self.waiting[message.chat]
        if QUESTIONS[message.question] not in text:
            self.result.wrong_chats += 1
            return
        self.result.answered += 1
        self.result.reply_times.append(at - message.pushed_at)


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "telegram"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def _stop(bot: subprocess.Popen[bytes], timeout: float = 30.0) -> float:
    started = time.monotonic()
    bot.send_signal(signal.SIGTERM)
    try:
        bot.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        bot.kill()
        bot.wait()
    return time.monotonic() - started


def run_soak(
    *,
    users: int = 100,
    messages: int = 1500,
    burst: int = 50,
    pause: float = 2.0,
    seed: int = 7,
    drain: float = 30.0,
    shutdown_timeout: float = 10.0,
) -> Result:
    """Run the soak and return its figures (see the module docstring)."""
    with tempfile.TemporaryDirectory() as tmp, FakeBotAPI(TOKEN) as api:
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=api.base_url,
            FAQ_PATH=str(write_test_kb(Path(tmp))),
            FAQ_DB=str(Path(tmp) / "data" / "questions.sqlite3"),
            RATE_LIMIT_MESSAGES="100000",  # the spam limit would drop messages on purpose
            SHUTDOWN_TIMEOUT=str(shutdown_timeout),
            NO_PROXY="127.0.0.1",
        )
        log = Path(tmp) / "bot.log"
        soak = Soak(api, users, seed)
        bot = _start(env, log)
        api.wait_for(lambda c: c.method == "deleteWebhook", timeout=60)
        restarted = False
        peak = 0.0
        while soak.result.sent < messages:
            soak.burst(min(burst, messages - soak.result.sent))
            if soak.rng.random() < 0.05:
                api.fail("500", method="getUpdates")
            time.sleep(pause)
            soak.collect()
            if not restarted and soak.result.sent >= messages // 2:
                peak = max(peak, _peak_mb(bot.pid))
                soak.result.stop_seconds = _stop(bot)
                bot = _start(env, log)  # users kept writing meanwhile
                restarted = True
        deadline = time.monotonic() + drain
        while soak.waiting and time.monotonic() < deadline:
            time.sleep(0.2)
            soak.collect()
        time.sleep(1.0)  # a late duplicate would come now
        soak.collect()
        peak = max(peak, _peak_mb(bot.pid))
        _stop(bot)
        soak.result.lost["unanswered"] += len(soak.waiting)
        soak.result.lost = Counter({k: v for k, v in soak.result.lost.items() if v})
        soak.result.peak_memory_mb = peak
        text = log.read_text(encoding="utf-8", errors="replace")
        soak.result.secrets_in_log = TOKEN in text or TOKEN.split(":")[1] in text
        return soak.result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--messages", type=int, default=1500)
    parser.add_argument("--burst", type=int, default=50, help="messages sent at once")
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between bursts")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    started = time.monotonic()
    result = run_soak(
        users=args.users,
        messages=args.messages,
        burst=args.burst,
        pause=args.pause,
        seed=args.seed,
    )
    print(f"{args.users} users, {args.messages} messages in bursts of {args.burst}")
    print(result.report())
    print(f"run time:    {time.monotonic() - started:.0f} s")
    bad = result.lost["unanswered"] or result.duplicates or result.wrong_chats
    return 1 if bad or result.secrets_in_log else 0


if __name__ == "__main__":
    sys.exit(main())
