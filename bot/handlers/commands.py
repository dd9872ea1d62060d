"""The /start, /help and /topics commands."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.render import send_reply
from bot.handlers.services import services


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome the user: what the bot answers, its source, and the topic buttons."""
    svc = services(context)
    await send_reply(update.effective_message.reply_text, svc.dialogue.welcome(), svc)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain how to ask, with examples."""
    svc = services(context)
    await send_reply(update.effective_message.reply_text, svc.dialogue.help(), svc)


async def topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the categories as buttons."""
    svc = services(context)
    await send_reply(update.effective_message.reply_text, svc.dialogue.topics(), svc)
