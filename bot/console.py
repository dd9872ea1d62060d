"""The console adapter: the same conversation as Telegram, in a terminal or a pipe."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.bidi import rtl
from bot.dialogue import Button, Dialogue, Reply
from bot.guide import Guide, is_guide
from bot.labels import button_label
from bot.language import note_key
from bot.store import QuestionLog
from bot.views import deep_link, next_steps, welcome, with_back

QUIT_COMMANDS = frozenset({"/quit", "/exit", "/q"})
PROMPT = "> "


def render(reply: Reply, dialogue: Dialogue | None = None, *, note: str = "") -> str:
    """A Reply as terminal text: buttons become numbered choices, right-to-left safe.

    With the dialogue, buttons to entries show the entries' short labels.
    """
    lines = [note, ""] if note else []
    lines.append(rtl(reply.text))
    if reply.buttons:
        lines.append("")
        title = dialogue.text("follow_up") if dialogue is not None else ""
        if reply.status == "answered" and title and reply.buttons[0].payload.startswith("e:"):
            lines.append(title)
        for n, button in enumerate(reply.buttons, 1):
            label = button_label(dialogue.kb, button) if dialogue is not None else button.label
            lines.append(rtl(f"  [{n}] {label}"))
    return "\n".join(lines)


class ConsoleChat:
    """Reads lines, answers them; a number picks one of the last reply's buttons."""

    def __init__(self, dialogue: Dialogue, log: QuestionLog | None = None) -> None:
        self.dialogue = dialogue
        self.log = log
        self.buttons: tuple[Button, ...] = ()
        self.note = ""  # the French line before the last reply, if any

    def handle(self, line: str) -> Reply | None:
        """The reply to one typed line, or None for a line that asks nothing."""
        self.note = ""
        text = line.strip()
        if not text:
            return None
        if text.startswith("/"):
            return self._command(text)
        choice = _choice_number(text)
        if choice is not None and 1 <= choice <= len(self.buttons):
            payload = self.buttons[choice - 1].payload
            if self.log is not None:
                self.log.record_choice(channel="console", payload=payload)
            return self.press(payload)
        reply = self.dialogue.reply(text)
        if self.log is not None:
            self.log.record_question(channel="console", text=text, reply=reply)
        key = note_key(text, reply.status)
        if key:
            self.note = self.dialogue.text(key)
        return reply

    def _command(self, text: str) -> Reply:
        """/start [TOPIC], /help, /topics, /benefit; any other command gets the help."""
        command, *args = text.split()
        command = command.lower()
        if command == "/start":
            link = deep_link(self.dialogue, args[0]) if args else None
            return link or welcome(self.dialogue)
        if command == "/topics":
            return self.dialogue.topics()
        if command == "/benefit":
            return Guide(self.dialogue.kb).start()
        return self.dialogue.help()  # /help, and as in Telegram an unknown command

    def press(self, payload: str) -> Reply:
        """The reply to a numbered choice, as Telegram replies to the same button."""
        if is_guide(payload):
            return Guide(self.dialogue.kb).press(payload)
        reply = self.dialogue.press(payload)
        if payload.startswith("c:") and any(b.payload.startswith("e:") for b in reply.buttons):
            return with_back(reply, self.dialogue)
        return reply

    def show(self, reply: Reply, stdout: TextIO) -> None:
        reply = next_steps(reply, self.dialogue)
        self.buttons = reply.buttons
        print(render(reply, self.dialogue, note=self.note), file=stdout)
        print(file=stdout)

    def run(self, stdin: TextIO, stdout: TextIO, *, interactive: bool) -> int:
        if interactive:
            self.show(welcome(self.dialogue), stdout)
        while True:
            if interactive:
                print(PROMPT, end="", file=stdout, flush=True)
            line = stdin.readline()
            if not line:
                break
            if line.strip().lower() in QUIT_COMMANDS:
                break
            reply = self.handle(line)
            if reply is not None:
                self.show(reply, stdout)
        return 0


def _choice_number(text: str) -> int | None:
    digits = text.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))
    return int(digits) if digits.isdigit() and len(digits) <= 2 else None


def run_console(dialogue: Dialogue, log: QuestionLog | None = None) -> int:
    interactive = sys.stdin.isatty()
    # Bytes that are not UTF-8 (a pasted Windows-1256 line) become U+FFFD, never a crash.
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")
    return ConsoleChat(dialogue, log).run(sys.stdin, sys.stdout, interactive=interactive)
