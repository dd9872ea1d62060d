"""Button text made for a phone: an entry's short `label`, the question when it has none."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.dialogue import Button
    from bot.knowledge import KnowledgeBase

ENTRY_PREFIX = "e:"


def button_label(kb: KnowledgeBase, button: Button) -> str:
    """The label a button shows: for a button to an entry, the entry's own short label."""
    if button.payload.startswith(ENTRY_PREFIX):
        entry = kb.entry(button.payload[len(ENTRY_PREFIX) :])
        if entry is not None:
            return entry.button_label
    return button.label
