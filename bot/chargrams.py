"""Character n-gram similarity: a lexical signal that needs no stemmer.

Each content word is read as `#word#` and cut into its 2-, 3- and 4-grams; a text is
the TF-IDF weighted bag of them, compared by cosine. Broken plurals and derived forms
the light stemmer misses (مراكز / مركز, إعاقة / معاقين) and typos still share most of
their grams. On Q2Q this signal alone ranks 65.7% first, the matcher 71.1%, and the
two disagree usefully (benchmarks/README.md).

Example:
    >>> grams = CharGrams({"a": ["ما هي شروط الاستفادة"], "b": ["أين توجد المراكز"]})
    >>> scores = grams.similarities("شروط الإستفاده", ["a", "b"])
    >>> scores["a"] > 0.5 > scores["b"]
    True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from bot.arabic import STOP_WORDS, normalize

_SIZES = (2, 3, 4)

_Vector = dict[str, float]


def grams(text: str) -> list[str]:
    """The 2-4-grams of each normalized content word, marked at its edges."""
    found: list[str] = []
    for word in normalize(text).split():
        if word in STOP_WORDS:
            continue
        marked = f"#{word}#"
        for n in _SIZES:
            found += [marked[i : i + n] for i in range(len(marked) - n + 1)]
    return found


class CharGrams:
    """Each entry's texts as unit TF-IDF vectors of character n-grams."""

    def __init__(self, documents: Mapping[str, Sequence[str]]) -> None:
        counted = {
            key: [_log_counts(grams(text)) for text in texts] for key, texts in documents.items()
        }
        df: dict[str, int] = {}
        texts = 0
        for rows in counted.values():
            for row in rows:
                texts += 1
                for gram in row:
                    df[gram] = df.get(gram, 0) + 1
        # smoothed as scikit-learn does: a gram every text holds still weighs 1
        self._idf = {gram: math.log((1 + texts) / (1 + f)) + 1.0 for gram, f in df.items()}
        self._texts: dict[str, list[_Vector]] = {
            key: [v for v in (self._unit(row) for row in rows) if v]
            for key, rows in counted.items()
        }

    def _unit(self, counts: Mapping[str, float]) -> _Vector:
        weighted = {g: c * self._idf[g] for g, c in counts.items() if g in self._idf}
        norm = math.sqrt(sum(w * w for w in weighted.values()))
        return {g: w / norm for g, w in weighted.items()} if norm else {}

    def similarities(self, query: str, keys: Iterable[str]) -> dict[str, float]:
        """Per entry: the cosine of the query to the nearest of the entry's texts."""
        vector = self._unit(_log_counts(grams(query)))
        if not vector:
            return {key: 0.0 for key in keys}
        return {
            key: max((_dot(vector, text) for text in self._texts.get(key, ())), default=0.0)
            for key in keys
        }


def _log_counts(found: Sequence[str]) -> dict[str, float]:
    counts: dict[str, int] = {}
    for gram in found:
        counts[gram] = counts.get(gram, 0) + 1
    return {gram: 1.0 + math.log(c) for gram, c in counts.items()}


def _dot(small: _Vector, large: _Vector) -> float:
    if len(small) > len(large):
        small, large = large, small
    return sum(w * large.get(g, 0.0) for g, w in small.items())
