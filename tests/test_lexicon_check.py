"""The lexicon is validated data: one canonical word per variant, no key written twice."""

from __future__ import annotations

from pathlib import Path

from bot.lexicon_check import LEXICON_PATH, lexicon_problems


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "lexicon.yaml"
    path.write_text(text, encoding="utf-8")
    return [str(p) for p in lexicon_problems(path)]


def test_the_shipped_lexicon_is_sound() -> None:
    assert lexicon_problems(LEXICON_PATH) == []


def test_a_variant_with_two_canonical_words_is_named_with_both_lines(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path, "darija:\n  متى: [فوقاش]\n  _drop: [دابا]\nfrench:\n  تاريخ: [quand, فوقاش]\n"
    )
    [problem] = problems
    assert problem.startswith(f"{tmp_path / 'lexicon.yaml'}:5:")
    assert "'فوقاش'" in problem and "line 2" in problem


def test_a_key_written_twice_in_a_section_and_an_empty_list_are_problems(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "darija:\n  النساء: [العيالات]\n  النساء: [lmra]\n  هل: []\n")
    assert any(":3:3:" in p and "written twice" in p and "line 2" in p for p in problems)
    assert any(":4:3:" in p and "no variants" in p for p in problems)


def test_broken_yaml_names_its_line(tmp_path: Path) -> None:
    [problem] = _problems(tmp_path, "darija:\n  هل: [واش\n  كيف: [كيفاش]\n")
    assert ":3:" in problem or ":2:" in problem
    assert "not valid YAML" in problem
