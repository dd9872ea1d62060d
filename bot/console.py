"""The console adapter: the same conversation as Telegram, in a terminal or a pipe."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.dialogue import Button, Dialogue, Reply
from bot.store import QuestionLog

QUIT_COMMANDS = frozenset({"/quit", "/exit", "/q"})
PROMPT = "> "


def render(reply: Reply) -> str:
    """A Reply as terminal text: buttons become numbered choices."""
    lines = [reply.text]
    if reply.buttons:
        lines.append("")
        lines.extend(f"  [{n}] {button.label}" for n, button in enumerate(reply.buttons, 1))
    return "\n".join(lines)


class ConsoleChat:
    """Reads lines, answers them; a number picks one of the last reply's buttons."""

    def __init__(self, dialogue: Dialogue, log: QuestionLog | None = None) -> None:
        self.dialogue = dialogue
        self.log = log
        self.buttons: tuple[Button, ...] = ()

    def handle(self, line: str) -> Reply | None:
        """The reply to one typed line, or None for a line that asks nothing."""
        text = line.strip()
        if not text:
            return None
        command = text.split()[0].lower()
        if command == "/start":
            return self.dialogue.welcome()
        if command == "/help":
            return self.dialogue.help()
        if command == "/topics":
            return self.dialogue.topics()
        choice = _choice_number(text)
        if choice is not None and 1 <= choice <= len(self.buttons):
            payload = self.buttons[choice - 1].payload
            if self.log is not None:
                self.log.record_choice(channel="console", payload=payload)
            return self.dialogue.press(payload)
        reply = self.dialogue.reply(text)
        if self.log is not None:
            self.log.record_question(channel="console", text=text, reply=reply)
        return reply

    def run(self, stdin: TextIO, stdout: TextIO, *, interactive: bool) -> int:
        def show(reply: Reply) -> None:
            self.buttons = reply.buttons
            print(render(reply), file=stdout)
            print(file=stdout)

        if interactive:
            show(self.dialogue.welcome())
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
                show(reply)
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
