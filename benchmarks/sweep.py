"""Sweep the decision thresholds over labelled files; print accuracy against wrong answers.

Usage: python benchmarks/sweep.py [FILE ...]   (default: tests/data/labelled.yaml and,
if present, ../shared/eval/dev.yaml). Ranking is done once per question; each
setting only re-decides, so the whole grid takes seconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import Thresholds  # noqa: E402
from bot.dialogue import Brain, Dialogue  # noqa: E402
from bot.evaluation import evaluate, load_cases  # noqa: E402
from bot.knowledge import load  # noqa: E402

GRID = {
    "answer": [40, 42, 45, 48, 50, 55, 60, 65],
    "margin": [5, 8, 10, 12, 15, 20],
    "clarify": [35, 40, 45],
    "coverage": [0.25, 0.3, 0.35, 0.4],
}
# Between close entries: the lead of one answer's evidence that decides (evidence),
# and the score both of two linked entries must reach to answer the first (facets).
TIE_BREAKERS = {
    "evidence": [5, 10, 15, 20, 1000],
    "facets": [50, 60, 70, 80, 90, 1000],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--kb", default=str(ROOT / "knowledge" / "faq_ar.yaml"))
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    files = [Path(f) for f in args.files] or [
        p
        for p in (ROOT / "tests/data/labelled.yaml", ROOT.parent / "shared/eval/dev.yaml")
        if p.exists()
    ]
    brain = Brain(load(args.kb))
    base = Dialogue(brain.kb)
    base._fixed = brain
    replies = cache(base.reply)  # small talk and ranking once per question
    rank = cache(brain.matcher.rank)
    suites = {f.name: load_cases(f) for f in files}
    default = Thresholds()
    rows = []

    def score(t: Thresholds) -> list[tuple[float, float, float]]:
        """(accuracy, worst tag's accuracy, wrong answers) on each file."""
        dialogue = Dialogue(brain.kb, thresholds=t)
        dialogue._fixed = brain

        def reply(text: str):
            first = replies(text)
            if first.status == "smalltalk" or first.text == base.text("too_long"):
                return first
            if brain.asks_what_is_lacking(text):
                return first  # no_match whatever the thresholds
            question = brain.without_courtesies(text)
            return dialogue._decide(brain, rank(question, limit=5), question)

        scores = []
        for cases in suites.values():
            report = evaluate(cases, reply)
            overall = report.by_tag()["overall"]
            worst_tag = min(s["accuracy"] for tag, s in report.by_tag().items())
            scores.append((overall["accuracy"], worst_tag, overall["wrong_answers"]))
        return scores

    for values in itertools.product(*GRID.values()):
        t = Thresholds(
            **dict(zip(GRID, values, strict=True)),
            related=default.related,
            evidence=default.evidence,
            facets=default.facets,
        )
        if t.clarify > t.answer:
            continue
        rows.append((t, score(t)))

    def wrong(row) -> int:
        return int(sum(score[2] for score in row[1]))

    def accuracy(row) -> float:
        return sum(score[0] for score in row[1]) / len(row[1])

    header = "answer margin clarify coverage | " + " | ".join(
        f"{name}: acc worst-tag wrong" for name in suites
    )

    def show(t: Thresholds, scores, mark: str = "") -> None:
        cells = " | ".join(f"{a:5.1f}% {w:5.1f}% {int(n):3d}" for a, w, n in scores)
        print(
            f"{t.answer:6.0f} {t.margin:6.0f} {t.clarify:7.0f} {t.coverage:8.2f} | {cells} {mark}"
        )

    # The frontier: for each count of wrong answers, the most accurate setting.
    print("best setting for each number of wrong answers (all files together)")
    print(header)
    best_for: dict[int, tuple] = {}
    for row in rows:
        n = wrong(row)
        if n not in best_for or accuracy(row) > accuracy(best_for[n]):
            best_for[n] = row
    ceiling = -1.0
    for n in sorted(best_for):
        row = best_for[n]
        if accuracy(row) > ceiling:  # only settings that buy accuracy with their errors
            show(*row)
            ceiling = accuracy(row)
        if n > args.top:
            break
    current = next(
        (
            r
            for r in rows
            if (r[0].answer, r[0].margin, r[0].clarify, r[0].coverage)
            == (default.answer, default.margin, default.clarify, default.coverage)
        ),
        None,
    )
    if current:
        print("current defaults:")
        show(*current, "<- bot/config.py")

    # The two tie-breaking rules, one at a time, the others at their defaults.
    for name, values in TIE_BREAKERS.items():
        print(f"\n{name} (others at their defaults; 1000 = rule off)")
        for value in values:
            t = dataclasses.replace(default, **{name: value})
            cells = " | ".join(f"{a:5.1f}% {w:5.1f}% {int(n):3d}" for a, w, n in score(t))
            mark = " <- bot/config.py" if value == getattr(default, name) else ""
            print(f"{value:6.0f} | {cells}{mark}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
