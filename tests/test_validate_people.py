"""The validator as a staff member meets it: typos named with a fix, plain YAML hints, warnings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.knowledge import load, validate
from tests.conftest import PROJECT_ROOT, SHARED, SMALL_KB, needs_shared


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "faq.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run_validate(path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "validate", str(path), *extra],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=60,
    )


def messages(tmp_path: Path, text: str) -> list[str]:
    return [str(p) for p in validate(write(tmp_path, text))]


def test_a_misspelled_entry_key_is_an_error_with_the_right_spelling(tmp_path: Path) -> None:
    text = SMALL_KB.replace("    alternatives: [كيفاش نسلف", "    alternative: [كيفاش نسلف")
    path = write(tmp_path, text)
    result = run_validate(path)
    assert result.returncode == 2
    line = text.splitlines().index("    alternative: [كيفاش نسلف كتاب, شروط إعارة الكتب]") + 1
    assert (
        f"{path}:{line}:5: `alternative`: unknown key in entry 'borrowing'; "
        "did you mean `alternatives`?"
    ) in result.stderr


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "entries:",
            "entrie:\nentries:",
            "`entrie`: unknown key at the top of the file; did you mean `entries`?",
        ),
        ("    patterns: [السلام", "    pattern: [السلام", "did you mean `patterns`?"),
    ],
)
def test_unknown_keys_elsewhere(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert any(expected in m for m in messages(tmp_path, SMALL_KB.replace(old, new, 1)))


def test_keys_other_parts_of_the_bot_read_are_known(tmp_path: Path) -> None:
    text = SMALL_KB.replace("  - id: opening\n", "  - id: opening\n    label: الأوقات\n") + (
        "situations:\n  - {id: widow, label: أرملة, words: [أرملة], entries: [opening]}\n"
        "profiles: []\nlacking: {}\nlabel: x\n"
    )
    assert messages(tmp_path, text) == []


def test_a_misspelled_text_key_is_a_warning_naming_the_text(tmp_path: Path) -> None:
    text = SMALL_KB.replace("  fallback: لا أملك", "  welcom: مرحبا\n  fallback: لا أملك")
    [warning] = messages(tmp_path, text)
    assert "warning:" in warning and "`welcom`" in warning and "`welcome`" in warning


def test_a_misspelled_category_is_named(tmp_path: Path) -> None:
    text = SMALL_KB.replace("  services: الخدمات", "  servics: الخدمات")
    found = messages(tmp_path, text)
    assert any("category 'services' has no title" in m and "`servics`" in m for m in found), found


@pytest.mark.parametrize(
    ("old", "new", "hint"),
    [
        ("    answer: تفتح المكتبة", "\tanswer: تفتح المكتبة", "tab character"),
        ("    question: متى تفتح المكتبة؟", "    question: متى: تفتح المكتبة؟", "double quotes"),
        (
            "    category: services\n    question: كيف",
            "    category: services\n   question: كيف",
            "indentation",
        ),
        ('  source: "دليل مكتبة الحي، 2020"', '  source: "دليل مكتبة الحي، 2020', "never closed"),
    ],
)
def test_yaml_errors_get_a_plain_hint_beside_the_parsers_words(
    tmp_path: Path, old: str, new: str, hint: str
) -> None:
    assert old in SMALL_KB
    path = write(tmp_path, SMALL_KB.replace(old, new, 1))
    result = run_validate(path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{path}:") and hint in first, first
    assert "(" in first and "YAML" in first  # the parser's own words stay


def test_a_colon_in_an_alternative_says_to_quote_it(tmp_path: Path) -> None:
    text = SMALL_KB.replace(
        "    alternatives: [كيفاش نسلف كتاب, شروط إعارة الكتب]",
        "    alternatives:\n      - كيفاش: نسلف كتاب",
    )
    found = messages(tmp_path, text)
    assert any("got a mapping" in m and "double quotes" in m for m in found), found


@pytest.mark.parametrize(
    ("contact", "kind"),
    [
        ("اتصلوا بالرقم 0535 67 12 34.", "a phone number"),
        ("راسلونا على contact@entraide.ma", "an e-mail address"),
        ("التفاصيل في www.entraide.ma", "a web address"),
    ],
)
def test_contacts_in_an_answer_are_warnings_strict_makes_them_errors(
    tmp_path: Path, contact: str, kind: str
) -> None:
    path = write(tmp_path, SMALL_KB.replace("كل يوم أربعاء.", f"كل يوم أربعاء. {contact}"))
    result = run_validate(path)
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout and "1 warnings" in result.stdout
    assert f"warning: entry 'children': the answer holds what looks like {kind}" in (result.stderr)
    strict = run_validate(path, "--strict")
    assert strict.returncode == 2 and kind in strict.stderr


def test_a_long_answer_is_a_warning(tmp_path: Path) -> None:
    long = "تنظم المكتبة ورشة للحكي لفائدة الأطفال. " * 40
    found = messages(tmp_path, SMALL_KB.replace("تنظم المكتبة ورشة للحكي لفائدة الأطفال", long))
    assert any("warning:" in m and "a phone shows well" in m for m in found), found


def test_questions_that_read_alike_are_warnings_not_errors(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL_KB.replace("[ورشات القراءة للصغار,", "[فوقاش تفتح المكتبة,"))
    result = run_validate(path)
    assert result.returncode == 0 and "reads the same to the bot" in result.stderr
    assert run_validate(path, "--strict").returncode == 2
    assert load(path).entry("children") is not None


@needs_shared
def test_the_q2q_question_set_loads(tmp_path: Path) -> None:
    sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
    import q2q

    data = SHARED / "bench" / "q2q" / q2q.TSV_NAME
    protocol = q2q.build_protocol(q2q.load_pairs(data))
    document = {
        "entries": [
            {"id": f"q{i}", "question": q, "answer": q} for i, q in enumerate(protocol.entries)
        ]
    }
    path = tmp_path / "q2q.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    kb = load(path)
    assert len(kb.entries) == len(protocol.entries) == 7714
    assert all(w.warning for w in kb.warnings)
