"""Checks of the dialect lexicon (bot/lexicon.yaml), reported as PATH:LINE:COLUMN problems.

The lexicon maps each canonical word to the ways people write it. A variant
listed under two canonical words silently takes the later one; a key written
twice in one section is a second list nobody sees beside the first; a variant
that normalizes to nothing is never matched. `python -m bot validate` runs
these checks beside the knowledge base's.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.arabic import normalize
from bot.knowledge import Problem

LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")
DROP = "_drop"
# sections whose keys are words to look for, not replacements: a key alone is fine there
# (topics the source lacks and people it never counts are the knowledge base's `lacking:`)
_KEY_SECTIONS = frozenset(["information_types"])
# domain facts, not language: left here they would be read as mere synonyms, refusing nothing
_KB_SECTIONS = frozenset(["topics", "people"])


def lexicon_problems(path: Path | str = LEXICON_PATH) -> list[Problem]:
    """Every problem in the lexicon file; [] when it is sound."""
    path = Path(path)
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(where, 1, 1, f"cannot read the lexicon: {exc}")]
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return [Problem(where, line, column, f"not valid YAML: {getattr(exc, 'problem', exc)}")]
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode):
        return [Problem(where, 1, 1, "the lexicon must be a mapping of sections")]
    problems: list[Problem] = []

    def add(node: yaml.Node, message: str) -> None:
        problems.append(
            Problem(where, node.start_mark.line + 1, node.start_mark.column + 1, message)
        )

    first_target: dict[str, tuple[str, int]] = {}  # variant -> (target, line)
    for section_key, section in root.value:
        name = str(section_key.value)
        if name in _KB_SECTIONS:
            add(
                section_key,
                f"section '{name}' is a domain fact, not language: it belongs in the knowledge "
                f"base, under `lacking:` → `{name}:` (knowledge/faq_ar.yaml)",
            )
            continue
        if section.tag.endswith(":null"):
            continue
        if not isinstance(section, yaml.MappingNode):
            add(section, f"section '{name}' must be a mapping: canonical word: [variants]")
            continue
        seen: dict[str, int] = {}
        for key_node, value_node in section.value:
            key = str(key_node.value)
            if key in seen:
                add(
                    key_node,
                    f"'{key}' is written twice in section '{name}' (first at line {seen[key]}): "
                    "join the two lists",
                )
            seen.setdefault(key, key_node.start_mark.line + 1)
            if name in _KEY_SECTIONS and len(normalize(key).split()) != 1:
                add(key_node, f"'{key}': a key of '{name}' must be one word")
            target = "" if key == DROP else normalize(key)
            if isinstance(value_node, yaml.ScalarNode) and value_node.tag.endswith(":null"):
                items: list[yaml.Node] = []
            elif isinstance(value_node, yaml.SequenceNode):
                items = list(value_node.value)
            elif isinstance(value_node, yaml.ScalarNode):
                items = [value_node]
            else:
                add(value_node, f"'{key}': variants must be a list of words")
                continue
            if not items and name not in _KEY_SECTIONS:
                add(key_node, f"'{key}' has no variants: nothing leads to it")
            for item in items:
                if not isinstance(item, yaml.ScalarNode):
                    add(item, f"'{key}': a variant must be text, not a list or a mapping")
                    continue
                variant = normalize(str(item.value))
                if not variant:
                    add(item, f"'{key}': the variant '{item.value}' is empty once normalized")
                    continue
                earlier = first_target.get(variant)
                if earlier is not None and earlier[0] != target:
                    shown = earlier[0] or DROP
                    add(
                        item,
                        f"'{item.value}' is a variant of '{key}' here and of '{shown}' at line "
                        f"{earlier[1]}: a variant has one canonical word",
                    )
                else:
                    first_target.setdefault(variant, (target, item.start_mark.line + 1))
    return problems
