"""`python -m bot validate` and the loader: one validator, PATH:LINE:COLUMN per problem."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBaseError, load, validate
from tests.conftest import PROJECT_ROOT, REAL_KB, SMALL_KB


def run_validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "validate", str(path)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=60,
    )


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "faq.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    return [str(p) for p in validate(write(tmp_path, text))]


def test_real_knowledge_base_is_valid() -> None:
    result = run_validate(REAL_KB)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout and "entries" in result.stdout
    assert len(result.stdout.strip().splitlines()) == 1


def test_entries_only_is_a_valid_knowledge_base(tmp_path: Path) -> None:
    kb = load(write(tmp_path, "entries:\n  - {id: a, question: سؤال, answer: جواب}\n"))
    assert kb.entries[0].id == "a"
    assert kb.texts["fallback"]  # defaults fill the rest
    assert kb.categories  # a default category with a title


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL_KB.replace("  - id: borrowing", "  - id: [borrowing"))
    result = run_validate(path)
    assert result.returncode == 2
    line = result.stderr.strip().splitlines()[0]
    assert line.startswith(f"{path}:")
    _, lineno, column, message = line.split(":", 3)
    assert int(lineno) > 1 and int(column) >= 1
    assert "YAML" in message
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("broken", "line", "fragment"),
    [
        ("    question: متى تفتح المكتبة؟", 15, "question is missing"),
        ("    answer: تفتح المكتبة من التاسعة صباحا إلى السادسة مساء.", 17, "answer"),
    ],
)
def test_missing_question_or_answer(tmp_path: Path, broken: str, line: int, fragment: str) -> None:
    found = problems(tmp_path, SMALL_KB.replace(broken + "\n", ""))
    assert any(fragment in p for p in found), found


def test_missing_id(tmp_path: Path) -> None:
    found = problems(tmp_path, SMALL_KB.replace("  - id: children\n", "  - \n"))
    assert any("id is missing" in p for p in found), found


def test_wrong_type(tmp_path: Path) -> None:
    found = problems(
        tmp_path, SMALL_KB.replace("    answer: تستعير", "    answer: [تستعير]\n    x: ")
    )
    assert any("must be text" in p for p in found), found


def test_duplicate_ids_point_at_the_second(tmp_path: Path) -> None:
    text = SMALL_KB.replace("  - id: children", "  - id: opening")
    found = problems(tmp_path, text)
    dup = [p for p in found if "duplicate id 'opening'" in p]
    assert dup, found
    second_line = text.splitlines().index("  - id: opening", 15) + 1
    assert f":{second_line}:" in dup[0]


def test_empty_answer(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        SMALL_KB.replace("answer: تستعير حتى ثلاثة كتب لمدة أسبوعين ببطاقة المكتبة.", 'answer: ""'),
    )
    assert any("answer is empty" in p for p in found), found


def test_unknown_follow_up(tmp_path: Path) -> None:
    found = problems(tmp_path, SMALL_KB.replace("follow_up: [borrowing]", "follow_up: [nowhere]"))
    assert any("unknown id 'nowhere'" in p for p in found), found


def test_same_question_after_normalization_in_two_entries(tmp_path: Path) -> None:
    # differs only by hamza, diacritics and punctuation: the same question for a citizen
    text = SMALL_KB.replace("[ورشات القراءة للصغار,", "[مَتى تَفتح المكتبة,")
    found = problems(tmp_path, text)
    assert any("same (after normalization)" in p and "'opening'" in p for p in found), found


def test_category_without_title(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        SMALL_KB.replace(
            "    category: services\n    question: هل", "    category: events\n    question: هل"
        ),
    )
    assert any("category 'events' has no title" in p for p in found), found


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    found = problems(
        tmp_path, SMALL_KB.replace("    source: الدليل، الصفحة 1", "    source: a\n    source: b")
    )
    assert any("duplicate key 'source'" in p for p in found), found


def test_every_problem_is_reported_once_per_line(tmp_path: Path) -> None:
    text = SMALL_KB.replace("follow_up: [borrowing]", "follow_up: [nowhere]").replace(
        "  - id: children", "  - id: opening"
    )
    result = run_validate(write(tmp_path, text))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert all(line.count(":") >= 3 for line in lines)


@pytest.mark.parametrize(
    "content",
    [b"", b"\xff\xfe\x00garbage", b"- just\n- a list\n", b"entries: 5\n", b"entries:\n  - 7\n"],
)
def test_bad_files_never_traceback(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    result = run_validate(path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{path}:")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="cannot read"):
        load(tmp_path / "absent.yaml")


def test_questions_that_read_the_same_to_the_bot(tmp_path: Path) -> None:
    # Darija and standard Arabic wordings of one question, in two entries
    text = SMALL_KB.replace("[ورشات القراءة للصغار,", "[فوقاش تفتح المكتبة,")
    found = problems(tmp_path, text)
    assert any("reads the same to the bot" in p and "'opening'" in p for p in found), found
