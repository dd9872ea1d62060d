"""Turning a dialogue Reply into Telegram messages: plain text, split to fit, with buttons."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

from bot.bidi import rtl
from bot.labels import ENTRY_PREFIX, button_label
from bot.views import next_steps

if TYPE_CHECKING:
    from bot.dialogue import Reply
    from bot.handlers.services import Services

logger = logging.getLogger(__name__)

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096
MAX_PAYLOAD = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA  # 64 bytes
FEEDBACK = "f"  # our own payload prefix: "f:<1|0>:<question id or empty>:<entry id>"
TOPICS_PAYLOAD = "t:"
NOOP_PAYLOAD = "x:"  # a title or a thanks row: pressing it only stops the spinner
THUMBS_UP, THUMBS_DOWN = "👍", "👎"

# A sentence ends with . ! ? ؟ … or the Urdu/Arabic full stop, maybe closed by a quote or
# bracket, then whitespace; a line break always ends one.
_SENTENCE_END = re.compile(r"[.!?\u061f\u2026\u06d4]+[\"'»)\]]*\s+|\n+")
_SPACE = re.compile(r"\s+")

Send = Callable[..., Awaitable[Any]]


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji outside the BMP is 2)."""
    return len(text.encode("utf-16-le")) // 2


def _prefix_fitting(text: str, limit: int) -> int:
    """The number of code points of `text` whose UTF-16 length is at most `limit`."""
    if utf16_len(text) <= limit:
        return len(text)
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split `text` into chunks of at most `limit` UTF-16 units, at sentence ends if possible.

    Falls back to a space, then to a hard cut, when a sentence alone is longer
    than the limit. Chunks are stripped and never empty. Every chunk holds at
    least one character, so the split always ends: a character wider than the
    limit (an emoji is 2 units) gets a chunk of its own.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1 UTF-16 unit, got {limit}")
    chunks: list[str] = []
    rest = text.strip()
    while utf16_len(rest) > limit:
        window = rest[: _prefix_fitting(rest, limit)]
        cut = 0
        for pattern in (_SENTENCE_END, _SPACE):
            ends = [m.end() for m in pattern.finditer(window)]
            # A boundary in the first quarter would leave a tiny chunk: try the next rule.
            if ends and ends[-1] > limit // 4:
                cut = ends[-1]
                break
        if not cut:
            cut = max(len(window), 1)  # at least one character: the loop always advances
        chunk = rest[:cut].strip()
        if chunk:
            chunks.append(chunk)
        rest = rest[cut:].strip()
    if rest:
        chunks.append(rest)
    return chunks


def feedback_payload(helpful: bool, entry_id: str, question_id: int | None) -> str:
    qid = "" if question_id is None else str(question_id)
    payload = f"{FEEDBACK}:{int(helpful)}:{qid}:{entry_id}"
    if len(payload.encode()) > MAX_PAYLOAD:
        payload = f"{FEEDBACK}:{int(helpful)}:{qid}:"  # the log row still names the entry
    return payload


def parse_feedback(payload: str) -> tuple[bool, int | None, str | None] | None:
    """(helpful, question id, entry id) from a feedback payload, or None if it is not one."""
    parts = payload.split(":", 3)
    if len(parts) != 4 or parts[0] != FEEDBACK or parts[1] not in ("0", "1"):
        return None
    qid = int(parts[2]) if parts[2].isdigit() else None
    return parts[1] == "1", qid, parts[3] or None


def is_feedback(payload: str | None) -> bool:
    return bool(payload) and payload.startswith(f"{FEEDBACK}:")


def _button(label: str, payload: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=payload)


def feedback_row(entry_id: str, question_id: int | None) -> list[InlineKeyboardButton]:
    return [
        _button(THUMBS_UP, feedback_payload(True, entry_id, question_id)),
        _button(THUMBS_DOWN, feedback_payload(False, entry_id, question_id)),
    ]


def keyboard(
    reply: Reply, services: Services, question_id: int | None = None
) -> InlineKeyboardMarkup | None:
    """The buttons of a reply, one a row (Arabic labels are long), entries by their labels.

    Under an answer: 👍 / 👎 first, right under the text and its question
    "was this useful?"; then the follow-up title and questions; then the topics.
    No answer: the related questions, the guide, the topics.
    """
    kb = services.dialogue.kb
    reply = next_steps(reply, services.dialogue)
    answered = reply.status == "answered" and bool(reply.entry_id)
    content: list[InlineKeyboardButton] = []
    for button in reply.buttons:
        # Telegram refuses the whole message if one payload is too long: drop that button only.
        if not button.payload or len(button.payload.encode()) > MAX_PAYLOAD:
            logger.warning("button payload over %d bytes dropped: %r", MAX_PAYLOAD, button.payload)
            continue
        content.append(_button(button_label(kb, button), button.payload))
    rows: list[list[InlineKeyboardButton]] = []
    if answered:
        assert reply.entry_id is not None
        rows.append(feedback_row(reply.entry_id, question_id))
        if any(b.payload.startswith(ENTRY_PREFIX) for b in reply.buttons):
            # the follow-ups' title, as a row: Telegram has no text between buttons
            rows.append([_button(services.text("follow_up"), NOOP_PAYLOAD)])
    rows.extend([b] for b in content)
    return InlineKeyboardMarkup(rows) if rows else None


def thanked(markup: InlineKeyboardMarkup | None, thanks: str) -> InlineKeyboardMarkup | None:
    """The same keyboard with the 👍 / 👎 row replaced by the thanks: one vote per answer."""
    if markup is None:
        return None
    rows = []
    for row in markup.inline_keyboard:
        if any(
            is_feedback(b.callback_data if isinstance(b.callback_data, str) else None) for b in row
        ):
            rows.append([_button(thanks, NOOP_PAYLOAD)])
        else:
            rows.append(list(row))
    return InlineKeyboardMarkup(rows) if rows else None


def compose(reply: Reply, services: Services, *, note: str = "") -> str:
    """The text a user sees: the reply, the feedback question under an answer, RTL-safe.

    `note` (a French line saying the answer is Arabic) goes first, left as written.
    """
    text = reply.text.strip() or services.text("error")
    if reply.status == "answered":
        prompt = services.dialogue.text("feedback_prompt")
        if prompt:
            text = f"{text}\n\n{prompt}"
    text = rtl(text)
    return f"{note}\n\n{text}" if note else text


async def send_reply(
    send: Send,
    reply: Reply,
    services: Services,
    *,
    question_id: int | None = None,
    note: str = "",
) -> None:
    """Send a Reply as plain text (no parse mode: nothing a user typed can break it).

    `send(text, reply_markup=...)` is `message.reply_text` or a bound `bot.send_message`.
    A long reply goes out in several messages; the buttons ride on the last one.
    """
    chunks = split_text(compose(reply, services, note=note))
    markup = keyboard(reply, services, question_id)
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        await send(chunk, reply_markup=markup if last else None)
