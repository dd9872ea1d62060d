"""YAML loading that remembers where each value stands, so problems name PATH:LINE:COLUMN."""

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


_scalars = yaml.constructor.SafeConstructor()


def _convert(node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        result = MarkedDict()
        result.position = _position(node.start_mark)
        result.key_positions = {}
        result.value_positions = {}
        _scalars.flatten_mapping(node)  # resolves YAML merge keys (<<)
        for key_node, value_node in node.value:
            key = _convert(key_node)
            if isinstance(key, (dict, list)):
                raise YamlSyntaxError("a key must be a plain value", _position(key_node.start_mark))
            if key in result:
                raise DuplicateKeyError(f"duplicate key {key!r}", _position(key_node.start_mark))
            result[key] = _convert(value_node)
            result.key_positions[key] = _position(key_node.start_mark)
            result.value_positions[key] = _position(value_node.start_mark)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = MarkedList(_convert(child) for child in node.value)
        items.position = _position(node.start_mark)
        items.item_positions = [_position(child.start_mark) for child in node.value]
        return items
    return _scalars.construct_object(node, deep=True)


def load_marked(text: str) -> Any:
    """Parse YAML text into plain values that carry their positions.

    Raises YamlSyntaxError (with a position) for anything the parser rejects.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        raise YamlSyntaxError(f"YAML syntax error: {message}", _position(mark)) from None
    except yaml.YAMLError as exc:  # e.g. a reader error on control characters
        raise YamlSyntaxError(f"YAML error: {exc}".splitlines()[0], Position(1, 1)) from None
    if node is None:
        return None
    try:
        return _convert(node)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlSyntaxError(f"YAML error: {exc.problem}", _position(mark)) from None
