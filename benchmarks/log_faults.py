"""The question log under faults: what a reply pays to log its question, and what is lost.

Usage: python benchmarks/log_faults.py [--messages N] [--lock SECONDS]
One log in a temporary folder; N questions are logged (20 a second) in each phase:
healthy; the file locked by another process (an exclusive transaction held for
--lock seconds); the file deleted; the file replaced by garbage (then removed). For
each phase: the slowest and median time `record_question` took on the reply path, the
rows that reached the file, and the failures the writer counted and logged.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.dialogue import Reply  # noqa: E402
from bot.store import QuestionLog, open_for_reading, read_questions  # noqa: E402


class Counting(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.lines += 1


def ask(log: QuestionLog, n: int, label: str) -> list[float]:
    took = []
    for i in range(n):
        started = time.perf_counter()
        log.record_question(
            channel="telegram", text=f"{label} {i}", reply=Reply("no_match", "…"), chat_id=i
        )
        took.append(time.perf_counter() - started)
        time.sleep(0.05)
    return took


def stored(path: Path, label: str) -> int:
    db = open_for_reading(path)
    try:
        return sum(1 for q in read_questions(db) if q.text.startswith(f"{label} "))
    finally:
        db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--lock", type=float, default=3.0)
    args = parser.parse_args()
    counter = Counting()
    logging.getLogger("bot.store").addHandler(counter)
    logging.getLogger("bot.store").propagate = False
    folder = Path(tempfile.mkdtemp())
    path = folder / "log.sqlite3"
    log = QuestionLog(path, salt="bench")
    rows = []

    def phase(label: str, fault=None, after=None) -> None:
        before_lines = counter.lines
        if fault:
            fault()
        took = ask(log, args.messages, label)
        if after:
            after()
        ok = log.flush(timeout=10)
        rows.append(
            (
                label,
                max(took) * 1000,
                statistics.median(took) * 1000,
                stored(path, label) if ok else -1,
                counter.lines - before_lines,
            )
        )

    phase("healthy")

    locker: list[sqlite3.Connection] = []

    def lock() -> None:
        con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        con.execute("BEGIN EXCLUSIVE")
        locker.append(con)
        threading.Timer(args.lock, lambda: (con.execute("ROLLBACK"), con.close())).start()

    phase("locked", lock)
    phase("deleted", lambda: path.unlink())
    garbage = folder / "garbage"

    def replace() -> None:
        garbage.write_bytes(b"not a database\n" * 1000)
        garbage.replace(path)

    phase("garbage", replace, after=lambda: path.unlink())
    log.close()
    print(f"{args.messages} questions per phase, 20 a second; lock held {args.lock:g} s")
    print(f"{'phase':<9} {'slowest ms':>10} {'median ms':>10} {'stored':>7} {'log lines':>9}")
    for label, slowest, median, count, lines in rows:
        print(f"{label:<9} {slowest:>10.2f} {median:>10.3f} {count:>7} {lines:>9}")
    print(f"writer: {log.health.failures} failed attempts, {log.health.dropped} rows lost")
    return 0


if __name__ == "__main__":
    sys.exit(main())
