"""Commands that write staff's files: never over a file unannounced, never half-written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.files import WriteRefused, previous_versions, write_text_safely
from bot.knowledge import KnowledgeBaseError, parse
from tests.conftest import PROJECT_ROOT, SMALL_KB

SAMPLE = PROJECT_ROOT / "tests" / "data" / "ingest_sample_article.txt"


def bot(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=full_env,
        timeout=60,
    )


def test_ingest_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "draft.yaml"
    out.write_text("# my work\n", encoding="utf-8")
    result = bot("ingest", str(SAMPLE), "--out", str(out))
    assert (
        result.returncode == 2 and "already exists" in result.stderr and "--force" in result.stderr
    )
    assert out.read_text(encoding="utf-8") == "# my work\n"
    forced = bot("ingest", str(SAMPLE), "--out", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "entries:" in out.read_text(encoding="utf-8")
    [kept] = previous_versions(out)
    assert (
        kept.parent == tmp_path / ".history" and kept.read_text(encoding="utf-8") == "# my work\n"
    )


def test_ingest_never_replaces_the_live_knowledge_base_silently(tmp_path: Path) -> None:
    live = tmp_path / "faq.yaml"
    live.write_text(SMALL_KB, encoding="utf-8")
    env = {"FAQ_PATH": str(live)}
    refused = bot("ingest", str(SAMPLE), "--out", str(live), env=env)
    assert refused.returncode == 2 and "live knowledge base" in refused.stderr
    assert live.read_text(encoding="utf-8") == SMALL_KB
    forced = bot("ingest", str(SAMPLE), "--out", str(live), "--force", env=env)
    assert forced.returncode == 0 and "live knowledge base" in forced.stderr
    assert previous_versions(live)[-1].read_text(encoding="utf-8") == SMALL_KB


def test_a_write_is_validated_first_and_refused_whole(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(SMALL_KB, encoding="utf-8")
    with pytest.raises(KnowledgeBaseError):
        write_text_safely(
            path, SMALL_KB.replace("  - id: children", "  - id: opening"), check=parse
        )
    assert path.read_text(encoding="utf-8") == SMALL_KB
    assert previous_versions(path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["faq.yaml"]  # no temporary file left


def test_history_keeps_the_last_n(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    history = tmp_path / "elsewhere"
    for n in range(6):
        write_text_safely(path, f"version {n}\n", history_dir=history, keep=3)
    kept = previous_versions(path, history)
    assert [p.read_text() for p in kept] == ["version 2\n", "version 3\n", "version 4\n"]
    assert path.read_text() == "version 5\n"


def test_a_missing_folder_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(WriteRefused, match="does not exist"):
        write_text_safely(tmp_path / "no" / "draft.yaml", "x")
