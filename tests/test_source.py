"""The live knowledge base: watched on a timer, reloaded off the event loop, never down."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fake_bot_api import ASK_KINDERGARTEN, ASK_MISSIONS, TEST_KB

from bot.config import Settings
from bot.dialogue import Dialogue
from bot.knowledge import KnowledgeBaseError
from bot.source import (
    ACCEPTED,
    FALLBACK,
    REFUSED,
    UNCHANGED,
    KnowledgeSource,
    SourceEvent,
    source_for,
)

ROOT = Path(__file__).resolve().parents[1]
BROKEN = TEST_KB.replace("  - id: missions\n", "  - id: missions\n   bad: indent\n")
RENAMED = TEST_KB.replace("تقدم المؤسسة المساعدة للأسر المعوزة", "تقدم المؤسسة الدعم للأسر المعوزة")


class Events:
    """A listener that lets a test wait for what the source reports."""

    def __init__(self) -> None:
        self.seen: list[SourceEvent] = []
        self._cond = threading.Condition()

    def __call__(self, event: SourceEvent) -> None:
        with self._cond:
            self.seen.append(event)
            self._cond.notify_all()

    def wait(self, count: int, timeout: float = 5.0) -> list[SourceEvent]:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.seen) >= count, timeout), self.seen
            return list(self.seen)


def save(path: Path, text: str) -> None:
    """Write like an editor, making sure the file's stamp changes."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    path = tmp_path / "faq.yaml"
    path.write_text(TEST_KB, encoding="utf-8")
    return path


def answer(source: KnowledgeSource, question: str) -> str:
    return Dialogue(source).reply(question).text


def test_an_edit_is_picked_up_on_a_timer_with_no_message(kb: Path, tmp_path: Path) -> None:
    source = KnowledgeSource(kb, reload_interval=0.05, last_good=tmp_path / "good.yaml")
    events = Events()
    source.subscribe(events)
    source.start()
    try:
        save(kb, RENAMED)
        [event] = events.wait(1)  # nobody asked anything meanwhile
    finally:
        source.stop()
    assert event.kind == ACCEPTED and "6 entries" in event.summary
    assert "الدعم للأسر" in answer(source, ASK_MISSIONS)
    assert (tmp_path / "good.yaml").read_text(encoding="utf-8") == RENAMED


def test_a_broken_edit_is_refused_once_and_the_last_good_one_served(
    kb: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = KnowledgeSource(kb, reload_interval=0.05, last_good=tmp_path / "good.yaml")
    events = Events()
    source.subscribe(events)
    source.start()
    try:
        with caplog.at_level(logging.WARNING, logger="bot.source"):
            for _ in range(5):  # the same broken version saved five times
                save(kb, BROKEN)
                time.sleep(0.12)
            save(kb, BROKEN + "\n# another try\n")  # a different broken version
            seen = events.wait(2)
            time.sleep(0.2)
    finally:
        source.stop()
    assert [e.kind for e in events.seen] == [REFUSED, REFUSED]
    first = seen[0]
    assert first.problems and first.problems[0].startswith(f"{kb}:")
    assert "6 entries" in first.summary  # what is still served
    assert "المساعدة للأسر المعوزة" in answer(source, ASK_MISSIONS)
    assert source.last_error and str(kb) in source.last_error
    refusals = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 2  # one log line per distinct broken version
    assert (tmp_path / "good.yaml").read_text(encoding="utf-8") == TEST_KB


def test_a_fix_after_a_refusal_is_accepted(kb: Path) -> None:
    source = KnowledgeSource(kb)
    save(kb, BROKEN)
    assert source.check().kind == REFUSED
    assert source.check() is None  # nothing changed since
    save(kb, RENAMED)
    assert source.check().kind == ACCEPTED and source.last_error is None
    assert "الدعم للأسر" in answer(source, ASK_MISSIONS)


def test_a_forced_reload_reports_even_an_unchanged_file(kb: Path) -> None:
    source = KnowledgeSource(kb)
    event = asyncio.run(source.reload())
    assert event.kind == UNCHANGED and "6 entries" in event.summary
    save(kb, BROKEN)
    assert asyncio.run(source.reload()).kind == REFUSED
    assert asyncio.run(source.reload()).kind == REFUSED  # asked again: told again


def test_a_deleted_file_keeps_the_last_good_version(kb: Path) -> None:
    source = KnowledgeSource(kb)
    kb.unlink()
    event = source.check()
    assert event.kind == REFUSED and "cannot read" in event.problems[0]
    assert "رياضا للأطفال" in answer(source, ASK_KINDERGARTEN)


def test_start_on_a_broken_file_uses_the_last_good_copy(
    kb: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good = tmp_path / "state" / "good.yaml"
    KnowledgeSource(kb, last_good=good)  # a good start keeps a copy
    assert good.read_text(encoding="utf-8") == TEST_KB
    save(kb, BROKEN)
    with caplog.at_level(logging.ERROR, logger="bot.source"):
        source = KnowledgeSource(kb, last_good=good)
    assert "المساعدة للأسر المعوزة" in answer(source, ASK_MISSIONS)
    [loud] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "BROKEN" in loud.getMessage() and str(good) in loud.getMessage()
    events = Events()
    source.subscribe(events)  # subscribed later (admins): still told
    [event] = events.wait(1)
    assert event.kind == FALLBACK and event.problems[0].startswith(f"{kb}:")
    assert good.read_text(encoding="utf-8") == TEST_KB  # the copy is not overwritten
    assert source.check() is None  # the broken version is not reported a second time


def test_start_on_a_broken_file_without_a_copy_is_an_error(kb: Path, tmp_path: Path) -> None:
    save(kb, BROKEN)
    with pytest.raises(KnowledgeBaseError):
        KnowledgeSource(kb, last_good=tmp_path / "never-written.yaml")


def test_the_console_chat_starts_on_the_last_good_copy(kb: Path, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "FAQ_PATH": str(kb),
        "FAQ_DB": str(tmp_path / "db" / "q.sqlite3"),
        "FAQ_STATE_DIR": str(tmp_path / "state"),
    }
    run = [sys.executable, "-m", "bot", "chat"]
    first = subprocess.run(
        run, input="/quit\n", env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert first.returncode == 0, first.stderr
    save(kb, BROKEN)
    second = subprocess.run(
        run,
        input=ASK_MISSIONS + "\n",
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 0, second.stderr
    assert "المساعدة للأسر المعوزة" in second.stdout
    assert "BROKEN" in second.stderr and "last good copy" in second.stderr


def _big_kb(entries: int) -> str:
    extra = "".join(
        f"  - id: extra{i}\n    category: about\n"
        f"    question: ما هو السؤال الإضافي رقم {i} عن الموضوع {i * 7}؟\n"
        f"    answer: هذا جواب إضافي رقم {i} يتحدث عن الموضوع {i * 13} بالتفصيل.\n"
        for i in range(entries)
    )
    return TEST_KB.replace("smalltalk:", extra + "smalltalk:")


def test_a_slow_reload_does_not_delay_a_concurrent_chat(
    kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that takes about a second to load and index: chats carry on meanwhile."""
    # the lexical engine: encoding 1,200 new entries would take the suite half a minute
    monkeypatch.setenv("FAQ_SEMANTIC", "off")
    settings = Settings(
        kb_path=kb, reload_interval=0.02, kb_max_bytes=50 * 1024 * 1024, state_dir=tmp_path
    )
    source = source_for(settings, live=True)  # as the bot makes it: watching already
    dialogue = Dialogue(source)
    events = Events()
    source.subscribe(events)

    async def chat_while_reloading() -> list[float]:
        delays: list[float] = []
        save(kb, _big_kb(1200))
        while not events.seen:
            started = time.perf_counter()
            dialogue.reply(ASK_KINDERGARTEN)
            await asyncio.sleep(0.01)
            delays.append(time.perf_counter() - started)
        return delays

    try:
        delays = asyncio.run(asyncio.wait_for(chat_while_reloading(), timeout=30))
    finally:
        source.stop()
    assert events.seen[0].kind == ACCEPTED and "1206 entries" in events.seen[0].summary
    assert len(delays) > 10  # the reload took a while...
    assert max(delays) < 0.2, f"a chat waited {max(delays):.3f} s"  # ...and no chat waited


def test_a_file_over_the_cap_is_refused_at_once_while_running(kb: Path) -> None:
    source = KnowledgeSource(kb, max_bytes=100_000)
    save(kb, TEST_KB + "# " + "x" * 200_000 + "\n")
    started = time.perf_counter()
    event = source.check()
    assert time.perf_counter() - started < 0.1
    assert event.kind == REFUSED and "over the limit" in event.problems[0]


@pytest.mark.parametrize(
    "hostile",
    [
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"b{i}: &b{i} [" + ",".join(["*a" if i == 0 else f"*b{i - 1}"] * 9) + "]\n"
            for i in range(9)
        ),
        "a: " + "[" * 400,
    ],
    ids=["billion-laughs", "400-levels"],
)
def test_a_hostile_edit_is_refused_fast_while_the_bot_serves(kb: Path, hostile: str) -> None:
    source = KnowledgeSource(kb)
    save(kb, TEST_KB + hostile)
    started = time.perf_counter()
    event = source.check()
    assert time.perf_counter() - started < 1.0
    assert event.kind == REFUSED and event.problems[0].startswith(f"{kb}:")
    assert "رياضا للأطفال" in answer(source, ASK_KINDERGARTEN)


def test_the_telegram_bot_restarted_on_a_broken_file_serves_the_last_good_copy(
    tmp_path: Path,
) -> None:
    from fake_bot_api import FakeBotAPI
    from test_telegram_e2e import REPLY_TIMEOUT, TOKEN, bot_env, start_bot

    with FakeBotAPI(TOKEN) as api:
        env = bot_env(api.base_url, tmp_path)
        first = start_bot(env, tmp_path)
        first.wait_started(api, "deleteWebhook")  # a good start keeps a copy
        assert first.stop() == 0
        kb = Path(env["FAQ_PATH"])
        save(
            kb, kb.read_text(encoding="utf-8").replace("  - id: missions\n", "  - id: m\n   x: y\n")
        )
        bot = start_bot(env, tmp_path)
        try:
            bot.wait_started(api, "deleteWebhook")
            mark = api.mark()
            api.push(api.text(4242, ASK_MISSIONS))
            assert (
                "المساعدة للأسر المعوزة" in api.reply(4242, after=mark, timeout=REPLY_TIMEOUT).text
            )
        finally:
            assert bot.stop() == 0
    assert "THE KNOWLEDGE BASE" in bot.log() and "last good copy" in bot.log()
