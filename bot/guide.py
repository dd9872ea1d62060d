"""The eligibility guide: "who is it for?" → a situation → (maybe one question) → services.

Everything it shows is data in the knowledge base: the situations (`situations:`,
the same list the engine reads personal stories with), the optional question a
situation asks first (`asks:`, e.g. the child's age), and the entries each leads
to. Each service is one tap from its entry; the leaf names the source and its date.

Payloads: "g:" lists the situations, "g:<situation>" opens one, and
"g:<situation>:<n>" is the n-th answer (from 1) to the question it asks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.dialogue import Button, Reply

if TYPE_CHECKING:
    from bot.knowledge import Entry, KnowledgeBase

GUIDE = "g"
START_PAYLOAD = f"{GUIDE}:"
TOPICS_PAYLOAD = "t:"
ENTRY = "e"


def is_guide(payload: str | None) -> bool:
    return isinstance(payload, str) and payload.startswith(START_PAYLOAD)


def situations(kb: KnowledgeBase) -> tuple[Any, ...]:
    return tuple(getattr(kb, "situations", ()) or ())


def asks(kb: KnowledgeBase) -> dict[str, Any]:
    return {ask.id: ask for ask in getattr(kb, "asks", ()) or ()}


class Guide:
    """The guide over one knowledge base: replies to /benefit and to its buttons."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.situations = {s.id: s for s in situations(kb)}
        self.asks = asks(kb)

    def text(self, key: str) -> str:
        return self.kb.texts.get(key, "")

    def start(self) -> Reply:
        """Who is it for? One button a situation."""
        if not self.situations:
            return Reply(
                "info", self.text("guide_empty"), (Button(TOPICS_PAYLOAD, self._topics()),)
            )
        buttons = tuple(Button(f"{GUIDE}:{s.id}", s.label) for s in self.situations.values())
        return Reply("info", self.text("guide_intro"), buttons)

    def press(self, payload: str) -> Reply:
        """The guide's reply to one of its buttons; a stale one starts over."""
        _, _, rest = payload.partition(":")
        situation_id, _, option = rest.partition(":")
        situation = self.situations.get(situation_id)
        if situation is None:
            return self.start()
        ask = self.asks.get(situation.ask) if getattr(situation, "ask", None) else None
        if ask is None:
            return self._leaf(situation.label, situation.entries)
        if not option:
            buttons = tuple(
                Button(f"{GUIDE}:{situation.id}:{n}", o.label) for n, o in enumerate(ask.options, 1)
            )
            return Reply("info", ask.question, (*buttons, self._back()))
        if option.isdigit() and 1 <= int(option) <= len(ask.options):
            chosen = ask.options[int(option) - 1]
            return self._leaf(f"{situation.label} — {chosen.label}", chosen.entries)
        return self.press(f"{GUIDE}:{situation.id}")

    def screens(self) -> frozenset[str]:
        """The texts of the guide's own menus: a press under one of them edits it in place."""
        texts = {self.text("guide_intro")} | {ask.question for ask in self.asks.values()}
        return frozenset(t for t in texts if t)

    def leaf_entries(self, situation_id: str, option: int | None = None) -> tuple[Entry, ...]:
        """The entries a situation (and an answer to its question) leads to, in order."""
        situation = self.situations[situation_id]
        ask = self.asks.get(situation.ask) if getattr(situation, "ask", None) else None
        ids = (
            situation.entries if ask is None or option is None else ask.options[option - 1].entries
        )
        return tuple(e for e in (self.kb.entry(i) for i in ids) if e is not None)

    # --- the pieces -----------------------------------------------------

    def _leaf(self, title: str, entry_ids: tuple[str, ...]) -> Reply:
        entries = [e for e in (self.kb.entry(i) for i in entry_ids) if e is not None]
        lines = [f"«{title}»", self.text("guide_leaf")]
        lines += [f"• {e.button_label}" for e in entries]
        conditions = self.text("guide_conditions")
        if conditions:
            lines.append(conditions)
        source = self.kb.meta.get("source", "")
        if source:
            lines += ["", f"{self.text('source_label')}: {source}"]
        buttons = tuple(Button(f"{ENTRY}:{e.id}", e.button_label) for e in entries)
        return Reply(
            "info",
            "\n".join(lines),
            (*buttons, self._back(), Button(TOPICS_PAYLOAD, self._topics())),
        )

    def _back(self) -> Button:
        return Button(START_PAYLOAD, self.text("guide_back"))

    def _topics(self) -> str:
        return self.text("topics_button")


def guide_button(kb: KnowledgeBase) -> Button:
    """The welcome's "can I benefit?" button."""
    return Button(START_PAYLOAD, kb.texts.get("benefit_button", ""))
