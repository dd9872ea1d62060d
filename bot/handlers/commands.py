"""The /start (with deep links), /help, /topics and /benefit commands."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.guide import Guide
from bot.handlers.render import send_reply
from bot.handlers.services import services
from bot.views import deep_link, welcome


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome the user; `/start TOPIC` (t.me/<bot>?start=TOPIC) opens a topic or an entry."""
    svc = services(context)
    send = update.effective_message.reply_text
    target = context.args[0] if context.args else ""
    reply = deep_link(svc.dialogue, target) if target else None
    await send_reply(send, reply or welcome(svc.dialogue), svc)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain how to ask, with examples."""
    svc = services(context)
    await send_reply(update.effective_message.reply_text, svc.dialogue.help(), svc)


async def topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the categories as buttons."""
    svc = services(context)
    await send_reply(update.effective_message.reply_text, svc.dialogue.topics(), svc)


async def benefit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Start the eligibility guide: who is it for?"""
    svc = services(context)
    await send_reply(update.effective_message.reply_text, Guide(svc.dialogue.kb).start(), svc)
