"""What every handler needs, kept in `application.bot_data` under one key."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telegram.ext import ContextTypes

from bot.handlers.ratelimit import RateLimiter

if TYPE_CHECKING:
    from bot.dialogue import Dialogue, Reply
    from bot.store import QuestionLog

logger = logging.getLogger(__name__)

KEY = "services"
CHANNEL = "telegram"
# Button presses are not messages: tapping through the topics must never trip the spam
# limit. Their own limit only stops a runaway client (two presses a second for 30 s).
PRESS_LIMIT, PRESS_WINDOW = 60, 30.0


def _press_limiter() -> RateLimiter:
    return RateLimiter(PRESS_LIMIT, PRESS_WINDOW)


@dataclass
class Services:
    dialogue: Dialogue
    log: QuestionLog
    limiter: RateLimiter  # typed messages
    press_limiter: RateLimiter = field(default_factory=_press_limiter)  # button presses

    def text(self, key: str, fallback: str = "…") -> str:
        """A KB text; never empty, since Telegram rejects an empty message."""
        return self.dialogue.text(key) or fallback

    # SQLite commits wait for the disk (an fsync, ~20 ms): off the event loop, so other chats
    # are not held up meanwhile.

    async def record_question(self, text: str, reply: Reply) -> int | None:
        """Keep the question for staff; a failing log must not cost the user the answer."""
        try:
            return await asyncio.to_thread(
                self.log.record_question, channel=CHANNEL, text=text, reply=reply
            )
        except Exception:
            logger.exception("could not record a question in the log")
            return None

    async def record_feedback(
        self, entry_id: str | None, helpful: bool, question_id: int | None
    ) -> None:
        try:
            await asyncio.to_thread(
                self.log.record_feedback,
                entry_id=entry_id,
                helpful=helpful,
                question_id=question_id,
            )
        except Exception:
            logger.exception("could not record feedback in the log")


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[KEY]
