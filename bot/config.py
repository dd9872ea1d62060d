"""Settings from the environment, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_KB_PATH = PROJECT_ROOT / "knowledge" / "faq_ar.yaml"
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "questions.sqlite3"
DEFAULT_API_URL = "https://api.telegram.org/bot"


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


def _chat_ids(env: dict[str, str], name: str) -> frozenset[int]:
    """Chat ids separated by commas or spaces ("123, -100456")."""
    raw = env.get(name, "").replace(",", " ").split()
    try:
        return frozenset(int(item) for item in raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be chat ids separated by commas, got {env[name]!r}") from exc


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds on the 0-100 score scale (chosen by a sweep, see README)."""

    answer: float = 42.0  # the best entry must reach this to be answered
    margin: float = 10.0  # ...and lead the runner-up by this much, else clarify
    clarify: float = 40.0  # candidates at or above this are offered as "did you mean"
    related: float = 30.0  # an entry this close is offered beside a no_match
    coverage: float = 0.25  # share of the question's telling words an entry must match
    evidence: float = 10.0  # between close entries, answer one whose answer leads by this
    facets: float = 80.0  # two linked entries both this close: answer the first, offer the other


@dataclass(frozen=True)
class Settings:
    kb_path: Path = DEFAULT_KB_PATH
    db_path: Path = DEFAULT_DB_PATH
    telegram_token: str = ""
    telegram_api_url: str = DEFAULT_API_URL
    webhook_url: str = ""
    webhook_secret: str = ""
    port: int = 8443
    rate_limit_messages: int = 8  # per user...
    rate_limit_window: float = 30.0  # ...in this many seconds
    reload_interval: float = 2.0  # seconds between checks of the knowledge base file
    log_salt: str = ""  # FAQ_LOG_SALT; empty: generated on first run, kept beside the log
    log_retention_days: float = 90.0  # questions older than this are purged
    history_dir: Path | None = None  # FAQ_HISTORY_DIR; None: .history/ beside the file
    history_keep: int = 20  # versions of a file kept there
    kb_max_bytes: int = 5 * 1024 * 1024  # a larger knowledge-base file is refused unread
    state_dir: Path | None = None  # last good knowledge base, answered updates (db's folder)
    shutdown_timeout: float = 10.0  # seconds to finish replies in flight on SIGTERM
    admin_chat_ids: frozenset[int] = frozenset()  # chats that get /reload, /stats, notices
    thresholds: Thresholds = field(default_factory=Thresholds)

    @property
    def state_path(self) -> Path:
        """Where the bot keeps what must survive a restart (next to the question log)."""
        if self.state_dir is not None:
            return self.state_dir
        return DEFAULT_DB_PATH.parent if str(self.db_path) == ":memory:" else self.db_path.parent

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        defaults = Thresholds()
        return cls(
            kb_path=Path(env.get("FAQ_PATH") or DEFAULT_KB_PATH),
            db_path=Path(env.get("FAQ_DB") or DEFAULT_DB_PATH),
            telegram_token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
            telegram_api_url=env.get("TELEGRAM_API_URL", "").strip() or DEFAULT_API_URL,
            webhook_url=env.get("TELEGRAM_WEBHOOK_URL", "").strip(),
            webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", "").strip(),
            port=int(_float(env, "PORT", 8443)),
            rate_limit_messages=int(_float(env, "RATE_LIMIT_MESSAGES", 8)),
            rate_limit_window=_float(env, "RATE_LIMIT_WINDOW", 30.0),
            reload_interval=_float(env, "FAQ_RELOAD_INTERVAL", 2.0),
            log_salt=env.get("FAQ_LOG_SALT", "").strip(),
            log_retention_days=_float(env, "FAQ_LOG_RETENTION_DAYS", 90.0),
            history_dir=Path(env["FAQ_HISTORY_DIR"]) if env.get("FAQ_HISTORY_DIR") else None,
            history_keep=int(_float(env, "FAQ_HISTORY_KEEP", 20)),
            kb_max_bytes=int(_float(env, "FAQ_MAX_BYTES", 5 * 1024 * 1024)),
            state_dir=Path(env["FAQ_STATE_DIR"]) if env.get("FAQ_STATE_DIR") else None,
            shutdown_timeout=_float(env, "SHUTDOWN_TIMEOUT", 10.0),
            admin_chat_ids=_chat_ids(env, "ADMIN_CHAT_IDS"),
            thresholds=Thresholds(
                answer=_float(env, "MATCH_ANSWER_THRESHOLD", defaults.answer),
                margin=_float(env, "MATCH_MARGIN", defaults.margin),
                clarify=_float(env, "MATCH_CLARIFY_THRESHOLD", defaults.clarify),
                related=_float(env, "MATCH_RELATED_THRESHOLD", defaults.related),
                coverage=_float(env, "MATCH_MIN_COVERAGE", defaults.coverage),
                evidence=_float(env, "MATCH_EVIDENCE_LEAD", defaults.evidence),
                facets=_float(env, "MATCH_FACETS_THRESHOLD", defaults.facets),
            ),
        )
