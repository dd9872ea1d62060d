"""The command line as staff and tools use it: help, ask --json, eval, ingest, chat, report."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import COMMANDS, KB_COMMANDS, LOG_COMMANDS, build_parser
from tests.conftest import PROJECT_ROOT, SHARED, needs_shared


def bot(
    *args: str,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    cwd: Path = PROJECT_ROOT,
) -> subprocess.CompletedProcess[str]:
    import os

    full_env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=120,
    )


def test_help_lists_every_command() -> None:
    result = bot("--help")
    assert result.returncode == 0
    for name in COMMANDS:
        assert name in result.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(name: str) -> None:
    result = bot(name, "--help")
    assert result.returncode == 0
    assert re.search(rf"Example: .*python -m bot {name}\b", result.stdout), result.stdout


def test_readme_documents_every_command() -> None:
    # the README, and the staff guide in docs/ that its staff section draws on
    docs = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
    text = "\n".join(path.read_text(encoding="utf-8") for path in docs)
    for name in COMMANDS:
        assert re.search(rf"python -m bot {name}\b", text), f"no doc has `python -m bot {name}`"


def _args(name: str) -> list[str]:
    positional = {"eval": ["f"], "ingest": ["f"], "adopt": ["a-123456"]}
    return [name, *positional.get(name, [])]


def test_kb_where_a_knowledge_base_is_read_db_where_the_log_is() -> None:
    parser = build_parser()
    for name in COMMANDS:
        reads_kb = name in KB_COMMANDS
        reads_log = name in LOG_COMMANDS
        if reads_kb:
            assert parser.parse_args([*_args(name), "--kb", "x.yaml"]).kb == "x.yaml"
        if reads_log:
            assert parser.parse_args([*_args(name), "--db", "x.db"]).db == "x.db"
        for flag, wanted in (("--kb", reads_kb), ("--db", reads_log)):
            if not wanted:
                with pytest.raises(SystemExit):
                    parser.parse_args([*_args(name), flag, "x"])
    assert {"ingest", "purge"} - KB_COMMANDS == {"ingest", "purge"}
    assert {"report", "purge", "chat", "ask", "telegram"} <= LOG_COMMANDS


def test_help_examples_work_in_a_plain_clone(tmp_path: Path) -> None:
    # the eval and ingest examples name files of the project itself, not ../shared
    for name in ("eval", "ingest"):
        example = re.search(r"Example: python -m bot (.*)", COMMANDS[name].__doc__ or "")
        assert example and "../shared" not in example.group(1)
    out = tmp_path / "draft.yaml"
    assert bot("ingest", "tests/data/ingest_sample_article.txt", "--out", str(out)).returncode == 0
    assert bot("validate", str(out)).returncode == 0


def test_ask_json_answers(small_kb_path: Path) -> None:
    result = bot("ask", "فوقاش كتحل المكتبة؟", "--json", "--kb", str(small_kb_path))
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert set(reply) == {"status", "entry_id", "score", "answer", "suggestions", "decision"}
    assert reply["decision"]["step"]
    assert reply["status"] == "answered" and reply["entry_id"] == "opening"
    assert 0 <= reply["score"] <= 100
    assert "التاسعة" in reply["answer"] and "المصدر" in reply["answer"]


def test_ask_reads_json_lines_from_stdin(small_kb_path: Path) -> None:
    questions = "السلام عليكم\nكيف أستعير كتابا؟\nما هو سعر الذهب اليوم؟\n"
    result = bot("ask", "--json", "--kb", str(small_kb_path), stdin=questions)
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["status"] for r in replies] == ["smalltalk", "answered", "no_match"]
    assert replies[2]["answer"] is None and replies[2]["entry_id"] is None


def test_kb_from_environment(small_kb_path: Path) -> None:
    result = bot("ask", "كيف أستعير كتابا؟", "--json", env={"FAQ_PATH": str(small_kb_path)})
    assert json.loads(result.stdout)["entry_id"] == "borrowing"


def test_bad_kb_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("entries:\n  - id: a\n    question: [\n", encoding="utf-8")
    result = bot("ask", "سؤال", "--kb", str(bad))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{bad}:") and "Traceback" not in result.stderr


def test_eval_prints_a_table_by_tag(tmp_path: Path, small_kb_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "- {q: فوقاش كتحل المكتبة, tag: darija, expect: [التاسعة]}\n"
        "- {q: ما هو سعر الذهب, tag: oos, expect: no_match}\n"
        "- {q: salam, tag: smalltalk, expect: smalltalk}\n",
        encoding="utf-8",
    )
    result = bot("eval", str(cases), "--kb", str(small_kb_path))
    assert result.returncode == 0
    assert re.search(r"overall\s+3\s+100\.0%", result.stdout), result.stdout
    data = json.loads(bot("eval", str(cases), "--json", "--kb", str(small_kb_path)).stdout)
    assert data["by_tag"]["overall"]["accuracy"] == 100.0
    assert data["out_of_scope_answered"] == 0
    # the same report with the cases shared among processes; a bad file named as without
    more = tmp_path / "more.yaml"  # enough cases for two processes
    more.write_text(
        cases.read_text(encoding="utf-8")
        + "- {q: متى تفتح المكتبة؟, tag: msa, expect: [التاسعة]}\n",
        encoding="utf-8",
    )
    alone = bot("eval", str(more), "--kb", str(small_kb_path))
    shared = bot("eval", str(more), "--jobs", "2", "--kb", str(small_kb_path))
    assert shared.returncode == 0 and shared.stdout == alone.stdout, shared.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("entries:\n  - id: [broken\n", encoding="utf-8")
    refused = bot("eval", str(more), "--jobs", "2", "--kb", str(bad))
    assert refused.returncode == 2 and refused.stderr.startswith(f"{bad}:"), refused.stderr


def test_ingest_own_article_to_stdout_and_file(tmp_path: Path) -> None:
    article = PROJECT_ROOT / "tests" / "data" / "ingest_sample_article.txt"
    result = bot("ingest", str(article))
    assert result.returncode == 0 and "entries:" in result.stdout
    assert "warning:" in result.stderr  # its last answer is cut off
    out = tmp_path / "draft.yaml"
    assert bot("ingest", str(article), "--out", str(out)).returncode == 0
    assert bot("validate", str(out)).returncode == 0


def test_ingest_bad_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    result = bot("ingest", str(empty))
    assert result.returncode == 2 and "Traceback" not in result.stderr


@needs_shared
def test_ingest_seed_gives_a_valid_draft(tmp_path: Path) -> None:
    out = tmp_path / "seed.yaml"
    seed = next((SHARED / "source").glob("*.txt"))
    result = bot("ingest", str(seed), "--out", str(out))
    assert result.returncode == 0
    assert "truncated" in result.stderr or "cut off" in result.stderr
    assert bot("validate", str(out)).returncode == 0


def test_chat_piped(small_kb_path: Path, tmp_path: Path) -> None:
    result = bot(
        "chat",
        "--kb",
        str(small_kb_path),
        stdin="فوقاش كتحل المكتبة\n1\n/topics\n",
        env={"FAQ_DB": str(tmp_path / "log.sqlite3")},
    )
    assert result.returncode == 0, result.stderr
    assert "التاسعة" in result.stdout  # the answer
    assert "ثلاثة كتب" in result.stdout  # button 1: the follow-up was pressed
    assert "[1] عن المكتبة" in result.stdout  # topics as numbered choices


def test_report_shows_unanswered_questions(small_kb_path: Path, tmp_path: Path) -> None:
    env = {"FAQ_DB": str(tmp_path / "log.sqlite3")}
    bot("chat", "--kb", str(small_kb_path), stdin="ما هو سعر الذهب اليوم؟\n", env=env)
    result = bot("report", "--channel", "console", env=env)
    assert result.returncode == 0
    assert "ما هو سعر الذهب اليوم؟" in result.stdout and "no_match" in result.stdout


def test_chat_survives_undecodable_input_and_a_broken_log(
    small_kb_path: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "log.sqlite3"
    broken.write_bytes(b"not a database" * 100)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--kb", str(small_kb_path)],
        input=b"\xff\xfe \xd9\x85\xd8\xaa\xd9\x89 \xe9t\xe9\n\xd9\x81\xd9\x88\xd9\x82\xd8\xa7\xd8"
        b"\xb4 \xd9\x83\xd8\xaa\xd8\xad\xd9\x84 \xd8\xa7\xd9\x84\xd9\x85\xd9\x83\xd8\xaa\xd8\xa8"
        b"\xd8\xa9\n",
        capture_output=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "FAQ_DB": str(broken)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert "التاسعة" in result.stdout.decode()  # the second line was answered
    assert b"Traceback" not in result.stderr
