"""The index and the ranking: a query → candidate entries with comparable scores.

Everything is precomputed when the index is built; a query costs a few dict
look-ups and a few dozen rapidfuzz calls.

0. Words: the caller's tokens (``Tokens``: words already normalized or
   canonicalized, as the caller reads text; ``tokenize`` normalizes plain
   text), stop words dropped, a leading
   و ف ب ك ل removed when the rest is a word of the index
   (``bot.arabic.strip_clitics``), then light-stemmed (``bot.arabic.stem``).
1. Recall: BM25 over the stems. Document frequency is counted over *entries*,
   so an entry whose ten alternatives repeat a word does not make that word
   common. IDF is raised to a power so that a rare word outweighs several
   common ones.
2. Scoring, on the best texts of recall, 0..100 and comparable across queries:
   - IDF-weighted coverage of the query by the text and of the text by the
     query, joined as an F2 measure (the query side counts four times as much:
     a text may say more than the user asked, but what the user asked must be
     there). A query word with no identical stem in the text earns partial
     credit from its most similar stem in the text (مخترع ~ اخترع, علاج ~ يعالج);
   - rapidfuzz ``token_sort_ratio`` between the stem strings (word order and
     leftovers);
   - a small bonus when the question types agree (متى ≈ في أي سنة), a small
     malus when both have one and they differ.
   An entry scores as its best text.

A query word absent from the index is first mapped to its nearest indexed word
(one edit away, two for long words; words of four letters or more) so that one
typo does not lose the word. See benchmarks/README.md for the measurements behind each choice.
"""

from __future__ import annotations

import functools
import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.arabic import STOP_WORDS, normalize, question_types, stem, strip_clitics

__all__ = ["MAX_QUERY_CHARS", "Candidate", "Matcher", "Tokens", "tokenize"]

# Longest query considered: beyond this nothing changes the answer, and a
# pasted book must cost no more than a question.
MAX_QUERY_CHARS = 2000
_MAX_QUERY_TOKENS = 64

# BM25 (the usual defaults: k1 and b barely moved the q2q figures).
_K1 = 1.2
_B = 0.75
# IDF ** 1.5: one rare word outweighs several common ones (q2q: +0.4 P@1 over 1.0).
_IDF_POWER = 1.5
# Texts handed from recall to scoring (20 scored as well as 50 on q2q), and at
# most this many texts per entry among them, so that one entry's many
# alternatives cannot crowd out the others.
_DEPTH = 20
_PER_ENTRY = 3
# Score blend: F2 of the two coverages, then the fuzzy stem-string similarity.
_W_COVERAGE = 0.7
_W_FUZZY = 0.3
_BETA2 = 4.0  # F-beta with beta = 2
_W_TYPE_AGREE = 0.05
_W_TYPE_CLASH = 0.05
# Partial credit for a query stem that matches no stem of the text exactly:
# its most similar stem there, at rapidfuzz ratio ≥ 75, earns 0.8 × similarity.
_SOFT_CUTOFF = 75.0
_SOFT_CREDIT = 0.8
# ...and whose length differs by at most this many letters: a short stem is
# otherwise "similar" to every longer word that starts with it (مرا ~ مراقب).
_SOFT_MAX_LENGTH_GAP = 1
# Typo tolerance: the nearest indexed word at most one edit away (a letter
# added, dropped, replaced, or two swapped; two edits from eight letters on),
# only for words of four letters or more (shorter ones are too ambiguous).
_TYPO_EDITS = 1
_TYPO_EDITS_LONG = 2
_TYPO_LONG_WORD = 8
_TYPO_MIN_LEN = 4
_CACHE_SIZE = 4096
# Below this many recalled texts a full sort is cheaper than a heap.
_SORT_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class Tokens:
    """A text as the matcher reads it: its informative words and its question types."""

    text: str
    """As written: shown as the matched text (``Candidate.text``)."""
    words: tuple[str, ...]
    """Normalized (or canonical) words, stop words left out."""
    types: frozenset[str]
    """``bot.arabic.question_types`` of the normalized text."""


def tokenize(text: str, normalized: str | None = None) -> Tokens:
    """``text`` as the matcher reads it; ``normalized`` is its normalized form when the
    caller has one (a dialect mapped to standard words, say), else ``normalize(text)``."""
    form = normalize(text) if normalized is None else normalized
    return Tokens(text, tuple(w for w in form.split() if w not in STOP_WORDS), question_types(form))


def _query_tokens(query: str | Tokens) -> Tokens:
    # a caller's tokens were cut already (see MAX_QUERY_CHARS)
    return query if isinstance(query, Tokens) else tokenize(query[:MAX_QUERY_CHARS])


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
    """0..1: share of the query's informative (IDF) weight that this entry matched."""
    text_coverage: float = 0.0
    """0..1: share of the matched text's informative weight that the query holds (low: the
    text asks about more than the query, "القروض الشخصية" for "القروض")."""


@dataclass(frozen=True, slots=True)
class _Text:
    entry: int
    text: str
    stems: frozenset[str]
    sorted_stems: str  # the stems sorted and joined: token_sort_ratio, precomputed
    weight: float  # IDF mass of the distinct stems
    types: frozenset[str]


class Matcher:
    """An index over FAQ entries, each a key with one or more texts.

    >>> m = Matcher({"about": ["ما هو التعاون الوطني؟"], "founded": ["متى تأسس التعاون الوطني؟"]})
    >>> [c.key for c in m.rank("متى تاسس التعاون الوطني")]
    ['founded', 'about']
    """

    def __init__(
        self,
        documents: Mapping[str, Sequence[str | Tokens]],
        *,
        stemmer: Callable[[str], str] = stem,
        depth: int = _DEPTH,
    ) -> None:
        self._depth = depth  # how many texts recall hands to scoring (see benchmarks/README.md)
        self._stemmer = stemmer
        self._keys: list[str] = list(documents)
        # Two passes: the words of every text first, since whether a leading
        # و ف ب ك ل is a clitic depends on the whole vocabulary.
        texts_words: list[tuple[int, str, list[str], frozenset[str]]] = []
        for entry, key in enumerate(self._keys):
            for text in documents[key]:
                tokens = text if isinstance(text, Tokens) else tokenize(text)
                texts_words.append((entry, tokens.text, list(tokens.words), tokens.types))
        self._known = frozenset(w for _e, _t, words, _ty in texts_words for w in words)
        surface: dict[str, str] = {}  # indexed word → its stem
        for word in self._known:
            surface[word] = stemmer(strip_clitics(word, self._known))
        analysed = [
            (entry, text, [surface[w] for w in words], types)
            for entry, text, words, types in texts_words
        ]

        # Document frequency over entries, not texts.
        per_entry: list[set[str]] = [set() for _ in self._keys]
        for entry, _text, stems, _types in analysed:
            per_entry[entry].update(stems)
        df: dict[str, int] = {}
        for stem_set in per_entry:
            for s in stem_set:
                df[s] = df.get(s, 0) + 1
        n = max(sum(1 for stem_set in per_entry if stem_set), 1)
        self._idf: dict[str, float] = {s: _idf(n, f) for s, f in df.items()}
        self._max_idf = _idf(n, 1)
        # Words in more than half of the entries: recall skips them when rarer
        # words have found enough texts (the scoring stage still counts them).
        self._common = frozenset(s for s, f in df.items() if f > n / 2)
        # what each entry speaks of, and what its texts ask for: in an Arabic question
        # the first telling word after the interrogative is what is asked for (شروط,
        # عدد, أهداف), which coverage counts as one word among others
        self._key_index = {key: i for i, key in enumerate(self._keys)}
        self._entry_stems = per_entry  # read only from here on
        heads: list[set[str]] = [set() for _ in self._keys]
        for entry, _text, stems, _types in analysed:
            head = next((s for s in stems if s not in self._common), None)
            if head is not None:
                heads[entry].add(head)
        self._entry_heads = [frozenset(h) for h in heads]

        total_len = sum(len(stems) for _e, _t, stems, _ty in analysed)
        avg_len = total_len / len(analysed) if total_len else 1.0
        self._texts: list[_Text] = []
        # stem → {text index: its BM25 term score, IDF included}
        self._postings: dict[str, dict[int, float]] = {}
        for index, (entry, text, stems, types) in enumerate(analysed):
            distinct = frozenset(stems)
            self._texts.append(
                _Text(
                    entry=entry,
                    text=text,
                    stems=distinct,
                    sorted_stems=" ".join(sorted(stems)),
                    weight=math.fsum([self._idf[s] for s in distinct]),
                    types=types,
                )
            )
            norm = _K1 * (1.0 - _B + _B * len(stems) / avg_len)
            for s, tf in Counter(stems).items():
                posting = self._postings.setdefault(s, {})
                posting[index] = self._idf[s] * tf * (_K1 + 1.0) / (tf + norm)
        self._one_text_per_entry = len(self._texts) == len(self._keys)
        # The best-scoring texts of each common word, for the recall fallback.
        self._best_postings = {
            s: heapq.nlargest(depth * _PER_ENTRY, self._postings[s].items(), key=_second)
            for s in self._common
        }
        self._surface = surface
        # Typo candidates by length: a word within k edits is within k letters of
        # length, so only those lengths are searched; sorted, so that ties resolve
        # the same way on every run.
        self._surface_by_length: dict[int, list[str]] = {}
        for word in surface:
            self._surface_by_length.setdefault(len(word), []).append(word)
        self._typo_candidates: dict[tuple[int, int], list[str]] = {}
        self._vocabulary = self._known
        self._typo_cache: dict[str, str | None] = {}
        # words recur from one question to the next: resolve each once
        self._resolve_cached = functools.lru_cache(maxsize=_CACHE_SIZE)(self._resolve_new)

    @property
    def vocabulary(self) -> frozenset[str]:
        """The informative normalized words of the indexed texts (stop words left out)."""
        return self._vocabulary

    def rank(self, query: str | Tokens, *, limit: int = 5) -> list[Candidate]:
        """Entries for ``query``, best first, one per key; ``[]`` when nothing is shared."""
        if limit <= 0 or not self._texts:
            return []
        tokens = _query_tokens(query)
        words, query_types = tokens.words[:_MAX_QUERY_TOKENS], tokens.types

        # Query stems with their weight. A word unknown to the index is
        # replaced by its nearest indexed word; failing that it keeps its stem
        # (soft matching may still find it a relative) and counts in the total
        # at the maximum IDF.
        weights: dict[str, float] = {}
        unknown: dict[str, float] = {}
        order: list[str] = []
        for word in words:
            s = self._resolve(word)
            order.append(s)
            if s in weights or s in unknown:
                continue
            if s in self._idf:
                weights[s] = self._idf[s]
            else:
                unknown[s] = self._max_idf
        if not weights:
            return []
        total = sum(weights.values()) + sum(unknown.values())

        chosen = self._shortlist(self._recall(weights))
        query_sorted = " ".join(sorted(order))
        similar = self._similar_stems(weights, unknown, chosen)

        idf = self._idf
        weight_of = {**unknown, **weights}
        best: dict[int, tuple[float, float, int, float]] = {}  # → score, coverage, text, its cover
        for index in chosen:
            doc = self._texts[index]
            stems = doc.stems
            # fsum: exact, so the same on every run whatever the set order
            matched = math.fsum([weights[s] for s in stems & weights.keys()])
            matched_doc = matched
            # Soft credit for the query stems the text lacks: the most similar
            # of the text's own stems, in proportion to the similarity.
            for s, relatives in similar:
                if s in stems:
                    continue
                found = relatives.keys() & stems
                if found:
                    # the most similar; among equals, the same one on every run
                    other = max(sorted(found), key=relatives.__getitem__)
                    credit = _SOFT_CREDIT * relatives[other] / 100.0
                    matched += credit * weight_of[s]
                    matched_doc += credit * idf[other]
            q_cov = matched / total
            if q_cov > 1.0:
                q_cov = 1.0
            d_cov = matched_doc / doc.weight if doc.weight else 0.0
            if d_cov > 1.0:
                d_cov = 1.0
            denominator = _BETA2 * d_cov + q_cov
            f_beta = (1.0 + _BETA2) * q_cov * d_cov / denominator if denominator else 0.0
            fuzzy = fuzz.ratio(query_sorted, doc.sorted_stems) / 100.0  # = token_sort_ratio
            score = _W_COVERAGE * f_beta + _W_FUZZY * fuzzy
            if query_types and doc.types:
                score += _W_TYPE_AGREE if query_types & doc.types else -_W_TYPE_CLASH
            score = 100.0 if score >= 1.0 else (100.0 * score if score > 0.0 else 0.0)
            previous = best.get(doc.entry)
            if previous is None:
                best[doc.entry] = (score, q_cov, index, d_cov)
            elif score > previous[0]:
                best[doc.entry] = (score, max(q_cov, previous[1]), index, d_cov)
            elif q_cov > previous[1]:
                best[doc.entry] = (previous[0], q_cov, previous[2], previous[3])

        ranked = sorted(best.items(), key=lambda item: item[1][0], reverse=True)[:limit]
        return [
            Candidate(
                key=self._keys[entry],
                score=round(score, 2),
                text=self._texts[index].text,
                coverage=round(coverage, 4),
                text_coverage=round(text_coverage, 4),
            )
            for entry, (score, coverage, index, text_coverage) in ranked
        ]

    def focus(self, query: str | Tokens, keys: Iterable[str]) -> dict[str, tuple[float, float]]:
        """Per entry: (the query's first telling word is among the entry's words, the first
        telling word of one of the entry's texts is among the query's), 1.0 or 0.0."""
        stems = [self._resolve(w) for w in _query_tokens(query).words[:_MAX_QUERY_TOKENS]]
        head = next((s for s in stems if s not in self._common), None)
        if head is None:
            return {}
        wanted = frozenset(stems)
        return {
            key: (float(head in self._entry_stems[i]), float(bool(self._entry_heads[i] & wanted)))
            for key in keys
            if (i := self._key_index.get(key)) is not None
        }

    def names_nothing(self, query: str | Tokens) -> bool:
        """True when every word of the query is one that most entries hold (or it has none):
        "هل يوفر التعاون الوطني ذلك؟" names the institution, not what is asked of it."""
        words = _query_tokens(query).words
        return all(self._resolve(w) in self._common for w in words[:_MAX_QUERY_TOKENS])

    def novelty(self, query: str | Tokens) -> float:
        """0..1: the share of the query's informative weight that no indexed text holds.

        A question about something the texts never speak of ("réclamation",
        "covid") is mostly novel, however well its other words match.
        """
        words = _query_tokens(query).words
        known = unknown = 0.0
        for s in dict.fromkeys(self._resolve(w) for w in words[:_MAX_QUERY_TOKENS]):
            if s in self._idf:
                known += self._idf[s]
            else:
                unknown += self._max_idf
        total = known + unknown
        return unknown / total if total else 0.0

    # --- helpers ----------------------------------------------------------

    def _recall(self, weights: Mapping[str, float]) -> dict[int, float]:
        """BM25 scores of the texts sharing a stem with the query."""
        postings = self._postings
        rare = sorted(
            (s for s in weights if s not in self._common),
            key=lambda s: len(postings[s]),
            reverse=True,
        )
        common = [s for s in weights if s in self._common]
        acc: dict[int, float] = {}
        if rare:
            acc.update(postings[rare[0]])  # the longest list copied at C speed
            for s in rare[1:]:
                get = acc.get
                for index, value in postings[s].items():
                    acc[index] = get(index, 0.0) + value
        if len(acc) < self._depth:
            # Too few texts found by the rarer words: the common ones bring
            # their best texts (candidates for soft matching). Otherwise they
            # are left to the scoring stage: they weigh little and would only
            # reorder texts that the rarer words found.
            for s in common:
                get = acc.get
                for index, value in self._best_postings[s]:
                    acc[index] = get(index, 0.0) + value
        return acc

    def _shortlist(self, acc: dict[int, float]) -> list[int]:
        """The best texts by BM25, at most ``_PER_ENTRY`` per entry, ``depth`` in all."""
        depth = self._depth
        wanted = depth if self._one_text_per_entry else depth * _PER_ENTRY
        if len(acc) <= _SORT_LIMIT:  # a C sort beats a Python heap on short lists
            ordered = sorted(acc, key=acc.__getitem__, reverse=True)[:wanted]
        else:
            ordered = heapq.nlargest(wanted, acc, key=acc.__getitem__)
        if self._one_text_per_entry:
            return ordered
        chosen: list[int] = []
        per_entry: dict[int, int] = {}
        for index in ordered:
            entry = self._texts[index].entry
            seen = per_entry.get(entry, 0)
            if seen < _PER_ENTRY:
                per_entry[entry] = seen + 1
                chosen.append(index)
                if len(chosen) == depth:
                    break
        return chosen

    def _similar_stems(
        self,
        weights: Mapping[str, float],
        unknown: Mapping[str, float],
        chosen: Sequence[int],
    ) -> list[tuple[str, dict[str, float]]]:
        """For each query stem, the shortlisted texts' other stems that resemble it."""
        texts = self._texts
        pool = set().union(*(texts[index].stems for index in chosen))
        pool.difference_update(weights)
        pool.difference_update(unknown)
        if not pool:
            return []
        choices = list(pool)
        found: list[tuple[str, dict[str, float]]] = []
        for s in (*weights, *unknown):
            relatives = process.extract(
                s, choices, scorer=fuzz.ratio, score_cutoff=_SOFT_CUTOFF, limit=None
            )
            kept = {
                other: ratio
                for other, ratio, _ in relatives
                if abs(len(other) - len(s)) <= _SOFT_MAX_LENGTH_GAP
            }
            if kept:
                found.append((s, kept))
        return found

    def _resolve(self, word: str) -> str:
        """The stem of a query word, or of its nearest indexed word when it has a typo."""
        known = self._surface.get(word)
        if known is not None:
            return known
        return self._resolve_cached(word)

    def _resolve_new(self, word: str) -> str:
        bare = strip_clitics(word, self._known)
        s = self._stemmer(bare)
        if s in self._idf or len(word) < _TYPO_MIN_LEN:
            return s
        if word in self._typo_cache:
            found = self._typo_cache[word]
        else:
            found = None
            # the word as typed, then without its article or particle (الظهيرر → ظهيرر)
            for form in dict.fromkeys((word, _without_article(bare))):
                if len(form) < _TYPO_MIN_LEN:
                    continue  # one edit makes a short word into too many others
                edits = _TYPO_EDITS_LONG if len(form) >= _TYPO_LONG_WORD else _TYPO_EDITS
                match = process.extractOne(
                    form,
                    self._candidates(len(form), edits),
                    scorer=OSA.distance,
                    score_cutoff=edits,
                )
                if match is not None:
                    found = self._surface[match[0]]
                    break
            if len(self._typo_cache) >= _CACHE_SIZE:
                self._typo_cache.clear()
            self._typo_cache[word] = found
        return found if found is not None else s

    def _candidates(self, length: int, edits: int) -> list[str]:
        """The indexed words a word of this length may be within `edits` edits of."""
        found = self._typo_candidates.get((length, edits))
        if found is None:
            found = self._typo_candidates[(length, edits)] = sorted(
                word
                for n in range(length - edits, length + edits + 1)
                for word in self._surface_by_length.get(n, ())
            )
        return found


def _without_article(word: str) -> str:
    """ال off the front, when a word of three letters or more remains."""
    return word[2:] if word.startswith("\u0627\u0644") and len(word) >= 5 else word


def _second(item: tuple[int, float]) -> float:
    return item[1]


def _idf(n: int, df: int) -> float:
    # BM25's IDF (with the +1 that keeps it positive), sharpened by a power.
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5)) ** _IDF_POWER
