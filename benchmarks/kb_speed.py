"""Speed on the real knowledge base: start-up, time per reply, sustained rate, memory.

Usage: python benchmarks/kb_speed.py [--kb PATH] [--rounds N] [--first N] [--threads N]

- start-up: load + validate + index + the encoder's vectors, from a warm vector
  cache (the usual restart) and from an empty one (the first start after an
  edit of the knowledge base), median of several fresh loads;
- reply time over the labelled questions (tests/data/labelled.yaml), every one
  asked once per round on a fresh dialogue (cold caches): median, p90, p99,
  and the share decided without the encoder (the lexical ranking alone);
- sustained: replies a second, one after another on one core (this process
  runs on one thread; the encoder on --threads, default 1), and replies per
  second of CPU time, which is the one-core figure whatever the thread count;
- peak memory: of a bot process, measured apart in a fresh one (``--bot-memory``)
  that lives a running bot's worst case: it starts with an empty vector cache (the
  first start after an edit, when the cache is built), answers every question, then
  builds a second dialogue beside the first (a reload: the old one serves while the
  new one is built); and of this benchmark's own process, which builds eight
  dialogues for the start-up figures and holds what they leave behind.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.dialogue import Dialogue  # noqa: E402
from bot.evaluation import load_cases  # noqa: E402
from bot.knowledge import load  # noqa: E402


def _startup(kb_path: str, loads: int) -> float:
    times = []
    for _ in range(loads):
        started = time.perf_counter()
        dialogue = Dialogue(load(kb_path))
        dialogue.reply("warm")
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _own_peak_mb() -> float:
    """This process's peak resident set since it started. Not ru_maxrss, which Linux
    carries over a fork and an exec: a child would start at its parent's peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _max_rss_mb()


def _bot_memory(kb_path: str, questions: list[str]) -> float:
    """A bot's peak: a cold start, every question answered, then a reload beside it."""
    with tempfile.TemporaryDirectory() as empty:
        os.environ["FAQ_CACHE_DIR"] = empty
        dialogue = Dialogue(load(kb_path))
        for question in questions:
            dialogue.reply(question)
        reloaded = Dialogue(load(kb_path))
        reloaded.reply("السلام عليكم")
        dialogue.reply("السلام عليكم")  # both alive at the peak
    return _own_peak_mb()


def _bot_memory_apart(args: argparse.Namespace) -> float:
    """_bot_memory in a fresh process, so that nothing of this one's counts."""
    command = [sys.executable, __file__, "--bot-memory", "--kb", args.kb]
    command += ["--questions", args.questions, "--first", str(args.first)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", default=str(ROOT / "knowledge" / "faq_ar.yaml"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument(
        "--questions", default=str(ROOT / "tests" / "data" / "labelled.yaml"), help="labelled file"
    )
    parser.add_argument("--first", type=int, default=0, help="only its first N questions")
    parser.add_argument(
        "--threads", type=int, default=1, help="the encoder's threads (FAQ_ENCODER_THREADS)"
    )
    parser.add_argument(
        "--bot-memory", action="store_true", help="only print a bot process's peak memory (MB)"
    )
    args = parser.parse_args()
    os.environ["FAQ_ENCODER_THREADS"] = str(args.threads)  # read when the encoder loads
    if args.bot_memory:
        asked = [case.question for case in load_cases(args.questions)]
        print(f"{_bot_memory(args.kb, asked[: args.first] if args.first else asked):.0f}")
        return 0

    Dialogue(load(args.kb))  # the vector cache as a running bot finds it
    warm_start = _startup(args.kb, args.loads)
    with tempfile.TemporaryDirectory() as empty:
        previous = os.environ.get("FAQ_CACHE_DIR")
        os.environ["FAQ_CACHE_DIR"] = empty
        started = time.perf_counter()
        Dialogue(load(args.kb)).reply("warm")
        cold_start = time.perf_counter() - started
        if previous is None:
            del os.environ["FAQ_CACHE_DIR"]
        else:
            os.environ["FAQ_CACHE_DIR"] = previous

    questions = [case.question for case in load_cases(args.questions)]
    if args.first:
        questions = questions[: args.first]
    times: list[float] = []
    lexical_alone = 0
    kb = load(args.kb)
    busy = 0.0
    cpu = 0.0  # the process's CPU time, every thread of it
    for _ in range(args.rounds):
        dialogue = Dialogue(kb)  # fresh: its caches are cold, as for questions never seen
        dialogue.reply("السلام عليكم")
        for question in questions:
            started, started_cpu = time.perf_counter(), time.process_time()
            reply = dialogue.reply(question)
            elapsed = time.perf_counter() - started
            cpu += time.process_time() - started_cpu
            times.append(elapsed)
            busy += elapsed
            lexical_alone += reply.decision.get("step") != "fusion"
    times.sort()
    n = len(times)
    peak_mb = _max_rss_mb()
    bot_mb = _bot_memory_apart(args)
    print(f"knowledge base: {args.kb} ({len(kb.entries)} entries)")
    print(
        f"start-up, median of {args.loads}: {warm_start * 1000:.0f} ms with the vector cache; "
        f"{cold_start * 1000:.0f} ms building it (first start after an edit)"
    )
    print(
        f"reply time over {n} replies ({len(questions)} questions × {args.rounds}): "
        f"median {statistics.median(times) * 1000:.2f} ms, "
        f"p90 {times[int(n * 0.9)] * 1000:.1f} ms, "
        f"p99 {times[min(n - 1, int(n * 0.99))] * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms"
    )
    print(f"decided without the encoder: {100 * lexical_alone / n:.0f}% of replies")
    print(
        f"sustained, encoder on {args.threads} thread(s): {n / busy:.0f} replies a second; "
        f"{n / cpu:.0f} replies per CPU-second (one core)"
    )
    print(
        f"peak memory (max RSS): {bot_mb:.0f} MB for a bot process (a cold start, every "
        f"question, a reload beside it); {peak_mb:.0f} MB for this benchmark's process"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
