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
    where = f"update {update_id}" if update_id is not None else "polling"
    error = context.error
    if isinstance(error, TelegramError):
        # Blocked by the user, network down, timeout, flood control after retries: Telegram's
        # side, expected in production. One line is enough; the bot carries on.
        kind, message = type(error).__name__, str(error)
        detail = message if message.startswith(kind) else f"{kind}: {message}"
        logger.warning("%s: Telegram request failed: %s", where, detail)
        return
    logger.error("%s: unhandled error in a handler", where, exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            apology = services(context).text("error")
            await context.bot.send_message(update.effective_chat.id, apology)
        except Exception as exc:  # an apology that fails is only logged
            logger.warning("%s: apology not sent: %s", where, exc)
