"""Speed on the real knowledge base: start-up (load + index) and time per answer.

Usage: python benchmarks/kb_speed.py [--kb PATH] [--rounds N]
Questions: the project's labelled cases (tests/data/labelled.yaml), every one
asked once per round, each round on a fresh dialogue (cold caches); the
figure is the median over all of them, and the median over questions of
each one's fastest round (the machine's speed drifts from minute to minute).
Start-up is the median of several fresh loads.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.dialogue import Dialogue  # noqa: E402
from bot.evaluation import load_cases  # noqa: E402
from bot.knowledge import load  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", default=str(ROOT / "knowledge" / "faq_ar.yaml"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--loads", type=int, default=7)
    parser.add_argument(
        "--questions", default=str(ROOT / "tests" / "data" / "labelled.yaml"), help="labelled file"
    )
    parser.add_argument("--first", type=int, default=0, help="only its first N questions")
    args = parser.parse_args()

    startups = []
    for _ in range(args.loads):
        started = time.perf_counter()
        dialogue = Dialogue(load(args.kb))
        dialogue.reply("warm")  # the first reply builds nothing more, but count it in
        startups.append(time.perf_counter() - started)

    questions = [case.question for case in load_cases(args.questions)]
    if args.first:
        questions = questions[: args.first]
    times = []
    per_question: list[list[float]] = [[] for _ in questions]
    kb = load(args.kb)
    for _ in range(args.rounds):
        # a fresh dialogue each round: its caches are cold, as for questions never seen
        dialogue = Dialogue(kb)
        dialogue.reply("السلام عليكم")
        for index, question in enumerate(questions):
            started = time.perf_counter()
            dialogue.reply(question)
            elapsed = time.perf_counter() - started
            times.append(elapsed)
            per_question[index].append(elapsed)
    # Warm: a running bot has seen other questions before this one (their words,
    # typo corrections, dialect look-ups are cached); never this very question.
    warm: list[float] = []
    for _ in range(args.rounds):
        dialogue = Dialogue(kb)
        for question in questions[0::2]:
            dialogue.reply(question)
        for question in questions[1::2]:
            started = time.perf_counter()
            dialogue.reply(question)
            warm.append(time.perf_counter() - started)
    times.sort()
    # The machine's speed drifts; a question's fastest cold round is its cost
    # without the noise of whatever else runs on the machine.
    quiet = statistics.median(min(t) for t in per_question)
    print(f"knowledge base: {args.kb} ({len(dialogue.kb.entries)} entries)")
    print(
        f"start-up (load + validate + index), median of {args.loads}: "
        f"{statistics.median(startups) * 1000:.1f} ms"
    )
    print(
        f"answer time over {len(times)} replies ({len(questions)} questions × {args.rounds}): "
        f"median {statistics.median(times) * 1000:.3f} ms, "
        f"p90 {times[int(len(times) * 0.9)] * 1000:.3f} ms, max {times[-1] * 1000:.3f} ms"
    )
    print(f"median over questions of each one's fastest cold round: {quiet * 1000:.3f} ms")
    print(
        f"warm (after the other half of the questions, never the same one): "
        f"median {statistics.median(warm) * 1000:.3f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
