"""List (or, with --write, record) the labelled cases the bot gets wrong today.

Usage: python benchmarks/known_failures.py [--write]

tests/data/known_failures.yaml is the explicit list that tests/test_accuracy.py
holds the bot to: every case not in it must be right, every case in it is still
wrong (a fix must take it out, so that every flip, either way, is seen).

The encoder has two engines (bot/semantic.py: the project's VNNI build, the
wheel's), whose vectors differ in the fourth decimal, enough to flip a case or
two. Where the VNNI build runs, --write scores the file with both (the wheel's in
a second process) and marks a failure that only one of them makes with
``engine:``, so that the test holds each machine to its own engine's list.
Run it where the VNNI build runs: elsewhere it can only record the wheel's list.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import DEFAULT_KB_PATH  # noqa: E402
from bot.dialogue import Dialogue  # noqa: E402
from bot.evaluation import evaluate, load_cases  # noqa: E402
from bot.knowledge import load  # noqa: E402
from bot.semantic import encoder_engine  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "labelled.yaml"
KNOWN = ROOT / "tests" / "data" / "known_failures.yaml"
HEADER = """\
# The cases of labelled.yaml that the bot gets wrong today, and what it does
# instead. tests/test_accuracy.py fails when a case not listed here goes wrong, or
# when a listed case comes right (take it out: the flip is progress, and seen).
# A failure with `engine:` is made by that encoder engine only (bot/semantic.py).
# Written by: python benchmarks/known_failures.py --write
"""


def _failures() -> tuple[list[dict[str, str]], str]:
    """This process's engine's failures, and the table's last line."""
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
    return failures, report.as_table().splitlines()[-1]


def _wheel_failures() -> list[dict[str, str]]:
    """The same list from the wheel's engine, in a process of its own (one engine a process)."""
    env = {**os.environ, "FAQ_ENCODER_ENGINE": "wheel"}
    done = subprocess.run(
        [sys.executable, __file__, "--json"], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def merge(by_engine: dict[str, list[dict[str, str]]]) -> list[dict[str, str]]:
    """One list: a failure every engine makes alike is plain; any other names its engine."""
    engines = list(by_engine)
    seen: dict[str, dict[str, dict[str, str]]] = {}
    for engine, failures in by_engine.items():
        for failure in failures:
            seen.setdefault(failure["q"], {})[engine] = failure
    merged = []
    for per_engine in seen.values():
        first = next(iter(per_engine.values()))
        if len(per_engine) == len(engines) and all(f == first for f in per_engine.values()):
            merged.append(first)
        else:
            merged.extend({**f, "engine": engine} for engine, f in per_engine.items())
    return merged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--json", action="store_true", help="this engine's failures as JSON")
    args = parser.parse_args()
    failures, summary = _failures()
    if args.json:
        print(json.dumps(failures, ensure_ascii=False))
        return 0
    engine = encoder_engine()
    by_engine = {engine: failures}
    if engine == "vnni":
        by_engine["wheel"] = _wheel_failures()
    listed = merge(by_engine)
    text = HEADER + yaml.safe_dump(listed, allow_unicode=True, sort_keys=False, width=1000)
    if args.write:
        KNOWN.write_text(text, encoding="utf-8")
        print(f"{len(listed)} known failures written to {KNOWN} (engines: {', '.join(by_engine)})")
    else:
        print(text)
    print(summary, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
