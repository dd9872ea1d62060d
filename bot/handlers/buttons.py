"""Inline button presses: topic navigation, chosen questions, and 👍 / 👎 feedback."""

from __future__ import annotations

import functools
import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.handlers.render import (
    BACK_PAYLOAD,
    compose,
    keyboard,
    parse_feedback,
    send_reply,
    split_text,
    without_feedback,
)
from bot.handlers.services import Services, services

logger = logging.getLogger(__name__)

CATEGORY_PREFIX = "c:"  # the dialogue's "list this category's questions"
ENTRY_PREFIX = "e:"  # the dialogue's "answer this entry"


async def _answer_query(query: CallbackQuery, text: str | None = None) -> None:
    # A query older than ~15 minutes can no longer be answered; that must not block the reply.
    try:
        await query.answer(text)
    except BadRequest as exc:
        logger.info("callback query not answered: %s", exc)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle a button press: browse the menu in place, or send the chosen answer."""
    query = update.callback_query
    svc = services(context)
    payload = query.data if isinstance(query.data, str) else ""
    feedback = parse_feedback(payload)
    if feedback is not None:
        await _feedback(query, feedback, svc)
        return
    reply = svc.dialogue.press(payload)
    chat = query.message.chat.id if query.message else query.from_user.id
    svc.record_choice(payload, chat)  # did a "did you mean" get its answer?
    await _answer_query(query)  # stop the button's spinner before anything slower
    message = query.message
    if message is None:  # a button under an inline-mode message: nowhere to write
        return
    text = compose(reply, svc)
    browsing = payload.startswith(CATEGORY_PREFIX) or payload == BACK_PAYLOAD
    if browsing and reply.status == "info" and isinstance(message, Message):
        # Topics ⇄ a category's questions replace the menu instead of piling up menus.
        questions = any(b.payload.startswith(ENTRY_PREFIX) for b in reply.buttons)
        markup = keyboard(reply, back=payload.startswith(CATEGORY_PREFIX) and questions)
        if len(split_text(text)) == 1 and await _edit(query, text, markup):
            return
    send = functools.partial(context.bot.send_message, message.chat.id)
    await send_reply(send, reply, svc)


async def _edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> bool:
    """Replace the menu's text and buttons; False if it must be sent anew instead."""
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" in str(exc).lower():  # the same menu pressed twice
            return True
        logger.info("menu not edited, sending it anew: %s", exc)
        return False
    return True


async def _feedback(
    query: CallbackQuery, feedback: tuple[bool, int | None, str | None], svc: Services
) -> None:
    """Record 👍 / 👎, thank the user, and take the feedback buttons away."""
    helpful, question_id, entry_id = feedback
    await _answer_query(query, svc.text("feedback_thanks"))  # thank first: the disk is slower
    # Only the chat the answer went to may rate it; one vote per person and answer.
    chat = query.message.chat.id if query.message else query.from_user.id
    await svc.record_feedback(entry_id, helpful, question_id, chat, query.from_user.id)
    message = query.message
    if isinstance(message, Message) and message.reply_markup is not None:
        try:
            await query.edit_message_reply_markup(without_feedback(message.reply_markup))
        except BadRequest as exc:
            logger.info("feedback buttons not removed: %s", exc)
