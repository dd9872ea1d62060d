"""Admins in Telegram: /reload, /stats and edit notices for ADMIN_CHAT_IDS, nothing for others."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fake_bot_api import (
    ASK_KINDERGARTEN,
    ASK_MISSIONS,
    ASK_UNKNOWN,
    GREETING,
    Call,
    FakeBotAPI,
    fake_request,
    write_test_kb,
)
from telegram import Update

from bot.config import Settings
from bot.dialogue import Dialogue
from bot.source import KnowledgeSource
from bot.store import QuestionLog
from bot.telegram import build_application

TOKEN = "987654321:SECRET-token-must-never-be-logged_xyz"
ADMIN = 777001
CITIZEN = 5001
HELP_MARK = "/topics"  # the help text (the reply to an unknown command) names /topics


def save(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


class Staff:
    def __init__(self, app: Any, api: FakeBotAPI, kb: Path, source: KnowledgeSource) -> None:
        self.app, self.api, self.kb, self.source = app, api, kb, source

    async def say(self, text: str, chat_id: int, **kwargs: Any) -> list[Call]:
        mark = self.api.mark()
        update = self.api.text(chat_id, text, **kwargs)
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return self.api.sent(chat_id, after=mark)

    async def notices(self, count: int, after: int, timeout: float = 5.0) -> list[Call]:
        """Wait for `count` messages to the admin sent after `after` (from the watch thread)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.api.sent(ADMIN, after=after)) < count:
            assert asyncio.get_running_loop().time() < deadline, self.api.calls[after:]
            await asyncio.sleep(0.02)
        return self.api.sent(ADMIN, after=after)


async def _staff(tmp_path: Path, kb: Path, last_good: Path | None = None) -> AsyncIterator[Staff]:
    api = FakeBotAPI(TOKEN)
    db = tmp_path / "log" / "questions.sqlite3"
    log = QuestionLog(db)
    settings = Settings(
        kb_path=kb,
        db_path=db,
        telegram_token=TOKEN,
        rate_limit_messages=1000,
        admin_chat_ids=frozenset({ADMIN}),
    )
    source = KnowledgeSource(kb, last_good=last_good)
    app = build_application(
        settings, Dialogue(source), log, request=fake_request(api), source=source
    )
    await app.initialize()
    await app.post_init(app)  # as the runners do: the command menu and the notices
    try:
        yield Staff(app, api, kb, source)
    finally:
        await app.shutdown()
        log.close()


@pytest.fixture
async def staff(tmp_path: Path) -> AsyncIterator[Staff]:
    async for s in _staff(tmp_path, write_test_kb(tmp_path)):
        yield s


@pytest.mark.parametrize("command", ["/reload", "/stats"])
async def test_others_get_the_unknown_command_reply(staff: Staff, command: str) -> None:
    [usual] = await staff.say("/whatever", CITIZEN)
    [reply] = await staff.say(command, CITIZEN)
    assert reply.text == usual.text and HELP_MARK in reply.text
    group = await staff.say(command, -100123, user_id=CITIZEN, chat_type="supergroup")
    assert group == []  # in a group, like any command that is not ours: silence


async def test_stats_gives_today_and_the_week(staff: Staff) -> None:
    for question in (ASK_MISSIONS, ASK_KINDERGARTEN, ASK_UNKNOWN, GREETING):
        await staff.say(question, CITIZEN)
    [stats] = await staff.say("/stats", ADMIN)
    today, week = stats.text.split("\n")[1:3]
    assert today.startswith("اليوم:") and week.startswith("الأيام السبعة الأخيرة:")
    for line in (today, week):
        assert "الأسئلة: 4" in line and "أجاب عنها البوت: 2" in line and "بلا جواب: 1" in line


async def test_reload_picks_up_an_edit_at_once(staff: Staff) -> None:
    text = staff.kb.read_text(encoding="utf-8")
    save(staff.kb, text.replace("المساعدة للأسر المعوزة", "الدعم للأسر المعوزة"))
    [reply] = await staff.say("/reload", ADMIN)
    assert reply.text.startswith("أعيد تحميل قاعدة المعرفة") and "6 entries" in reply.text
    [answer] = await staff.say(ASK_MISSIONS, CITIZEN)
    assert "الدعم للأسر المعوزة" in answer.text


async def test_reload_of_a_broken_file_lists_the_problem_lines(staff: Staff) -> None:
    text = staff.kb.read_text(encoding="utf-8")
    save(staff.kb, text.replace("  - id: missions\n", "  - id: missions\n   bad: indent\n"))
    replies = await staff.say("/reload", ADMIN)
    body = "\n".join(r.text for r in replies)
    assert body.startswith("رُفض تعديل قاعدة المعرفة") and f"{staff.kb}:" in body
    [answer] = await staff.say(ASK_MISSIONS, CITIZEN)
    assert "المساعدة للأسر المعوزة" in answer.text  # the last good version still serves


async def test_admins_are_told_of_edits_refused_and_accepted(staff: Staff) -> None:
    good = staff.kb.read_text(encoding="utf-8")
    mark = staff.api.mark()
    save(staff.kb, good.replace("  - id: missions\n", "  - id: missions\n   bad: indent\n"))
    await asyncio.to_thread(staff.source.check)  # what the watch thread does on its timer
    [refused] = await staff.notices(1, mark)
    assert refused.text.startswith("رُفض تعديل") and f"{staff.kb}:" in refused.text
    save(staff.kb, good.replace("المساعدة للأسر", "الدعم للأسر"))
    await asyncio.to_thread(staff.source.check)
    accepted = (await staff.notices(2, mark))[1]
    assert accepted.text.startswith("قُبل تعديل قاعدة المعرفة") and "6 entries" in accepted.text
    assert staff.api.sent(CITIZEN, after=mark) == []  # citizens hear nothing of it


async def test_admins_are_told_when_the_bot_starts_on_the_last_good_copy(tmp_path: Path) -> None:
    kb = write_test_kb(tmp_path)
    copy = tmp_path / "state" / "last-good.yaml"
    KnowledgeSource(kb, last_good=copy)  # an earlier good start kept a copy
    save(kb, kb.read_text(encoding="utf-8") + "entries: twice\n")
    async for staff in _staff(tmp_path, kb, last_good=copy):
        [notice] = await staff.notices(1, 0)
        assert notice.text.startswith("تنبيه: ملف قاعدة المعرفة معطوب")
        assert f"{kb}:" in notice.text
        [answer] = await staff.say(ASK_MISSIONS, CITIZEN)
        assert "المساعدة للأسر المعوزة" in answer.text
