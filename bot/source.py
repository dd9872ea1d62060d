"""The knowledge base the bot serves, kept current without ever making a chat wait.

A background thread looks at the file on a timer (not when a message
arrives). A changed file is read, validated and turned into a new `Brain`
in that thread, then swapped in with one assignment: chats keep the old one
until the new one is complete. A broken edit is refused once per distinct
version and the last good one stays in service. Each good version is also
copied to disk, so a bot (re)started on a broken file starts on the last
good copy instead of staying down, and says so loudly.

Listeners (admins in Telegram) hear of every edit accepted or refused.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.knowledge import (
    DEFAULT_MAX_BYTES,
    KnowledgeBase,
    KnowledgeBaseError,
    decode,
    parse,
    read_capped,
)

log = logging.getLogger(__name__)

MAX_REMEMBERED_BROKEN = 100  # distinct broken versions remembered (each reported once)

ACCEPTED = "accepted"  # an edit was validated and is now served
REFUSED = "refused"  # an edit has problems; the last good version is still served
FALLBACK = "fallback"  # started on the last good copy because the file is broken
UNCHANGED = "unchanged"  # a forced reload found the version already served


@dataclass(frozen=True)
class SourceEvent:
    """What happened to an edit of the knowledge base, for people to read."""

    kind: str  # ACCEPTED, REFUSED, FALLBACK or UNCHANGED
    path: str
    summary: str = ""  # the version now served (KnowledgeBase.summary())
    problems: tuple[str, ...] = ()  # PATH:LINE:COLUMN lines of a refused version


Listener = Callable[[SourceEvent], Any]


def last_good_path(settings: Settings) -> Path:
    """Where the last good copy of the knowledge base is kept (next to the question log)."""
    return settings.state_path / f"{settings.kb_path.stem}.last-good{settings.kb_path.suffix}"


def _default_build(kb: KnowledgeBase) -> Any:
    from bot.dialogue import Brain  # the matching engine loads only when a source is made

    return Brain(kb)


class KnowledgeSource:
    """The current Brain for a file: `current()` answers at once, reloads happen elsewhere.

    Example:
        source = KnowledgeSource(Path("knowledge/faq_ar.yaml"), last_good=Path("data/kb.yaml"))
        source.start()          # watch the file every `reload_interval` seconds
        Dialogue(source)        # replies always use source.current()
    """

    def __init__(
        self,
        path: Path | str,
        *,
        reload_interval: float = 2.0,
        last_good: Path | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        build: Callable[[KnowledgeBase], Any] = _default_build,
    ) -> None:
        """Load the file, or the last good copy when the file is broken.

        Raises KnowledgeBaseError when neither can be used.
        """
        self.path = Path(path)
        self.reload_interval = reload_interval
        self.last_good = last_good
        self.max_bytes = max_bytes
        self._build = build
        self._lock = threading.Lock()  # one check at a time (the timer and /reload)
        self._listeners: list[Listener] = []
        self._events: list[SourceEvent] = []  # start-up news, replayed to late listeners
        self._broken: dict[str, None] = {}  # digests of refused versions, oldest first
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        self._stamp = self._file_stamp()
        self._digest: str | None = None
        self.brain = self._first_brain()

    # --- what the chats see --------------------------------------------------

    def current(self) -> Any:
        """The Brain in service: never waits for a reload."""
        return self.brain

    # --- start-up -----------------------------------------------------------------

    def _first_brain(self) -> Any:
        try:
            raw = read_capped(self.path, self.max_bytes)
            brain = self._build(parse(decode(raw, str(self.path)), str(self.path)))
        except KnowledgeBaseError as exc:
            fallback = self._from_last_good()
            if fallback is None:
                raise
            brain, summary = fallback
            self.last_error = str(exc)
            self._remember_broken(self._broken_key(exc))
            log.error(
                "THE KNOWLEDGE BASE %s IS BROKEN: serving the last good copy %s (%s) until it "
                "is fixed. Problems:\n%s",
                self.path,
                self.last_good,
                summary,
                exc,
            )
            self._events.append(
                SourceEvent(FALLBACK, str(self.path), summary, tuple(map(str, exc.problems)))
            )
            return brain
        self._digest = _digest(raw)
        self._keep_last_good(raw)
        return brain

    def _broken_key(self, exc: KnowledgeBaseError) -> str:
        try:
            return _digest(read_capped(self.path, self.max_bytes))
        except KnowledgeBaseError:
            return str(exc)  # unreadable or too big: the problem names the version

    def _from_last_good(self) -> tuple[Any, str] | None:
        if self.last_good is None or not self.last_good.is_file():
            return None
        try:
            raw = read_capped(self.last_good, self.max_bytes)
            kb = parse(decode(raw, str(self.last_good)), str(self.last_good))
        except KnowledgeBaseError as exc:
            log.error("the last good copy %s cannot be used either:\n%s", self.last_good, exc)
            return None
        return self._build(kb), kb.summary()

    def _keep_last_good(self, raw: bytes) -> None:
        """Copy a good version to disk, atomically: a crash never leaves half a file."""
        if self.last_good is None:
            return
        try:
            if self.last_good.is_file() and self.last_good.read_bytes() == raw:
                return
            self.last_good.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.last_good.parent, prefix=".last-good-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(raw)
                os.replace(tmp, self.last_good)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:  # the copy is a safety net: the bot works without it
            log.warning(
                "could not keep the last good knowledge base at %s: %s", self.last_good, exc
            )

    # --- watching -----------------------------------------------------------------

    def start(self) -> KnowledgeSource:
        """Watch the file in a background thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="knowledge-watch", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _watch(self) -> None:
        while not self._stop.wait(self.reload_interval):
            try:
                self.check()
            except Exception:  # a bug must not end the watching
                log.exception("the knowledge base check failed")

    def subscribe(self, listener: Listener) -> None:
        """Call `listener(event)` for every edit accepted or refused (from the watch thread).

        Start-up news (a start on the last good copy) is told to it at once.
        """
        self._listeners.append(listener)
        for event in self._events:
            self._tell(listener, event)

    async def reload(self) -> SourceEvent:
        """Check the file now (off the event loop), even if it looks unchanged.

        Listeners are not called: whoever asked reports the event.
        """
        return await asyncio.to_thread(self.check, force=True, notify=False)

    def check(self, *, force: bool = False, notify: bool = True) -> SourceEvent | None:
        """Reload the file if it changed; the event, or None when there was nothing to do."""
        with self._lock:
            event, news = self._check(force)
        if notify and news and event is not None:  # outside the lock: no listener delays a reload
            self._notify(event)
        return event

    def _check(self, force: bool) -> tuple[SourceEvent | None, bool]:
        stamp = self._file_stamp()
        if stamp == self._stamp and not force:
            return None, False
        self._stamp = stamp
        try:
            raw = read_capped(self.path, self.max_bytes)
        except KnowledgeBaseError as exc:
            return self._refuse(str(exc), exc, force=force)
        digest = _digest(raw)
        if digest == self._digest:  # saved again unchanged, or touched
            summary = self.brain.kb.summary()
            return (SourceEvent(UNCHANGED, str(self.path), summary) if force else None), False
        if digest in self._broken and not force:
            return None, False  # this broken version was reported already
        try:
            kb = parse(decode(raw, str(self.path)), str(self.path))
            brain = self._build(kb)
        except KnowledgeBaseError as exc:
            if not force and self._written_meanwhile(stamp):
                return None, False
            return self._refuse(digest, exc, force=force)
        if not force and self._written_meanwhile(stamp):
            return None, False
        self.brain = brain  # one assignment: a chat sees the old Brain or the new one
        self._digest, self.last_error = digest, None
        self._broken.clear()  # the same mistake made again later is news again
        self._keep_last_good(raw)
        log.info("knowledge base reloaded: %s", kb.summary())
        return SourceEvent(ACCEPTED, str(self.path), kb.summary()), True

    def _written_meanwhile(self, stamp: tuple[int, int, int] | None) -> bool:
        """The file changed while it was read and checked: an editor still writing it
        (truncated, then filled). What was read is no version anyone saved: neither
        served nor reported; the next check reads the file as it stands then."""
        if self._file_stamp() == stamp:
            return False
        self._stamp = None
        return True

    def _refuse(
        self, key: str, exc: KnowledgeBaseError, *, force: bool
    ) -> tuple[SourceEvent | None, bool]:
        self.last_error = str(exc)
        event = SourceEvent(
            REFUSED, str(self.path), self.brain.kb.summary(), tuple(map(str, exc.problems))
        )
        if key in self._broken:
            return (event if force else None), False  # told once already
        self._remember_broken(key)
        log.warning("knowledge base edit refused, still serving the last good version:\n%s", exc)
        return event, True

    def _remember_broken(self, key: str) -> None:
        self._broken[key] = None
        while len(self._broken) > MAX_REMEMBERED_BROKEN:
            del self._broken[next(iter(self._broken))]

    def _notify(self, event: SourceEvent) -> None:
        for listener in list(self._listeners):
            self._tell(listener, event)

    @staticmethod
    def _tell(listener: Listener, event: SourceEvent) -> None:
        try:
            listener(event)
        except Exception:  # a failing listener must not stop the reloads
            log.exception("a knowledge-base listener failed")

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def source_for(settings: Settings, *, live: bool) -> KnowledgeSource:
    """The source a command serves: `live` ones watch the file and keep a last good copy."""
    source = KnowledgeSource(
        settings.kb_path,
        reload_interval=settings.reload_interval,
        last_good=last_good_path(settings) if live else None,
        max_bytes=settings.kb_max_bytes,
    )
    if not live:
        return source
    # What exists now (modules, the lexicon, the first Brain) lives as long as the process.
    # Frozen out of the garbage collector's reach, it is not rescanned by every full
    # collection: those a reload sets off then pause the chats ~3 ms instead of ~90 ms.
    gc.freeze()
    return source.start()
