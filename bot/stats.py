"""Read-only figures from the question log for a period: what /stats shows admins.

Kept apart from `bot.store` (which writes the log): it opens the database
read-only, with a short timeout, so it can neither change nor hold up the log.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

DAY = 24 * 3600
READ_TIMEOUT = 2.0  # seconds to wait for a lock held by the writer


class StatsError(Exception):
    """The log cannot be read; str() says why in one line."""


@dataclass(frozen=True)
class PeriodStats:
    statuses: dict[str, int]  # status -> questions
    helpful: int = 0
    not_helpful: int = 0

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    def fields(self) -> dict[str, int]:
        """The figures by name, for a text template."""
        named = {s: self.statuses.get(s, 0) for s in ("answered", "clarify", "no_match")}
        return {
            **named,
            "smalltalk": self.statuses.get("smalltalk", 0),
            "total": self.total,
            "helpful": self.helpful,
            "not_helpful": self.not_helpful,
        }


def start_of_today(now: float | None = None) -> float:
    """Local midnight, as a timestamp."""
    local = time.localtime(now if now is not None else time.time())
    return time.mktime((local.tm_year, local.tm_mon, local.tm_mday, 0, 0, 0, 0, 0, -1))


def period_stats(db_path: Path | str, since: float) -> PeriodStats:
    """Questions by status and votes given since `since` (a timestamp)."""
    path = Path(db_path)
    if str(db_path) != ":memory:" and not path.exists():
        return PeriodStats({})  # nothing logged yet
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=READ_TIMEOUT)
    except sqlite3.Error as exc:
        raise StatsError(f"{path}: {exc}") from None
    try:
        rows = db.execute(
            "SELECT status, COUNT(*) FROM questions WHERE asked_at >= ? GROUP BY status",
            (since,),
        ).fetchall()
        votes = db.execute(
            "SELECT COALESCE(SUM(helpful), 0), COALESCE(SUM(1 - helpful), 0) FROM feedback"
            " WHERE given_at >= ?",
            (since,),
        ).fetchone()
    except sqlite3.Error as exc:
        raise StatsError(f"{path}: {exc}") from None
    finally:
        db.close()
    return PeriodStats(dict(rows), int(votes[0]), int(votes[1]))
