"""What a 👎 leads to: other questions near the answer that did not help, and the topics."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dialogue import Button, Reply

if TYPE_CHECKING:
    from bot.knowledge import KnowledgeBase

MAX_RELATED = 4


def related_entries(kb: KnowledgeBase, entry_id: str | None) -> list[str]:
    """Ids near an entry: the same category's other questions first, then its follow-ups.

    The follow-ups are already under the answer; the category's other
    questions are what the citizen has not been offered yet.
    """
    entry = kb.entry(entry_id) if entry_id else None
    if entry is None:
        return []
    ids: list[str] = []
    for other in (*(e.id for e in kb.in_category(entry.category)), *entry.follow_up):
        if other != entry.id and other not in ids and kb.entry(other) is not None:
            ids.append(other)
    return ids[:MAX_RELATED]


def after_thumbs_down(kb: KnowledgeBase, entry_id: str | None) -> Reply:
    """ "Sorry it did not help": related questions, the guide, the topics."""
    texts = kb.texts
    buttons = [Button(f"e:{i}", kb.entry(i).button_label) for i in related_entries(kb, entry_id)]
    if kb.situations:
        buttons.append(Button("g:", texts.get("benefit_button", "")))
    buttons.append(Button("t:", texts.get("topics_button", "")))
    return Reply("info", texts.get("feedback_sorry", ""), tuple(buttons))
