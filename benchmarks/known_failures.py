"""List (or, with --write, record) the labelled cases the bot gets wrong today.

Usage: python benchmarks/known_failures.py [--write]

tests/data/known_failures.yaml is the explicit list that tests/test_accuracy.py
holds the bot to: every case not in it must be right, every case in it is still
wrong (a fix must take it out, so that every flip, either way, is seen).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import DEFAULT_KB_PATH  # noqa: E402
from bot.dialogue import Dialogue  # noqa: E402
from bot.evaluation import evaluate, load_cases  # noqa: E402
from bot.knowledge import load  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "labelled.yaml"
KNOWN = ROOT / "tests" / "data" / "known_failures.yaml"
HEADER = """\
# The cases of labelled.yaml that the bot gets wrong today, and what it does
# instead. tests/test_accuracy.py fails when a case not listed here goes wrong, or
# when a listed case comes right (take it out: the flip is progress, and seen).
# Written by: python benchmarks/known_failures.py --write
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    dialogue = Dialogue(load(DEFAULT_KB_PATH), rng=random.Random(0))
    report = evaluate(load_cases(LABELLED), dialogue.reply)
    failures = [
        {
            "q": o.question,
            "tag": o.tag,
            "got": o.status,
            **({"entry": o.entry_id} if o.entry_id else {}),
        }
        for o in report.failures()
    ]
    text = HEADER + yaml.safe_dump(failures, allow_unicode=True, sort_keys=False, width=1000)
    if args.write:
        KNOWN.write_text(text, encoding="utf-8")
        print(f"{len(failures)} known failures written to {KNOWN}")
    else:
        print(text)
    print(report.as_table().splitlines()[-1], file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
