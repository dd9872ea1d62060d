"""The question log: private (hashed chats, masked numbers, retention), honest, never blocking."""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.dialogue import Reply, Suggestion
from bot.store import (
    MAX_STORED_CHARS,
    LogError,
    QuestionLog,
    mask_numbers,
    open_for_reading,
    read_questions,
)

CHAT = 734_019_223
OTHER_CHAT = 512_300_871


def answered(entry_id: str = "missions") -> Reply:
    return Reply("answered", "…", entry_id=entry_id, score=88.0)


def clarify(*ids: str) -> Reply:
    return Reply(
        "clarify", "?", score=45.0, suggestions=tuple(Suggestion(i, i, i, 45.0) for i in ids)
    )


@dataclass(frozen=True)
class ReplyWithDecision:  # the shape the dialogue's Reply takes once it carries a decision
    status: str
    text: str
    entry_id: str | None = None
    score: float = 0.0
    suggestions: tuple = ()
    decision: dict = field(default_factory=dict)


@pytest.fixture
def log(tmp_path: Path):
    log = QuestionLog(tmp_path / "log.sqlite3", salt="test-salt")
    yield log
    log.close()


def all_text(path: Path) -> str:
    log_db = sqlite3.connect(path)
    rows = [
        repr(row)
        for table in ("questions", "feedback")
        for row in log_db.execute(f"SELECT * FROM {table}")
    ]
    log_db.close()
    return "\n".join(rows)


def test_no_raw_chat_id_and_numbers_masked(log: QuestionLog, tmp_path: Path) -> None:
    text = "رقمي 06 12 34 56 78 وبطاقتي AB123456 والبطاقة ٤٥٦٧٨٩٠١٢٣ منذ 2011 ب 500 درهم"
    qid = log.record_question(channel="telegram", text=text, reply=answered(), chat_id=CHAT)
    log.record_feedback(entry_id="missions", helpful=True, question_id=qid, chat_id=CHAT)
    assert log.flush()
    [row] = log.rows()
    assert row.text == "رقمي *** وبطاقتي *** والبطاقة *** منذ 2011 ب 500 درهم"
    assert row.channel == "telegram" and row.status == "answered" and row.entry_id == "missions"
    stored = all_text(tmp_path / "log.sqlite3")
    assert str(CHAT) not in stored and "12 34" not in stored and "AB123456" not in stored
    assert str(CHAT) not in (tmp_path / "log.sqlite3").read_bytes().decode("latin-1")


def test_mask_keeps_years_amounts_and_short_numbers() -> None:
    assert mask_numbers("سنة 2011، 1500 درهم، 3 أطفال") == "سنة 2011، 1500 درهم، 3 أطفال"
    assert mask_numbers("+212 661-234-567") == "***"


def test_decision_step_and_normalized_form_are_kept(log: QuestionLog) -> None:
    reply = ReplyWithDecision("no_match", "…", decision={"step": "lacking", "kind": "price"})
    log.record_question(channel="ask", text="بشحال التكوين؟", reply=reply)
    [row] = log.rows()
    assert row.step == "lacking" and row.channel == "ask"
    assert row.normalized and "؟" not in row.normalized


def test_one_vote_per_person_and_answer_a_second_tap_changes_it(log: QuestionLog) -> None:
    qid = log.record_question(channel="telegram", text="ما هي مهام", reply=answered(), chat_id=CHAT)
    for helpful in (True, True, True, True, False):
        log.record_feedback(entry_id="missions", helpful=helpful, question_id=qid, chat_id=CHAT)
    [total] = log.feedback_totals()
    assert (total.entry_id, total.helpful, total.not_helpful) == ("missions", 0, 1)


def test_forged_votes_are_ignored(log: QuestionLog) -> None:
    mine = log.record_question(channel="telegram", text="سؤالي", reply=answered(), chat_id=CHAT)
    # a question that does not exist; another chat's question; the right question, wrong entry
    log.record_feedback(entry_id="about", helpful=False, question_id=999_999, chat_id=OTHER_CHAT)
    log.record_feedback(entry_id="missions", helpful=False, question_id=mine, chat_id=OTHER_CHAT)
    log.record_feedback(entry_id="about", helpful=False, question_id=mine, chat_id=CHAT)
    log.record_feedback(entry_id="missions", helpful=False, question_id=None, chat_id=OTHER_CHAT)
    assert log.feedback_totals() == []
    assert log.health.ignored_votes == 4


def test_a_did_you_mean_choice_is_noted_and_can_be_rated(log: QuestionLog) -> None:
    log.record_question(channel="telegram", text="المراكز", reply=clarify("a", "b"), chat_id=CHAT)
    log.record_choice(channel="telegram", payload="e:b", chat_id=OTHER_CHAT)  # not their question
    log.record_choice(channel="telegram", payload="e:b", chat_id=CHAT)
    log.record_feedback(entry_id="b", helpful=True, question_id=None, chat_id=CHAT)
    [row] = log.rows()
    assert row.chosen == "b" and row.suggested == ("a", "b")
    assert [(t.entry_id, t.helpful) for t in log.feedback_totals()] == [("b", 1)]
    assert log.unanswered() == []  # resolved by the citizen: not unanswered


def test_purge_by_age_now_and_at_start_up(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    log = QuestionLog(path, salt="s", retention_days=90)
    old = log.record_question(channel="telegram", text="قديم", reply=answered(), chat_id=CHAT)
    log.record_feedback(entry_id="missions", helpful=True, question_id=old, chat_id=CHAT)
    log.record_question(channel="telegram", text="جديد", reply=answered(), chat_id=CHAT)
    log.record_question(channel="telegram", text="وسط", reply=answered(), chat_id=CHAT)
    log.flush()
    ages = {"قديم": 100, "وسط": 40}
    with sqlite3.connect(path) as db:
        for text, days in ages.items():
            db.execute(
                "UPDATE questions SET asked_at = ? WHERE text = ?",
                (time.time() - days * 86400, text),
            )
        db.execute("UPDATE feedback SET given_at = ?", (time.time() - 100 * 86400,))
    assert log.purge(30) == (2, 1)
    log.close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE questions SET asked_at = ?", (time.time() - 91 * 86400,))
    restarted = QuestionLog(path, salt="s", retention_days=90)  # purges when it starts
    assert restarted.rows() == []
    restarted.close()


def test_salt_is_generated_once_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    first = QuestionLog(path)
    second = QuestionLog(path)
    assert first.chat_hash(CHAT) == second.chat_hash(CHAT) != str(CHAT)
    assert (tmp_path / "log.sqlite3.salt").stat().st_mode & 0o077 == 0
    assert QuestionLog(":memory:", salt="x").chat_hash(CHAT) != first.chat_hash(CHAT)
    first.close()
    second.close()


def test_a_locked_log_delays_nothing_and_loses_nothing(
    log: QuestionLog, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log.record_question(channel="telegram", text="قبل", reply=answered(), chat_id=CHAT)
    assert log.flush()
    locker = sqlite3.connect(tmp_path / "log.sqlite3", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    with caplog.at_level(logging.WARNING, logger="bot.store"):
        slowest = 0.0
        for n in range(20):
            start = time.perf_counter()
            log.record_question(channel="telegram", text=f"س {n}", reply=answered(), chat_id=CHAT)
            slowest = max(slowest, time.perf_counter() - start)
            time.sleep(0.05)
        assert slowest < 0.2
        assert not log.flush(timeout=0.3)
        locker.execute("ROLLBACK")
        locker.close()
        assert log.flush(timeout=5)
    assert len(log.rows()) == 21
    warnings = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(warnings) == 1 and "locked" in warnings[0].getMessage()
    assert not any(r.exc_info for r in caplog.records)
    assert log.health.failures >= 1 and log.health.problem == ""


def test_a_deleted_log_is_created_again(log: QuestionLog, tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    log.record_question(channel="telegram", text="قبل", reply=answered())
    assert log.flush()
    path.unlink()
    log.record_question(channel="telegram", text="بعد", reply=answered())
    assert log.flush()
    db = open_for_reading(path)
    assert [q.text for q in read_questions(db)] == ["بعد"]
    db.close()


def test_a_log_replaced_by_garbage_recovers_once_removed(
    log: QuestionLog, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "log.sqlite3"
    log.record_question(channel="telegram", text="قبل", reply=answered())
    assert log.flush()
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"this is not a database\n" * 500)
    garbage.replace(path)
    with caplog.at_level(logging.WARNING, logger="bot.store"):
        for n in range(5):
            log.record_question(channel="telegram", text=f"أثناء {n}", reply=answered())
        assert not log.flush(timeout=0.5)
        assert path.read_bytes().startswith(b"this is not")  # never overwritten
        path.unlink()
        assert log.flush(timeout=5)
    assert [q.text for q in log.rows()] == [f"أثناء {n}" for n in range(5)]
    damaged = [r for r in caplog.records if "damaged" in r.getMessage()]
    assert len(damaged) == 1


def test_a_log_that_cannot_be_opened_is_a_warning_not_a_stop(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    with caplog.at_level(logging.WARNING, logger="bot.store"):
        log = QuestionLog(folder, salt="s")
        start = time.perf_counter()
        assert log.record_question(channel="telegram", text="سؤال", reply=answered()) is not None
        assert time.perf_counter() - start < 0.2
    assert "unavailable" in caplog.text
    with pytest.raises(LogError):
        log.rows()
    log.close(timeout=0.2)


def test_report_reading_a_broken_file_says_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    path.write_bytes(b"garbage" * 1000)
    with pytest.raises(LogError, match="damaged or not SQLite") as info:
        open_for_reading(path)
    assert "\n" not in str(info.value)
    with pytest.raises(LogError, match="does not exist"):
        open_for_reading(tmp_path / "absent.sqlite3")


def test_an_old_log_is_upgraded_and_its_numbers_masked(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE questions (id INTEGER PRIMARY KEY, asked_at REAL NOT NULL,"
            " channel TEXT NOT NULL, text TEXT NOT NULL, status TEXT NOT NULL, entry_id TEXT,"
            " score REAL NOT NULL);"
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY, given_at REAL NOT NULL,"
            " question_id INTEGER, entry_id TEXT, helpful INTEGER NOT NULL);"
        )
        db.execute(
            "INSERT INTO questions (asked_at, channel, text, status, score)"
            " VALUES (?, 'telegram', 'اتصلوا بي 0612345678', 'no_match', 0)",
            (time.time(),),
        )
    log = QuestionLog(path, salt="s")
    [row] = log.rows()
    assert row.text == "اتصلوا بي ***"
    log.close()


def test_closed_log_records_nothing_and_raises_nothing(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "log.sqlite3", salt="s")
    log.close()
    assert log.record_question(channel="console", text="x", reply=answered()) is None
    log.record_feedback(entry_id="a", helpful=True, question_id=1, chat_id=1)
    log.close()  # twice is fine


def test_the_privacy_notice_is_a_text_of_the_knowledge_base() -> None:
    from bot.knowledge import load, parse
    from tests.conftest import REAL_KB

    assert "تحسين الأجوبة" in load(REAL_KB).texts["privacy_notice"]
    assert parse("entries:\n  - {id: a, question: س, answer: ج}\n").texts["privacy_notice"]


def test_a_number_at_the_cut_is_masked_whole(log: QuestionLog) -> None:
    text = "س" * (MAX_STORED_CHARS - 4) + " 0612345678"
    log.record_question(channel="telegram", text=text, reply=answered())
    [row] = log.rows()
    assert len(row.text) <= MAX_STORED_CHARS and not any(c.isdigit() for c in row.text)
