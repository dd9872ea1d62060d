"""The first look at every update: is it meant for the bot, and is the sender within limits?"""

from __future__ import annotations

import logging

from telegram import Bot, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.handlers.services import services

logger = logging.getLogger(__name__)


def addressed_to_bot(message: Message, bot: Bot) -> bool:
    """True in a private chat; in a group only for our commands, mentions and replies to us."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    username = (bot.username or "").lower()
    for entities in (message.parse_entities(), message.parse_caption_entities()):
        for entity, text in entities.items():
            if entity.type == MessageEntity.MENTION and text[1:].lower() == username:
                return True
            if (
                entity.type == MessageEntity.TEXT_MENTION
                and entity.user is not None
                and entity.user.id == bot.id
            ):
                return True
            if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
                # "/help" reaches every bot in the group; "/help@other_bot" is not ours.
                _, _, target = text.partition("@")
                if not target or target.lower() == username:
                    return True
    return False


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop updates not meant for the bot, and throttle a user who floods it.

    Typed (or edited) messages count against the spam limit; button presses have
    their own generous one, and every press gets its callback answered, also when
    throttled, so no spinner is left turning.
    """
    message = update.message or update.edited_message
    if message is not None and not addressed_to_bot(message, context.bot):
        raise ApplicationHandlerStop
    user = update.effective_user
    if user is None:
        return
    svc = services(context)
    query = update.callback_query
    limiter = svc.press_limiter if query is not None else svc.limiter
    verdict = limiter.check(user.id)
    if verdict == "ok":
        return
    try:
        if query is not None:
            await query.answer(svc.text("rate_limited") if verdict == "warn" else None)
        elif verdict == "warn" and message is not None:
            await message.reply_text(svc.text("rate_limited"))
    except TelegramError as exc:
        logger.warning("update %s: rate-limit notice not sent: %s", update.update_id, exc)
    # Whatever happened to the notice, a throttled update goes no further.
    raise ApplicationHandlerStop
