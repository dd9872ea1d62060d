"""Knowledge-base files that must not hurt the bot: bombs, depth, size, bad bytes, leaks.

Each test reproduces a row of issue 9's table: the file is refused fast, in
little memory, with one PATH:LINE:COLUMN line, and nothing stays behind.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from fake_bot_api import TEST_KB
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.handlers.render import split_text, utf16_len
from bot.knowledge import KnowledgeBaseError, load, parse

ROOT = Path(__file__).resolve().parents[1]


def billion_laughs(levels: int) -> str:
    """The classic alias bomb: each level repeats the previous one 9 times."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [" + ",".join([f"*l{level - 1}"] * 9) + "]")
    return TEST_KB + "\n".join(lines) + "\n"


def refused(path: Path, **kwargs: int) -> tuple[list[str], float, int]:
    """The problem lines, the seconds and the peak bytes it took to refuse the file."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(KnowledgeBaseError) as caught:
            load(path, **kwargs)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return [str(p) for p in caught.value.problems], elapsed, peak


@pytest.mark.parametrize("levels", [7, 9])
def test_alias_bomb_is_refused_in_milliseconds(tmp_path: Path, levels: int) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs(levels), encoding="utf-8")
    problems, elapsed, peak = refused(path)
    assert elapsed < 1.0 and peak < 100 * 1024 * 1024
    [problem] = problems
    line = TEST_KB.count("\n") + 2  # the first alias, on the line after l0
    assert problem.startswith(f"{path}:{line}:")
    assert "aliases" in problem and "not allowed" in problem


def test_an_alias_alone_is_refused_with_its_place() -> None:
    text = "entries:\n  - &one\n    id: a\n    question: q\n    answer: r\n  - *one\n"
    with pytest.raises(KnowledgeBaseError) as caught:
        parse(text, "kb.yaml")
    assert str(caught.value).startswith("kb.yaml:6:5: YAML aliases")


@pytest.mark.parametrize("text", ["a: " + "[" * 400 + "]" * 400, "a: " + "[" * 400, "{a: " * 400])
def test_deep_nesting_is_one_clear_line_not_a_recursion_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(text, encoding="utf-8")
    problems, elapsed, peak = refused(path)
    assert elapsed < 1.0 and peak < 100 * 1024 * 1024
    [problem] = problems
    assert problem.startswith(f"{path}:1:") and "nested more than" in problem


def test_validate_cli_refuses_a_deep_file_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 400, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "validate", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and f"{path}:1:" in result.stderr


def test_a_30_mb_file_is_refused_unread_at_the_default_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    # valid YAML but huge: parsing it froze every chat for 30 s; the cap refuses it unread
    with path.open("w", encoding="utf-8") as handle:
        handle.write(TEST_KB + "padding: |\n")
        handle.write(("  " + "ب" * 70 + "\n") * 220_000)
    problems, elapsed, peak = refused(path)
    assert elapsed < 0.1 and peak < 1024 * 1024  # not even read
    [problem] = problems
    assert (
        problem.startswith(f"{path}:1:1: the file is 30.") and "over the limit of 5.0 MB" in problem
    )
    assert "FAQ_MAX_BYTES" in problem


def test_the_size_cap_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "kb.yaml"
    path.write_text(TEST_KB, encoding="utf-8")
    assert load(path).entries  # under the default cap
    with pytest.raises(KnowledgeBaseError, match="over the limit"):
        load(path, max_bytes=1000)


def test_non_utf8_names_the_line_and_the_column_in_characters(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    good = TEST_KB.encode("utf-8")
    # line after the text: Arabic letters (2 bytes each) and then a Latin-1 é
    path.write_bytes(good + "note: عربي ".encode() + b"caf\xe9\n")
    [problem], _, _ = refused(path)
    line = TEST_KB.count("\n") + 1
    # "note: عربي caf" is 14 characters (but 17 bytes): é is the 15th
    assert problem == f"{path}:{line}:15: not UTF-8 text (byte 0xE9): save the file as UTF-8"


def test_non_utf8_on_the_first_line_after_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfab\xff\n")
    [problem], _, _ = refused(path)
    assert problem.startswith(f"{path}:1:3: not UTF-8")


def test_a_control_character_names_its_line_and_column() -> None:
    with pytest.raises(KnowledgeBaseError) as caught:
        parse("entries:\n  - id: a\x07b\n", "kb.yaml")
    assert str(caught.value).startswith("kb.yaml:2:10: ")
    assert "U+0007" in str(caught.value)


def test_memory_stays_flat_over_200_loads(tmp_path: Path) -> None:
    path = tmp_path / "kb.yaml"
    path.write_text(TEST_KB, encoding="utf-8")
    for _ in range(20):  # warm every cache first
        load(path)
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(200):
        load(path)
    gc.collect()
    kept = len(gc.get_objects()) - before
    # PyYAML's constructor, when shared, kept every node and value: ~300 objects per load
    assert kept < 1000, f"{kept} objects kept over 200 loads"


# --- split_text always ends (issue 9: split_text('😀', 1) never returned) ---------------


def _split_within(text: str, limit: int, seconds: float = 2.0) -> list[str]:
    """split_text in a thread, so a loop that never ends fails the test instead of hanging."""
    result: list[list[str]] = []
    worker = threading.Thread(target=lambda: result.append(split_text(text, limit)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert result, f"split_text({text[:20]!r}…, {limit}) did not return within {seconds} s"
    return result[0]


def test_split_text_of_an_emoji_wider_than_the_limit_returns() -> None:
    assert _split_within("😀", 1) == ["😀"]
    assert _split_within("😀😀 a", 1) == ["😀", "😀", "a"]
    with pytest.raises(ValueError, match="at least 1"):
        split_text("abc", 0)


@settings(max_examples=300, deadline=None)
@given(st.text(), st.integers(min_value=1, max_value=12))
def test_split_text_ends_and_loses_nothing_for_any_string_and_limit(text: str, limit: int) -> None:
    chunks = _split_within(text, limit)
    assert all(chunk and chunk == chunk.strip() for chunk in chunks)
    # each chunk fits, unless it is one character wider than the limit on its own
    assert all(utf16_len(chunk) <= limit or len(chunk) == 1 for chunk in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())
