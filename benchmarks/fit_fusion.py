"""Fit the fusion of the signals (bot/fusion.yaml) by cross-validation on labelled cases.

Usage: python benchmarks/fit_fusion.py [FILE ...] [--write]
       [--with FEATURES] [--memoryless-with FEATURES] [--leave-out GROUPS [--failures]]
(default file: tests/data/labelled.yaml, the project's own cases; never the file
whose figure is reported as held out).

1. Every case that reaches the matching step is read once, with every signal.
2. Each candidate entry of a case has its features and whether its answer
   satisfies the case; "none of them" has the message's features and is right
   for out-of-scope cases (and for cases no candidate can answer).
3. A conditional logit (a softmax over the candidates and "none", linear in
   standardized features, L2) is fitted in K folds grouped by case; the
   out-of-fold probabilities are what the thresholds are chosen on, so that
   the thresholds never see the model's fit on their own case.
4. The thresholds (answer / margin / clarify) maximize the eval score minus a
   penalty per wrong answer; the limits under which the lexical ranking is
   trusted alone ("lexical_sure", which saves the encoder's time) are the
   loosest that gave no wrong answer.
5. The optional features (bot.fusion.OPTIONAL_FEATURES: focus, character n-grams,
   text coverage) are fitted in only when named (--with; --memoryless-with for the
   policy without the memory): which to name is decided by --leave-out, the probes
   scored as unseen. The shipped fit: --with text_coverage --memoryless-with "".
6. The final model is fitted on every row. With --write, bot/fusion.yaml is
   written; without, the figures are only printed.

The memory (bot/memory.py): every labelled question but small talk, with the
entries that answer it, is remembered, and a message's similarity to the
nearest remembered question of each entry (and to the nearest out-of-scope
one) are features. A case's memory features come only from the other groups'
cases (a group is one probe, written by one person at one time), so that the
fit sees them as a fresh question would. A second policy is fitted without
those features, for a knowledge base the memory does not know. With --write,
bot/memory.npz (the questions and their encoder vectors) is written too.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import itertools
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.dialogue import Dialogue, encoder_readings  # noqa: E402
from bot.evaluation import load_cases, satisfies  # noqa: E402
from bot.fusion import (  # noqa: E402
    FEATURES,
    FUSION_PATH,
    MEMORY_FEATURES,
    MESSAGE_FEATURES,
    OPTIONAL_FEATURES,
    Linear,
    Policy,
    Scored,
    decide,
    default_policy,
    features,
    message_features,
)
from bot.knowledge import load  # noqa: E402
from bot.memory import MEMORY_PATH, Memory, Recall  # noqa: E402
from bot.semantic import MODEL_ID  # noqa: E402

FOLDS = 5
L2 = 1.0
WRONG_PENALTY = 4.0  # a wrong answer costs this many right ones: never answer wrongly
GRID = {
    "answer": [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85],
    "margin": [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5],
    "clarify": [0.1, 0.15, 0.2, 0.25, 0.3],
}
SUGGEST_GRID = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75]
SURE_GRID = {
    "score": [60, 65, 70, 75, 80, 85, 90, 95],
    "margin": [10, 15, 20, 25, 30, 40],
    "coverage": [0.5, 0.6, 0.7, 0.8, 0.9],
}


def _fit_softmax(x, mask, right, m, l2: float = L2, steps: int = 1500):
    """Gradient descent (Adam) on the L2-penalized cross-entropy of the choice.

    x: (cases, candidates, d); mask: real candidates; right: the candidates
    whose answer is right; m: (cases, d_message). Target: the right candidates
    (their total probability), or "none" when no candidate is right.
    """
    n, c, d = x.shape
    dm = m.shape[1]
    w, v, b = np.zeros(d), np.zeros(dm), 0.0
    has_right = right.any(axis=1)
    params = np.zeros(d + dm + 1)
    first, second = np.zeros_like(params), np.zeros_like(params)
    for t in range(1, steps + 1):
        w, v, b = params[:d], params[d : d + dm], params[-1]
        s = np.where(mask, x @ w, -np.inf)
        s_none = m @ v + b
        top = np.maximum(s.max(axis=1), s_none)
        e = np.where(mask, np.exp(s - top[:, None]), 0.0)
        e_none = np.exp(s_none - top)
        z = e_none + e.sum(axis=1)
        p, p_none = e / z[:, None], e_none / z
        # target: the right candidates in proportion to their probability, or none
        r = np.where(right, e, 0.0)
        r_total = r.sum(axis=1)
        q = np.where(has_right[:, None], r / np.maximum(r_total, 1e-300)[:, None], 0.0)
        q_none = np.where(has_right, 0.0, 1.0)
        gs, gn = p - q, p_none - q_none
        grad = np.concatenate(
            [
                np.einsum("nc,ncd->d", gs, np.where(mask[:, :, None], x, 0.0)) / n + l2 * w / n,
                m.T @ gn / n + l2 * v / n,
                [gn.sum() / n],
            ]
        )
        first = 0.9 * first + 0.1 * grad
        second = 0.999 * second + 0.001 * grad**2
        params = params - 0.05 * (first / (1 - 0.9**t)) / (np.sqrt(second / (1 - 0.999**t)) + 1e-8)
    return params[:d], params[d : d + dm], float(params[-1])


class Rows:
    """The candidates of every case that reaches the matching step.

    The memory's signals of a case come from the other groups' cases only (a
    group is one probe, written by one person at one time): a case never meets
    itself nor its writer's near-copies, as a fresh question would not.
    """

    def __init__(
        self, dialogue: Dialogue, cases, memory: Memory, groups, use_memory: bool, optional=()
    ) -> None:
        self.cases = []  # (case, [(key, features, right)], message features, fixed reply)
        self.readings = {}
        self.features = tuple(
            f for f in (*FEATURES, *optional) if use_memory or f not in MEMORY_FEATURES
        )
        self.message_features = tuple(
            f for f in MESSAGE_FEATURES if use_memory or f not in MEMORY_FEATURES
        )
        kb = dialogue.kb
        brain = dialogue.brain
        assert brain.semantic is not None, "the encoder is needed to fit the fusion"
        for i, case in enumerate(cases):
            reply = dialogue.reply(case.question)
            step = reply.decision.get("step")
            if case.expect == "smalltalk" or step in (
                "smalltalk",
                "smalltalk_meaning",
                "lacking",
                "too_long",
            ):
                self.cases.append((case, [], {}, reply))
                continue
            reading = dialogue.read(case.question, semantic=True, every_signal=True)
            assert reading.signals is not None, "the encoder is needed to fit the fusion"
            recall = (
                memory.recall(
                    brain.semantic.query(encoder_readings(brain, case.question)),
                    reading.question,
                    allowed=groups != case.group,
                )
                if use_memory
                else Recall({}, 0.0)
            )
            signals = dataclasses.replace(
                reading.signals,
                memory=recall.entries,
                memory_none=recall.none,
                memory_words=recall.words,
                memory_words_none=recall.words_none,
            )
            self.readings[i] = dataclasses.replace(reading, signals=signals)
            rows = []
            for key in signals.candidates():
                entry = kb.entry(key)
                right = (
                    not isinstance(case.expect, str)
                    and entry is not None
                    and satisfies(entry.answer, case.expect)
                )
                rows.append((key, features(signals, key), right))
            self.cases.append((case, rows, message_features(signals), None))

    def tensors(self, indices):
        width = max(len(self.cases[i][1]) for i in indices)
        n = len(indices)
        x = np.zeros((n, width, len(self.features)))
        mask = np.zeros((n, width), bool)
        right = np.zeros((n, width), bool)
        m = np.zeros((n, len(self.message_features)))
        for row, i in enumerate(indices):
            _case, candidates, message, _ = self.cases[i]
            for col, (_key, values, is_right) in enumerate(candidates):
                x[row, col] = [values[f] for f in self.features]
                mask[row, col] = True
                right[row, col] = is_right
            m[row] = [message[f] for f in self.message_features]
        return x, mask, right, m


def fit(rows: Rows, indices) -> Policy:
    x, mask, right, m = rows.tensors(indices)
    flat = x[mask]
    mean, scale = flat.mean(axis=0), flat.std(axis=0)
    scale[scale == 0] = 1.0
    m_mean, m_scale = m.mean(axis=0), m.std(axis=0)
    m_scale[m_scale == 0] = 1.0
    w, v, b = _fit_softmax((x - mean) / scale, mask, right, (m - m_mean) / m_scale)
    return Policy(
        entry=Linear(
            _named(rows.features, w), 0.0, _named(rows.features, mean), _named(rows.features, scale)
        ),
        none=Linear(
            _named(rows.message_features, v),
            b,
            _named(rows.message_features, m_mean),
            _named(rows.message_features, m_scale),
        ),
    )


def _memory(brain, cases) -> tuple[Memory, np.ndarray]:
    """Every labelled question but small talk, with the entries whose answers satisfy it
    (none: out of scope), encoded as the bot reads a message; and each one's group."""
    questions, answers, vectors, owners, groups = [], [], [], [], []
    for case in cases:
        if case.expect == "smalltalk":
            continue
        if case.expect == "no_match":
            right: tuple[str, ...] = ()
        else:
            right = tuple(e.id for e in brain.kb.entries if satisfies(e.answer, case.expect))
            if not right:
                continue
        rows = brain.semantic.query(encoder_readings(brain, case.question))
        vectors.append(rows)
        owners.extend([len(questions)] * len(rows))
        questions.append(case.question)
        answers.append(right)
        groups.append(case.group)
    fitted = {entry.id: (entry.question, entry.answer) for entry in brain.kb.entries}
    memory = Memory(questions, answers, np.concatenate(vectors), np.array(owners), fitted)
    memory.read_words(brain.tokens)
    return memory, np.array(groups)


def _named(names, values) -> dict[str, float]:
    return {name: float(value) for name, value in zip(names, values, strict=True)}


def credit(case, status: str, chosen_keys: list[str], kb) -> tuple[float, bool]:
    """The eval's credit for a decision (1, 0.5 for a clarify holding the right entry, 0)."""
    if case.expect == "no_match":
        return (1.0 if status == "no_match" else 0.0), status == "answered"
    if isinstance(case.expect, str):
        return 0.0, status == "answered"
    rights = [
        kb.entry(k) is not None and satisfies(kb.entry(k).answer, case.expect) for k in chosen_keys
    ]
    if status == "answered":
        return (1.0, False) if rights[0] else (0.0, True)
    if status == "clarify" and any(rights):
        return 0.5, False
    return 0.0, False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--kb", default=str(ROOT / "knowledge" / "faq_ar.yaml"))
    parser.add_argument("--write", action="store_true", help="write bot/fusion.yaml")
    parser.add_argument(
        "--leave-out",
        metavar="GROUPS",
        help="comma-separated groups (probes): fit on the others, score each as unseen",
    )
    parser.add_argument(
        "--failures", action="store_true", help="with --leave-out: each case not fully right"
    )
    parser.add_argument(
        "--with",
        dest="optional",
        default="",
        metavar="FEATURES",
        help=f"comma-separated optional features to fit in too: {', '.join(OPTIONAL_FEATURES)}",
    )
    parser.add_argument(
        "--memoryless-with",
        dest="memoryless",
        default=None,
        metavar="FEATURES",
        help="the optional features of the policy without the memory (default: as --with)",
    )
    args = parser.parse_args()
    optional = _optional(parser, args.optional)
    memoryless = optional if args.memoryless is None else _optional(parser, args.memoryless)
    files = [Path(f) for f in args.files] or [ROOT / "tests/data/labelled.yaml"]
    kb = load(args.kb)
    dialogue = Dialogue(kb, policy=None)
    cases = [c for f in files for c in load_cases(f)]
    memory, groups = _memory(dialogue.brain, cases)
    if args.leave_out:
        groups_out = args.leave_out.split(",")
        return leave_out(
            dialogue, cases, memory, groups, groups_out, files, args.failures, optional, memoryless
        )
    policies = {}
    for use_memory in (True, False):
        print(f"\n===== {'with' if use_memory else 'without'} the memory =====")
        chosen = optional if use_memory else memoryless
        rows = Rows(dialogue, cases, memory, groups, use_memory, chosen)
        policies[use_memory] = choose(rows, kb, files, cases)
    # the small-talk rule is fitted apart (fit_smalltalk.py): kept as it is
    kept = default_policy()
    policy = dataclasses.replace(
        policies[True],
        without_memory=policies[False],
        **({"smalltalk": kept.smalltalk} if kept is not None else {}),
    )
    if args.write:
        header = (
            "# The fitted fusion of the engine's signals: written by "
            "benchmarks/fit_fusion.py --write;\n# do not edit by hand, refit after "
            "changing features or labelled cases.\n"
        )
        FUSION_PATH.write_text(
            header + yaml.safe_dump(policy.as_dict(), allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
        memory.save(MEMORY_PATH, MODEL_ID)
        print(f"written: {FUSION_PATH}, {MEMORY_PATH} ({len(memory)} questions)")
    return 0


def _optional(parser: argparse.ArgumentParser, names: str) -> tuple[str, ...]:
    chosen = tuple(f for f in names.split(",") if f)
    unknown = set(chosen) - set(OPTIONAL_FEATURES)
    if unknown:
        parser.error(f"not an optional feature: {', '.join(sorted(unknown))}")
    return chosen


def leave_out(
    dialogue, cases, memory, groups, left_out, files, failures=False, optional=(), memoryless=()
) -> int:
    """Each group scored as a fresh probe: the fusion fitted on the other groups, the
    memory holding none of its cases (as the group-exclusion rule already gives)."""
    from bot.evaluation import judge

    kb = dialogue.kb
    results = []
    for use_memory in (False, True):
        chosen = optional if use_memory else memoryless
        rows = Rows(dialogue, cases, memory, groups, use_memory, chosen)
        for group in left_out:
            inside = {i for i, c in enumerate(cases) if c.group == group}
            policy = choose(rows, kb, files, cases, set(range(len(cases))) - inside)
            total, wrong, by_tag = 0.0, 0, {}
            for i in sorted(inside):
                case, candidates, message, fixed = rows.cases[i]
                if fixed is not None:
                    outcome = judge(case, fixed)
                    c, w = outcome.credit, outcome.wrong_answer
                else:
                    p, _none = policy.probabilities({k: v for k, v, _ in candidates}, message)
                    scored = sorted(
                        (Scored(k, p[k], v) for k, v, _ in candidates), key=lambda s: -s.probability
                    )
                    status, chosen = decide(scored, policy, long=rows.readings[i].long)
                    c, w = credit(case, status, [s.key for s in chosen], kb)
                    if failures and use_memory and c < 1:
                        top = ", ".join(f"{s.key} {s.probability:.2f}" for s in scored[:3])
                        shown = " ".join(case.question.split())[:110]
                        print(f"  [{group} {case.tag}] {c} {status}{' WRONG' if w else ''}: {top}")
                        print(f"      {shown}  (expected {case.expect})")
                total += c
                wrong += w
                seen = by_tag.setdefault(case.tag, [0, 0.0])
                seen[0] += 1
                seen[1] += c
            tags = ", ".join(f"{t} {100 * g / n:.0f}" for t, (n, g) in sorted(by_tag.items()))
            results.append(
                f"{group:<10} {'with' if use_memory else 'without':<8} {len(inside):>5} "
                f"{100 * total / len(inside):>6.1f}% {int(wrong):>5}   {tags}"
            )
    print("\nleft out    memory    cases  score wrong   by tag")
    print("\n".join(results))
    return 0


def choose(rows: Rows, kb, files, cases, within: set[int] | None = None) -> Policy:
    """Cross-validated weights and thresholds for one set of features (on the cases
    ``within``, all by default)."""
    considered = set(range(len(cases))) if within is None else within
    matched = [
        i for i, (_, _r, _m, fixed) in enumerate(rows.cases) if fixed is None and i in considered
    ]
    print(
        f"{len(cases)} cases, {len(matched)} reach the matching step, "
        f"{sum(len(rows.cases[i][1]) for i in matched)} candidate rows"
    )

    # out-of-fold probabilities, folds grouped by case (every 5th case: tags stay mixed)
    oof: dict[int, list[tuple[str, float, dict, object]]] = {}
    for fold in range(FOLDS):
        train = [i for n, i in enumerate(matched) if n % FOLDS != fold]
        test = [i for n, i in enumerate(matched) if n % FOLDS == fold]
        policy = fit(rows, train)
        for i in test:
            candidates, message = rows.cases[i][1], rows.cases[i][2]
            probabilities, _none = policy.probabilities({k: v for k, v, _ in candidates}, message)
            scored = [Scored(k, probabilities[k], v) for k, v, _ in candidates]
            scored.sort(key=lambda s: -s.probability)
            oof[i] = scored

    def simulate(answer, margin, clarify, by_tag=None, answer_long=None, only=None, suggest=2.0):
        policy = Policy(
            Linear({}),
            Linear({}),
            answer=answer,
            answer_long=answer if answer_long is None else answer_long,
            margin=margin,
            clarify=clarify,
            suggest=suggest,
        )
        total, wrong = 0.0, 0
        for i in matched:
            long = rows.readings[i].long
            if only is not None and long != only:
                continue
            status, chosen = decide(oof[i], policy, long=long)
            c, w = credit(rows.cases[i][0], status, [s.key for s in chosen], kb)
            total += c
            wrong += w
            if by_tag is not None:
                tag = rows.cases[i][0].tag
                seen = by_tag.setdefault(tag, [0, 0.0, 0])
                seen[0] += 1
                seen[1] += c
                seen[2] += w
        return total, wrong

    fixed_credit = 0.0
    fixed_wrong = 0
    from bot.evaluation import judge

    for i, (case, _r, _m, reply) in enumerate(rows.cases):
        if reply is not None and i in considered:
            o = judge(case, reply)
            fixed_credit += o.credit
            fixed_wrong += o.wrong_answer
    results = []
    for answer, margin, clarify in itertools.product(*GRID.values()):
        if clarify > answer:
            continue
        total, wrong = simulate(answer, margin, clarify)
        objective = total - WRONG_PENALTY * wrong
        results.append((objective, total, wrong, answer, margin, clarify))
    results.sort(reverse=True)
    print("\nthresholds on out-of-fold probabilities (best 8):")
    print(f"{'answer':>7} {'margin':>7} {'clarify':>7} {'score':>7} {'wrong':>6}")
    n = len(considered)
    for _objective, total, wrong, answer, margin, clarify in results[:8]:
        print(
            f"{answer:>7} {margin:>7} {clarify:>7} "
            f"{100 * (total + fixed_credit) / n:>6.1f}% {wrong + fixed_wrong:>6}"
        )
    _, best_total, best_wrong, answer, margin, clarify = results[0]
    # messages of several sentences (stories, context) get their own answer threshold
    long_results = []
    for answer_long in GRID["answer"]:
        total, wrong = simulate(answer, margin, clarify, answer_long=answer_long, only=True)
        long_results.append((total - WRONG_PENALTY * wrong, answer_long))
    answer_long = max(long_results)[1]
    print(f"\nanswer threshold for messages of several sentences: {answer_long}")
    # a lone fairly likely candidate: offered as "did you mean this?" from which probability
    # (half right when it is the answer, a lost refusal when the question is out of scope)
    suggest_results = []
    for suggest in (2.0, *SUGGEST_GRID):
        if suggest <= 1 and suggest >= min(answer, answer_long):
            continue
        total, wrong = simulate(answer, margin, clarify, answer_long=answer_long, suggest=suggest)
        suggest_results.append((total - WRONG_PENALTY * wrong, suggest))  # ties: the higher
    suggest = max(suggest_results)[1]
    print(f"a lone candidate offered from: {suggest if suggest <= 1 else 'never'}")
    best_total, best_wrong = simulate(
        answer, margin, clarify, answer_long=answer_long, suggest=suggest
    )

    # when is the lexical ranking right on its own? (no wrong answer among labelled cases)
    sure = None
    for score, lead, coverage in itertools.product(*SURE_GRID.values()):
        covered = wrong = 0
        for i in matched:
            case = rows.cases[i][0]
            reading = rows.readings[i]
            if reading.long or reading.story.situations:
                continue
            cands = reading.candidates
            if not cands:
                continue
            second = cands[1].score if len(cands) > 1 else 0.0
            if (
                cands[0].score >= score
                and cands[0].score - second >= lead
                and cands[0].coverage >= coverage
            ):
                covered += 1
                c, _w = credit(case, "answered", [cands[0].key], kb)
                wrong += c < 1
        if wrong == 0 and (sure is None or covered > sure[0]):
            sure = (covered, score, lead, coverage)
    if sure:
        print(
            f"\nlexical ranking trusted alone: score ≥ {sure[1]}, lead ≥ {sure[2]}, "
            f"coverage ≥ {sure[3]}: {sure[0]} of {len(matched)} cases, 0 wrong"
        )

    by_tag: dict = {}
    simulate(answer, margin, clarify, by_tag, answer_long=answer_long, suggest=suggest)
    print("\nout-of-fold, by tag (cases reaching the matching step):")
    for tag, (count, got, wrong) in sorted(by_tag.items()):
        print(f"  {tag:<12} {count:>4} {100 * got / count:>6.1f}%  wrong {wrong}")
    final = fit(rows, matched)
    print("\nweights (standardized features): entry")
    for name in rows.features:
        print(f"  {name:<16} {final.entry.weights[name]:+.3f}")
    print("none of them")
    for name in rows.message_features:
        print(f"  {name:<16} {final.none.weights[name]:+.3f}")
    print(f"  {'bias':<16} {final.none.bias:+.3f}")
    fitted = {
        "on": [str(f.relative_to(ROOT)) if f.is_relative_to(ROOT) else f.name for f in files],
        "date": datetime.date.today().isoformat(),
        "cases": n,
        "folds": FOLDS,
        "l2": L2,
        "wrong_penalty": WRONG_PENALTY,
        "cross_validated_score": round(100 * (best_total + fixed_credit) / n, 1),
        "cross_validated_wrong": int(best_wrong + fixed_wrong),
    }
    if sure:
        fitted["lexical_sure"] = {"score": sure[1], "margin": sure[2], "coverage": sure[3]}
    policy = Policy(
        final.entry,
        final.none,
        answer=answer,
        answer_long=answer_long,
        margin=margin,
        clarify=clarify,
        related=min(clarify, 0.1),
        suggest=suggest,
        fitted=fitted,
    )
    print(
        f"\nchosen: answer {answer} ({answer_long} for several sentences), margin {margin}, "
        f"clarify {clarify}: cross-validated "
        f"{fitted['cross_validated_score']}%, {fitted['cross_validated_wrong']} wrong"
    )
    return policy


if __name__ == "__main__":
    raise SystemExit(main())
