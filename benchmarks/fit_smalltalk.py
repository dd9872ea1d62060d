"""Fit the rule that reads small talk by meaning (bot/fusion.yaml's `smalltalk:`).

Usage: python benchmarks/fit_smalltalk.py [FILE ...] [--write]
(default file: tests/data/labelled.yaml, the project's own cases).

The small-talk patterns of the knowledge base catch the courtesies they hold
and their typos; "Tu es un humain ou une machine ?" is none of them. The rule:
a message of at most `words` words whose nearest small-talk pattern (by the
encoder's cosine) is at least `similarity`, and `lead` above the best
similarity to any entry's questions, is small talk.

1. Every case is replied to with the rule off; its credit (the eval's) and
   whether it was a wrong answer are kept, with its words and similarities.
2. The rule fires only on cases that reach it: not on those the patterns,
   the lacking rules, the length limit or `lexical_sure` decide (it is asked
   once the encoder has read the message, so that it costs no encoding). Firing on a small-talk case
   earns its missing credit and undoes a wrong answer (a wrong answer costs
   four credits, as in the fusion's fit); firing on any other case loses its
   credit four times over: a citizen's real question answered with "you are
   welcome" is nearly as bad as a wrong answer.
3. The three limits are the grid point of best total; ties go to the
   strictest rule (fewest words, highest lead, highest similarity).
4. Leave-one-group-out (a group is one probe) prints what the rule, fitted on
   the other groups, does on each group: the honest estimate.

With --write, the rule is written into bot/fusion.yaml (the rest is kept).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.dialogue import Dialogue  # noqa: E402
from bot.evaluation import judge, load_cases  # noqa: E402
from bot.fusion import FUSION_PATH, SmalltalkRule, default_policy  # noqa: E402
from bot.knowledge import load  # noqa: E402

WRONG_COST = 4.0  # credits a wrong answer costs (the fusion's fit uses the same)
LOST_COST = 4.0  # credits a real question turned into small talk costs
# the steps that decide before the rule is asked (lexical_sure: without the encoder)
UNREACHED = frozenset({"smalltalk", "lacking", "too_long", "lexical_sure", "lexical"})
SIMILARITIES = np.round(np.arange(0.80, 0.975, 0.005), 3)
LEADS = np.round(np.arange(0.0, 0.1001, 0.0025), 4)
WORDS = (3, 4, 5, 6, 8, 10, 12)


@dataclasses.dataclass(frozen=True)
class Row:
    group: str
    smalltalk: bool  # the case expects small talk
    reached: bool  # the rule would be asked (no earlier step decided)
    words: int
    similarity: float
    entry_similarity: float
    credit: float  # with the rule off
    wrong: bool


def read(cases, dialogue: Dialogue) -> list[Row]:
    brain = dialogue.brain
    rows = []
    for case in cases:
        reply = dialogue.reply(case.question)
        outcome = judge(case, reply)
        found = brain.smalltalk_by_meaning(case.question)
        similarity, entry_similarity = (found[1], found[2]) if found else (0.0, 1.0)
        rows.append(
            Row(
                case.group,
                case.expect == "smalltalk",
                reply.decision.get("step") not in UNREACHED,
                len(brain.normalized(case.question).split()),
                similarity,
                entry_similarity,
                outcome.credit,
                outcome.wrong_answer,
            )
        )
    return rows


class Grid:
    """Every rule's gain on every row, computed once (rows × rules)."""

    def __init__(self, rows: Sequence[Row]) -> None:
        self.rules = [
            (int(w), float(lead), float(sim))
            for w in WORDS
            for lead in LEADS[::-1]
            for sim in SIMILARITIES[::-1]
        ]  # strictest first within each word limit: argmax keeps the first best
        words = np.array([r.words for r in rows])
        sim = np.array([r.similarity for r in rows])
        lead = sim - np.array([r.entry_similarity for r in rows])
        reached = np.array([r.reached for r in rows])
        talk = np.array([r.smalltalk for r in rows])
        credit = np.array([r.credit for r in rows])
        wrong = np.array([r.wrong for r in rows], float)
        gain = np.where(
            talk, 1 - credit + WRONG_COST * wrong, -LOST_COST * credit + WRONG_COST * wrong
        )
        w_ = np.array([r[0] for r in self.rules])[None, :]
        l_ = np.array([r[1] for r in self.rules])[None, :]
        s_ = np.array([r[2] for r in self.rules])[None, :]
        fires = (
            reached[:, None]
            & (words[:, None] > 0)
            & (words[:, None] <= w_)
            & (sim[:, None] >= s_)
            & (lead[:, None] >= l_)
        )
        self.fires = fires
        self.gain = fires * gain[:, None]
        self.talk = talk

    def best(self, mask: np.ndarray) -> int:
        return int(np.argmax(self.gain[mask].sum(axis=0)))

    def effect(self, rule: int, mask: np.ndarray) -> tuple[int, int, float]:
        """(small-talk cases it fixes or keeps, other cases it takes, gain) on the rows."""
        fires = self.fires[mask, rule]
        talk = self.talk[mask]
        return (
            int((fires & talk).sum()),
            int((fires & ~talk).sum()),
            float(self.gain[mask, rule].sum()),
        )


def rule_of(grid: Grid, index: int, fitted: dict[str, object]) -> SmalltalkRule:
    words, lead, similarity = grid.rules[index]
    return SmalltalkRule(similarity=similarity, lead=lead, words=words, fitted=fitted)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--kb", default=str(ROOT / "knowledge" / "faq_ar.yaml"))
    parser.add_argument("--write", action="store_true", help="write the rule into bot/fusion.yaml")
    args = parser.parse_args()
    files = [Path(f) for f in args.files] or [ROOT / "tests/data/labelled.yaml"]
    policy = default_policy()
    if policy is None:
        print(f"{FUSION_PATH} is missing: fit the fusion first (fit_fusion.py --write)")
        return 1
    off = dataclasses.replace(policy, smalltalk=SmalltalkRule())
    dialogue = Dialogue(load(args.kb), policy=off)
    if dialogue.brain.semantic is None:
        print("the encoder is not available: nothing to fit")
        return 1
    cases = [c for f in files for c in load_cases(f)]
    rows = read(cases, dialogue)
    grid = Grid(rows)
    groups = np.array([r.group for r in rows])
    everyone = np.ones(len(rows), bool)
    talk_right = sum(r.credit for r in rows if r.smalltalk)
    talk_all = sum(r.smalltalk for r in rows)
    print(f"{len(rows)} cases, {talk_all} small talk, {talk_right:.0f} right without the rule")

    print("\nleave one group out (fitted on the others, applied to the group):")
    print(f"{'group':10} {'talk':>5} {'right before':>12} {'taken':>6} {'others taken':>12}  rule")
    totals = [0, 0, 0, 0.0]
    for group in sorted(set(groups), key=lambda g: (len(g), g)):
        inside = groups == group
        chosen = grid.best(~inside)
        talk_taken, others, gain = grid.effect(chosen, inside)
        before = sum(r.credit for r, i in zip(rows, inside, strict=True) if i and r.smalltalk)
        n_talk = int(grid.talk[inside].sum())
        totals = [totals[0] + n_talk, totals[1] + before, totals[2] + others, totals[3] + gain]
        w, lead, sim = grid.rules[chosen]
        print(
            f"{group or '-':10} {n_talk:5} {before:12.0f} {talk_taken:6} {others:12}"
            f"  words≤{w} sim≥{sim} lead≥{lead}"
        )
    print(
        f"total: {totals[0]} small talk, right before {totals[1]:.0f}; gain "
        f"{totals[3]:+.0f} credits (wrong-weighted); other cases taken {totals[2]}"
    )

    chosen = grid.best(everyone)
    talk_taken, others, gain = grid.effect(chosen, everyone)
    fitted = {
        "cases": len(rows),
        "smalltalk_cases": talk_all,
        "fires_on_smalltalk": talk_taken,
        "fires_on_others": others,
        "gain": round(gain, 1),
        "leave_one_group_out_gain": round(totals[3], 1),
        "leave_one_group_out_others_taken": totals[2],
        "date": datetime.date.today().isoformat(),
    }
    rule = rule_of(grid, chosen, fitted)
    print(
        f"\nfitted on every case: words ≤ {rule.words}, similarity ≥ {rule.similarity}, "
        f"lead ≥ {rule.lead}: fires on {talk_taken} small-talk cases and {others} others"
    )
    if args.write:
        text = FUSION_PATH.read_text(encoding="utf-8")
        header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
        data = yaml.safe_load(text)
        data["smalltalk"] = rule.as_dict()
        FUSION_PATH.write_text(
            header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        print(f"written: {FUSION_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
