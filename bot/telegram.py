"""The Telegram adapter: builds the python-telegram-bot Application and runs it.

`python -m bot telegram` (long polling) or `python -m bot telegram --webhook`.
The callbacks live in `bot.handlers`; this module wires them to the dialogue
core, the question log and the Bot API, and keeps the token out of the logs.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    Defaults,
)
from telegram.request import BaseRequest

from bot.config import Settings
from bot.delivery import note_send_started
from bot.handlers import COMMANDS, Services, register_handlers
from bot.handlers.admin import configure_admin, start_notices
from bot.handlers.ratelimit import RateLimiter
from bot.handlers.services import KEY as SERVICES_KEY

if TYPE_CHECKING:
    from bot.dialogue import Dialogue
    from bot.source import KnowledgeSource
    from bot.store import QuestionLog

logger = logging.getLogger(__name__)

# "123456789:AAE…": the bot id, a colon, then the secret (35 characters from BotFather).
TOKEN_PATTERN = re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{20,100}$")
# Telegram allows 1-256 characters A-Z, a-z, 0-9, _ and - in a webhook secret token.
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# An edited question gets a fresh answer; channels, polls: not ours.
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
MAX_CONCURRENT_UPDATES = 256
FLOOD_RETRIES = 3  # a 429 is waited out (retry_after) this many times before giving up
BOOTSTRAP_RETRIES = 3  # getMe / setWebhook / deleteWebhook at start-up, one second apart
LISTEN_ENV = "TELEGRAM_WEBHOOK_LISTEN"  # webhook listen address; 0.0.0.0 unless set
REDACTED = "<TOKEN>"
MAX_DESCRIPTION, MAX_SHORT_DESCRIPTION = 512, 120  # Telegram's limits, in characters
# "scheme://user:password@host": the password part of any URL in a log line
URL_CREDENTIALS = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):[^@\s/]*@")
ANSWERED_FILE = "telegram-answered-updates.txt"  # in the state folder, next to the log
PENDING_FILE = "telegram-pending-updates.json"  # webhook updates a shutdown cut off


# --- start-up checks --------------------------------------------------------


def token_problem(token: str) -> str | None:
    """One line saying what is wrong with the token, or None. Never repeats the token."""
    if not token:
        return (
            "error: TELEGRAM_BOT_TOKEN is not set; create a bot with @BotFather and export "
            "its token, e.g. TELEGRAM_BOT_TOKEN=123456789:AAE..."
        )
    if not TOKEN_PATTERN.fullmatch(token):
        return (
            "error: TELEGRAM_BOT_TOKEN is malformed; expected digits, a colon and the secret "
            "from @BotFather (like 123456789:AAE...)"
        )
    return None


def webhook_problem(settings: Settings) -> str | None:
    """One line saying what webhook mode is missing, or None."""
    url = urlsplit(settings.webhook_url)
    if not settings.webhook_url or url.scheme not in ("https", "http") or not url.netloc:
        return "error: --webhook needs TELEGRAM_WEBHOOK_URL, the public https:// URL of the bot"
    if not SECRET_PATTERN.fullmatch(settings.webhook_secret):
        return (
            "error: --webhook needs TELEGRAM_WEBHOOK_SECRET: 1 to 256 characters among "
            "A-Z, a-z, 0-9, _ and -"
        )
    if not 0 < settings.port < 65536:
        return "error: PORT must be between 1 and 65535"
    return None


# --- logging: the token never reaches a log line -----------------------------


class RedactFilter(logging.Filter):
    """Replaces secrets in a record's message and traceback before any handler formats it."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def _redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return mask_url_credentials(text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is logging's to report, not ours
            return True
        record.msg, record.args = self._redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True


class QuietStartupFailures(logging.Filter):
    """Start-up failures are `run`'s to report, in one line: no tracebacks for them here.

    python-telegram-bot logs a rejected token with a traceback whose message quotes
    the token (dropped), and an unreachable API with a long httpx traceback (cut to
    its first line).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, InvalidToken):
            return False
        if isinstance(error, TelegramError) and "Network Retry Loop" in record.getMessage():
            record.msg = f"{record.getMessage()} ({type(error).__name__}: {error})"
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


def mask_url_credentials(text: str) -> str:
    """Every `scheme://user:password@` in the text with the password masked."""
    return URL_CREDENTIALS.sub(r"\g<head>:<PASSWORD>@", text)


def url_secrets(*urls: str) -> list[str]:
    """The passwords written into URLs, as secrets for the log filter.

    Short ones are left to the URL pattern alone: replacing "abc" everywhere
    would garble the log.
    """
    found = []
    for url in urls:
        password = urlsplit(url).password
        if password and len(password) >= 6:
            found += {password, unquote(password)}
    return found


def configure_logging(*secrets: str) -> None:
    """INFO to stderr unless the CLI set logging up; secrets redacted in every handler."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    # httpx logs every request URL at INFO, and the URL holds the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    quiet, redact = QuietStartupFailures(), RedactFilter(list(secrets))
    for handler in root.handlers:
        handler.addFilter(quiet)
        handler.addFilter(redact)  # last: it sees the final text


# --- concurrency: chats in parallel, each chat in order ----------------------


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Processes updates of different chats concurrently and those of one chat in order.

    Two quick messages from one user get their answers in the order asked;
    a slow send to one chat never holds up another.
    """

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        key = chat.id
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # forget idle chats: memory stays bounded
                del self._waiting[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""


# --- the application ---------------------------------------------------------

# Requests that deliver something to a user: once one has left, the update counts as answered.
REPLY_METHODS = frozenset(
    {"sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery"}
)


class ReplyAwareRateLimiter(AIORateLimiter):
    """AIORateLimiter that tells `bot.delivery` when a reply actually goes out."""

    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if endpoint in REPLY_METHODS:
            send = callback

            async def callback(*a: Any, **kw: Any) -> Any:  # after throttling, before HTTP
                note_send_started()
                return await send(*a, **kw)

        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


def file_url(api_url: str) -> str:
    """The file download URL that goes with an API URL (…/bot → …/file/bot)."""
    if api_url.endswith("/bot"):
        return api_url[: -len("bot")] + "file/bot"
    return api_url.rstrip("/") + "/file/bot"


async def set_commands(application: Application) -> None:
    """Publish the command menu (setMyCommands) and what an empty chat shows before /start
    (setMyDescription, setMyShortDescription), in Arabic, from the knowledge base."""
    commands = [BotCommand(name, description) for name, description in COMMANDS.items()]
    try:
        await application.bot.set_my_commands(commands)
    except TelegramError as exc:  # the menu is a nicety: the bot works without it
        logger.warning("command menu not set: %s", exc)
    await set_descriptions(application)


async def set_descriptions(application: Application) -> None:
    """The bot's description (at most 512 characters) and short description (120)."""
    services = application.bot_data.get(SERVICES_KEY)
    if services is None:
        return
    description = services.dialogue.text("bot_description")[:MAX_DESCRIPTION]
    short = services.dialogue.text("bot_short_description")[:MAX_SHORT_DESCRIPTION]
    try:
        if description:
            await application.bot.set_my_description(description)
        if short:
            await application.bot.set_my_short_description(short)
    except TelegramError as exc:  # a nicety too
        logger.warning("bot description not set: %s", exc)


async def _post_init(application: Application) -> None:
    await set_commands(application)
    start_notices(application)  # admins hear of edits from now on (and of a start on a copy)


def build_application(
    settings: Settings,
    dialogue: Dialogue,
    log: QuestionLog,
    *,
    request: BaseRequest | None = None,
    source: KnowledgeSource | None = None,
) -> Application:
    """The Application with every handler registered; `request` replaces HTTP in tests.

    `source` is the live knowledge base admins may /reload and hear about.
    """
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_api_url)
        .base_file_url(file_url(settings.telegram_api_url))
        .concurrent_updates(PerChatUpdateProcessor())
        # Waits out a 429's retry_after and keeps under Telegram's 30 messages a second.
        .rate_limiter(ReplyAwareRateLimiter(max_retries=FLOOD_RETRIES))
        .defaults(
            Defaults(
                # A quoted message that was deleted must not make the answer fail.
                allow_sending_without_reply=True,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .post_init(_post_init)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    limiter = RateLimiter(settings.rate_limit_messages, settings.rate_limit_window)
    register_handlers(application, Services(dialogue=dialogue, log=log, limiter=limiter))
    configure_admin(
        application, settings.admin_chat_ids, source=source, db_path=_file_path(settings.db_path)
    )
    return application


def _file_path(path: Path) -> Path | None:
    return None if str(path) == ":memory:" else path


def run(settings: Settings, *, webhook: bool = False) -> int:
    """Run the bot until a stop signal; 0 on a clean stop, 2 on bad configuration."""
    problem = token_problem(settings.telegram_token) or (
        webhook_problem(settings) if webhook else None
    )
    if problem:
        print(problem, file=sys.stderr)
        return 2
    configure_logging(
        settings.telegram_token,
        settings.webhook_secret,
        *url_secrets(settings.telegram_api_url, settings.webhook_url),
    )

    from bot.dialogue import Dialogue  # the core loads only when the bot really starts
    from bot.knowledge import KnowledgeBaseError
    from bot.source import source_for
    from bot.store import QuestionLog

    try:
        # watched in a background thread; a broken file falls back on the last good copy
        source = source_for(settings, live=True)
    except KnowledgeBaseError as exc:
        print(f"error: the knowledge base cannot be loaded: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot read the knowledge base {settings.kb_path}: {exc}", file=sys.stderr)
        return 2
    try:
        log = QuestionLog.from_settings(settings)  # a bad file is a warning, not a stop
    except Exception as exc:
        print(f"error: cannot open the question log {settings.db_path}: {exc}", file=sys.stderr)
        return 2
    dialogue = Dialogue(source, thresholds=settings.thresholds)
    application = build_application(settings, dialogue, log, source=source)
    api = _public_api_url(settings.telegram_api_url)
    try:
        if webhook:
            from bot.delivery import run_webhook

            logger.info("starting the webhook on port %d for %s", settings.port, api)
            # SIGTERM: a bounded drain; what it cut off is saved and answered at the next start
            run_webhook(
                application,
                answered_path=settings.state_path / ANSWERED_FILE,
                pending_path=settings.state_path / PENDING_FILE,
                drain_timeout=settings.shutdown_timeout,
                bootstrap_retries=BOOTSTRAP_RETRIES,
                listen=os.environ.get(LISTEN_ENV, "0.0.0.0"),
                port=settings.port,
                url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            from bot.delivery import run_polling

            logger.info("starting long polling against %s", api)
            # confirms only what was answered; SIGTERM: a bounded drain, nothing lost
            run_polling(
                application,
                answered_path=settings.state_path / ANSWERED_FILE,
                allowed_updates=ALLOWED_UPDATES,
                drain_timeout=settings.shutdown_timeout,
                bootstrap_retries=BOOTSTRAP_RETRIES,
            )
    except InvalidToken:
        print(
            "error: Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather", file=sys.stderr
        )
        return 2
    except TelegramError as exc:
        message = mask_url_credentials(str(exc).replace(settings.telegram_token, REDACTED))
        print(
            f"error: the Telegram Bot API at {api} failed at start-up: {message}", file=sys.stderr
        )
        return 1
    except OSError as exc:  # the webhook port is taken, or not ours to bind
        print(f"error: cannot listen on port {settings.port}: {exc}", file=sys.stderr)
        return 1
    except Exception:  # a bug: logged (token redacted), never a raw traceback on stderr
        logger.exception("the bot stopped on an unexpected error")
        return 1
    finally:
        source.stop()
        log.close()
    return 0


def _public_api_url(api_url: str) -> str:
    """The API URL as logged: scheme and host only, so nothing secret can ride along."""
    parts = urlsplit(api_url)
    if not parts.hostname:
        return "(the configured API URL)"
    port = f":{parts.port}" if parts.port else ""  # no user or password: they are secrets
    return f"{parts.scheme}://{parts.hostname}{port}"
