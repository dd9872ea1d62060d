"""The index and the ranking: a query → candidate entries with comparable scores.

Two stages, both precomputed at build time so a query costs a few dict look-ups:

1. Recall: BM25 over light stems (``bot.arabic.stems``), with the document
   frequency counted over *entries* (an entry's ten alternatives repeating a
   word do not make it common).
2. Scoring: the best texts are scored 0..100 by a blend of IDF-weighted
   overlap (how much of the query's weight the text covers, and how much of
   the text's weight the query covers) and rapidfuzz's ``token_sort_ratio``
   over the stems. An entry scores as its best text.

A query word absent from the index is mapped to its nearest indexed word
(rapidfuzz, cutoff 80) so that one typo does not lose the word.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.arabic import STOP_WORDS, normalize, stem

__all__ = ["Candidate", "Matcher"]

# Longest query considered: beyond this nothing changes the answer, and a
# pasted book must not cost more than a question.
_MAX_QUERY_CHARS = 2000
_MAX_QUERY_TOKENS = 64

# BM25 parameters (the usual defaults; see benchmarks/README.md).
_K1 = 1.2
_B = 0.75
# How many texts the recall stage hands to the scoring stage.
_RERANK_DEPTH = 50
# Score blend: query coverage, text coverage, fuzzy string similarity.
_W_QUERY = 0.4
_W_TEXT = 0.3
_W_FUZZY = 0.3
# Typo tolerance: nearest indexed word at this rapidfuzz ratio or better,
# only for words of this many letters or more (short words are too ambiguous).
_TYPO_CUTOFF = 80.0
_TYPO_MIN_LEN = 4
_TYPO_CACHE_SIZE = 4096


@dataclass(frozen=True)
class Candidate:
    """One entry proposed for a query."""

    key: str
    """The document key (an entry id)."""
    score: float
    """0..100, comparable across queries."""
    text: str
    """The document text (question or alternative) that matched best."""
    coverage: float
    """0..1: share of the query's informative (IDF) weight matched by this entry."""


@dataclass(frozen=True, slots=True)
class _Text:
    key: int
    text: str
    stems: tuple[str, ...]
    joined: str
    weight: float  # IDF mass of the distinct stems


class Matcher:
    """An index over FAQ entries, each a key with one or more texts.

    >>> m = Matcher({"about": ["ما هو التعاون الوطني؟"], "hours": ["متى يفتح المكتب؟"]})
    >>> m.rank("ما هو التعاون الوطني")[0].key
    'about'
    """

    def __init__(
        self,
        documents: Mapping[str, Sequence[str]],
        *,
        preprocess: Callable[[str], str] | None = None,
    ) -> None:
        self._preprocess = preprocess
        self._keys: list[str] = list(documents)
        analysed: list[tuple[int, str, list[str], list[str]]] = []
        surface_to_stem: dict[str, str] = {}
        for key_index, key in enumerate(self._keys):
            for text in documents[key]:
                words = self._words(text)
                stems = [stem(w) for w in words]
                for word, s in zip(words, stems, strict=True):
                    surface_to_stem.setdefault(word, s)
                analysed.append((key_index, text, words, stems))

        # Document frequency over entries, not texts.
        entry_stems: dict[int, set[str]] = {}
        for key_index, _text, _words, stems in analysed:
            entry_stems.setdefault(key_index, set()).update(stems)
        df: dict[str, int] = {}
        for stem_set in entry_stems.values():
            for s in stem_set:
                df[s] = df.get(s, 0) + 1
        n = max(len(entry_stems), 1)
        self._idf: dict[str, float] = {s: _idf(n, f) for s, f in df.items()}
        self._max_idf = _idf(n, 1)

        lengths = [len(stems) for _k, _t, _w, stems in analysed]
        avg_len = (sum(lengths) / len(lengths)) if lengths else 1.0
        avg_len = avg_len or 1.0
        self._texts: list[_Text] = []
        postings: dict[str, list[tuple[int, float]]] = {}
        for text_index, (key_index, text, _words, stems) in enumerate(analysed):
            distinct = set(stems)
            self._texts.append(
                _Text(
                    key=key_index,
                    text=text,
                    stems=tuple(stems),
                    joined=" ".join(stems),
                    weight=sum(self._idf[s] for s in distinct),
                )
            )
            norm = _K1 * (1 - _B + _B * len(stems) / avg_len)
            for s in distinct:
                tf = stems.count(s)
                postings.setdefault(s, []).append((text_index, tf * (_K1 + 1) / (tf + norm)))
        self._postings = postings
        self._surface_to_stem = surface_to_stem
        self._surface_list = list(surface_to_stem)
        self._vocabulary = frozenset(surface_to_stem)
        self._typo_cache: dict[str, str | None] = {}

    @property
    def vocabulary(self) -> frozenset[str]:
        """The informative normalized words of the indexed texts."""
        return self._vocabulary

    def rank(self, query: str, *, limit: int = 5) -> list[Candidate]:
        """Entries for ``query``, best first, one per key; ``[]`` when nothing is shared."""
        if limit <= 0:
            return []
        words = self._words(query[:_MAX_QUERY_CHARS])[:_MAX_QUERY_TOKENS]
        if not words:
            return []
        # Query stems with their weight; unknown words fall back to their
        # nearest indexed word, or count at the maximum IDF, unmatched.
        query_weights: dict[str, float] = {}
        total_weight = 0.0
        for word in words:
            s = self._resolve(word)
            if s is None:
                total_weight += self._max_idf
                continue
            if s not in query_weights:
                w = self._idf[s]
                query_weights[s] = w
                total_weight += w
        if not query_weights:
            return []

        # Recall: BM25 accumulated over postings.
        acc: dict[int, float] = {}
        postings = self._postings
        for s, w in query_weights.items():
            for text_index, tf_part in postings[s]:
                acc[text_index] = acc.get(text_index, 0.0) + w * tf_part
        top = heapq.nlargest(_RERANK_DEPTH, acc, key=acc.__getitem__)

        # Scoring: comparable 0..100.
        query_joined = " ".join(sorted(query_weights))
        best: dict[int, tuple[float, float, int]] = {}
        for text_index in top:
            doc = self._texts[text_index]
            matched = sum(w for s, w in query_weights.items() if s in doc.stems)
            q_cov = matched / total_weight
            d_cov = matched / doc.weight if doc.weight else 0.0
            fuzzy = fuzz.token_sort_ratio(query_joined, doc.joined) / 100.0
            score = 100.0 * (_W_QUERY * q_cov + _W_TEXT * min(d_cov, 1.0) + _W_FUZZY * fuzzy)
            previous = best.get(doc.key)
            if previous is None or score > previous[0]:
                best[doc.key] = (score, max(q_cov, previous[1] if previous else 0.0), text_index)
            elif q_cov > previous[1]:
                best[doc.key] = (previous[0], q_cov, previous[2])
        ranked = heapq.nlargest(limit, best.items(), key=lambda item: item[1][0])
        return [
            Candidate(
                key=self._keys[key_index],
                score=round(min(max(score, 0.0), 100.0), 2),
                text=self._texts[text_index].text,
                coverage=round(min(coverage, 1.0), 4),
            )
            for key_index, (score, coverage, text_index) in ranked
        ]

    # --- helpers ----------------------------------------------------------

    def _words(self, text: str) -> list[str]:
        if self._preprocess is not None:
            text = self._preprocess(text)
        return [w for w in normalize(text).split() if w not in STOP_WORDS]

    def _resolve(self, word: str) -> str | None:
        """The indexed stem for a query word, correcting one typo if needed."""
        s = stem(word)
        if s in self._idf:
            return s
        if word in self._typo_cache:
            return self._typo_cache[word]
        found: str | None = None
        if len(word) >= _TYPO_MIN_LEN and self._surface_list:
            match = process.extractOne(
                word,
                self._surface_list,
                scorer=fuzz.ratio,
                score_cutoff=_TYPO_CUTOFF,
            )
            if match is not None:
                found = self._surface_to_stem[match[0]]
        if len(self._typo_cache) >= _TYPO_CACHE_SIZE:
            self._typo_cache.clear()
        self._typo_cache[word] = found
        return found


def _idf(n: int, df: int) -> float:
    # BM25's IDF with the +1 that keeps it positive for very common words.
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))
