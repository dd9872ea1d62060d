"""Inline button presses: topic navigation, chosen questions, and 👍 / 👎 feedback."""

from __future__ import annotations

import functools
import logging

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.handlers.render import (
    compose,
    keyboard,
    parse_feedback,
    send_reply,
    split_text,
    without_feedback,
)
from bot.handlers.services import Services, services

logger = logging.getLogger(__name__)


async def _answer_query(query: CallbackQuery, text: str | None = None) -> None:
    # A query older than ~15 minutes can no longer be answered; that must not block the reply.
    try:
        await query.answer(text)
    except BadRequest as exc:
        logger.info("callback query not answered: %s", exc)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle a button press: edit the menu in place, or send the chosen answer."""
    query = update.callback_query
    svc = services(context)
    payload = query.data if isinstance(query.data, str) else ""
    if parse_feedback(payload) is not None:
        await _feedback(query, payload, svc)
        return
    reply = svc.dialogue.press(payload)
    await _answer_query(query)  # stop the button's spinner before anything slower
    message = query.message
    if message is None:  # a button under an inline-mode message: nowhere to write
        return
    text = compose(reply, svc)
    if reply.status == "info" and isinstance(message, Message) and len(split_text(text)) == 1:
        # Browsing topics → categories → questions replaces the menu instead of piling up menus.
        try:
            await query.edit_message_text(text, reply_markup=keyboard(reply))
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():  # the same menu pressed twice
                return
            logger.info("menu not edited, sending it anew: %s", exc)
    send = functools.partial(context.bot.send_message, message.chat.id)
    await send_reply(send, reply, svc)


async def _feedback(query: CallbackQuery, payload: str, svc: Services) -> None:
    """Record 👍 / 👎, thank the user, and take the feedback buttons away."""
    parsed = parse_feedback(payload)
    assert parsed is not None
    helpful, question_id, entry_id = parsed
    svc.record_feedback(entry_id, helpful, question_id)
    await _answer_query(query, svc.text("feedback_thanks"))
    message = query.message
    if isinstance(message, Message) and message.reply_markup is not None:
        try:
            await query.edit_message_reply_markup(without_feedback(message.reply_markup))
        except BadRequest as exc:
            logger.info("feedback buttons not removed: %s", exc)
