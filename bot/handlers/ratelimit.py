"""A per-user sliding-window rate limit: one polite warning, then silence."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Literal

Verdict = Literal["ok", "warn", "drop"]

PRUNE_EVERY = 1000  # checks between sweeps of users who went quiet


class RateLimiter:
    """At most `limit` updates per user in any `window` seconds; `limit <= 0` disables it.

    The first update over the limit is answered with a warning ("warn"), the
    rest are dropped in silence ("drop") until the window has room again.
    Dropped updates do not count, so a spammer who stops is heard again
    `window` seconds after their last accepted message.
    """

    def __init__(
        self, limit: int, window: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: set[int] = set()
        self._checks = 0

    def check(self, user_id: int) -> Verdict:
        if self.limit <= 0:
            return "ok"
        now = self._clock()
        self._checks += 1
        if self._checks % PRUNE_EVERY == 0:
            self._prune(now)
        times = self._seen.setdefault(user_id, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            self._warned.discard(user_id)
            return "ok"
        if user_id in self._warned:
            return "drop"
        self._warned.add(user_id)
        return "warn"

    def _prune(self, now: float) -> None:
        # Memory stays bounded by the users active within one window.
        for user_id in [u for u, t in self._seen.items() if not t or now - t[-1] >= self.window]:
            del self._seen[user_id]
            self._warned.discard(user_id)
