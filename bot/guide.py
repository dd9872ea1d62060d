"""The eligibility guide: "who is it for?" → a situation → (maybe one question) → services.

Everything it shows is data in the knowledge base's `situations:` (the same list
the engine reads personal stories with): a situation leads to the entries whose
services the source names for it, or, after its question (`ask`, e.g. the
child's age), to narrower situations (`choices`). Each service is one tap from
its entry; the leaf names the source and its date.

Payloads: "g:" lists the situations, "g:<situation id>" opens one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dialogue import Button, Reply

if TYPE_CHECKING:
    from bot.knowledge import Entry, KnowledgeBase, Situation

GUIDE = "g"
START_PAYLOAD = f"{GUIDE}:"
TOPICS_PAYLOAD = "t:"
ENTRY = "e"


def is_guide(payload: str | None) -> bool:
    return isinstance(payload, str) and payload.startswith(START_PAYLOAD)


class Guide:
    """The guide over one knowledge base: replies to /benefit and to its buttons."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.situations = {s.id: s for s in kb.situations}
        self._parent = {c: s for s in kb.situations for c in s.choices}

    def text(self, key: str) -> str:
        return self.kb.texts.get(key, "")

    def start(self) -> Reply:
        """Who is it for? One button a situation."""
        first = self.kb.guide_situations()
        if not first:
            return Reply("info", self.text("guide_empty"), (self._topics(),))
        buttons = tuple(Button(f"{GUIDE}:{s.id}", s.label) for s in first)
        return Reply("info", self.text("guide_intro"), buttons)

    def press(self, payload: str) -> Reply:
        """The guide's reply to one of its buttons; a stale one starts over."""
        situation = self.situations.get(payload.partition(":")[2])
        if situation is None:
            return self.start()
        if situation.choices:
            buttons = tuple(
                Button(f"{GUIDE}:{c.id}", c.label)
                for c in (self.situations.get(i) for i in situation.choices)
                if c is not None
            )
            return Reply("info", situation.ask, (*buttons, self._back()))
        return self._leaf(situation)

    def screens(self) -> frozenset[str]:
        """The texts of the guide's own menus: a press under one of them edits it in place."""
        texts = {self.text("guide_intro")}
        for situation in self.situations.values():
            texts.add(situation.ask if situation.choices else self._leaf(situation).text)
        return frozenset(t for t in texts if t)

    def entries(self, situation: Situation) -> tuple[Entry, ...]:
        """The entries a situation leads to, best first (those the file still holds)."""
        found = (self.kb.entry(i) for i in situation.entries)
        return tuple(e for e in found if e is not None)

    def title(self, situation: Situation) -> str:
        parent = self._parent.get(situation.id)
        return f"{parent.label} — {situation.label}" if parent else situation.label

    # --- the pieces -----------------------------------------------------

    def _leaf(self, situation: Situation) -> Reply:
        entries = self.entries(situation)
        lines = [f"«{self.title(situation)}»", self.text("guide_leaf")]
        lines += [f"• {e.button_label}" for e in entries]
        conditions = self.text("guide_conditions")
        if conditions:
            lines.append(conditions)
        source = self.kb.meta.get("source", "")
        if source:
            lines += ["", f"{self.text('source_label')}: {source}"]
        buttons = tuple(Button(f"{ENTRY}:{e.id}", e.button_label) for e in entries)
        return Reply("info", "\n".join(lines), (*buttons, self._back(), self._topics()))

    def _back(self) -> Button:
        return Button(START_PAYLOAD, self.text("guide_back"))

    def _topics(self) -> Button:
        return Button(TOPICS_PAYLOAD, self.text("topics_button"))


def guide_button(kb: KnowledgeBase) -> Button:
    """The welcome's "can I benefit?" button."""
    return Button(START_PAYLOAD, kb.texts.get("benefit_button", ""))
