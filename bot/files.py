"""Safe writes of staff's files: validate first, write a temporary file, rename, keep history.

A command that writes a knowledge base (ingest, adopt) must never leave a half-written
file (the running bot reloads within seconds and would read it) nor lose the version it
replaces: the previous one is copied to a history folder (`knowledge/.history/` beside
the file, or a configured one), the last N kept.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HISTORY_DIR_NAME = ".history"
DEFAULT_KEEP = 20


class WriteRefused(Exception):
    """The file was not written; str() says why in one line."""


def history_dir_for(path: Path, configured: Path | None = None) -> Path:
    return configured if configured is not None else path.parent / HISTORY_DIR_NAME


def previous_versions(path: Path, history_dir: Path | None = None) -> list[Path]:
    """The kept versions of `path`, oldest first."""
    folder = history_dir_for(Path(path), history_dir)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{Path(path).stem}.*{Path(path).suffix}"))


def _keep_previous(path: Path, history_dir: Path, keep: int) -> Path:
    history_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{time.time_ns() % 1_000_000_000:09d}"
    copy = history_dir / f"{path.stem}.{stamp}{path.suffix}"
    shutil.copy2(path, copy)
    for old in previous_versions(path, history_dir)[:-keep] if keep > 0 else []:
        with contextlib.suppress(OSError):
            old.unlink()
    return copy


def write_text_safely(
    path: Path | str,
    text: str,
    *,
    check: Callable[[str, str], object] | None = None,
    history_dir: Path | None = None,
    keep: int = DEFAULT_KEEP,
) -> Path | None:
    """Write `text` to `path` atomically; the kept copy of the previous version, if any.

    `check(text, path)` runs first and raises to refuse the write (the file is untouched).
    """
    path = Path(path)
    if check is not None:
        check(text, str(path))
    if path.is_dir():
        raise WriteRefused(f"{path}: is a folder, not a file")
    kept = None
    if not path.parent.is_dir():
        raise WriteRefused(f"{path}: cannot write: the folder {path.parent} does not exist")
    try:
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise WriteRefused(f"{path}: cannot write: {exc.strerror or exc}") from None
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            with contextlib.suppress(OSError):
                os.chmod(temp, path.stat().st_mode & 0o777)
            kept = _keep_previous(path, history_dir_for(path, history_dir), keep)
        os.replace(temp, path)  # a reader sees the old file or the new one, never half of one
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise WriteRefused(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return kept
