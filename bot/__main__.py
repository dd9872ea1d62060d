"""The command line: python -m bot COMMAND. Each command's help has an example."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from bot.config import Settings
from bot.knowledge import KnowledgeBaseError


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    if getattr(args, "kb", None):
        settings = dataclasses.replace(settings, kb_path=Path(args.kb))
    if getattr(args, "db", None):
        settings = dataclasses.replace(settings, db_path=Path(args.db))
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
        return QuestionLog.from_settings(settings)  # a bad file is a logged warning, not a stop
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
    dialogue = _dialogue(settings, live=True)
    log = _open_log(settings)
    try:
        return run_console(dialogue, log)
    finally:
        if log is not None:
            log.close()  # writes what is still queued


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
            "decision": dict(reply.decision),
        },
        ensure_ascii=False,
    )


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question, or one question a line from standard input (JSON Lines with --json).

    Without --json the reply is printed as in the console chat, its choices numbered.
    Example: python -m bot ask "واش كاين محو الأمية؟" --json
    """
    from bot.console import render
    from bot.language import note_key

    settings = _settings(args)
    dialogue = _dialogue(settings)
    if args.question is not None:
        questions: Iterable[str] = [args.question]
    else:
        if hasattr(sys.stdin, "reconfigure"):
            sys.stdin.reconfigure(errors="replace")  # a non-UTF-8 line is read, never a crash
        questions = _stdin_questions(prompt=sys.stdin.isatty())
    log = _open_log(settings)
    try:
        for question in questions:
            reply = dialogue.reply(question)
            if log is not None:
                log.record_question(channel="ask", text=question, reply=reply)
            if args.json:
                print(_reply_json(reply), flush=True)
            else:
                header = f"[{reply.status} {reply.entry_id or '-'} {reply.score:.0f}]"
                key = note_key(question, reply.status)
                note = dialogue.text(key) if key else ""
                print(f"{header}\n{render(reply, dialogue, note=note)}\n", flush=True)
    finally:
        if log is not None:
            log.close()
    return 0


ASK_PROMPT = "> "
ASK_HINT = "one question a line; Ctrl-D to end"


def _stdin_questions(*, prompt: bool) -> Iterator[str]:
    """Lines of standard input; at a terminal, a hint and a prompt (on stderr) before each."""
    if prompt:
        print(ASK_HINT, file=sys.stderr)
    while True:
        if prompt:
            print(ASK_PROMPT, end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line:
            return
        yield line.rstrip("\n")


def _explain(decision: dict) -> str:
    """One line of a reply's decision: the step and its main figures."""
    parts = [str(decision.get("step", "?"))]
    for key in ("asked_for", "intent", "score", "margin", "coverage"):
        if key in decision:
            parts.append(f"{key}={decision[key]}")
    for c in decision.get("candidates", [])[:2]:
        f = c.get("features", {})
        parts.append(
            f"{c['entry_id']} p={c['probability']} lex={f.get('lexical')} "
            f"sem={f.get('semantic')}/{f.get('semantic_answer')} sit={f.get('situation')}"
        )
    if "story" in decision:
        parts.append("story=" + ",".join(s["id"] for s in decision["story"]["situations"]))
    return "; ".join(parts)


def cmd_eval(args: argparse.Namespace) -> int:
    """Score a labelled file of questions and print a table by tag (--json for machines).

    Example: python -m bot eval tests/data/labelled.yaml --failures --jobs 2
    """
    from bot.evaluation import LabelledFileError, evaluate_file, evaluate_in_processes, load_cases

    settings = _settings(args)
    try:
        if args.jobs > 1:  # the file's cases shared among processes, one core each
            cases = load_cases(args.file)
            report = evaluate_in_processes(cases, settings.kb_path, settings.thresholds, args.jobs)
        else:
            report = evaluate_file(args.file, _dialogue(settings))
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
                f" {o.entry_id or ''} {o.score:.0f}  ({_explain(o.decision)})"
            )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check a knowledge base and the lexicon: exit 0 and a summary, or exit 2 and problem lines.

    Warnings (two questions that read alike, a long answer, a phone number in an answer)
    are listed without failing; --strict makes them errors.

    Example: python -m bot validate knowledge/faq_ar.yaml --strict
    """
    from bot.knowledge import load
    from bot.lexicon_check import LEXICON_PATH, lexicon_problems

    settings = _settings(args)
    path = Path(args.path) if args.path else settings.kb_path
    kb = load(path, max_bytes=settings.kb_max_bytes)  # KnowledgeBaseError: reported by main()
    for warning in kb.warnings:
        print(warning, file=sys.stderr)
    if args.strict and kb.warnings:
        print(f"{path}: {len(kb.warnings)} warnings, refused with --strict", file=sys.stderr)
        return 2
    problems = lexicon_problems(LEXICON_PATH)
    if problems:  # the dialect words the engine reads every message with
        for problem in problems:
            print(problem, file=sys.stderr)
        return 2
    print(kb.summary())
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    """Turn an article in interview form (س: / ج:) into a draft knowledge base.

    An existing file is never replaced without --force (its previous version is kept in
    knowledge/.history/); replacing the live knowledge base is said out loud.

    Example: python -m bot ingest tests/data/ingest_sample_article.txt --out draft.yaml
    """
    from bot.ingest import IngestError, ingest_file, render_yaml

    settings = _settings(args)
    out = Path(args.out) if args.out else None
    live = out is not None and out.resolve() == settings.kb_path.resolve()
    if live and out.exists() and not args.force:
        print(
            f"error: {out} is the live knowledge base: the running bot would answer from the "
            "draft within seconds. Write the draft elsewhere (--out draft.yaml), or add --force "
            "if you really mean to replace it",
            file=sys.stderr,
        )
        return 2
    try:
        draft = ingest_file(
            Path(args.article), out, force=args.force, history_dir=settings.history_dir
        )
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for warning in draft.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if out is not None:
        print(f"{out}: {len(draft.entries)} entries written", file=sys.stderr)
        if live:
            print(
                f"warning: {out} is the live knowledge base: the running bot now answers from "
                "this draft; the previous version is in the history folder",
                file=sys.stderr,
            )
    else:
        sys.stdout.write(render_yaml(draft))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """What citizens asked: totals by status, most asked answers, unanswered groups, votes.

    --format text|csv|json|html (html: one self-contained page with a chart per day);
    --suggest adds proposals from the unanswered groups, which `adopt` can apply.

    Example: python -m bot report --since 30 --format html > report.html
    """
    from bot.report import RENDERERS, Grouper, question_lookup, suggestions, summarize
    from bot.store import LogError, open_for_reading, read_questions, read_votes

    settings = _settings(args)
    if not settings.db_path.exists():
        print(f"no question log yet at {settings.db_path}")
        return 0
    since = time.time() - args.since * 86400 if args.since is not None else None
    channel = None if args.channel == "all" else args.channel
    try:
        db = open_for_reading(settings.db_path)
        try:
            rows = read_questions(db, since=since)
            votes = read_votes(db, since=since, channel=channel)
        finally:
            db.close()
    except LogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    kb = _kb_or_none(settings)
    summary = summarize(
        rows,
        votes,
        question_of=question_lookup(kb),
        grouper=Grouper(kb),
        since=since,
        channel=channel,
        limit=args.limit,
    )
    proposed = []
    if args.suggest:
        if kb is None:
            print("error: --suggest needs a valid knowledge base (see validate)", file=sys.stderr)
            return 2
        from bot.adopt import save_suggestions
        from bot.dialogue import Dialogue

        proposed = suggestions(summary.unanswered, Dialogue(kb, thresholds=settings.thresholds))
        saved = save_suggestions(settings.db_path, proposed)
        if saved is not None:
            print(f"suggestions kept in {saved} for `python -m bot adopt`", file=sys.stderr)
    sys.stdout.write(RENDERERS[args.format](summary, proposed))
    return 0


def _kb_or_none(settings: Settings):
    """The knowledge base, or None (and a note): a report is still worth reading without it."""
    from bot.knowledge import load

    try:
        return load(settings.kb_path)
    except KnowledgeBaseError as exc:
        first = str(exc).splitlines()[0]
        print(
            f"note: entries shown by id; the knowledge base is not valid: {first}", file=sys.stderr
        )
        return None


def cmd_purge(args: argparse.Namespace) -> int:
    """Delete logged questions and votes older than the retention (default 90 days).

    The bot also purges at start-up; FAQ_LOG_RETENTION_DAYS sets the retention.

    Example: python -m bot purge --days 30
    """
    from bot.store import LogError, purge_file

    settings = _settings(args)
    days = args.days if args.days is not None else settings.log_retention_days
    if not settings.db_path.exists():
        print(f"no question log at {settings.db_path}: nothing to purge")
        return 0
    try:
        questions, votes = purge_file(settings.db_path, days)
    except LogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{settings.db_path}: removed {questions} questions and {votes} votes")
    print(f"(kept: the last {days:g} days)")
    return 0


def cmd_adopt(args: argparse.Namespace) -> int:
    """Add suggested alternatives (ids from `report --suggest`) to the knowledge base.

    Keeps the file's comments, order and layout; validates, shows how the bot's decisions
    change on the labelled files, keeps the previous version, then writes.

    Example: python -m bot adopt a-3f9c1e --dry-run
    """
    from bot.adopt import AdoptError, adopt

    settings = _settings(args)
    try:
        return adopt(
            settings,
            args.ids,
            labelled=[Path(p) for p in args.labelled] if args.labelled else None,
            dry_run=args.dry_run,
            force=args.force,
            out=sys.stdout,
        )
    except AdoptError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": cmd_run,
    "chat": cmd_chat,
    "telegram": cmd_telegram,
    "ask": cmd_ask,
    "eval": cmd_eval,
    "validate": cmd_validate,
    "ingest": cmd_ingest,
    "report": cmd_report,
    "purge": cmd_purge,
    "adopt": cmd_adopt,
}
# --kb where a knowledge base is read; --db where the question log is read or written.
KB_COMMANDS = frozenset({"run", "chat", "telegram", "ask", "eval", "validate", "report", "adopt"})
LOG_COMMANDS = frozenset({"run", "chat", "telegram", "ask", "report", "purge", "adopt"})


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
        if name in KB_COMMANDS:
            command.add_argument(
                "--kb",
                metavar="PATH",
                help="knowledge-base file (default: $FAQ_PATH or knowledge/faq_ar.yaml)",
            )
        if name in LOG_COMMANDS:
            command.add_argument(
                "--db",
                metavar="PATH",
                help="question log (default: $FAQ_DB or data/questions.sqlite3)",
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
            command.add_argument(
                "--jobs", type=int, default=1, help="processes to share the cases (one core each)"
            )
        elif name == "validate":
            command.add_argument("path", nargs="?", help="the file (default: --kb)")
            command.add_argument("--strict", action="store_true", help="warnings are errors")
        elif name == "ingest":
            command.add_argument("article", help="the article text file")
            command.add_argument("--out", metavar="FILE", help="write the draft here")
            command.add_argument(
                "--force", action="store_true", help="replace an existing file (kept in history)"
            )
        elif name == "report":
            command.add_argument("--limit", type=int, default=30, help="rows per section")
            command.add_argument(
                "--since", type=float, metavar="DAYS", help="only the last DAYS days"
            )
            command.add_argument(
                "--channel",
                default="telegram",
                choices=["telegram", "console", "ask", "all"],
                help="whose questions (default telegram: citizens, not staff's tests)",
            )
            command.add_argument(
                "--format", default="text", choices=["text", "csv", "json", "html"]
            )
            command.add_argument(
                "--suggest", action="store_true", help="propose alternatives and new entries"
            )
        elif name == "purge":
            command.add_argument(
                "--days", type=float, help="keep this many days (default: the retention, 90)"
            )
        elif name == "adopt":
            command.add_argument("ids", nargs="+", metavar="SUGGESTION_ID")
            command.add_argument(
                "--labelled",
                action="append",
                metavar="FILE",
                help="labelled questions to compare on (default tests/data/labelled.yaml, "
                "and ../shared/eval/dev.yaml when present); repeatable",
            )
            command.add_argument(
                "--dry-run", action="store_true", help="show the changes, write nothing"
            )
            command.add_argument(
                "--force", action="store_true", help="write even if the labelled files get worse"
            )
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
