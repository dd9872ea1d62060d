"""Inline button presses: topic navigation, the guide, chosen questions, and 👍 / 👎 feedback."""

from __future__ import annotations

import functools
import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.bidi import strip_marks
from bot.guide import Guide, is_guide
from bot.handlers.render import (
    NOOP_PAYLOAD,
    compose,
    keyboard,
    parse_feedback,
    send_reply,
    split_text,
    thanked,
)
from bot.handlers.services import Services, services
from bot.related import after_thumbs_down
from bot.views import with_back

logger = logging.getLogger(__name__)

CATEGORY_PREFIX = "c:"  # the dialogue's "list this category's questions"
ENTRY_PREFIX = "e:"  # the dialogue's "answer this entry"
TOPICS_PREFIX = "t:"


async def _answer_query(query: CallbackQuery, text: str | None = None) -> None:
    # A query older than ~15 minutes can no longer be answered; that must not block the reply.
    try:
        await query.answer(text)
    except BadRequest as exc:
        logger.info("callback query not answered: %s", exc)


def _menu_texts(svc: Services) -> frozenset[str]:
    """The texts of the bot's own menus (topics, a category, the guide's screens)."""
    kb = svc.dialogue.kb
    texts = {svc.text("topics"), *kb.categories.values(), *Guide(kb).screens()}
    return frozenset(strip_marks(t).strip() for t in texts)


def _is_menu(message: Message, svc: Services) -> bool:
    """A menu may be replaced in place; the welcome and the answers stay as sent."""
    return strip_marks(message.text or "").strip() in _menu_texts(svc)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle a button press: browse a menu in place, or send the chosen answer anew."""
    query = update.callback_query
    svc = services(context)
    payload = query.data if isinstance(query.data, str) else ""
    if payload == NOOP_PAYLOAD:  # a title or a thanks: nothing to do but stop the spinner
        await _answer_query(query)
        return
    feedback = parse_feedback(payload)
    if feedback is not None:
        await _feedback(query, feedback, svc, context)
        return
    reply = (
        Guide(svc.dialogue.kb).press(payload) if is_guide(payload) else svc.dialogue.press(payload)
    )
    chat = query.message.chat.id if query.message else query.from_user.id
    svc.record_choice(payload, chat)  # did a "did you mean" get its answer?
    await _answer_query(query)  # stop the button's spinner before anything slower
    message = query.message
    if message is None:  # a button under an inline-mode message: nowhere to write
        return
    browsing = (
        payload.startswith((CATEGORY_PREFIX, TOPICS_PREFIX)) or is_guide(payload)
    ) and reply.status == "info"
    if payload.startswith(CATEGORY_PREFIX) and any(
        b.payload.startswith(ENTRY_PREFIX) for b in reply.buttons
    ):
        reply = with_back(reply, svc.dialogue)
    if browsing and isinstance(message, Message) and _is_menu(message, svc):
        # Within a menu, topics ⇄ a category (or the guide's steps) replace each other
        # instead of piling up menus; the welcome and the answers are never overwritten.
        text = compose(reply, svc)
        markup = keyboard(reply, svc)
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
    query: CallbackQuery,
    feedback: tuple[bool, int | None, str | None],
    svc: Services,
    context: ContextTypes.DEFAULT_TYPE,
) -> None:
    """Record 👍 / 👎, put the thanks where the buttons were; after 👎, offer what is near."""
    helpful, question_id, entry_id = feedback
    thanks = svc.text("feedback_thanks")
    await _answer_query(query, thanks)  # thank first: the disk is slower
    # Only the chat the answer went to may rate it; one vote per person and answer.
    chat = query.message.chat.id if query.message else query.from_user.id
    await svc.record_feedback(entry_id, helpful, question_id, chat, query.from_user.id)
    message = query.message
    if isinstance(message, Message) and message.reply_markup is not None:
        try:
            await query.edit_message_reply_markup(thanked(message.reply_markup, thanks))
        except BadRequest as exc:
            logger.info("feedback buttons not replaced: %s", exc)
    if not helpful and message is not None:
        send = functools.partial(context.bot.send_message, message.chat.id)
        await send_reply(send, after_thumbs_down(svc.dialogue.kb, entry_id), svc)
