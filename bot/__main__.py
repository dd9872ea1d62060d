"""The command line: python -m bot COMMAND. Each command's help has an example."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.config import Settings
from bot.knowledge import KnowledgeBaseError


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    if getattr(args, "kb", None):
        settings = dataclasses.replace(settings, kb_path=Path(args.kb))
    return settings


def _dialogue(settings: Settings, *, live: bool = False):
    """The dialogue over the knowledge base; `live` ones (chats) follow edits of the file
    and start on the last good copy when it is broken."""
    from bot.dialogue import Dialogue
    from bot.source import source_for

    return Dialogue(source_for(settings, live=live), thresholds=settings.thresholds)


def _open_log(settings: Settings):
    from bot.store import QuestionLog

    try:
        return QuestionLog(settings.db_path)
    except Exception as exc:  # the chat works without a log; say why there is none
        print(f"note: question log disabled ({settings.db_path}: {exc})", file=sys.stderr)
        return None


def cmd_run(args: argparse.Namespace) -> int:
    """Run the bot: the Telegram bot when TELEGRAM_BOT_TOKEN is set, else the console chat.

    Example: python -m bot run
    """
    if _settings(args).telegram_token:
        return cmd_telegram(args)
    return cmd_chat(args)


def cmd_chat(args: argparse.Namespace) -> int:
    """Chat in the console; type a number to press a button, /topics, /help, /quit.

    Example: echo "شنو هو التعاون الوطني؟" | python -m bot chat
    """
    from bot.console import run_console

    settings = _settings(args)
    return run_console(_dialogue(settings, live=True), _open_log(settings))


def cmd_telegram(args: argparse.Namespace) -> int:
    """Run the Telegram bot (long polling, or --webhook); needs TELEGRAM_BOT_TOKEN.

    Example: TELEGRAM_BOT_TOKEN=123456:ABC... python -m bot telegram --webhook
    """
    from bot.telegram import run

    return run(_settings(args), webhook=getattr(args, "webhook", False))


def _reply_json(reply) -> str:
    return json.dumps(
        {
            "status": reply.status,
            "entry_id": reply.entry_id,
            "score": round(float(reply.score), 2),
            "answer": reply.text if reply.status in ("answered", "smalltalk") else None,
            "suggestions": [dataclasses.asdict(s) for s in reply.suggestions],
        },
        ensure_ascii=False,
    )


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question, or one question a line from standard input (JSON Lines with --json).

    Example: python -m bot ask "واش كاين محو الأمية؟" --json
    """
    dialogue = _dialogue(_settings(args))
    questions = (
        [args.question] if args.question is not None else (line.rstrip("\n") for line in sys.stdin)
    )
    for question in questions:
        reply = dialogue.reply(question)
        if args.json:
            print(_reply_json(reply), flush=True)
        else:
            print(f"[{reply.status} {reply.entry_id or '-'} {reply.score:.0f}]\n{reply.text}\n")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Score a labelled file of questions and print a table by tag (--json for machines).

    Example: python -m bot eval ../shared/eval/dev.yaml --failures
    """
    from bot.evaluation import LabelledFileError, evaluate_file

    dialogue = _dialogue(_settings(args))
    try:
        report = evaluate_file(args.file, dialogue)
    except LabelledFileError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.json:
        print(report.as_json())
        return 0
    print(report.as_table())
    if args.failures:
        for o in report.failures():
            print(
                f"  [{o.tag}] {o.question!r}: expected {o.expected}, got {o.status}"
                f" {o.entry_id or ''} {o.score:.0f}"
            )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check a knowledge-base file: exit 0 and a summary, or exit 2 and PATH:LINE:COLUMN lines.

    Example: python -m bot validate knowledge/faq_ar.yaml
    """
    from bot.knowledge import load

    settings = _settings(args)
    path = Path(args.path) if args.path else settings.kb_path
    kb = load(path, max_bytes=settings.kb_max_bytes)  # KnowledgeBaseError: reported by main()
    print(kb.summary())
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    """Turn an article in interview form (س: / ج:) into a draft knowledge base.

    Example: python -m bot ingest ../shared/source/000_50ef587a88b79e0a.txt --out draft.yaml
    """
    from bot.ingest import IngestError, ingest_file, render_yaml

    try:
        draft = ingest_file(Path(args.article), Path(args.out) if args.out else None)
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for warning in draft.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.out:
        print(f"{args.out}: {len(draft.entries)} entries written", file=sys.stderr)
    else:
        sys.stdout.write(render_yaml(draft))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Show what citizens asked that went unanswered, and the feedback per answer.

    Example: python -m bot report --limit 20
    """
    from bot.store import QuestionLog

    settings = _settings(args)
    if not settings.db_path.exists():
        print(f"no question log yet at {settings.db_path}")
        return 0
    log = QuestionLog(settings.db_path)
    counts = log.status_counts()
    total = sum(counts.values())
    print(f"questions logged: {total} " + " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    print("\nunanswered (most asked first):")
    for q in log.unanswered(limit=args.limit):
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(q.last_asked))
        print(f"  {q.times:>3}×  {q.status:<8} {when}  {q.text}")
    totals = log.feedback_totals()
    if totals:
        print("\nfeedback per answer (👍 / 👎):")
        for t in totals:
            print(f"  {t.entry_id:<24} {t.helpful:>3} / {t.not_helpful:<3}")
    log.close()
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": cmd_run,
    "chat": cmd_chat,
    "telegram": cmd_telegram,
    "ask": cmd_ask,
    "eval": cmd_eval,
    "validate": cmd_validate,
    "ingest": cmd_ingest,
    "report": cmd_report,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="FAQ bot about the Entraide Nationale (التعاون الوطني) in Taza province.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, func in COMMANDS.items():
        doc = (func.__doc__ or "").strip()
        summary = doc.splitlines()[0]
        command = sub.add_parser(
            name,
            help=summary,
            description=doc,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_argument(
            "--kb",
            metavar="PATH",
            help="knowledge-base file (default: $FAQ_PATH or knowledge/faq_ar.yaml)",
        )
        command.set_defaults(func=func)
        if name in ("run", "telegram"):
            command.add_argument(
                "--webhook",
                action="store_true",
                help="receive updates by webhook instead of long polling",
            )
        elif name == "ask":
            command.add_argument("question", nargs="?", help="the question; omit to read stdin")
            command.add_argument("--json", action="store_true", help="print JSON objects")
        elif name == "eval":
            command.add_argument("file", help="labelled questions (YAML)")
            command.add_argument("--json", action="store_true", help="print JSON")
            command.add_argument("--failures", action="store_true", help="list the misses")
        elif name == "validate":
            command.add_argument("path", nargs="?", help="the file (default: --kb)")
        elif name == "ingest":
            command.add_argument("article", help="the article text file")
            command.add_argument("--out", metavar="FILE", help="write the draft here")
        elif name == "report":
            command.add_argument("--limit", type=int, default=30, help="how many questions")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its URLs carry the bot token
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KnowledgeBaseError as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
