"""Thin Telegram callbacks over the dialogue core: commands, messages, buttons, errors."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.handlers.admin import ADMIN_COMMANDS, admin_command
from bot.handlers.buttons import button
from bot.handlers.commands import benefit, help_command, start, topics
from bot.handlers.errors import error_handler
from bot.handlers.gate import gate
from bot.handlers.messages import non_text, question
from bot.handlers.services import KEY, Services

# What a citizen may send besides text: each gets "I can only read text".
NON_TEXT = (
    filters.PHOTO
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.Sticker.ALL
    | filters.Document.ALL
    | filters.LOCATION
    | filters.VENUE
    | filters.CONTACT
    | filters.POLL
    | filters.Dice.ALL
)

COMMANDS = {  # command → description in the menu (setMyCommands)
    "start": "البداية: ما يجيب عنه البوت ومصدر معلوماته",
    "benefit": "هل يمكنني الاستفادة؟ الخدمات حسب الحالة",
    "topics": "تصفح المواضيع والأسئلة",
    "help": "كيف أطرح سؤالي، مع أمثلة",
}


def register_handlers(application: Application, services: Services) -> None:
    """Attach the services and every handler, in one place."""
    application.bot_data[KEY] = services
    # Group -1 runs first: it drops group chatter not addressed to us and throttles floods.
    application.add_handler(TypeHandler(Update, gate), group=-1)
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", help_command))
    application.add_handler(CommandHandler("topics", topics))
    application.add_handler(CommandHandler("benefit", benefit))
    # A typed question, an edited one (a fresh answer), or a photo's caption.
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGES & filters.TEXT & ~filters.COMMAND, question)
    )
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.PHOTO & filters.CAPTION, question)
    )
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & NON_TEXT, non_text))
    application.add_handler(CallbackQueryHandler(button))
    # Staff commands: admins only, checked inside; before the unknown-command reply below.
    application.add_handler(CommandHandler(ADMIN_COMMANDS, admin_command))
    # An unknown command in a private chat gets the help; in a group it may be another bot's.
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.COMMAND & filters.ChatType.PRIVATE, help_command
        )
    )
    application.add_error_handler(error_handler)


__all__ = ["COMMANDS", "NON_TEXT", "Services", "register_handlers"]
