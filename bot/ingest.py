"""An article in interview form → a draft knowledge base (YAML).

Scraped articles arrive wrapped in site noise (headline tickers, a "report
this image" notice, a "read the original" footer). The interview itself is a
run of question lines (``س:`` / ``سؤال:``) each followed by an answer
(``ج:`` / ``جواب:``) that may continue over several lines. This module keeps
only that run, reads the article's title, date, publication and interviewer
from the lines just before it, and renders entries in the knowledge-base
schema of DESIGN.md so staff can review and edit them.

Example::

    draft = ingest_file(Path("article.txt"), None)
    print(render_yaml(draft))
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Draft", "DraftEntry", "IngestError", "ingest_file", "parse_article", "render_yaml"]

# ASCII colon plus the full-width, small and presentation-form colons that
# Arabic keyboards and word processors sometimes produce.
_COLON = "[:\uff1a\ufe55\ufe13\ua789]"
# Longest labels first so "سؤال" is not read as "س" + "ؤال".
_MARKER_RE = re.compile(rf"^(?P<label>سؤال|جواب|س|ج)\s*{_COLON}\s*(?P<text>.*)$")
_QUESTION_LABELS = frozenset({"س", "سؤال"})

_PUBLISHED_RE = re.compile(r"^نشر\s+في\s+(?P<pub>.+?)(?:\s+يوم\s+(?P<date>.+?))?\s*$")
_DATE_RE = re.compile(r"^(?P<d>\d{1,2})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<y>\d{4})$")
_INTERVIEWER_RE = re.compile(
    rf"^(?:حاوره|حاورها|حاورته|حاورهم|أجرى\s+الحوار|اجرى\s+الحوار)\s*{_COLON}\s*(?P<name>.+)$"
)
# A title is one short line; anything longer is a headline ticker.
_MAX_TITLE_CHARS = 200

# Site boilerplate that ends the interview (the link back to the source).
_FOOTER_RES = (
    re.compile(r"^انقر\s+هنا"),
    re.compile(r"^اضغط\s+هنا"),
    re.compile(r"^اقرأ\s+(?:أيضا|ايضا|أيضاً)"),
)
# Site boilerplate dropped wherever it appears (the image-report notice).
_NOISE_RES = (
    re.compile(r"^شكرا\s+على\s+الإبلاغ"),
    re.compile(r"^سيتم\s+حجب\s+هذه\s+الصورة"),
)

_TERMINATORS = ".!?؟…"
_CLOSERS = "\"'»”’)]"
_SENTENCE_END_RE = re.compile(rf"[{re.escape(_TERMINATORS)}]+[{re.escape(_CLOSERS)}]*")
_ENDS_SENTENCE_RE = re.compile(rf"[{re.escape(_TERMINATORS)}]+[{re.escape(_CLOSERS)}]*\Z")
# Whitespace plus invisible marks (BOM, zero-width space, bidi controls) that
# scrapes leave at line edges and that would hide a marker like "س:".
_EDGE_JUNK_RE = re.compile(
    r"^[\s\ufeff\u200b-\u200f\u061c\u202a-\u202e\u2066-\u2069]+|"
    r"[\s\ufeff\u200b-\u200f\u061c\u202a-\u202e\u2066-\u2069]+$"
)

_CATEGORY_ID = "interview"
_CATEGORY_TITLE = "الحوار"
_META_ORDER = ("title", "source", "date", "publication", "interviewer")
_YAML_HEADER = "# Draft knowledge base generated from an interview: review every entry.\n"


@dataclass(frozen=True)
class DraftEntry:
    """One question–answer pair of the interview."""

    id: str
    question: str
    answer: str
    truncated: bool


@dataclass(frozen=True)
class Draft:
    """The interview as a draft knowledge base, plus notes for the reviewer."""

    meta: dict[str, str]
    entries: tuple[DraftEntry, ...]
    warnings: tuple[str, ...]


class IngestError(Exception):
    """The input cannot become a draft; the message is one line for the user."""


@dataclass
class _Block:
    """A question or an answer being collected, with its first line number."""

    is_question: bool
    line: int
    parts: list[str]


# --- reading lines -----------------------------------------------------------


def _clean_lines(text: str) -> list[str]:
    """Split on any line break (\\r\\n included) and strip edges and invisible marks."""
    return [_EDGE_JUNK_RE.sub("", line) for line in text.replace("\ufeff", "").splitlines()]


def _matches_any(line: str, patterns: tuple[re.Pattern[str], ...]) -> bool:
    return any(p.search(line) for p in patterns)


def _split_blocks(lines: list[str]) -> tuple[list[str], list[_Block]]:
    """Cut the lines into the prelude (before the first marker) and Q/A blocks."""
    prelude: list[str] = []
    blocks: list[_Block] = []
    for number, line in enumerate(lines, start=1):
        if blocks and _matches_any(line, _FOOTER_RES):
            break  # the footer closes the interview; what follows is site chrome
        if not line or _matches_any(line, _NOISE_RES):
            continue
        marker = _MARKER_RE.match(line)
        if marker:
            is_question = marker["label"] in _QUESTION_LABELS
            text = marker["text"].strip()
            blocks.append(_Block(is_question, number, [text] if text else []))
        elif blocks:
            blocks[-1].parts.append(line)
        else:
            prelude.append(line)
    return prelude, blocks


def _pair_blocks(blocks: list[_Block]) -> tuple[list[tuple[str, str]], list[str]]:
    """Pair each question with the answer right after it; note the strays."""
    pairs: list[tuple[str, str]] = []
    warnings: list[str] = []
    pending: _Block | None = None
    for block in blocks:
        if block.is_question:
            if pending is not None:
                warnings.append(f"line {pending.line}: question without an answer, skipped")
            pending = block
        elif pending is None:
            warnings.append(f"line {block.line}: answer without a question, skipped")
        elif not block.parts or not pending.parts:
            warnings.append(f"line {pending.line}: empty question or answer, skipped")
            pending = None
        else:
            # A question wrapped over lines is one sentence; answer lines are paragraphs.
            pairs.append((" ".join(pending.parts), "\n\n".join(block.parts)))
            pending = None
    if pending is not None:
        warnings.append(f"line {pending.line}: question without an answer, skipped")
    return pairs, warnings


# --- metadata ----------------------------------------------------------------


def _parse_date(raw: str) -> str | None:
    """ "17 - 03 - 2011" (any digits, - / . separators) → "2011-03-17", else None."""
    match = _DATE_RE.match(raw.strip())
    if not match:
        return None
    try:
        # int() reads Arabic-Indic digits too, which \d has already accepted.
        return dt.date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
    except ValueError:
        return None


def _find_last(lines: list[str], pattern: re.Pattern[str]) -> tuple[int, re.Match[str]] | None:
    """The last line matching, nearest the interview, with its index."""
    for index in range(len(lines) - 1, -1, -1):
        match = pattern.match(lines[index])
        if match:
            return index, match
    return None


def _title_before(prelude: list[str], index: int) -> str | None:
    """The title is the line right above "نشر في", if it is short enough to be one."""
    if index == 0:
        return None
    candidate = prelude[index - 1]
    return candidate if len(candidate) <= _MAX_TITLE_CHARS else None


def _source_line(meta: dict[str, str]) -> str | None:
    """One Arabic line naming the interview, its publication and date."""
    where = "، ".join(meta[key] for key in ("publication", "date") if key in meta)
    if "title" not in meta and not where:
        return None
    head = f"حوار: {meta['title']}" if "title" in meta else "حوار"
    return f"{head} — {where}" if where else head


def _parse_meta(prelude: list[str]) -> tuple[dict[str, str], list[str]]:
    """Title, date, publication and interviewer from the lines before the interview."""
    meta: dict[str, str] = {}
    warnings: list[str] = []
    published = _find_last(prelude, _PUBLISHED_RE)
    if published:
        index, match = published
        title = _title_before(prelude, index)
        if title:
            meta["title"] = title
        meta["publication"] = match["pub"].strip()
        if match["date"]:
            date = _parse_date(match["date"])
            if date:
                meta["date"] = date
            else:
                warnings.append(f"publication date {match['date']!r} not understood, left out")
    interviewer = _find_last(prelude, _INTERVIEWER_RE)
    if interviewer:
        meta["interviewer"] = interviewer[1]["name"].strip()
    source = _source_line(meta)
    if source:
        meta["source"] = source
    return {key: meta[key] for key in _META_ORDER if key in meta}, warnings


# --- truncation --------------------------------------------------------------


def _is_decimal_point(text: str, match: re.Match[str]) -> bool:
    """A "." between digits (2.5) is a number, not the end of a sentence."""
    start, end = match.span()
    return (
        match.group() == "."
        and start > 0
        and end < len(text)
        and text[start - 1].isdigit()
        and text[end].isdigit()
    )


def _trim_to_last_sentence(text: str) -> str | None:
    """Cut after the last sentence terminator; None when there is none."""
    cut = None
    for match in _SENTENCE_END_RE.finditer(text):
        if not _is_decimal_point(text, match):
            cut = match.end()
    return text[:cut].rstrip() if cut else None


def _finish_last_answer(entry_id: str, answer: str) -> tuple[str, bool, str | None]:
    """The scrape may stop mid-sentence: trim the last answer, say so."""
    if _ENDS_SENTENCE_RE.search(answer):
        return answer, False, None
    trimmed = _trim_to_last_sentence(answer)
    if trimmed is None:
        note = "answer cut off mid-sentence and has no complete sentence; kept as is, review it"
        return answer, True, f"entry {entry_id}: {note}"
    note = "answer cut off mid-sentence, trimmed to its last complete sentence"
    return trimmed, True, f"entry {entry_id}: {note}"


# --- public API --------------------------------------------------------------


def _build_entries(pairs: list[tuple[str, str]]) -> tuple[list[DraftEntry], list[str]]:
    entries: list[DraftEntry] = []
    warnings: list[str] = []
    for number, (question, answer) in enumerate(pairs, start=1):
        entry_id = f"q{number}"
        truncated = False
        if number == len(pairs):  # only the end of the scrape can be cut off
            answer, truncated, warning = _finish_last_answer(entry_id, answer)
            if warning:
                warnings.append(warning)
        entries.append(DraftEntry(entry_id, question, answer, truncated))
    return entries, warnings


def parse_article(text: str) -> Draft:
    """Read an interview article; raise IngestError when it holds no Q/A pair.

    Example: ``parse_article("س: ما هو؟\\nج: هو هذا.").entries[0].answer == "هو هذا."``
    """
    if not text.strip():
        raise IngestError("the article is empty")
    prelude, blocks = _split_blocks(_clean_lines(text))
    pairs, pair_warnings = _pair_blocks(blocks)
    if not pairs:
        raise IngestError(
            "no interview found: expected a question line (س: or سؤال:) "
            "followed by an answer line (ج: or جواب:)"
        )
    meta, meta_warnings = _parse_meta(prelude)
    entries, entry_warnings = _build_entries(pairs)
    return Draft(meta, tuple(entries), tuple(meta_warnings + pair_warnings + entry_warnings))


class _Literal(str):
    """A string to emit as a YAML block scalar (|), one paragraph a line."""


class _Dumper(yaml.SafeDumper):
    """SafeDumper that renders _Literal strings in block style."""


def _represent_literal(dumper: yaml.SafeDumper, data: _Literal) -> yaml.ScalarNode:
    # PyYAML falls back to quoting by itself when block style cannot hold the text.
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style="|")


_Dumper.add_representer(_Literal, _represent_literal)


def _entry_mapping(entry: DraftEntry, number: int) -> dict[str, Any]:
    mapping: dict[str, Any] = {
        "id": entry.id,
        "category": _CATEGORY_ID,
        "question": entry.question,
        "answer": _Literal(entry.answer),
        "source": f"الحوار، السؤال {number}",
    }
    if entry.truncated:
        mapping["truncated"] = True
    return mapping


def render_yaml(draft: Draft) -> str:
    """The draft in the knowledge-base schema; yaml.safe_load gives the same strings back."""
    document: dict[str, Any] = {}
    if draft.meta:
        document["meta"] = dict(draft.meta)
    document["categories"] = {_CATEGORY_ID: _CATEGORY_TITLE}
    document["entries"] = [_entry_mapping(e, n) for n, e in enumerate(draft.entries, start=1)]
    body = yaml.dump(
        document,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=2**31 - 1,  # never fold long Arabic lines
    )
    # Warnings travel with the file as comments, so the reviewer sees them too.
    notes = "".join(f"# warning: {w}\n" for w in draft.warnings)
    return _YAML_HEADER + notes + body


def _read_text(path: Path) -> str:
    """UTF-8 text of `path` (BOM tolerated), or IngestError with one clear line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from None
    if not text.strip():
        raise IngestError(f"{path}: the file is empty")
    return text


def ingest_file(
    path: Path,
    out: Path | None = None,
    *,
    force: bool = False,
    history_dir: Path | None = None,
) -> Draft:
    """Read the article at `path`; write its YAML to `out` when given.

    With `out` None nothing is written: the caller prints ``render_yaml(draft)``. An
    existing `out` is replaced only with `force` (its previous version kept in the history
    folder); the draft is validated as a knowledge base before anything is written.
    Example: ``ingest_file(Path("article.txt"), Path("draft.yaml")).warnings``
    """
    from bot.files import WriteRefused, write_text_safely
    from bot.knowledge import KnowledgeBaseError, parse

    path = Path(path)
    text = _read_text(path)
    try:
        draft = parse_article(text)
    except IngestError as exc:
        raise IngestError(f"{path}: {exc}") from None
    if out is not None:
        out = Path(out)
        if out.exists() and not force:
            raise IngestError(
                f"{out}: already exists; nothing written. Choose another --out, or add --force "
                "to replace it (its current version is kept in the history folder)"
            )
        try:
            write_text_safely(out, render_yaml(draft), check=parse, history_dir=history_dir)
        except KnowledgeBaseError as exc:
            raise IngestError(
                f"{out}: the draft is not a valid knowledge base; nothing written:\n{exc}"
            ) from None
        except WriteRefused as exc:
            raise IngestError(str(exc)) from None
    return draft
