"""Long polling that loses nothing on a restart and answers nothing twice.

python-telegram-bot's own polling confirms every update as soon as it is
fetched, so updates fetched but not yet answered when the process stops
are gone; and on SIGTERM it drains its whole queue, however long that takes.
Here instead:

- an update is confirmed to Telegram (getUpdates `offset`) only once it and
  every update before it has been processed;
- on SIGTERM fetching stops at once, what is in flight gets `drain_timeout`
  seconds to finish, and the rest stays unconfirmed: Telegram hands it to
  the next start;
- the ids of processed updates are kept on disk, so an update processed
  after an older, unfinished one is not answered again after the restart;
- an update whose reply had started going out when the bound ran out counts
  as answered too (`note_send_started`): Telegram may well have it, and a
  second answer is worse than a reply lost to a request that never returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

logger = logging.getLogger(__name__)

POLL_TIMEOUT = 10  # seconds a getUpdates long poll may wait for news
MAX_IN_FLIGHT = 100  # updates processed at once; getUpdates returns at most 100
BUSY_WAIT = 0.25  # when only updates in flight came back, wait this long for one to finish
ERROR_PAUSE = 1.0  # seconds after a failed getUpdates before the next
SEND_GRACE = 2.0  # seconds past the bound for a reply already on its way to Telegram
KEEP_IDS = 10_000  # processed update ids remembered across restarts


_current_update: ContextVar[int | None] = ContextVar("current_update", default=None)
_sending: set[int] = set()  # updates whose reply has started going out


def note_send_started() -> None:
    """Called as a reply request leaves: the update being processed is answered, at most once."""
    update_id = _current_update.get()
    if update_id is not None:
        _sending.add(update_id)


class AnsweredUpdates:
    """Ids of the updates already processed, kept in a small append-only file."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._ids: set[int] = set()
        self._file = None
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                for line in path.read_text(encoding="ascii", errors="ignore").split():
                    if line.isdigit():
                        self._ids.add(int(line))
            if len(self._ids) > KEEP_IDS:
                self._compact()
            self._file = path.open("a", encoding="ascii")
        except OSError as exc:  # without the file a restart may answer a few twice; say so
            logger.warning("answered updates not remembered across restarts (%s): %s", path, exc)

    def __contains__(self, update_id: int) -> bool:
        return update_id in self._ids

    def _compact(self) -> None:
        """Keep the most recent ids only: update ids grow, and only recent ones come back."""
        self._ids = set(sorted(self._ids)[-KEEP_IDS:])
        if self.path is not None:
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text("".join(f"{i}\n" for i in sorted(self._ids)), encoding="ascii")
            os.replace(tmp, self.path)

    def add(self, update_id: int) -> None:
        self._ids.add(update_id)
        if len(self._ids) > 2 * KEEP_IDS:  # bounded memory and file in a long run
            try:
                if self._file is not None:
                    self._file.close()
                self._compact()
                if self.path is not None and self._file is not None:
                    self._file = self.path.open("a", encoding="ascii")
            except OSError as exc:
                logger.warning("could not compact the answered updates: %s", exc)
                self._file = None
            return
        if self._file is not None:
            try:
                self._file.write(f"{update_id}\n")
                self._file.flush()  # to the OS: survives the process, costs microseconds
            except OSError as exc:
                logger.warning("could not remember update %d: %s", update_id, exc)
                self._file = None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class Poller:
    """Fetches updates and processes them through the application, confirming with care."""

    def __init__(
        self,
        application: Application,
        answered: AnsweredUpdates,
        *,
        allowed_updates: Sequence[str] | None = None,
        drain_timeout: float = 10.0,
        poll_timeout: int = POLL_TIMEOUT,
    ) -> None:
        self.application = application
        self.answered = answered
        self.allowed_updates = list(allowed_updates) if allowed_updates else None
        self.drain_timeout = drain_timeout
        self.poll_timeout = poll_timeout
        self.stopping = asyncio.Event()
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._updates: dict[int, Update] = {}  # the updates in flight
        self._progress = asyncio.Event()  # set whenever an update finishes
        self._next_offset: int | None = None  # one past the highest update seen
        self.left_over: list[Update] = []  # stopped before their reply, oldest first

    @property
    def offset(self) -> int | None:
        """The first update not yet processed: everything below it may be confirmed."""
        if self._in_flight:
            return min(self._in_flight)
        return self._next_offset

    async def run(self) -> None:
        """Poll until `stopping` is set, then drain within the bound."""
        while not self.stopping.is_set():
            if len(self._in_flight) >= MAX_IN_FLIGHT:
                await self._wait_progress(timeout=1.0)
                continue
            updates = await self._fetch()
            if updates is None:
                continue
            fresh = [u for u in updates if self._take(u)]
            if updates and not fresh:  # only what is in flight came back: let it progress
                await self._wait_progress(timeout=BUSY_WAIT)
        await self._drain()

    async def _fetch(self) -> list[Update] | None:
        busy = bool(self._in_flight)  # Telegram answers at once then (in-flight ones)
        fetch = asyncio.ensure_future(
            self.application.bot.get_updates(
                offset=self.offset,
                limit=MAX_IN_FLIGHT,
                timeout=0 if busy else self.poll_timeout,
                allowed_updates=self.allowed_updates,
            )
        )
        stop = asyncio.ensure_future(self.stopping.wait())
        try:
            await asyncio.wait({fetch, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if not fetch.done():  # stopping: fetch no more
            fetch.cancel()
            with contextlib.suppress(BaseException):
                await fetch
            return None
        try:
            return list(fetch.result())
        except InvalidToken:
            raise
        except TelegramError as exc:  # 500, timeout, network: wait a little and try again
            kind = type(exc).__name__
            logger.warning("polling: getUpdates failed (%s: %s); retrying", kind, exc)
            await self._sleep(ERROR_PAUSE)
            return None

    def _take(self, update: Update) -> bool:
        """Start processing an update not seen before; False if known."""
        update_id = update.update_id
        if self._next_offset is None or update_id >= self._next_offset:
            self._next_offset = update_id + 1
        if update_id in self._in_flight or update_id in self.answered:
            return False
        task = asyncio.ensure_future(self._process(update))
        self._in_flight[update_id] = task
        self._updates[update_id] = update
        task.add_done_callback(lambda t, uid=update_id: self._finished(uid, t))
        return True

    async def _process(self, update: Update) -> None:
        _current_update.set(update.update_id)  # this task's own context: its requests see it
        app = self.application
        await app.update_processor.process_update(update, app.process_update(update))

    def _finished(self, update_id: int, task: asyncio.Task[None]) -> None:
        self._in_flight.pop(update_id, None)
        update = self._updates.pop(update_id, None)
        self._progress.set()
        replying = update_id in _sending
        _sending.discard(update_id)
        if task.cancelled():
            if replying:  # cut off while its reply was on the way: do not send it twice
                self.answered.add(update_id)
            elif update is not None:
                self.left_over.append(update)  # stopped before replying: for the next start
            return
        error = task.exception()
        if error is not None:  # the error handler has had it; do not retry it forever
            logger.error("update %d: processing failed: %s", update_id, type(error).__name__)
        self.answered.add(update_id)

    async def _wait_progress(self, timeout: float) -> None:
        self._progress.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._progress.wait(), timeout)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)

    async def _drain(self) -> None:
        in_flight = dict(self._in_flight)
        late: set[asyncio.Task[None]] = set()
        if in_flight:
            logger.info(
                "stopping: finishing %d update(s) in flight (at most %.0f s)",
                len(in_flight),
                self.drain_timeout,
            )
            _, late = await asyncio.wait(in_flight.values(), timeout=self.drain_timeout)
            # A reply on the wire gets a moment more: cut off mid-request, it might reach
            # Telegram garbled or not at all, and it would not be sent again.
            on_the_wire = {t for uid, t in in_flight.items() if t in late and uid in _sending}
            for task in late - on_the_wire:
                task.cancel()
            if on_the_wire:
                await asyncio.wait(on_the_wire, timeout=SEND_GRACE)
            late = {task for task in late if not task.done()} | (late - on_the_wire)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        unfinished = sorted(uid for uid, task in in_flight.items() if task in late)
        if unfinished:
            # unconfirmed, so fetched again by the next start; the ones finished after
            # them are remembered in `answered` and skipped then
            logger.warning(
                "stopping: %d update(s) not finished in time, left for the next start",
                len(unfinished),
            )
        await self._after_drain(unfinished[0] if unfinished else self._next_offset)
        logger.info(
            "stopped: %d update(s) finished while stopping", len(in_flight) - len(unfinished)
        )

    async def _after_drain(self, offset: int | None) -> None:
        await self._confirm(offset)

    async def _confirm(self, offset: int | None) -> None:
        """Tell Telegram everything below `offset` is done (a short getUpdates)."""
        if offset is None:
            return
        with contextlib.suppress(TelegramError, asyncio.TimeoutError):
            await asyncio.wait_for(
                self.application.bot.get_updates(offset=offset, limit=1, timeout=0), 5
            )


class WebhookReceiver(Poller):
    """The same care for updates Telegram POSTs to the webhook.

    Telegram forgets an update once the webhook answered 200, so updates the
    shutdown bound cut off before their reply are saved to `pending_path`
    and processed first by the next start.
    """

    def __init__(self, application: Application, answered: AnsweredUpdates, **kwargs: Any) -> None:
        self.pending_path: Path | None = kwargs.pop("pending_path", None)
        super().__init__(application, answered, **kwargs)

    async def run(self) -> None:
        self._replay_pending()
        queue = self.application.update_queue  # filled by python-telegram-bot's web server
        while not self.stopping.is_set():
            get = asyncio.ensure_future(queue.get())
            stop = asyncio.ensure_future(self.stopping.wait())
            await asyncio.wait({get, stop}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            if not get.done():
                get.cancel()
                break
            self._take_object(get.result())
        await self.application.updater.stop()  # no more POSTs accepted
        while not queue.empty():  # what arrived meanwhile is in flight too
            self._take_object(queue.get_nowait())
        await self._drain()

    def _take_object(self, item: object) -> None:
        if isinstance(item, Update):
            self._take(item)

    def _replay_pending(self) -> None:
        if self.pending_path is None or not self.pending_path.exists():
            return
        try:
            saved = json.loads(self.pending_path.read_text(encoding="utf-8"))
            self.pending_path.unlink()
        except (OSError, ValueError) as exc:
            logger.warning("updates saved at the last stop could not be read: %s", exc)
            return
        updates = [Update.de_json(item, self.application.bot) for item in saved]
        logger.info("processing %d update(s) saved at the last stop", len(updates))
        for update in updates:
            if update is not None:
                self._take(update)

    async def _after_drain(self, offset: int | None) -> None:
        if not self.left_over or self.pending_path is None:
            return
        try:
            self.pending_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.pending_path.with_suffix(".tmp")
            data = [u.to_dict() for u in sorted(self.left_over, key=lambda u: u.update_id)]
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.pending_path)
        except OSError as exc:
            logger.warning("%d update(s) could not be saved: %s", len(self.left_over), exc)


def install_stop_signals(poller: Poller) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, poller.stopping.set)


async def _with_retries(action: Callable[[], Awaitable[object]], retries: int, what: str) -> None:
    """Start-up requests (getMe, deleteWebhook) get a few tries, one second apart."""
    for attempt in range(retries + 1):
        try:
            await action()
            return
        except InvalidToken:
            raise
        except TelegramError as exc:
            if attempt == retries:
                raise
            logger.warning("start-up: %s failed (%s: %s); retrying", what, type(exc).__name__, exc)
            await asyncio.sleep(1)


async def _serve(application: Application, poller: Poller, bootstrap_retries: int) -> None:
    install_stop_signals(poller)
    await _with_retries(application.initialize, bootstrap_retries, "getMe")
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await _with_retries(application.bot.delete_webhook, bootstrap_retries, "deleteWebhook")
        await application.start()
        try:
            await poller.run()
        finally:
            await application.stop()
    finally:
        await application.shutdown()


def run_polling(
    application: Application,
    *,
    answered_path: Path | None,
    allowed_updates: Sequence[str] | None = None,
    drain_timeout: float = 10.0,
    bootstrap_retries: int = 3,
) -> None:
    """Long polling until SIGTERM or SIGINT; then a bounded drain and a clean stop."""
    answered = AnsweredUpdates(answered_path)
    poller = Poller(
        application, answered, allowed_updates=allowed_updates, drain_timeout=drain_timeout
    )
    try:
        asyncio.run(_serve(application, poller, bootstrap_retries))
    finally:
        answered.close()


async def _serve_webhook(
    application: Application,
    receiver: WebhookReceiver,
    bootstrap_retries: int,
    webhook: dict[str, Any],
) -> None:
    install_stop_signals(receiver)
    await _with_retries(application.initialize, bootstrap_retries, "getMe")
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.updater.start_webhook(bootstrap_retries=bootstrap_retries, **webhook)
        await receiver.run()
    finally:
        if application.updater.running:
            await application.updater.stop()
        await application.shutdown()


def run_webhook(
    application: Application,
    *,
    answered_path: Path | None,
    pending_path: Path | None,
    drain_timeout: float = 10.0,
    bootstrap_retries: int = 3,
    **webhook: Any,
) -> None:
    """The webhook until SIGTERM or SIGINT; then a bounded drain, the rest saved for later.

    `webhook` holds Updater.start_webhook's arguments (listen, port, url_path, ...).
    """
    answered = AnsweredUpdates(answered_path)
    receiver = WebhookReceiver(
        application, answered, drain_timeout=drain_timeout, pending_path=pending_path
    )
    try:
        asyncio.run(_serve_webhook(application, receiver, bootstrap_retries, webhook))
    finally:
        answered.close()
