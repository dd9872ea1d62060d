"""The question and feedback log (SQLite): what citizens asked, what the bot did.

Private by design: no user names, usernames or chat ids are stored, only the
question text, the decision and the time.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.dialogue import Reply

MAX_STORED_CHARS = 1000  # a question longer than this is cut: the log is for reading, not archiving

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    asked_at REAL NOT NULL,
    channel TEXT NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL,
    entry_id TEXT,
    score REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    given_at REAL NOT NULL,
    question_id INTEGER REFERENCES questions(id),
    entry_id TEXT,
    helpful INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_status ON questions(status);
"""


@dataclass(frozen=True)
class UnansweredQuestion:
    text: str
    times: int
    last_asked: float
    status: str


@dataclass(frozen=True)
class FeedbackTotal:
    entry_id: str
    helpful: int
    not_helpful: int


class QuestionLog:
    """Append-only log of questions and feedback; safe to share between threads."""

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        # WAL + NORMAL: a logged question costs microseconds, not a disk flush per reply
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def record_question(self, *, channel: str, text: str, reply: Reply) -> int:
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT INTO questions (asked_at, channel, text, status, entry_id, score)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    time.time(),
                    channel,
                    text[:MAX_STORED_CHARS],
                    reply.status,
                    reply.entry_id,
                    float(reply.score),
                ),
            )
            return int(cursor.lastrowid or 0)

    def record_feedback(
        self, *, entry_id: str | None, helpful: bool, question_id: int | None = None
    ) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO feedback (given_at, question_id, entry_id, helpful)"
                " VALUES (?, ?, ?, ?)",
                (time.time(), question_id, entry_id, int(helpful)),
            )

    def unanswered(self, *, limit: int = 50) -> list[UnansweredQuestion]:
        """Questions the bot did not answer (no_match or clarify), most asked first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT text, COUNT(*), MAX(asked_at), status FROM questions"
                " WHERE status IN ('no_match', 'clarify')"
                " GROUP BY text, status ORDER BY COUNT(*) DESC, MAX(asked_at) DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [UnansweredQuestion(*row) for row in rows]

    def feedback_totals(self) -> list[FeedbackTotal]:
        with self._lock:
            rows = self._db.execute(
                "SELECT COALESCE(entry_id, '?'), SUM(helpful), SUM(1 - helpful) FROM feedback"
                " GROUP BY entry_id ORDER BY SUM(1 - helpful) DESC, entry_id"
            ).fetchall()
        return [FeedbackTotal(*row) for row in rows]

    def status_counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT status, COUNT(*) FROM questions GROUP BY status")
            return dict(rows.fetchall())

    def questions(self) -> Iterator[tuple[str, str]]:
        """(text, status) of every logged question, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT text, status FROM questions ORDER BY id").fetchall()
        yield from rows

    def close(self) -> None:
        with self._lock:
            self._db.close()
