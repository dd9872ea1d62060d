"""The one error handler."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.handlers.services import services

logger = logging.getLogger(__name__)


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error with its update id; apologise to the user when the fault was ours."""
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    if isinstance(error, TelegramError):
        # Blocked by the user, network down, timeout, flood control after retries: Telegram's
        # side, expected in production. One line is enough; the bot carries on.
        logger.warning(
            "update %s: Telegram request failed: %s: %s", update_id, type(error).__name__, error
        )
        return
    logger.error("update %s: unhandled error in a handler", update_id, exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            apology = services(context).text("error")
            await context.bot.send_message(update.effective_chat.id, apology)
        except Exception as exc:  # an apology that fails is only logged
            logger.warning("update %s: apology not sent: %s", update_id, exc)
