"""YAML loading that remembers where each value stands, so problems name PATH:LINE:COLUMN.

The loader is built to be fed files staff edit while the bot runs: aliases are
refused (a knowledge base has no use for them, and they are how a "billion
laughs" file turns kilobytes into gigabytes), nesting is limited (a file of
400 `[` gets one clear line, never a RecursionError), and nothing is kept from
one load to the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


class MarkedDict(dict):
    """A mapping that knows the position of itself, of each key and of each value."""

    position: Position
    key_positions: dict[Any, Position]
    value_positions: dict[Any, Position]


class MarkedList(list):
    """A sequence that knows the position of itself and of each item."""

    position: Position
    item_positions: list[Position]


class YamlSyntaxError(Exception):
    """The text is not YAML; carries the position the parser stopped at."""

    def __init__(self, message: str, position: Position) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


class DuplicateKeyError(YamlSyntaxError):
    """A mapping names the same key twice (PyYAML would silently keep the last)."""


def _position(mark: yaml.Mark | None) -> Position:
    if mark is None:
        return Position(1, 1)
    return Position(mark.line + 1, mark.column + 1)


MAX_DEPTH = 40  # a knowledge base nests 4 or 5 levels; far below Python's recursion limit
ALIAS_MESSAGE = (
    "YAML aliases (*name) are not allowed in a knowledge base: write the text out in full"
)


class _GuardedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases and nesting deeper than `max_depth`."""

    def __init__(self, text: str, max_depth: int) -> None:
        super().__init__(text)
        self._depth = 0
        self._max_depth = max_depth

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            raise YamlSyntaxError(ALIAS_MESSAGE, _position(self.peek_event().start_mark))
        self._depth += 1
        try:
            if self._depth > self._max_depth:
                raise YamlSyntaxError(
                    f"nested more than {self._max_depth} levels deep: a knowledge base needs "
                    "only a few (check for unclosed [ or {)",
                    _position(self.peek_event().start_mark),
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _convert(node: yaml.Node, scalars: yaml.constructor.SafeConstructor) -> Any:
    if isinstance(node, yaml.MappingNode):
        result = MarkedDict()
        result.position = _position(node.start_mark)
        result.key_positions = {}
        result.value_positions = {}
        scalars.flatten_mapping(node)  # resolves YAML merge keys (<<) written inline
        for key_node, value_node in node.value:
            key = _convert(key_node, scalars)
            if isinstance(key, (dict, list)):
                raise YamlSyntaxError("a key must be a plain value", _position(key_node.start_mark))
            if key in result:
                raise DuplicateKeyError(f"duplicate key {key!r}", _position(key_node.start_mark))
            result[key] = _convert(value_node, scalars)
            result.key_positions[key] = _position(key_node.start_mark)
            result.value_positions[key] = _position(value_node.start_mark)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = MarkedList(_convert(child, scalars) for child in node.value)
        items.position = _position(node.start_mark)
        items.item_positions = [_position(child.start_mark) for child in node.value]
        return items
    return scalars.construct_object(node, deep=True)


def position_of_offset(text: str, offset: int) -> Position:
    """The line and column of the character at `offset` in `text`."""
    line_start = text.rfind("\n", 0, offset) + 1
    return Position(text.count("\n", 0, offset) + 1, offset - line_start + 1)


def load_marked(text: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse YAML text into plain values that carry their positions.

    Raises YamlSyntaxError (with a position) for anything the parser rejects,
    for an alias, and for nesting deeper than `max_depth`.
    """
    # A fresh loader each time: PyYAML's constructor remembers every value it built
    # (memory grew with each reload when one was shared).
    try:
        loader = _GuardedLoader(text, max_depth)  # checks for control characters first
    except yaml.reader.ReaderError as exc:
        code = ord(exc.character) if isinstance(exc.character, str) else int(exc.character)
        message = f"YAML error: the control character U+{code:04X} is not allowed in YAML text"
        raise YamlSyntaxError(message, position_of_offset(text, exc.position)) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _convert(node, loader)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlSyntaxError(f"YAML error: {exc.problem}", _position(mark)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        raise YamlSyntaxError(f"YAML syntax error: {message}", _position(mark)) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"YAML error: {exc}".splitlines()[0], Position(1, 1)) from None
    finally:
        loader.dispose()
