"""What every handler needs, kept in `application.bot_data` under one key."""

from __future__ import annotations

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

    # The log only queues rows (its own thread writes them): nothing here waits for a disk.

    async def record_question(
        self, text: str, reply: Reply, chat_id: int | None = None
    ) -> int | None:
        """Keep the question for staff; a failing log must not cost the user the answer."""
        try:
            return self.log.record_question(
                channel=CHANNEL, text=text, reply=reply, chat_id=chat_id
            )
        except Exception:
            logger.exception("could not record a question in the log")
            return None

    async def record_feedback(
        self,
        entry_id: str | None,
        helpful: bool,
        question_id: int | None,
        chat_id: int | None = None,
        voter_id: int | None = None,
    ) -> None:
        try:
            self.log.record_feedback(
                entry_id=entry_id,
                helpful=helpful,
                question_id=question_id,
                chat_id=chat_id,
                voter_id=voter_id,
            )
        except Exception:
            logger.exception("could not record feedback in the log")

    def record_choice(self, payload: str, chat_id: int | None) -> None:
        """A pressed button, so the report knows whether a "did you mean" was resolved."""
        try:
            self.log.record_choice(channel=CHANNEL, payload=payload, chat_id=chat_id)
        except Exception:
            logger.exception("could not record a choice in the log")


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[KEY]
