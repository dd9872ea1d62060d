"""What citizens asked, for staff: totals, most asked answers, unanswered groups, votes.

Built from the question log (`bot.store`), read-only. One `Summary` is computed, then
rendered as text, CSV, JSON or one self-contained HTML page (an inline SVG chart, no
script, nothing fetched). `suggestions()` turns unanswered groups into proposals:
new alternatives for an entry they come close to (see `bot.adopt`), or new entries.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from bot.arabic import STOP_WORDS, stem
from bot.store import MASK, LoggedQuestion, Vote

if TYPE_CHECKING:
    from bot.dialogue import Dialogue
    from bot.knowledge import KnowledgeBase

STATUSES = ("answered", "clarify", "no_match", "smalltalk", "too_long")
STATUS_COLOURS = {
    "answered": "#2e7d32",
    "clarify": "#f9a825",
    "no_match": "#c62828",
    "smalltalk": "#1565c0",
    "too_long": "#6a1b9a",
    "other": "#757575",
}
GROUP_OVERLAP = 0.6  # share of the shorter question's telling words two questions must share
COMMON_SHARE = 0.3  # a word in this share of the entries (التعاون الوطني) tells nothing apart
FORMATS = ("text", "csv", "json", "html")


@dataclass(frozen=True)
class UnansweredGroup:
    count: int
    example: str
    texts: tuple[str, ...]  # distinct wordings, most asked first
    last_asked: float
    statuses: dict[str, int]
    steps: dict[str, int]  # the decision steps that led there ("lacking"...)
    offered: dict[str, int]  # entries the bot offered beside these questions, how often


@dataclass(frozen=True)
class EntryCount:
    entry_id: str
    question: str
    count: int


@dataclass(frozen=True)
class VoteCount:
    entry_id: str
    question: str
    helpful: int
    not_helpful: int


@dataclass
class Summary:
    since: float | None
    channel: str | None
    total: int
    by_status: dict[str, int]
    other_channels: dict[str, int]  # questions in the log outside the chosen channel
    most_asked: list[EntryCount]
    unanswered: list[UnansweredGroup]
    clarifications: dict[str, int]  # asked, chose, none_of_these, left
    votes: list[VoteCount]
    per_day: dict[str, dict[str, int]]  # YYYY-MM-DD -> status -> count
    generated_at: float = field(default_factory=time.time)

    def share(self, status: str) -> float:
        return 100.0 * self.by_status.get(status, 0) / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["shares"] = {s: round(self.share(s), 1) for s in self.by_status}
        return data


# --- grouping ---------------------------------------------------------------------------


def _stems(row: LoggedQuestion) -> str:
    """Without a knowledge base: the telling words' stems of the normalized question."""
    stems = [stem(w) for w in row.normalized.split() if w not in STOP_WORDS]
    return " ".join(sorted({s for s in stems if s})) or row.normalized


class Grouper:
    """Reads questions as the matcher does (dialect mapped, stems), minus the domain's
    everyday words, so that "بشحال التكوين" and "شحال كيسوا التكوين" meet."""

    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        self._meaning: Callable[[str], str] | None = None
        self._common: frozenset[str] = frozenset()
        if kb is not None:
            from bot.knowledge import question_reader

            self._meaning = question_reader(kb)
            counts = Counter(
                w for e in kb.entries for w in set(self._meaning(" ".join(e.texts)).split())
            )
            self._common = frozenset(
                w for w, n in counts.items() if n >= COMMON_SHARE * len(kb.entries) > 1
            )

    def words(self, row: LoggedQuestion) -> frozenset[str]:
        read = self._meaning(row.text) if self._meaning else _stems(row)
        words = frozenset(read.split())
        return (words - self._common) or words

    @staticmethod
    def alike(a: frozenset[str], b: frozenset[str]) -> bool:
        if not a or not b:
            return a == b
        shared = len(a & b)
        if shared / min(len(a), len(b)) >= GROUP_OVERLAP:
            return True
        return fuzz.token_sort_ratio(" ".join(sorted(a)), " ".join(sorted(b))) >= 90


def group_unanswered(
    rows: Sequence[LoggedQuestion], grouper: Grouper | None = None
) -> list[UnansweredGroup]:
    """Questions that read alike, together: most asked groups first."""
    grouper = grouper or Grouper()
    by_key: dict[frozenset[str], list[LoggedQuestion]] = defaultdict(list)
    for row in rows:
        by_key[grouper.words(row)].append(row)
    # The most asked wordings seed the groups; a rarer one joins the first group it reads like.
    clusters: list[tuple[frozenset[str], list[LoggedQuestion]]] = []
    for key, members in sorted(by_key.items(), key=lambda kv: (-len(kv[1]), sorted(kv[0]))):
        for seed, cluster in clusters:
            if grouper.alike(key, seed):
                cluster.extend(members)
                break
        else:
            clusters.append((key, list(members)))
    groups = []
    for _, members in clusters:
        wordings = Counter(m.text for m in members)
        texts = tuple(t for t, _ in wordings.most_common())
        example = next((t for t in texts if MASK not in t), texts[0])
        groups.append(
            UnansweredGroup(
                count=len(members),
                example=example,
                texts=texts,
                last_asked=max(m.asked_at for m in members),
                statuses=dict(Counter(m.status for m in members)),
                steps=dict(Counter(m.step for m in members if m.step)),
                offered=dict(Counter(e for m in members for e in m.suggested).most_common()),
            )
        )
    groups.sort(key=lambda g: (-g.count, -g.last_asked))
    return groups


def is_unanswered(row: LoggedQuestion) -> bool:
    """No answer reached the citizen: nothing fit, or a "did you mean" nobody resolved."""
    if row.status == "no_match":
        return True
    return row.status == "clarify" and row.chosen in (None, "-")


# --- the summary --------------------------------------------------------------------------


def summarize(
    rows: Sequence[LoggedQuestion],
    votes: Iterable[Vote],
    *,
    question_of: Callable[[str], str] = lambda entry_id: entry_id,
    grouper: Grouper | None = None,
    since: float | None = None,
    channel: str | None = None,
    limit: int = 30,
) -> Summary:
    """The report's figures from the log's rows (already filtered by time, not by channel)."""
    other = Counter(r.channel for r in rows if channel and r.channel != channel)
    rows = [r for r in rows if not channel or r.channel == channel]
    by_status = Counter(r.status for r in rows)
    answered = Counter(r.entry_id for r in rows if r.status == "answered" and r.entry_id)
    answered.update(r.chosen for r in rows if r.status == "clarify" and r.chosen not in (None, "-"))
    clarify = [r for r in rows if r.status == "clarify"]
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for vote in votes:
        tally[vote.entry_id][0 if vote.helpful else 1] += 1
    per_day: dict[str, dict[str, int]] = defaultdict(Counter)
    for r in rows:
        per_day[time.strftime("%Y-%m-%d", time.localtime(r.asked_at))][r.status] += 1
    return Summary(
        since=since,
        channel=channel,
        total=len(rows),
        by_status={s: by_status[s] for s in sorted(by_status, key=_status_order)},
        other_channels=dict(other),
        most_asked=[EntryCount(e, question_of(e), n) for e, n in answered.most_common(limit)],
        unanswered=group_unanswered([r for r in rows if is_unanswered(r)], grouper)[:limit],
        clarifications={
            "asked": len(clarify),
            "chose": sum(1 for r in clarify if r.chosen not in (None, "-")),
            "none_of_these": sum(1 for r in clarify if r.chosen == "-"),
            "left": sum(1 for r in clarify if r.chosen is None),
        },
        votes=sorted(
            (VoteCount(e, question_of(e), up, down) for e, (up, down) in tally.items()),
            key=lambda v: (-v.not_helpful, v.helpful, v.entry_id),
        )[:limit],
        per_day={day: dict(per_day[day]) for day in sorted(per_day)},
    )


def _status_order(status: str) -> tuple[int, str]:
    return (STATUSES.index(status) if status in STATUSES else len(STATUSES), status)


def question_lookup(kb: KnowledgeBase | None) -> Callable[[str], str]:
    """An entry's question (what staff recognize), or its id if the entry is gone."""

    def question_of(entry_id: str) -> str:
        entry = kb.entry(entry_id) if kb is not None else None
        return entry.question if entry is not None else f"({entry_id})"

    return question_of


# --- suggestions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    id: str  # a-xxxxxx: a new alternative for an entry; n-xxxxxx: a candidate new entry
    kind: str  # "alternative" or "new_entry"
    text: str  # the wording to add
    entry_id: str | None
    entry_question: str | None
    count: int
    evidence: str


def _suggestion_id(prefix: str, *parts: str) -> str:
    return f"{prefix}-" + hashlib.sha1("|".join(parts).encode()).hexdigest()[:6]


def suggestions(groups: Sequence[UnansweredGroup], dialogue: Dialogue) -> list[Suggestion]:
    """Each unanswered group: an alternative for the entry it comes close to, or a new entry.

    Groups the bot declined because the source lacks that kind of information (a price,
    a date, a phone) never become alternatives: answering them with a nearby entry would
    mislead; they are listed as candidate new entries.
    """
    from bot.arabic import normalize

    result = []
    for group in groups:
        if MASK in group.example:
            continue  # a masked number is no wording to teach the bot
        reply = dialogue.reply(group.example)
        best = reply.suggestions[0] if reply.suggestions else None
        if reply.status == "answered" and reply.entry_id:  # the bot answers it by now
            continue
        decision = getattr(reply, "decision", None) or {}
        lacking = group.steps.get("lacking", 0) or int(decision.get("step") == "lacking")
        normalized = normalize(group.example)
        asked = f"asked {group.count}× ({len(group.texts)} wordings)"
        if best is not None and best.score >= dialogue.thresholds.clarify and not lacking:
            offered = group.offered.get(best.entry_id, 0)
            evidence = (
                f"{asked}; the bot now scores it {best.score:.0f} for this entry"
                f" ({reply.status}); offered it {offered}× beside these questions"
            )
            result.append(
                Suggestion(
                    _suggestion_id("a", best.entry_id, normalized),
                    "alternative",
                    group.example,
                    best.entry_id,
                    best.question,
                    group.count,
                    evidence,
                )
            )
        else:
            why = (
                f"the bot said the source lacks this information {lacking}×"
                if lacking
                else "no entry comes close"
            )
            result.append(
                Suggestion(
                    _suggestion_id("n", normalized),
                    "new_entry",
                    group.example,
                    None,
                    None,
                    group.count,
                    f"{asked}; {why}: an answer must come from a source",
                )
            )
    return result


# --- rendering --------------------------------------------------------------------------------


def _when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def _scope(summary: Summary) -> str:
    days = "all time" if summary.since is None else f"since {_when(summary.since)}"
    channel = summary.channel or "all channels"
    return f"{channel}, {days}"


def render_text(summary: Summary, suggested: Sequence[Suggestion] = ()) -> str:
    out = [f"questions: {summary.total} ({_scope(summary)})"]
    out.append(
        "  " + "  ".join(f"{s} {n} ({summary.share(s):.0f}%)" for s, n in summary.by_status.items())
    )
    if summary.other_channels:
        others = ", ".join(f"{n} {c}" for c, n in sorted(summary.other_channels.items()))
        out.append(f"  not counted: {others} (see --channel all)")
    c = summary.clarifications
    if c["asked"]:
        out.append(
            f'\n"did you mean": {c["asked"]}; the citizen chose {c["chose"]}, none of these '
            f"{c['none_of_these']}, left it {c['left']}"
        )
    out.append("\nmost asked answers:")
    out += [f"  {e.count:>4}×  {e.question}" for e in summary.most_asked] or ["  (none)"]
    out.append("\nunanswered, grouped (most asked first):")
    for g in summary.unanswered:
        more = f"  (+{len(g.texts) - 1} wordings)" if len(g.texts) > 1 else ""
        step = f" [{', '.join(g.steps)}]" if g.steps else ""
        out.append(f"  {g.count:>4}×  {g.example}{more}{step}  last {_when(g.last_asked)}")
    if not summary.unanswered:
        out.append("  (none)")
    if summary.votes:
        out.append("\nanswers by 👎 (👍 / 👎):")
        out += [f"  {v.helpful:>3} / {v.not_helpful:<3} {v.question}" for v in summary.votes]
    if suggested:
        out.append("\nsuggestions (python -m bot adopt ID… adds the alternatives):")
        for s in suggested:
            if s.kind == "alternative":
                out.append(f"  {s.id}  add «{s.text}» to «{s.entry_question}» [{s.entry_id}]")
            else:
                out.append(f"  {s.id}  new entry? «{s.text}»")
            out.append(f"          {s.evidence}")
    return "\n".join(out) + "\n"


def render_json(summary: Summary, suggested: Sequence[Suggestion] = ()) -> str:
    data = summary.as_dict()
    data["suggestions"] = [asdict(s) for s in suggested]
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def render_csv(summary: Summary, suggested: Sequence[Suggestion] = ()) -> str:
    """One table, one row per figure: section, key, text, count, share, detail.

    It starts with a byte-order mark: without one, Excel reads UTF-8 Arabic as noise.
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(["section", "key", "text", "count", "share", "detail"])
    for status, n in summary.by_status.items():
        writer.writerow(["status", status, "", n, f"{summary.share(status):.1f}", ""])
    for name, n in summary.clarifications.items():
        writer.writerow(["clarify", name, "", n, "", ""])
    for e in summary.most_asked:
        writer.writerow(["most_asked", e.entry_id, e.question, e.count, "", ""])
    for number, g in enumerate(summary.unanswered, 1):
        detail = " | ".join(g.texts[1:6])
        writer.writerow(["unanswered", number, g.example, g.count, "", detail])
    for v in summary.votes:
        writer.writerow(["votes", v.entry_id, v.question, v.not_helpful, "", f"up {v.helpful}"])
    for day, counts in summary.per_day.items():
        for status, n in counts.items():
            writer.writerow(["per_day", day, status, n, "", ""])
    for s in suggested:
        writer.writerow(["suggestion", s.id, s.text, s.count, "", s.evidence])
    return buffer.getvalue()


def _chart(per_day: dict[str, dict[str, int]]) -> str:
    """Stacked bars of questions per day by status, as inline SVG."""
    days = list(per_day)
    if not days:
        return "<p>No questions in this period.</p>"
    width, height, left, bottom, top = 760, 260, 40, 40, 10
    peak = max(sum(c.values()) for c in per_day.values()) or 1
    step = (width - left - 10) / len(days)
    bar = max(2.0, step * 0.7)
    scale = (height - bottom - top) / peak
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="questions per day">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
        'stroke="#999"/>',
        f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" font-size="11">{peak}</text>',
        f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end" font-size="11">0</text>',
    ]
    label_every = max(1, len(days) // 10)
    for index, day in enumerate(days):
        x = left + index * step + (step - bar) / 2
        y = height - bottom
        for status in sorted(per_day[day], key=_status_order):
            n = per_day[day][status]
            h = n * scale
            y -= h
            colour = STATUS_COLOURS.get(status, STATUS_COLOURS["other"])
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{day} {status}: {n}</title></rect>'
            )
        if index % label_every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                f'font-size="11">{day[5:]}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


_CSS = """
body{font-family:"Noto Naskh Arabic","Noto Sans Arabic",Tahoma,sans-serif;margin:2em auto;
max-width:60em;color:#222;line-height:1.5}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%}td,th{padding:.25em .6em;border-bottom:1px solid #eee;
text-align:start;vertical-align:top}td.n{text-align:end;font-variant-numeric:tabular-nums;
white-space:nowrap}.muted{color:#777;font-size:.9em}.key .sw{display:inline-block;width:.9em;
height:.9em;margin:0 .3em;vertical-align:middle}.key .item{margin-inline-end:1.2em}
"""


def render_html(summary: Summary, suggested: Sequence[Suggestion] = ()) -> str:
    """One self-contained page: no script, no font or style fetched from anywhere."""
    e = html.escape

    def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: set[int]) -> str:
        head = "".join(f"<th>{e(h)}</th>" for h in headers)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="n">{e(str(v))}</td>'
                if i in numeric
                else f'<td dir="auto">{e(str(v))}</td>'
                for i, v in enumerate(row)
            )
            + "</tr>"
            for row in rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    key = " ".join(
        f'<span class="item"><span class="sw" style="background:'
        f'{STATUS_COLOURS.get(s, STATUS_COLOURS["other"])}"></span>{e(s)}</span>'
        for s in summary.by_status
    )
    c = summary.clarifications
    sections = [
        f"<h1>Questions report — <span lang='ar'>تقرير الأسئلة</span></h1>"
        f"<p class='muted'>{e(_scope(summary))}; "
        f"generated {e(_when(summary.generated_at))}</p>",
        "<h2>Totals by status</h2>",
        table(
            ["status", "questions", "share"],
            [(s, n, f"{summary.share(s):.1f}%") for s, n in summary.by_status.items()]
            + [("total", summary.total, "100%")],
            {1, 2},
        ),
    ]
    if summary.other_channels:
        others = ", ".join(f"{n} {ch}" for ch, n in sorted(summary.other_channels.items()))
        sections.append(f"<p class='muted'>Not counted here: {e(others)}.</p>")
    sections += [
        "<h2>Questions per day</h2>",
        f'<div class="key">{key}</div>',
        _chart(summary.per_day),
        "<h2>“Did you mean”</h2>",
        f"<p>{c['asked']} asked; the citizen chose an answer {c['chose']}×, “none of these” "
        f"{c['none_of_these']}×, left it {c['left']}×.</p>",
        "<h2>Most asked answers</h2>",
        table(["question", "times"], [(m.question, m.count) for m in summary.most_asked], {1}),
        "<h2>Unanswered questions, grouped</h2>",
        table(
            ["times", "example", "other wordings", "last asked"],
            [
                (g.count, g.example, " · ".join(g.texts[1:4]), _when(g.last_asked))
                for g in summary.unanswered
            ],
            {0, 3},
        ),
        "<h2>Answers with the most 👎</h2>",
        table(
            ["question", "👍", "👎"],
            [(v.question, v.helpful, v.not_helpful) for v in summary.votes],
            {1, 2},
        ),
    ]
    if suggested:
        sections += [
            "<h2>Suggestions</h2>",
            table(
                ["id", "proposal", "evidence"],
                [
                    (
                        s.id,
                        f"add «{s.text}» to «{s.entry_question}»"
                        if s.kind == "alternative"
                        else f"new entry? «{s.text}»",
                        s.evidence,
                    )
                    for s in suggested
                ],
                set(),
            ),
        ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Questions report</title><style>{_CSS}</style></head><body>"
        + "\n".join(sections)
        + "</body></html>\n"
    )


RENDERERS: dict[str, Callable[[Summary, Sequence[Suggestion]], str]] = {
    "text": render_text,
    "csv": render_csv,
    "json": render_json,
    "html": render_html,
}
