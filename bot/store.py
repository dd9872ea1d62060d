"""The question and feedback log (SQLite): what citizens asked, what the bot did.

Private by design: no name, username or raw chat id is stored. A chat is known
only by a salted hash (the salt lives apart from the database, so a copy of the
log alone cannot be turned back into chat ids); digit runs that look like
phone, ID or card numbers are masked before anything is written; rows older
than the retention period are purged at start-up and by `python -m bot purge`.

Never in the way of a conversation: `record_*` only put a row on a queue and
return at once; one writer thread owns the database. A locked, deleted,
replaced or corrupted file delays nobody: the writer keeps the rows in memory
(up to a bound), says what is wrong in one log line, retries, reopens the file
when it was deleted or replaced, and says so when it recovers.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import re
import secrets
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.dialogue import Reply

logger = logging.getLogger(__name__)

MAX_STORED_CHARS = 1000  # a question longer than this is cut: the log is for reading, not archiving
DEFAULT_RETENTION_DAYS = 90.0
CHANNELS = ("telegram", "console", "ask")
MAX_PENDING = 10_000  # rows kept in memory while the file is unusable; the oldest go first
BUSY_TIMEOUT = 0.5  # seconds the writer waits on a lock before retrying later
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0)  # between attempts while the file is unusable
CHOICE_WINDOW = 30 * 60.0  # a button pressed this long after a "did you mean" resolves it
MEMORY = ":memory:"

# Six or more digits (Western or Arabic-Indic), maybe grouped by spaces, dots, dashes or
# slashes, maybe after a +: phone, card and account numbers. Years and amounts are shorter.
_LONG_NUMBER = re.compile(r"(?<!\d)\+?\d(?:[ .\-/]?\d){5,}(?!\d)")
# One or two Latin letters glued to four or more digits: a national ID card (CIN) number.
_ID_NUMBER = re.compile(r"(?<![A-Za-z])[A-Za-z]{1,2}\d{4,}(?!\d)")
MASK = "***"

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
"""
# Columns added since the first version; an older log gains them when opened.
_NEW_COLUMNS = {
    "questions": {
        "chat_hash": "TEXT",
        "normalized": "TEXT",
        "step": "TEXT",
        "suggested": "TEXT",  # entry ids offered (did you mean / related), comma-separated
        "chosen": "TEXT",  # after a "did you mean": the entry pressed, or "-" for none of these
    },
    "feedback": {"voter_hash": "TEXT"},
}
_INDEXES = """
CREATE INDEX IF NOT EXISTS questions_status ON questions(status);
CREATE INDEX IF NOT EXISTS questions_asked_at ON questions(asked_at);
CREATE INDEX IF NOT EXISTS questions_chat ON questions(chat_hash, asked_at);
CREATE UNIQUE INDEX IF NOT EXISTS feedback_one_vote ON feedback(voter_hash, entry_id);
"""


def mask_numbers(text: str) -> str:
    """The text with phone, ID and card numbers replaced by ***."""
    return _LONG_NUMBER.sub(MASK, _ID_NUMBER.sub(MASK, text))


def _normalized(text: str) -> str:
    from bot.arabic import normalize  # pure; imported late so the store loads without the core

    return normalize(text)


class LogError(Exception):
    """The log file cannot be read; str() says why in one line."""


def describe(exc: BaseException, path: Path | str) -> str:
    """One line saying what is wrong with the log file, for people."""
    message = str(exc).strip() or type(exc).__name__
    lowered = message.lower()
    if "not a database" in lowered or "malformed" in lowered:
        return f"{path}: not a readable question log (the file is damaged or not SQLite)"
    if "locked" in lowered or "busy" in lowered:
        return f"{path}: the question log is locked by another program; try again shortly"
    if isinstance(exc, PermissionError) or "readonly" in lowered or "permission" in lowered:
        return f"{path}: no permission to use the question log"
    if "unable to open" in lowered:
        return f"{path}: cannot open the question log (missing folder or no permission)"
    if "no such table" in lowered:
        return f"{path}: not a question log (it has no questions table)"
    return f"{path}: the question log failed: {message.splitlines()[0]}"


def load_or_create_salt(db_path: Path | str) -> str:
    """The salt for chat hashes, kept beside the database (created on first run)."""
    if str(db_path) == MEMORY:
        return secrets.token_hex(16)
    salt_path = Path(f"{db_path}.salt")
    try:
        existing = salt_path.read_text(encoding="ascii").strip()
        if existing:
            return existing
    except (OSError, UnicodeDecodeError):
        pass
    salt = secrets.token_hex(16)
    try:
        salt_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(salt_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(salt + "\n")
    except FileExistsError:  # another process created it meanwhile: use theirs
        return load_or_create_salt(db_path)
    except OSError as exc:
        logger.warning(
            "question log: cannot keep a salt at %s (%s); chat hashes will not match "
            "across restarts",
            salt_path,
            exc.strerror or exc,
        )
    return salt


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


@dataclass(frozen=True)
class LoggedQuestion:
    """One row of the log as the report reads it."""

    id: int
    asked_at: float
    channel: str
    text: str
    normalized: str
    status: str
    entry_id: str | None
    score: float
    step: str | None
    suggested: tuple[str, ...]
    chosen: str | None


@dataclass(frozen=True)
class Vote:
    entry_id: str
    helpful: bool
    given_at: float


@dataclass
class LogHealth:
    """What the writer has done since start: for the report, /stats and tests."""

    written: int = 0
    failures: int = 0  # failed attempts to write (each retry counts)
    dropped: int = 0  # rows lost: the memory bound was reached, or the log was closed
    ignored_votes: int = 0  # feedback naming no such question, or someone else's
    problem: str = ""  # what is wrong now, one line; "" when healthy


# --- the schema, on any connection ------------------------------------------------------------


def _prepare(db: sqlite3.Connection) -> None:
    """Create or upgrade the tables; mask the texts an older version kept as they came."""
    db.executescript(_SCHEMA)
    added: set[str] = set()
    for table, columns in _NEW_COLUMNS.items():
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns.items():
            if name not in have:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
                added.add(name)
    if "normalized" in added:
        rows = db.execute("SELECT id, text FROM questions").fetchall()
        db.executemany(
            "UPDATE questions SET text = ?, normalized = ? WHERE id = ?",
            [(mask_numbers(t), _normalized(mask_numbers(t)), i) for i, t in rows],
        )
    db.executescript(_INDEXES)
    db.commit()


def _purge(db: sqlite3.Connection, days: float, now: float | None = None) -> tuple[int, int]:
    cutoff = (time.time() if now is None else now) - days * 86400
    with db:
        votes = db.execute(
            "DELETE FROM feedback WHERE given_at < ?"
            " OR question_id IN (SELECT id FROM questions WHERE asked_at < ?)",
            (cutoff, cutoff),
        ).rowcount
        questions = db.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,)).rowcount
    return questions, votes


def open_for_reading(path: Path | str) -> sqlite3.Connection:
    """A connection to an existing log, for reports; LogError in one line if it is unusable."""
    if str(path) != MEMORY and not Path(path).is_file():
        what = "is a folder, not a file" if Path(path).is_dir() else "does not exist yet"
        raise LogError(f"{path}: the question log {what}")
    try:
        db = sqlite3.connect(str(path), timeout=2.0)
        _prepare(db)
    except (sqlite3.Error, OSError) as exc:
        raise LogError(describe(exc, path)) from None
    return db


def _row(raw: tuple[Any, ...]) -> LoggedQuestion:
    qid, asked_at, channel, text, normalized, status, entry_id, score, step, suggested, chosen = raw
    return LoggedQuestion(
        id=int(qid),
        asked_at=float(asked_at),
        channel=channel,
        text=text,
        normalized=normalized if normalized is not None else _normalized(text),
        status=status,
        entry_id=entry_id,
        score=float(score),
        step=step,
        suggested=tuple(s for s in (suggested or "").split(",") if s),
        chosen=chosen,
    )


def read_questions(
    db: sqlite3.Connection, *, since: float | None = None, channel: str | None = None
) -> list[LoggedQuestion]:
    """Logged questions, oldest first, from `since` (a time) and of one channel if given."""
    sql = (
        "SELECT id, asked_at, channel, text, normalized, status, entry_id, score, step,"
        " suggested, chosen FROM questions WHERE asked_at >= ?"
    )
    params: list[Any] = [since or 0.0]
    if channel:
        sql += " AND channel = ?"
        params.append(channel)
    try:
        rows = db.execute(sql + " ORDER BY asked_at, id", params).fetchall()
    except sqlite3.Error as exc:
        raise LogError(describe(exc, "question log")) from None
    return [_row(r) for r in rows]


def read_votes(
    db: sqlite3.Connection, *, since: float | None = None, channel: str | None = None
) -> list[Vote]:
    sql = (
        "SELECT f.entry_id, f.helpful, f.given_at FROM feedback f"
        " LEFT JOIN questions q ON q.id = f.question_id"
        " WHERE f.given_at >= ? AND f.entry_id IS NOT NULL"
    )
    params: list[Any] = [since or 0.0]
    if channel:
        sql += " AND COALESCE(q.channel, 'telegram') = ?"
        params.append(channel)
    try:
        rows = db.execute(sql, params).fetchall()
    except sqlite3.Error as exc:
        raise LogError(describe(exc, "question log")) from None
    return [Vote(e, bool(h), float(t)) for e, h, t in rows]


def purge_file(path: Path | str, days: float) -> tuple[int, int]:
    """Delete questions (and their votes) older than `days`; (questions, votes) removed."""
    db = open_for_reading(path)
    try:
        return _purge(db, days)
    except sqlite3.Error as exc:
        raise LogError(describe(exc, path)) from None
    finally:
        db.close()


# --- the log the bot writes to --------------------------------------------------------------


class QuestionLog:
    """The log a running bot writes to: `record_*` never block and never raise."""

    def __init__(
        self,
        path: Path | str,
        *,
        salt: str | None = None,
        retention_days: float | None = DEFAULT_RETENTION_DAYS,
    ) -> None:
        self.path = path if str(path) == MEMORY else Path(path)
        self.retention_days = retention_days
        self.health = LogHealth()
        self._salt = (salt or load_or_create_salt(path)).encode()
        self._db: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None
        self._db_lock = threading.Lock()  # the writer and the readers share one connection
        self._pending: deque[tuple[str, dict[str, Any]]] = deque()
        self._wake = threading.Condition()
        self._busy = False  # the writer holds a batch it has not written yet
        self._closing = False
        self._closed = False
        self._writer = threading.Thread(target=self._run, name="question-log", daemon=True)
        # Opened once now so that a bad file is known (and said) at start-up; the bot starts
        # and answers either way.
        with self._db_lock:
            self._ensure_open()
        self._writer.start()

    @classmethod
    def from_settings(cls, settings: Settings) -> QuestionLog:
        return cls(
            settings.db_path,
            salt=settings.log_salt or None,
            retention_days=settings.log_retention_days,
        )

    # -- what callers use ----------------------------------------------------------------

    def chat_hash(self, chat_id: int | str | None) -> str | None:
        """The salted hash a chat is known by in the log (never the id itself)."""
        if chat_id is None:
            return None
        return hmac.new(self._salt, str(chat_id).encode(), hashlib.sha256).hexdigest()[:24]

    def record_question(
        self, *, channel: str, text: str, reply: Reply, chat_id: int | str | None = None
    ) -> int | None:
        """Queue a question; its id (for the feedback buttons), or None once closed."""
        question_id = secrets.randbelow(2**47) + 1  # unguessable: a forged vote has to guess it
        decision = getattr(reply, "decision", None)
        step = decision.get("step") if isinstance(decision, dict) else None
        masked = mask_numbers(str(text))[:MAX_STORED_CHARS]  # masked first: no cut-off digits
        suggestions = getattr(reply, "suggestions", ()) or ()
        row = {
            "id": question_id,
            "asked_at": time.time(),
            "channel": channel,
            "chat_hash": self.chat_hash(chat_id),
            "text": masked,
            "normalized": _safe_normalized(masked),
            "status": str(reply.status),
            "entry_id": reply.entry_id,
            "score": float(reply.score),
            "step": None if step is None else str(step),
            "suggested": ",".join(str(s.entry_id) for s in suggestions) or None,
        }
        return question_id if self._put("question", row) else None

    def record_feedback(
        self,
        *,
        entry_id: str | None,
        helpful: bool,
        question_id: int | None = None,
        chat_id: int | str | None = None,
        voter_id: int | str | None = None,
    ) -> None:
        """Queue a 👍/👎 from `voter_id` in `chat_id`; one vote per voter and answer counts.

        Ignored when it names no logged question, or a question asked in another chat.
        """
        voter = voter_id if voter_id is not None else chat_id
        self._put(
            "feedback",
            {
                "given_at": time.time(),
                "question_id": question_id,
                "entry_id": entry_id,
                "owner_hash": self.chat_hash(chat_id),
                "voter_hash": self.chat_hash(voter),
                "helpful": int(bool(helpful)),
            },
        )

    def record_choice(
        self, *, channel: str, payload: str, chat_id: int | str | None = None
    ) -> None:
        """A pressed button: if it answers the chat's last "did you mean", note the choice."""
        kind, _, target = str(payload).partition(":")
        if kind == "e" and target:
            chosen = target
        elif kind == "n":
            chosen = "-"
        else:
            return
        self._put(
            "choice",
            {
                "at": time.time(),
                "channel": channel,
                "chat_hash": self.chat_hash(chat_id),
                "chosen": chosen,
            },
        )

    def flush(self, timeout: float = 2.0) -> bool:
        """Wait until every queued row is written; False if the file is still unusable."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while self._pending or self._busy:
                left = deadline - time.monotonic()
                if left <= 0 or not self._writer.is_alive():
                    return False
                self._wake.notify_all()
                self._wake.wait(min(left, 0.05))
        return True

    def purge(self, days: float | None = None) -> tuple[int, int]:
        """Delete rows older than `days` (default: the retention); (questions, votes) removed."""
        days = self.retention_days if days is None else days
        if not days:
            return 0, 0
        self.flush(0.2 if self.health.problem else 2.0)  # a broken file: do not wait long
        with self._db_lock:
            if not self._ensure_open():
                raise LogError(self.health.problem)
            try:
                return _purge(self._db, days)  # type: ignore[arg-type]
            except sqlite3.Error as exc:
                raise LogError(describe(exc, self.path)) from None

    def close(self, timeout: float = 2.0) -> None:
        """Write what is queued (within `timeout`), then stop the writer and close the file."""
        if self._closed:
            return
        self.flush(timeout)
        with self._wake:
            self._closing = True
            self._wake.notify_all()
        self._writer.join(timeout)
        with self._wake:
            self.health.dropped += len(self._pending)
            self._pending.clear()
            self._closed = True
        with self._db_lock:
            self._close_db()

    # -- reading, for the tests and in-process reports -------------------------------------

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        self.flush(0.2 if self.health.problem else 2.0)  # a broken file: do not wait long
        with self._db_lock:
            if not self._ensure_open():
                raise LogError(self.health.problem)
            try:
                return self._db.execute(sql, params).fetchall()  # type: ignore[union-attr]
            except sqlite3.Error as exc:
                raise LogError(describe(exc, self.path)) from None

    def unanswered(self, *, limit: int = 50) -> list[UnansweredQuestion]:
        """Questions the bot did not answer (no_match or unresolved clarify), most asked first."""
        rows = self._read(
            "SELECT text, COUNT(*), MAX(asked_at), status FROM questions"
            " WHERE status = 'no_match' OR (status = 'clarify' AND chosen IS NULL)"
            " GROUP BY text, status ORDER BY COUNT(*) DESC, MAX(asked_at) DESC LIMIT ?",
            (limit,),
        )
        return [UnansweredQuestion(*row) for row in rows]

    def feedback_totals(self) -> list[FeedbackTotal]:
        rows = self._read(
            "SELECT COALESCE(entry_id, '?'), SUM(helpful), SUM(1 - helpful) FROM feedback"
            " GROUP BY entry_id ORDER BY SUM(1 - helpful) DESC, entry_id"
        )
        return [FeedbackTotal(*row) for row in rows]

    def status_counts(self) -> dict[str, int]:
        return dict(self._read("SELECT status, COUNT(*) FROM questions GROUP BY status"))

    def questions(self) -> Iterator[tuple[str, str]]:
        """(text, status) of every logged question, oldest first."""
        yield from self._read("SELECT text, status FROM questions ORDER BY asked_at, id")

    def rows(self, *, since: float | None = None, channel: str | None = None):
        """Every logged question as LoggedQuestion, oldest first."""
        self.flush(0.2 if self.health.problem else 2.0)  # a broken file: do not wait long
        with self._db_lock:
            if not self._ensure_open():
                raise LogError(self.health.problem)
            return read_questions(self._db, since=since, channel=channel)  # type: ignore[arg-type]

    # -- the writer ------------------------------------------------------------------------

    def _put(self, kind: str, row: dict[str, Any]) -> bool:
        with self._wake:
            if self._closing or self._closed:
                return False
            if len(self._pending) >= MAX_PENDING:
                self._pending.popleft()
                self.health.dropped += 1
            self._pending.append((kind, row))
            self._wake.notify_all()
        return True

    def _run(self) -> None:
        attempt = 0
        while True:
            with self._wake:
                while not self._pending and not self._closing:
                    self._wake.wait()
                if not self._pending:  # closing, nothing left
                    return
                batch = list(self._pending)
                self._busy = True
            ok = self._write(batch)
            with self._wake:
                if ok:
                    for _ in batch:
                        self._pending.popleft()
                self._busy = False
                self._wake.notify_all()
                if ok:
                    attempt = 0
                    continue
                if self._closing:
                    return
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
                attempt += 1
                self._wake.wait(delay)  # a close() wakes it early

    def _write(self, batch: list[tuple[str, dict[str, Any]]]) -> bool:
        with self._db_lock:
            if not self._ensure_open():
                return False
            db = self._db
            assert db is not None
            try:
                with db:
                    for kind, row in batch:
                        if kind == "question":
                            db.execute(
                                "INSERT OR IGNORE INTO questions (id, asked_at, channel,"
                                " chat_hash, text, normalized, status, entry_id, score, step,"
                                " suggested) VALUES (:id, :asked_at, :channel, :chat_hash,"
                                " :text, :normalized, :status, :entry_id, :score, :step,"
                                " :suggested)",
                                row,
                            )
                        elif kind == "feedback":
                            self._write_vote(db, row)
                        else:
                            self._write_choice(db, row)
            except (sqlite3.Error, OSError) as exc:
                self._failed(exc)
                if not isinstance(exc, sqlite3.OperationalError) or "locked" not in str(exc):
                    self._close_db()  # damaged or replaced: open it afresh next time
                return False
        self.health.written += sum(kind == "question" for kind, _ in batch)
        if self.health.problem:
            logger.warning(
                "question log %s usable again (%d failed attempts, %d rows lost so far)",
                self.path,
                self.health.failures,
                self.health.dropped,
            )
            self.health.problem = ""
        return True

    def _write_vote(self, db: sqlite3.Connection, row: dict[str, Any]) -> None:
        owner = row["owner_hash"]
        found = None
        if owner is not None and row["question_id"] is not None:
            found = db.execute(
                "SELECT id, entry_id, chosen, status FROM questions WHERE id = ? AND chat_hash = ?",
                (row["question_id"], owner),
            ).fetchone()
        elif owner is not None and row["entry_id"]:
            # An answer reached by a button (a "did you mean" choice) carries no question id:
            # it rates the chat's latest question that led to this entry.
            found = db.execute(
                "SELECT id, entry_id, chosen, status FROM questions WHERE chat_hash = ?"
                " AND (entry_id = ? OR chosen = ?) AND asked_at >= ?"
                " ORDER BY asked_at DESC LIMIT 1",
                (owner, row["entry_id"], row["entry_id"], row["given_at"] - 86400),
            ).fetchone()
        rated = None
        if found is not None:
            _, entry_id, chosen, status = found
            rated = entry_id if status == "answered" else chosen
            if rated in (None, "-") or (row["entry_id"] and row["entry_id"] != rated):
                rated = None
        if rated is None:
            self.health.ignored_votes += 1
            return
        db.execute(
            "INSERT INTO feedback (given_at, question_id, entry_id, voter_hash, helpful)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (voter_hash, entry_id) DO UPDATE SET"
            " helpful = excluded.helpful, given_at = excluded.given_at,"
            " question_id = excluded.question_id",
            (row["given_at"], found[0], rated, row["voter_hash"], row["helpful"]),
        )

    def _write_choice(self, db: sqlite3.Connection, row: dict[str, Any]) -> None:
        last = db.execute(
            "SELECT id, status, suggested, chosen FROM questions WHERE chat_hash IS ?"
            " AND channel = ? AND asked_at >= ? ORDER BY asked_at DESC, rowid DESC LIMIT 1",
            (row["chat_hash"], row["channel"], row["at"] - CHOICE_WINDOW),
        ).fetchone()
        if last is None:
            return
        qid, status, suggested, chosen = last
        offered = (suggested or "").split(",")
        if status == "clarify" and chosen is None and (row["chosen"] in offered + ["-"]):
            db.execute("UPDATE questions SET chosen = ? WHERE id = ?", (row["chosen"], qid))

    def _failed(self, exc: BaseException) -> None:
        self.health.failures += 1
        problem = describe(exc, self.path)
        if problem != self.health.problem:  # one line per distinct problem, not per message
            logger.warning(
                "question log unavailable: %s; rows are kept in memory (up to %d) and written "
                "when it recovers",
                problem,
                MAX_PENDING,
            )
            self.health.problem = problem

    # -- the connection: opened late, reopened when the file changes --------------------------

    def _file_identity(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def _ensure_open(self) -> bool:
        """A usable connection, reopening the file if it was deleted or replaced."""
        if self._db is not None and self.path != MEMORY and self._file_identity() != self._identity:
            logger.warning("question log %s was deleted or replaced: opening it afresh", self.path)
            self._close_db()  # what we hold is a ghost: rows written to it would be lost
        if self._db is not None:
            return True
        try:
            if self.path != MEMORY:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT, check_same_thread=False)
            try:
                if self.path != MEMORY:
                    # A rollback journal, not WAL: WAL's side files outlive a deleted or
                    # replaced log and would graft the old pages onto the new file. The
                    # writer's fsync costs no one anything: it is off the reply path.
                    db.execute("PRAGMA journal_mode=DELETE")
                    db.execute("PRAGMA synchronous=NORMAL")
                _prepare(db)
                if self.retention_days:
                    _purge(db, self.retention_days)
            except BaseException:
                db.close()
                raise
        except (sqlite3.Error, OSError) as exc:
            self._failed(exc)
            return False
        self._db = db
        self._identity = None if self.path == MEMORY else self._file_identity()
        return True

    def _close_db(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None


def _safe_normalized(text: str) -> str:
    try:
        return _normalized(text)
    except Exception:  # normalization is for grouping in reports: never worth a lost question
        return text
