"""Staff in Telegram: /reload, /stats and a message when an edit is accepted or refused.

Only the chats listed in ADMIN_CHAT_IDS are staff. Anyone else who types
/reload or /stats gets what any unknown command gets.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.handlers.commands import help_command
from bot.handlers.render import split_text
from bot.handlers.services import services
from bot.stats import DAY, StatsError, period_stats, start_of_today

if TYPE_CHECKING:
    from bot.source import KnowledgeSource, SourceEvent

logger = logging.getLogger(__name__)

KEY = "admin"
ADMIN_COMMANDS = ("reload", "stats")
MAX_PROBLEM_LINES = 10  # a notice lists this many problems, then says how many more


@dataclass
class Admin:
    chat_ids: frozenset[int]
    source: KnowledgeSource | None = None
    db_path: Path | None = None


def configure_admin(
    application: Application,
    chat_ids: Iterable[int],
    *,
    source: KnowledgeSource | None = None,
    db_path: Path | None = None,
) -> None:
    """Who the admins are, the source /reload checks and the log /stats reads."""
    application.bot_data[KEY] = Admin(frozenset(chat_ids), source, db_path)


def _admin(context: ContextTypes.DEFAULT_TYPE) -> Admin | None:
    return context.application.bot_data.get(KEY)


def _fill(template: str, **values: Any) -> str:
    """The text with its {names} filled; a name staff mistyped stays as written."""
    return template.format_map(defaultdict(str, values)) if template else ""


def _problems(lines: tuple[str, ...]) -> str:
    shown = list(lines[:MAX_PROBLEM_LINES])
    if len(lines) > MAX_PROBLEM_LINES:
        shown.append(f"… (+{len(lines) - MAX_PROBLEM_LINES})")
    return "\n".join(shown)


def notice_text(event: SourceEvent, text: Callable[[str], str]) -> str | None:
    """What admins are told about a knowledge-base event (None: nothing to tell)."""
    from bot.source import ACCEPTED, FALLBACK, REFUSED, UNCHANGED

    key = {
        ACCEPTED: "admin_edit_accepted",
        REFUSED: "admin_edit_refused",
        FALLBACK: "admin_fallback",
        UNCHANGED: "admin_unchanged",
    }.get(event.kind)
    if key is None:
        return None
    return _fill(text(key), summary=event.summary, problems=_problems(event.problems))


async def admin_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload or /stats for staff; for anyone else, the reply to an unknown command."""
    admin = _admin(context)
    chat = update.effective_chat
    if admin is None or chat is None or chat.id not in admin.chat_ids:
        if chat is not None and chat.type == ChatType.PRIVATE:
            await help_command(update, context)
        return  # in a group an unknown command may be another bot's
    command = (update.effective_message.text or "").split()[0].lstrip("/").split("@")[0]
    if command == "reload":
        await _reload(update, context, admin)
    else:
        await _stats(update, context, admin)


async def _send(update: Update, text: str) -> None:
    for chunk in split_text(text):
        await update.effective_message.reply_text(chunk)


async def _reload(update: Update, context: ContextTypes.DEFAULT_TYPE, admin: Admin) -> None:
    svc = services(context)
    if admin.source is None:
        await _send(update, svc.text("error"))
        return
    event = await admin.source.reload()  # off the event loop; chats carry on meanwhile
    from bot.source import ACCEPTED, REFUSED

    if event.kind == ACCEPTED:
        text = _fill(svc.text("admin_reloaded"), summary=event.summary)
    else:
        text = notice_text(event, svc.text) or svc.text("error")
    if event.kind in (ACCEPTED, REFUSED):  # news for every admin, the one who asked included
        await tell_admins(context.application, text)
    else:
        await _send(update, text)


async def _stats(update: Update, context: ContextTypes.DEFAULT_TYPE, admin: Admin) -> None:
    svc = services(context)
    if admin.db_path is None:
        await _send(update, _fill(svc.text("admin_stats_unavailable"), error="no log"))
        return
    today = start_of_today()
    if svc.log is not None:  # the writer thread may still hold the last questions
        await asyncio.to_thread(svc.log.flush, 0.5)
    try:
        day, week = await asyncio.to_thread(
            lambda: (
                period_stats(admin.db_path, today),
                period_stats(admin.db_path, time.time() - 7 * DAY),
            )
        )
    except StatsError as exc:
        await _send(update, _fill(svc.text("admin_stats_unavailable"), error=str(exc)))
        return
    line = svc.text("admin_stats_line")
    text = _fill(
        svc.text("admin_stats"),
        today=_fill(line, **day.fields()),
        week=_fill(line, **week.fields()),
    )
    await _send(update, text)


# --- notices: edits accepted or refused, told to every admin chat ---------------


async def tell_admins(application: Application, text: str) -> None:
    admin: Admin | None = application.bot_data.get(KEY)
    if admin is None:
        return
    for chat_id in sorted(admin.chat_ids):
        try:
            for chunk in split_text(text):
                await application.bot.send_message(chat_id, chunk)
        except TelegramError as exc:  # the notice is also in the log; the chat id is not
            logger.warning("an admin notice was not delivered: %s", exc)


def start_notices(application: Application) -> None:
    """Subscribe the admins to the source's events (call from the running event loop)."""
    admin: Admin | None = application.bot_data.get(KEY)
    if admin is None or admin.source is None or not admin.chat_ids:
        return
    loop = asyncio.get_running_loop()
    from bot.handlers.services import KEY as SERVICES

    def on_event(event: SourceEvent) -> None:
        svc = application.bot_data.get(SERVICES)
        text = notice_text(event, svc.text if svc else (lambda _key: ""))
        if text:  # called from the watch thread: hand the sending to the event loop
            asyncio.run_coroutine_threadsafe(tell_admins(application, text), loop)

    admin.source.subscribe(on_event)
