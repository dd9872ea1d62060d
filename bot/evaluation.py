"""Scoring a labelled file of questions (format: ../shared/eval/README.md)."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.arabic import (
    fold_case,
    fold_whitespace,
    map_digits,
    normalize_alef,
    normalize_alef_maqsura,
    normalize_teh_marbuta,
    normalize_unicode,
    remove_diacritics,
    remove_tatweel,
)
from bot.config import Thresholds
from bot.dialogue import Dialogue, Reply
from bot.knowledge import load

_SEATED_HAMZA = str.maketrans({"\u0624": "\u0648", "\u0626": "\u064a"})


class LabelledFileError(Exception):
    """The labelled file cannot be read; one line."""


def normalize_for_containment(text: str) -> str:
    """The README's rules: no punctuation removal, so "1-57-099" stays one piece."""
    for rule in (
        normalize_unicode,
        remove_diacritics,
        remove_tatweel,
        normalize_alef,
        normalize_alef_maqsura,
        normalize_teh_marbuta,
        map_digits,
        fold_case,
    ):
        text = rule(text)
    return fold_whitespace(text.translate(_SEATED_HAMZA))


@dataclass(frozen=True)
class Case:
    question: str
    tag: str
    expect: str | tuple[Any, ...]  # "no_match", "smalltalk", or the items an answer must hold
    group: str = ""  # who wrote it, when (a probe): cases written together are fitted apart


@dataclass
class Outcome:
    question: str
    tag: str
    expected: str
    status: str
    entry_id: str | None
    score: float
    credit: float  # 1 right, 0.5 clarify with the right entry among the choices, 0 wrong
    wrong_answer: bool  # answered, and with the wrong thing (the worst failure)
    decision: dict[str, Any] = field(default_factory=dict)  # which step decided, and why


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def by_tag(self) -> dict[str, dict[str, float]]:
        table: dict[str, dict[str, float]] = {}
        for tag in sorted({o.tag for o in self.outcomes}):
            table[tag] = _summary([o for o in self.outcomes if o.tag == tag])
        table["overall"] = _summary(self.outcomes)
        return table

    @property
    def out_of_scope_answered(self) -> int:
        return sum(1 for o in self.outcomes if o.expected == "no_match" and o.status == "answered")

    def as_json(self) -> str:
        return json.dumps(
            {
                "summary": self.summary(),
                "by_tag": self.by_tag(),
                "out_of_scope_answered": self.out_of_scope_answered,
                "cases": [asdict(o) for o in self.outcomes],
            },
            ensure_ascii=False,
            indent=1,
        )

    def as_table(self) -> str:
        rows = [f"{'tag':<12} {'cases':>5} {'score':>7} {'right':>5} {'clarify':>7} {'wrong':>5}"]
        for tag, s in self.by_tag().items():
            rows.append(
                f"{tag:<12} {int(s['cases']):>5} {s['accuracy']:>6.1f}% {int(s['right']):>5}"
                f" {int(s['clarify']):>7} {int(s['wrong_answers']):>5}"
            )
        rows.append(f"out-of-scope questions answered: {self.out_of_scope_answered}")
        total = self.summary()
        rows.append(
            f"overall {total['accuracy']:.1f}% of {int(total['cases'])}; in scope "
            f"{total['in_scope']:.1f}%; out of scope refused {total['out_of_scope_refused']:.1f}%;"
            f" wrong answers {int(total['wrong_answers'])} ({total['wrong_rate']:.1f}%)"
        )
        return "\n".join(rows)

    def summary(self) -> dict[str, float]:
        """The figures over all cases: score, in-scope, out-of-scope refused, wrong answers."""
        every = _summary(self.outcomes)
        inside = [o for o in self.outcomes if o.expected == "answer"]
        oos = [o for o in self.outcomes if o.expected == "no_match"]
        return {
            "cases": every["cases"],
            "accuracy": every["accuracy"],
            "in_scope": _summary(inside)["accuracy"],
            "out_of_scope_refused": round(
                100 * sum(1 for o in oos if o.status == "no_match") / len(oos), 1
            )
            if oos
            else 0.0,
            "wrong_answers": every["wrong_answers"],
            "wrong_rate": round(100 * every["wrong_answers"] / every["cases"], 1)
            if every["cases"]
            else 0.0,
        }

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.credit < 1]


def _summary(outcomes: Sequence[Outcome]) -> dict[str, float]:
    n = len(outcomes)
    return {
        "cases": n,
        "accuracy": round(100 * sum(o.credit for o in outcomes) / n, 1) if n else 0.0,
        "right": sum(1 for o in outcomes if o.credit == 1),
        "clarify": sum(1 for o in outcomes if o.status == "clarify"),
        "wrong_answers": sum(1 for o in outcomes if o.wrong_answer),
    }


def load_cases(path: Path | str) -> list[Case]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise LabelledFileError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise LabelledFileError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, list):
        raise LabelledFileError(f"{path}: expected a list of cases with q, tag and expect")
    cases = []
    for number, item in enumerate(data, 1):
        if not isinstance(item, dict) or "q" not in item or "expect" not in item:
            raise LabelledFileError(f"{path}: case {number} needs 'q' and 'expect'")
        expect = item["expect"]
        if isinstance(expect, list):
            expect = tuple(tuple(x) if isinstance(x, list) else x for x in expect)
        elif expect not in ("no_match", "smalltalk"):
            raise LabelledFileError(
                f"{path}: case {number}: expect must be a list, no_match or smalltalk"
            )
        group = str(item.get("group", ""))
        cases.append(Case(str(item["q"]), str(item.get("tag", "untagged")), expect, group))
    return cases


def satisfies(answer: str, expect: Iterable[Any]) -> bool:
    """True when the answer holds one item (an item that is a list needs all its parts)."""
    text = normalize_for_containment(answer)
    for item in expect:
        parts = item if isinstance(item, tuple) else (item,)
        if all(normalize_for_containment(str(part)) in text for part in parts):
            return True
    return False


def judge(case: Case, reply: Reply) -> Outcome:
    expected = case.expect if isinstance(case.expect, str) else "answer"
    credit, wrong = 0.0, False
    if case.expect in ("no_match", "smalltalk"):
        credit = 1.0 if reply.status == case.expect else 0.0
        wrong = reply.status == "answered"
    elif reply.status == "answered":
        credit = 1.0 if satisfies(reply.text, case.expect) else 0.0
        wrong = credit == 0
    elif reply.status == "clarify" and any(
        satisfies(s.answer, case.expect) for s in reply.suggestions
    ):
        credit = 0.5
    return Outcome(
        case.question,
        case.tag,
        expected,
        reply.status,
        reply.entry_id,
        reply.score,
        credit,
        wrong,
        dict(reply.decision),
    )


def evaluate(cases: Iterable[Case], reply: Callable[[str], Reply]) -> Report:
    return Report([judge(case, reply(case.question)) for case in cases])


def evaluate_file(path: Path | str, dialogue: Dialogue) -> Report:
    return evaluate(load_cases(path), dialogue.reply)


def evaluate_in_processes(
    cases: Sequence[Case], kb_path: Path | str, thresholds: Thresholds, jobs: int
) -> Report:
    """evaluate() over a fresh Dialogue of ``kb_path``, the cases shared among ``jobs``
    processes: the encoder reads on one thread, so a second core halves a long file's
    time. The report is the same, in the cases' order."""
    kb = load(kb_path)  # a bad file is reported here, as without processes, not by a worker
    if jobs <= 1 or len(cases) < 2 * jobs:
        return evaluate(cases, Dialogue(kb, thresholds=thresholds).reply)
    chunks = [list(cases[i::jobs]) for i in range(jobs)]  # interleaved: each mixes tags
    # spawned, not forked: the encoder's threads do not survive a fork
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        parts = list(pool.map(_judge_chunk, [(str(kb_path), thresholds, c) for c in chunks]))
    outcomes = [parts[i % jobs][i // jobs] for i in range(len(cases))]
    return Report(outcomes)


def _judge_chunk(job: tuple[str, Thresholds, list[Case]]) -> list[Outcome]:
    kb_path, thresholds, cases = job
    dialogue = Dialogue(load(kb_path), thresholds=thresholds)
    return [judge(case, dialogue.reply(case.question)) for case in cases]
