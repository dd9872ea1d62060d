"""Free-text questions (typed, edited, or a photo's caption), and everything that is not text."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.render import send_reply
from bot.handlers.services import services
from bot.language import note_key


def strip_mention(text: str, username: str | None) -> str:
    """Remove "@our_bot" from a group message so it does not disturb matching."""
    if not username:
        return text.strip()
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a typed question (or small talk); unanswered ones stay in the log for staff.

    An edited message gets a fresh answer; a photo's caption is read as the question.
    """
    message = update.effective_message
    svc = services(context)
    raw = message.text if message.text is not None else message.caption or ""
    text = strip_mention(raw, context.bot.username)
    if not text:  # only "@our_bot" in a group: show how to ask
        await send_reply(message.reply_text, svc.dialogue.help(), svc)
        return
    reply = svc.dialogue.reply(text)
    question_id = await svc.record_question(text, reply, chat_id=message.chat_id)
    key = note_key(text, reply.status)
    note = svc.text(key, "") if key else ""
    await send_reply(message.reply_text, reply, svc, question_id=question_id, note=note)


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say politely that the bot reads only text (photos, voice, stickers, files, places)."""
    await update.effective_message.reply_text(services(context).text("non_text"))
