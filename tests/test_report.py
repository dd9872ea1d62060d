"""`report`, `purge` and `adopt` as staff use them, on a log the tests fill themselves."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.adopt import save_suggestions
from bot.dialogue import Dialogue
from bot.files import previous_versions
from bot.knowledge import load, parse
from bot.report import Suggestion
from bot.store import QuestionLog
from tests.conftest import PROJECT_ROOT, SMALL_KB

CHAT = 40_001
UNKNOWN = ["ما هو سعر الذهب اليوم؟", "بشحال الذهب اليوم", "سعر الذهب"]


def bot(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "FAQ_DB")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=full_env,
        timeout=120,
    )


@pytest.fixture
def kb_path(tmp_path: Path) -> Path:
    path = tmp_path / "kb.yaml"
    path.write_text("# staff's own note at the top\n" + SMALL_KB, encoding="utf-8")
    return path


@pytest.fixture
def db(tmp_path: Path, kb_path: Path) -> Path:
    """A log as citizens would leave it: answers, unanswered wordings, a choice, votes."""
    path = tmp_path / "log.sqlite3"
    dialogue = Dialogue(load(kb_path))
    log = QuestionLog(path, salt="s")

    def ask(text: str, chat: int = CHAT, channel: str = "telegram") -> int | None:
        return log.record_question(
            channel=channel, text=text, reply=dialogue.reply(text), chat_id=chat
        )

    for n in range(3):
        qid = ask("فوقاش كتحل المكتبة", chat=CHAT + n)
        log.record_feedback(entry_id="opening", helpful=n == 0, question_id=qid, chat_id=CHAT + n)
    ask("كيف أستعير كتابا من المكتبة؟")
    for text in UNKNOWN + UNKNOWN[:1]:
        ask(text)
    ask("شكون المدير ديال المكتبة")
    ask("سؤال تجريبي من الموظف", channel="console")
    log.close()
    # one question from long ago
    with sqlite3.connect(path) as con:
        con.execute(
            "UPDATE questions SET asked_at = ? WHERE text = ?",
            (time.time() - 40 * 86400, "شكون المدير ديال المكتبة"),
        )
    return path


def report(db: Path, kb_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return bot("report", "--db", str(db), "--kb", str(kb_path), *extra)


def test_text_report_totals_questions_groups_and_votes(db: Path, kb_path: Path) -> None:
    result = report(db, kb_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "questions: 9 (telegram, all time)" in out
    assert "answered 4 (44%)" in out and "no_match 5 (56%)" in out
    assert "not counted: 1 console" in out  # staff's tests are kept apart
    assert "3×  متى تفتح المكتبة؟" in out  # most asked, by question, not by id
    # the four wordings about the price of gold are one group of 4
    [line] = [line for line in out.splitlines() if "الذهب" in line]
    assert line.strip().startswith("4×") and "+2 wordings" in line
    assert "1 / 2   متى تفتح المكتبة؟" in out  # 👍 / 👎 by question


def test_since_and_channel(db: Path, kb_path: Path) -> None:
    recent = report(db, kb_path, "--since", "30").stdout
    assert "شكون المدير" not in recent and "questions: 8" in recent
    console = report(db, kb_path, "--channel", "console").stdout
    assert "questions: 1 (console" in console
    assert "questions: 10 (all channels" in report(db, kb_path, "--channel", "all").stdout


def test_json_and_csv(db: Path, kb_path: Path) -> None:
    data = json.loads(report(db, kb_path, "--format", "json").stdout)
    assert data["total"] == 9 and data["by_status"]["no_match"] == 5
    assert data["shares"]["answered"] == 44.4
    assert data["unanswered"][0]["count"] == 4 and data["unanswered"][0]["example"] in UNKNOWN
    assert data["most_asked"][0] == {
        "entry_id": "opening",
        "question": "متى تفتح المكتبة؟",
        "count": 3,
    }
    table = report(db, kb_path, "--format", "csv").stdout
    assert table.startswith("\ufeffsection,")  # Excel needs the mark to read Arabic
    rows = list(csv.DictReader(io.StringIO(table.removeprefix("\ufeff"))))
    groups = [r for r in rows if r["section"] == "unanswered"]
    assert groups[0]["count"] == "4" and groups[0]["text"] in UNKNOWN
    assert {r["key"] for r in rows if r["section"] == "status"} == {"answered", "no_match"}


def test_html_is_one_self_contained_page_with_a_chart(db: Path, kb_path: Path) -> None:
    page = report(db, kb_path, "--format", "html").stdout
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "<rect" in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page and "<link" not in page
    assert "ما هو سعر الذهب اليوم؟" in page or "بشحال الذهب اليوم" in page


def test_a_did_you_mean_resolved_by_the_citizen_is_not_unanswered(tmp_path: Path) -> None:
    from bot.dialogue import Reply
    from bot.dialogue import Suggestion as Offered
    from bot.report import summarize
    from bot.store import open_for_reading, read_questions

    log = QuestionLog(tmp_path / "log.sqlite3", salt="s")
    offered = tuple(Offered(e, e, e, 45.0) for e in ("opening", "borrowing"))
    for chat, choice in ((1, "e:opening"), (2, "n:"), (3, None)):
        log.record_question(
            channel="telegram",
            text="المكتبة",
            reply=Reply("clarify", "?", suggestions=offered),
            chat_id=chat,
        )
        if choice:
            log.record_choice(channel="telegram", payload=choice, chat_id=chat)
    log.close()
    db = open_for_reading(tmp_path / "log.sqlite3")
    summary = summarize(read_questions(db), [])
    db.close()
    assert summary.clarifications == {"asked": 3, "chose": 1, "none_of_these": 1, "left": 1}
    assert summary.unanswered[0].count == 2
    assert [(m.entry_id, m.count) for m in summary.most_asked] == [("opening", 1)]


def test_report_on_a_broken_log_says_so_in_one_line(tmp_path: Path, kb_path: Path) -> None:
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"\x00garbage" * 300)
    result = report(broken, kb_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "damaged" in result.stderr


def test_purge_command(db: Path) -> None:
    result = bot("purge", "--db", str(db), "--days", "30")
    assert result.returncode == 0 and "removed 1 questions" in result.stdout
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 9


def test_suggest_lists_new_entries_and_keeps_them_for_adopt(db: Path, kb_path: Path) -> None:
    result = report(db, kb_path, "--suggest", "--format", "json")
    assert result.returncode == 0, result.stderr
    proposed = json.loads(result.stdout)["suggestions"]
    gold = [s for s in proposed if s["text"] in UNKNOWN]
    assert gold and gold[0]["kind"] == "new_entry" and gold[0]["count"] == 4
    kept = json.loads(Path(f"{db}.suggestions.json").read_text(encoding="utf-8"))
    assert [s["id"] for s in kept] == [s["id"] for s in proposed]


def test_adopt_round_trips_the_file_and_shows_decisions(tmp_path: Path, kb_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    # unanswered by the lexical engine and the fused one alike (the library KB lists no
    # topics it lacks, so "سلف الكتب" is now rightly read as borrowing)
    wording = "emprunter des bouquins"
    before = Dialogue(load(kb_path)).reply(wording)
    suggestion = Suggestion("a-123abc", "alternative", wording, "borrowing", "…", 3, "test")
    save_suggestions(db, [suggestion, Suggestion("n-456def", "new_entry", "x", None, None, 1, "")])
    original = kb_path.read_text(encoding="utf-8")
    # adopt's mechanics, not the engine's quality: the lexical engine keeps it quick
    env = {"FAQ_DB": str(db), "FAQ_PATH": str(kb_path), "FAQ_SEMANTIC": "off"}
    refused = bot("adopt", "n-456def", env=env)
    assert refused.returncode == 2 and "by hand" in refused.stderr
    assert bot("adopt", "a-nope", env=env).returncode == 2
    dry = bot("adopt", "a-123abc", "--dry-run", env=env)
    assert dry.returncode == 0 and kb_path.read_text(encoding="utf-8") == original
    result = bot("adopt", "a-123abc", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"«{wording}»: {before.status} {before.entry_id or '-'} → answered borrowing" in (
        result.stdout
    )
    # before → after on the project's file
    assert re.search(r"labelled\.yaml: \d+ cases: score", result.stdout), result.stdout
    text = kb_path.read_text(encoding="utf-8")
    assert text.startswith("# staff's own note at the top\n")  # comments survive
    added = text.replace(f", {wording}]", "]")
    assert added == original  # only the wording was added, everything else as it was
    assert parse(text).entry("borrowing").alternatives[-1] == wording
    assert previous_versions(kb_path)[-1].read_text(encoding="utf-8") == original
    again = bot("adopt", "a-123abc", env=env)
    assert again.returncode == 0 and "already" in again.stdout
