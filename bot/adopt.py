"""Adopt suggestions from `report --suggest`: new alternatives written into the staff's file.

The file is edited with a round-trip YAML library (ruamel.yaml): comments, key order,
quoting and layout stay as staff wrote them; only the new alternatives appear. Before
anything is written the new file is validated, and the engine's decisions on the
labelled files are compared before and after, so that an adopted wording that makes
the bot answer an out-of-scope question is seen (and refused without --force).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.report import Suggestion

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.evaluation import Report
    from bot.knowledge import KnowledgeBase

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LABELLED = (
    PROJECT_ROOT / "tests" / "data" / "labelled.yaml",
    PROJECT_ROOT.parent / "shared" / "eval" / "dev.yaml",
)


class AdoptError(Exception):
    """Nothing was written; str() says why."""


def suggestions_path(db_path: Path) -> Path:
    return Path(f"{db_path}.suggestions.json")


def save_suggestions(db_path: Path, suggested: Sequence[Suggestion]) -> Path | None:
    """Keep what `report --suggest` proposed, so `adopt ID` applies exactly that."""
    path = suggestions_path(db_path)
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump([asdict(s) for s in suggested], handle, ensure_ascii=False, indent=1)
        os.replace(temp, path)
    except OSError:
        return None
    return path


def load_suggestions(db_path: Path) -> dict[str, Suggestion]:
    path = suggestions_path(db_path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {item["id"]: Suggestion(**item) for item in raw}
    except FileNotFoundError:
        raise AdoptError(
            f"no suggestions yet ({path}): run `python -m bot report --suggest` first"
        ) from None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise AdoptError(
            f"{path}: cannot read the suggestions ({exc}); run report --suggest"
        ) from None


def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip: comments, order and quoting survive
    yaml.preserve_quotes = True
    yaml.width = 100_000  # never re-wrap staff's long lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def add_alternatives(text: str, additions: Sequence[tuple[str, str]]) -> tuple[str, list[str]]:
    """The file's text with each (entry id, wording) added; and notes on what was skipped."""
    from bot.arabic import normalize

    yaml = _yaml()
    try:
        document = yaml.load(text)
    except Exception as exc:  # the file was valid a moment ago; say so rather than trace
        raise AdoptError(f"the knowledge base cannot be read for editing: {exc}") from None
    entries = {str(e.get("id")): e for e in document.get("entries") or [] if hasattr(e, "get")}
    notes = []
    for entry_id, wording in additions:
        entry = entries.get(entry_id)
        if entry is None:
            raise AdoptError(f"entry '{entry_id}' is no longer in the knowledge base")
        alternatives = entry.get("alternatives")
        if isinstance(alternatives, str):
            alternatives = [alternatives]
        known = {normalize(str(t)) for t in [entry.get("question", ""), *(alternatives or [])]}
        if normalize(wording) in known:
            notes.append(f"«{wording}» is already a way of asking '{entry_id}': skipped")
            continue
        if alternatives is None:
            from ruamel.yaml.comments import CommentedSeq

            after = list(entry).index("question") + 1 if "question" in entry else len(entry)
            entry.insert(after, "alternatives", CommentedSeq([wording]))
        elif isinstance(entry["alternatives"], str):
            entry["alternatives"] = [entry["alternatives"], wording]
        else:
            entry["alternatives"].append(wording)
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue(), notes


def _decisions(report: Report) -> dict[str, tuple[str, str | None, float, bool]]:
    return {o.question: (o.status, o.entry_id, o.credit, o.wrong_answer) for o in report.outcomes}


def compare(
    before: KnowledgeBase,
    after: KnowledgeBase,
    files: Sequence[Path],
    settings: Settings,
    asked: Sequence[str],
    out: TextIO,
) -> bool:
    """Print the engine's decisions before and after; True if anything got worse."""
    from bot.dialogue import Dialogue
    from bot.evaluation import evaluate, load_cases

    old = Dialogue(before, thresholds=settings.thresholds)
    new = Dialogue(after, thresholds=settings.thresholds)
    worse = False
    print("the adopted wordings:", file=out)
    for text in asked:
        a, b = old.reply(text), new.reply(text)
        print(
            f"  «{text}»: {a.status} {a.entry_id or '-'} → {b.status} {b.entry_id or '-'}", file=out
        )
    for path in files:
        cases = load_cases(path)
        r0, r1 = evaluate(cases, old.reply), evaluate(cases, new.reply)
        s0, s1 = r0.by_tag()["overall"], r1.by_tag()["overall"]
        print(
            f"{path}: {len(cases)} cases: score {s0['accuracy']:.1f}% → {s1['accuracy']:.1f}%, "
            f"wrong answers {int(s0['wrong_answers'])} → {int(s1['wrong_answers'])}, "
            f"out-of-scope answered {r0.out_of_scope_answered} → {r1.out_of_scope_answered}",
            file=out,
        )
        d0, d1 = _decisions(r0), _decisions(r1)
        changed = [q for q in d0 if d0[q][:2] != d1.get(q, d0[q])[:2]]
        for q in changed:
            (st0, e0, c0, _), (st1, e1, c1, w1) = d0[q], d1[q]
            mark = "worse" if c1 < c0 else "better" if c1 > c0 else "changed"
            expected = next(c.expect for c in cases if c.question == q)
            if w1 and expected == "no_match":
                mark = "WORSE: out-of-scope question now answered"
            print(f"  [{mark}] «{q}»: {st0} {e0 or '-'} → {st1} {e1 or '-'}", file=out)
        if s1["wrong_answers"] > s0["wrong_answers"] or (
            r1.out_of_scope_answered > r0.out_of_scope_answered
        ):
            worse = True
    return worse


def adopt(
    settings: Settings,
    ids: Sequence[str],
    *,
    labelled: Sequence[Path] | None = None,
    dry_run: bool = False,
    force: bool = False,
    out: TextIO,
) -> int:
    """Apply the suggestions `ids` to the knowledge base at settings.kb_path; an exit code."""
    from bot.files import WriteRefused, write_text_safely
    from bot.knowledge import KnowledgeBaseError, load, parse

    available = load_suggestions(settings.db_path)
    chosen = []
    for sid in ids:
        s = available.get(sid)
        if s is None:
            known = ", ".join(sorted(i for i, x in available.items() if x.kind == "alternative"))
            raise AdoptError(f"no suggestion '{sid}' (alternatives on offer: {known or 'none'})")
        if s.kind != "alternative" or not s.entry_id:
            raise AdoptError(
                f"'{sid}' proposes a new entry («{s.text}»): its answer must come from a source, "
                "so write it into the knowledge base by hand"
            )
        chosen.append(s)
    path = settings.kb_path
    try:
        before = load(path)
        text = path.read_text(encoding="utf-8-sig")
    except KnowledgeBaseError as exc:
        raise AdoptError(f"the knowledge base is not valid now; fix it first:\n{exc}") from None
    new_text, notes = add_alternatives(text, [(s.entry_id or "", s.text) for s in chosen])
    for note in notes:
        print(f"note: {note}", file=out)
    if new_text == text:
        print("nothing to change", file=out)
        return 0
    try:
        after = parse(new_text, str(path))
    except KnowledgeBaseError as exc:
        raise AdoptError(f"the result would not be valid; nothing written:\n{exc}") from None
    new_warnings = {str(w) for w in after.warnings} - {str(w) for w in before.warnings}
    for warning in sorted(new_warnings):
        print(warning, file=out)
    files = [p for p in (labelled or DEFAULT_LABELLED) if Path(p).is_file()]
    worse = compare(before, after, files, settings, [s.text for s in chosen], out)
    if dry_run:
        print("dry run: nothing written", file=out)
        return 0
    if worse and not force:
        print(
            "refused: the bot would give more wrong answers, or answer out-of-scope questions "
            "(above); nothing written. Add --force if that is truly intended",
            file=out,
        )
        return 2
    try:
        kept = write_text_safely(
            path,
            new_text,
            check=parse,
            history_dir=settings.history_dir,
            keep=settings.history_keep,
        )
    except (WriteRefused, KnowledgeBaseError) as exc:
        raise AdoptError(str(exc)) from None
    added = len(chosen) - len(notes)
    print(f"{path}: {added} alternatives added; previous version kept at {kept}", file=out)
    return 0
